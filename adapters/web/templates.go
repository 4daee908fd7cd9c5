package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
)

// files holds the templates and the static files, built into the binary.
//
//go:embed templates static
var files embed.FS

// chartCSS is the charts' style sheet (package chart), served beside the
// site's as /static/chart.css so that the two cannot drift apart.
//
//go:embed chart/chart.css
var chartCSS embed.FS

// templates is every page's template, each parsed with the layout once.
type templates struct {
	byName map[string]*template.Template
}

// funcs are the helpers templates may call; each is pure.
func funcs() template.FuncMap {
	return template.FuncMap{
		"statusWords": statusWords,
		"date":        func(t time.Time) string { return t.UTC().Format("2 January 2006") },
		"roleWords":   roleWords,
		"rfc3339":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"controlID":   ControlID,
		"day":         func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
		"when":        func(t time.Time) string { return t.UTC().Format("2 January 2006, 15:04 UTC") },
		"latest": func(a []domain.PlanAdjusted) domain.PlanAdjusted {
			if len(a) == 0 {
				return domain.PlanAdjusted{}
			}
			return a[len(a)-1]
		},
	}
}

// parseTemplates parses templates/layout.html and templates/common with each file of
// templates/pages of the embedded files into a template named for the file
// (learner.html is "learner"). Returns an error naming the file that does
// not parse.
func parseTemplates() (*templates, error) { return parseTemplatesFS(files) }

// parseTemplatesFS is parseTemplates from any file system, so a test can
// add a page that fails.
func parseTemplatesFS(fsys fs.FS) (*templates, error) {
	names, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: list templates: %w", err)
	}
	common, err := fs.Glob(fsys, "templates/common/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: list partials: %w", err)
	}
	t := &templates{byName: make(map[string]*template.Template, len(names))}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		// The partials of templates/common (the forms' controls) are
		// parsed with every page, as the layout is.
		tmpl, err := template.New(name).Funcs(funcs()).ParseFS(fsys, append(append([]string{"templates/layout.html"}, common...), file)...)
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", file, err)
		}
		if tmpl.Lookup("content") == nil || tmpl.Lookup("title") == nil {
			return nil, fmt.Errorf("web: template %s must define \"title\" and \"content\"", file)
		}
		t.byName[name] = tmpl
	}
	if _, ok := t.byName["error"]; !ok {
		return nil, fmt.Errorf("web: no error page template")
	}
	return t, nil
}

// layoutData is what the layout sees: who is signed in (nil if no one),
// the session's CSRF token for the sign-out form, and the page's own data.
type layoutData struct {
	Principal *access.Principal
	CSRF      string
	Page      any
}

// render executes a page into a buffer and sends it whole with status. A
// template that fails is a 500 error page and a log line, never half a
// page; if the error page itself fails, a plain 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, sess *signedIn, page any) {
	data := layoutData{Page: page}
	if sess != nil {
		data.Principal, data.CSRF = &sess.principal, sess.csrf
	}
	var buf bytes.Buffer
	err := s.templates.execute(&buf, name, data)
	if err != nil {
		log := loggerFrom(r.Context())
		log.Error("render page", "template", name, "err", err.Error())
		if name == "error" {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		status = http.StatusInternalServerError
		buf.Reset()
		_, message, _ := statusOf(err)
		data.Page = errorPage{Status: status, Title: http.StatusText(status), Message: message, RequestID: w.Header().Get("X-Request-Id")}
		if err := s.templates.execute(&buf, "error", data); err != nil {
			log.Error("render error page", "err", err.Error())
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show learners' records: no cache keeps a copy.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		loggerFrom(r.Context()).Debug("write page", "err", err.Error())
	}
}

func (t *templates) execute(buf *bytes.Buffer, name string, data layoutData) error {
	tmpl, ok := t.byName[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	return tmpl.ExecuteTemplate(buf, "layout", data)
}

// statusClass is the short class of a status's cell in a school's table
// (static/style.css, learnerRow.Cells), "" for not started, which needs
// no style: the table repeats it for every learner and standard, so each
// byte counts hundreds of times, and the words in the cell say the status
// anyway.
func statusClass(s domain.Status) string {
	switch s {
	case domain.StatusInProgress:
		return "p"
	case domain.StatusReady:
		return "r"
	case domain.StatusMet:
		return "m"
	}
	return ""
}

// statusWords is a mastery status as the pages say it.
func statusWords(s domain.Status) string {
	switch s {
	case domain.StatusNotStarted:
		return "not started"
	case domain.StatusInProgress:
		return "in progress"
	case domain.StatusReady:
		return "ready"
	case domain.StatusMet:
		return "met"
	}
	return string(s)
}

// roleWords names a role with its article.
func roleWords(role string) string {
	switch role {
	case domain.RoleAdmin, domain.RoleAuditor:
		return "an " + role
	}
	return "a " + role
}

// staticType is the type of a static file of the site by its extension.
func staticType(ext string) string {
	switch ext {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	return mime.TypeByExtension(ext)
}

// static serves the embedded files under /static/: files only, no
// listing of a folder. The files change only with the binary, so a browser
// may keep them but asks again each time (no-cache) and gets a 304 while
// the file's content, named by its ETag, is the same: a new release is
// never hidden behind a stale script.
func (s *Server) static(w http.ResponseWriter, r *http.Request, _ *signedIn) error {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	if name == "chart.css" {
		http.ServeFileFS(w, r, chartCSS, "chart/chart.css")
		return nil
	}
	sub, err := fs.Sub(files, "static")
	if err != nil {
		return fmt.Errorf("static files: %w", err)
	}
	info, err := fs.Stat(sub, name)
	if !fs.ValidPath(name) || err != nil || info.IsDir() {
		return fmt.Errorf("no static file %q: %w", name, domain.ErrNotFound)
	}
	b, err := fs.ReadFile(sub, name)
	if err != nil {
		return fmt.Errorf("static file %q: %w", name, err)
	}
	sum := sha256.Sum256(b)
	h := w.Header()
	h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	h.Set("Cache-Control", "no-cache")
	// By name, not by sniffing (nosniff is set): a module script must come
	// with a JavaScript type or the browser refuses it. The site's own
	// types are fixed here, not left to the machine's mime.types.
	if ct := staticType(path.Ext(name)); ct != "" {
		h.Set("Content-Type", ct)
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	return nil
}
