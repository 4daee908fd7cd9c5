package web

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// TestRenderFailureIsWhole500: a page whose template fails halfway is a
// 500 error page in the layout, with none of what the page wrote before it
// failed, and a log line.
func TestRenderFailureIsWhole500(t *testing.T) {
	fsys := fstest.MapFS{
		"templates/pages/broken.html": {Data: []byte(`{{define "title"}}Broken{{end}}{{define "content"}}HALF-WRITTEN {{.Page.NoSuchField}}{{end}}`)},
	}
	for _, name := range []string{"templates/layout.html", "templates/pages/error.html"} {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: b}
	}
	tm, err := parseTemplatesFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s := &Server{templates: tm, cfg: Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/broken", nil)
	r = r.WithContext(context.WithValue(r.Context(), logKey{}, s.cfg.Logger)) // as wrap does
	s.render(w, r, http.StatusOK, "broken", nil, struct{}{})
	body := w.Body.String()
	if w.Code != http.StatusInternalServerError || !strings.Contains(body, "<h1>Internal Server Error</h1>") {
		t.Errorf("status %d: %s", w.Code, body)
	}
	if strings.Contains(body, "HALF-WRITTEN") {
		t.Errorf("half a page was sent: %s", body)
	}
	if !strings.Contains(logs.String(), "render page") || !strings.Contains(logs.String(), "NoSuchField") {
		t.Errorf("no log line for the failure: %q", logs.String())
	}
}

// TestTemplateParseErrors: New refuses templates that do not parse or
// lack a block, with an error naming the file, rather than panicking.
func TestTemplateParseErrors(t *testing.T) {
	layout, err := fs.ReadFile(files, "templates/layout.html")
	if err != nil {
		t.Fatal(err)
	}
	for name, page := range map[string]string{
		"syntax":   `{{define "title"}}x{{end}}{{define "content"}}{{if}}{{end}}`,
		"no title": `{{define "content"}}x{{end}}`,
	} {
		_, err := parseTemplatesFS(fstest.MapFS{
			"templates/layout.html":      {Data: layout},
			"templates/pages/error.html": {Data: []byte(page)},
		})
		if err == nil || !strings.Contains(err.Error(), "templates/pages/error.html") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
