package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// strictCSP is the policy the service's pages send: no inline script, so
// the harness must not depend on injecting a <script> element.
const strictCSP = "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'"

// doc wraps a body in a document that passes the document-level rules
// (language, title, a main landmark), so that each test page breaks only
// what it means to.
func doc(title, body string) string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
		`<title>` + title + `</title><link rel="stylesheet" href="/style.css"></head>` +
		`<body><main><h1>` + title + `</h1>` + body + `</main></body></html>`
}

// pages are the test site's documents, by path.
func pages() map[string]string {
	long := strings.Repeat("<p>A paragraph of the long transcript, long enough to take a line of its own on the printed page.</p>\n", 200)
	return map[string]string{
		"/clean": doc("Clean", `<nav aria-label="Site"><a href="/clean">Home</a> <a href="/short">Short</a></nav>
<form action="/clean" method="get">
<label for="q">Search</label> <input id="q" name="q" type="text">
<label for="role">Role</label> <select id="role" name="role"><option>Teacher</option><option>Learner</option></select>
<fieldset><legend>Term</legend>
<input type="radio" id="t1" name="term" value="1" checked><label for="t1">First</label>
<input type="radio" id="t2" name="term" value="2"><label for="t2">Second</label></fieldset>
<label for="note">Note</label> <textarea id="note" name="note"></textarea>
<button type="submit">Find</button></form>`),
		// One rule of each WCAG version: an image without alt text and an
		// input without a label (2.0 A), an autocomplete value that is no
		// such thing (2.1 AA), small links side by side (2.2 AA).
		"/broken": doc("Broken", `<img src="/pixel.svg">
<form action="/broken" method="get"><input type="text" name="q"><button type="submit">Go</button>
<label for="e">Email</label> <input id="e" name="e" type="text" autocomplete="shoe-size"></form>
<p><a href="/clean">1</a> <a href="/short">2</a></p>`),
		"/unreachable": doc("Unreachable", `<p><a href="/clean">Reachable</a> and <a href="/short" tabindex="-1">out of the tab order</a>.</p>`),
		"/trap":        doc("Trap", `<p><a href="/clean">First</a></p><p><a href="/short" id="second">Second</a></p>`),
		"/short":       doc("Short", `<p>One short paragraph.</p>`),
		"/inline":      doc("Inline", `<p id="out">The policy blocked the inline script.</p><script>document.getElementById('out').textContent = 'inline script ran';</script>`),
		"/long":        doc("Long", long),
		"/upload": doc("Upload", `<form action="/upload" method="post" enctype="multipart/form-data">
<label for="f">File</label> <input id="f" name="f" type="file"> <button type="submit" id="send">Send</button></form>`),
	}
}

// newSite serves the test pages on loopback with the strict policy. A GET
// with ?external=URL adds an image from another origin to /clean's body, so
// the request log has something to catch.
func newSite(t *testing.T) *httptest.Server {
	t.Helper()
	docs := pages()
	mux := http.NewServeMux()
	mux.HandleFunc("/style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, "body { font-family: sans-serif; color: #111; background: #fff; } a { color: #0645ad; } nav a { display: inline-block; padding: 0.5em; } @media print { nav { display: none; } }")
	})
	mux.HandleFunc("/pixel.svg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, ok := docs[r.URL.Path]
		if !ok {
			w.Header().Set("Content-Security-Policy", strictCSP)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, doc("Not found", `<p>No such page. <a href="/clean">Home</a></p>`))
			return
		}
		if ext := r.URL.Query().Get("external"); ext != "" {
			body = strings.Replace(body, "</main>", `<img src="`+ext+`/pixel.svg" alt="">`+"</main>", 1)
		}
		w.Header().Set("Content-Security-Policy", strictCSP)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// recorder is a testing.TB that keeps the errors a check reports instead of
// failing the test, so a test can see that the check fails on a bad page.
// Skip and Fatal end the goroutine, as they do on a real test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatal  string
	skip   string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skip = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

// inGoroutine runs f on its own goroutine, so that the recorder's Fatalf and
// Skipf end only f.
func inGoroutine(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

func TestNewWithoutBrowser(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-browser")
	t.Setenv(EnvBrowser, missing)

	t.Run("skips by default", func(t *testing.T) {
		t.Setenv(EnvRequire, "")
		r := &recorder{TB: t}
		inGoroutine(func() { New(r) })
		if r.skip == "" || r.fatal != "" {
			t.Fatalf("skip %q, fatal %q; want a skip", r.skip, r.fatal)
		}
		if !strings.Contains(r.skip, "apt-get install chromium") {
			t.Errorf("skip message %q does not name the install command", r.skip)
		}
	})
	t.Run("fails when required", func(t *testing.T) {
		t.Setenv(EnvRequire, "1")
		r := &recorder{TB: t}
		inGoroutine(func() { New(r) })
		if r.fatal == "" || r.skip != "" {
			t.Fatalf("skip %q, fatal %q; want a failure", r.skip, r.fatal)
		}
		if !strings.Contains(r.fatal, missing) {
			t.Errorf("failure %q does not name the browser looked for", r.fatal)
		}
	})
}

func TestAxe(t *testing.T) {
	srv := newSite(t)
	ctx := New(t)

	t.Run("clean page under the strict policy", func(t *testing.T) {
		Navigate(ctx, t, srv.URL+"/clean")
		Axe(ctx, t, "clean")
	})
	t.Run("the policy holds while axe runs", func(t *testing.T) {
		// The page's own inline script is refused, so the policy is in
		// force, and axe, injected through the protocol, still runs.
		Navigate(ctx, t, srv.URL+"/inline")
		text, err := eval[string](ctx, `document.getElementById('out').textContent`)
		if err != nil {
			t.Fatal(err)
		}
		if text != "The policy blocked the inline script." {
			t.Fatalf("the inline script ran (%q): the test site does not enforce its policy", text)
		}
		Axe(ctx, t, "inline")
		if _, err := eval[string](ctx, `axe.version`); err != nil {
			t.Fatalf("axe is not in the page after Axe: %v", err)
		}
	})
	t.Run("error page", func(t *testing.T) {
		Navigate(ctx, t, srv.URL+"/no-such-page")
		Axe(ctx, t, "404")
	})
	t.Run("broken page fails", func(t *testing.T) {
		Navigate(ctx, t, srv.URL+"/broken")
		vs, err := AxeViolations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range vs {
			ids = append(ids, v.ID)
			if len(v.Targets) == 0 || v.Help == "" || v.Impact == "" {
				t.Errorf("violation %+v lacks its targets, help or impact", v)
			}
		}
		for _, want := range []string{"image-alt", "label", "autocomplete-valid", "target-size"} {
			if !slices.Contains(ids, want) {
				t.Errorf("axe found %v; want %s among them", ids, want)
			}
		}
		// And Axe turns them into failures of the test.
		r := &recorder{TB: t}
		inGoroutine(func() { Axe(ctx, r, "broken") })
		if len(r.errors) != len(vs) || r.fatal != "" {
			t.Fatalf("Axe reported %q (fatal %q); want one error for each of %d violations", r.errors, r.fatal, len(vs))
		}
		if !strings.Contains(strings.Join(r.errors, "\n"), "image-alt (critical)") {
			t.Errorf("Axe's report %q does not name the rule and its impact", r.errors)
		}
	})
	t.Run("twice on one document", func(t *testing.T) {
		Navigate(ctx, t, srv.URL+"/clean")
		Axe(ctx, t, "clean, first")
		Axe(ctx, t, "clean, second")
	})
}

func TestKeyboardReach(t *testing.T) {
	srv := newSite(t)
	ctx := New(t)

	t.Run("every control reached", func(t *testing.T) {
		Navigate(ctx, t, srv.URL+"/clean")
		r, err := KeyboardReachOf(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Two links, the text input, the select, one stop for the radio
		// group, the textarea and the button.
		if len(r.Order) != 7 || len(r.Unreached) != 0 || r.Trap != "" {
			t.Fatalf("reach %+v; want 7 stops, none unreached, no trap", r)
		}
		KeyboardReach(ctx, t)
	})
	t.Run("link out of the tab order is reported", func(t *testing.T) {
		Navigate(ctx, t, srv.URL+"/unreachable")
		r := &recorder{TB: t}
		inGoroutine(func() { KeyboardReach(ctx, r) })
		if len(r.errors) != 1 || !strings.Contains(r.errors[0], `a[href="/short"][tabindex="-1"]`) {
			t.Fatalf("KeyboardReach reported %q (fatal %q); want the link with tabindex=-1", r.errors, r.fatal)
		}
	})
	t.Run("keyboard trap is reported", func(t *testing.T) {
		Navigate(ctx, t, srv.URL+"/trap")
		// A trap as a script would make one: Tab on the second link puts
		// focus back on it. (Installed through the protocol: the page's
		// policy allows no inline script.)
		_, err := eval[chromedp.Void](ctx, `document.getElementById('second').addEventListener('keydown', e => { if (e.key === 'Tab') e.preventDefault(); })`)
		if err != nil {
			t.Fatal(err)
		}
		r, err := KeyboardReachOf(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Trap, "#second") {
			t.Fatalf("reach %+v; want a trap on #second", r)
		}
	})
}

func TestPrintPages(t *testing.T) {
	srv := newSite(t)
	ctx := New(t)
	for _, paper := range []struct {
		name string
		size chromedp.PaperSize
	}{{"A4", chromedp.PaperA4}, {"Letter", chromedp.PaperLetter}} {
		t.Run(paper.name, func(t *testing.T) {
			Navigate(ctx, t, srv.URL+"/short")
			if n := PrintPages(ctx, t, paper.size); n != 1 {
				t.Errorf("short page printed on %d pages; want 1", n)
			}
			Navigate(ctx, t, srv.URL+"/long")
			if n := PrintPages(ctx, t, paper.size); n < 2 {
				t.Errorf("long page printed on %d pages; want more than 1", n)
			}
		})
	}
	t.Run("OnePage", func(t *testing.T) {
		Navigate(ctx, t, srv.URL+"/short")
		OnePage(ctx, t, "short")
		Navigate(ctx, t, srv.URL+"/long")
		r := &recorder{TB: t}
		inGoroutine(func() { OnePage(ctx, r, "long") })
		if len(r.errors) != 2 || r.fatal != "" {
			t.Fatalf("OnePage reported %q (fatal %q); want the long page on A4 and on Letter", r.errors, r.fatal)
		}
	})
}

func TestRequests(t *testing.T) {
	srv := newSite(t)
	other := newSite(t) // another port of loopback: another origin
	ctx := New(t)

	t.Run("same origin", func(t *testing.T) {
		reqs := Requests(ctx, t)
		Navigate(ctx, t, srv.URL+"/clean")
		urls := reqs.URLs()
		if !slices.Contains(urls, srv.URL+"/clean") || !slices.Contains(urls, srv.URL+"/style.css") {
			t.Fatalf("recorded %q; want the page and its style sheet", urls)
		}
		reqs.SameOrigin(t, srv.URL)
		reqs.NotCarrying(ctx, t, "secret")
	})
	t.Run("another origin is reported", func(t *testing.T) {
		reqs := Requests(ctx, t)
		Navigate(ctx, t, srv.URL+"/clean?external="+other.URL)
		// The image loads after the document is ready; wait for it
		// rather than sleep.
		WaitFor(ctx, t, `Array.from(document.images).every(i => i.complete)`)
		r := &recorder{TB: t}
		inGoroutine(func() { reqs.SameOrigin(r, srv.URL) })
		if len(r.errors) != 1 || !strings.Contains(r.errors[0], other.URL+"/pixel.svg") {
			t.Fatalf("SameOrigin reported %q; want the image of the other origin", r.errors)
		}
	})
	t.Run("a string in a URL and an uploaded file are reported", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "transcript.txt")
		if err := os.WriteFile(file, []byte("secret-contents"), 0o600); err != nil {
			t.Fatal(err)
		}
		reqs := Requests(ctx, t)
		Navigate(ctx, t, srv.URL+"/upload?q=secret-in-url")
		Do(ctx, t, chromedp.SetUploadFiles(chromedp.ID("f"), []string{file}))
		// Click and wait for the page the post loads.
		actx, cancel := context.WithTimeout(ctx, ActionTimeout)
		defer cancel()
		if _, err := chromedp.Run(actx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.ID("send")))); err != nil {
			t.Fatal(err)
		}
		r := &recorder{TB: t}
		inGoroutine(func() { reqs.NotCarrying(ctx, r, "secret") })
		all := strings.Join(r.errors, "\n")
		if !strings.Contains(all, "in its URL") || !strings.Contains(all, "uploads a file") {
			t.Fatalf("NotCarrying reported %q; want the URL and the upload", r.errors)
		}
	})
}

func TestNewSession(t *testing.T) {
	srv := newSite(t)
	ctx := New(t)
	teacher := NewSession(ctx, t)
	learner := NewSession(ctx, t)

	Navigate(ctx, t, srv.URL+"/short")
	Navigate(teacher, t, srv.URL+"/short")
	Navigate(learner, t, srv.URL+"/short")
	// What signing in leaves behind: a cookie for the site.
	if _, err := eval[chromedp.Void](teacher, `document.cookie = "who=teacher; path=/"`); err != nil {
		t.Fatal(err)
	}
	for _, tab := range []struct {
		name string
		ctx  context.Context
		want string
	}{{"teacher", teacher, "who=teacher"}, {"learner", learner, ""}, {"first tab", ctx, ""}} {
		Navigate(tab.ctx, t, srv.URL+"/clean")
		got, err := eval[string](tab.ctx, `document.cookie`)
		if err != nil {
			t.Fatal(err)
		}
		if got != tab.want {
			t.Errorf("%s's cookies: %q; want %q", tab.name, got, tab.want)
		}
	}
}
