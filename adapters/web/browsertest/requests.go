package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Request is one request the page made.
type Request struct {
	ID      network.RequestID
	Method  string
	URL     string
	Headers map[string]string
	// HasBody is true when the request had a body; Body holds the part of
	// it the browser reported with the request (it leaves out long bodies
	// and files, which Body then fetches).
	HasBody bool
	Body    []byte
}

// RequestLog records every request of a tab, from the moment Requests
// creates it: documents, scripts, styles, images, fonts, fetches, form posts,
// beacons and web sockets. It is safe for the browser's event loop to add to
// it while a test reads it.
type RequestLog struct {
	mu   sync.Mutex
	reqs []Request
}

// Requests starts recording the requests of the tab of ctx. Call it before
// the navigation whose requests are to be checked.
func Requests(ctx context.Context, t testing.TB) *RequestLog {
	t.Helper()
	l := &RequestLog{}
	err := chromedp.Listen(ctx, func(ev any) {
		// Runs in the tab's event loop: record and return, no command.
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			r := Request{ID: ev.RequestID, Method: ev.Request.Method, URL: ev.Request.URL, HasBody: ev.Request.HasPostData}
			if ev.Request.URLFragment != "" {
				r.URL += ev.Request.URLFragment
			}
			r.Headers = make(map[string]string, len(ev.Request.Headers))
			for k, v := range ev.Request.Headers {
				r.Headers[k] = fmt.Sprint(v)
			}
			for _, e := range ev.Request.PostDataEntries {
				r.Body = append(r.Body, e.Bytes...)
			}
			l.add(r)
		case *network.EventWebSocketCreated:
			l.add(Request{ID: ev.RequestID, Method: "WEBSOCKET", URL: ev.URL})
		}
	})
	if err != nil {
		t.Fatalf("recording the requests: %v", err)
	}
	return l
}

func (l *RequestLog) add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
}

// All returns the requests recorded so far, in the order the page made them.
func (l *RequestLog) All() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Request, len(l.reqs))
	copy(out, l.reqs)
	return out
}

// URLs returns the URLs requested so far, in order.
func (l *RequestLog) URLs() []string {
	var urls []string
	for _, r := range l.All() {
		urls = append(urls, r.URL)
	}
	return urls
}

// SameOrigin fails the test for each recorded request that went anywhere
// but origin (e.g. the test server's URL): no CDN, font service, analytics
// or other third party. data: and blob: URLs stay in the browser and pass.
func (l *RequestLog) SameOrigin(t testing.TB, origin string) {
	t.Helper()
	want, err := url.Parse(origin)
	if err != nil {
		t.Fatalf("origin %q: %v", origin, err)
	}
	for _, r := range l.All() {
		u, err := url.Parse(r.URL)
		if err != nil {
			t.Errorf("request %s %q: unparsable URL: %v", r.Method, r.URL, err)
			continue
		}
		switch u.Scheme {
		case "data", "blob":
			continue
		case "ws":
			u.Scheme = "http"
		case "wss":
			u.Scheme = "https"
		}
		if u.Scheme != want.Scheme || u.Host != want.Host {
			t.Errorf("request left the origin %s: %s %s", origin, r.Method, r.URL)
		}
	}
}

// NotCarrying fails the test for each recorded request whose URL, headers
// or body contain s, e.g. a distinctive string of a file that a page must
// only read in the browser and never upload. It asks the browser for the
// bodies it did not report with the request, and fails for a body it cannot
// read rather than pass unchecked.
func (l *RequestLog) NotCarrying(ctx context.Context, t testing.TB, s string) {
	t.Helper()
	for _, r := range l.All() {
		if strings.Contains(r.URL, s) {
			t.Errorf("request %s %s carries %q in its URL", r.Method, r.URL, s)
		}
		for k, v := range r.Headers {
			if strings.Contains(v, s) {
				t.Errorf("request %s %s carries %q in its header %s", r.Method, r.URL, s, k)
			}
		}
		if !r.HasBody {
			continue
		}
		body := r.Body
		if len(body) == 0 {
			actx, cancel := context.WithTimeout(ctx, ActionTimeout)
			res, err := chromedp.Call(actx, network.GetRequestPostData, network.GetRequestPostDataParams{RequestID: r.ID})
			cancel()
			if err != nil {
				t.Errorf("request %s %s has a body that could not be read to check it: %v", r.Method, r.URL, err)
				continue
			}
			body = res.PostData
		}
		if strings.Contains(string(body), s) {
			t.Errorf("request %s %s carries %q in its body", r.Method, r.URL, s)
		}
		// The browser leaves the contents of files out of the multipart
		// bodies it reports, so a file upload is refused on sight.
		if strings.HasPrefix(strings.ToLower(header(r.Headers, "Content-Type")), "multipart/form-data") &&
			strings.Contains(string(body), "filename=") {
			t.Errorf("request %s %s uploads a file, whose contents the browser does not report", r.Method, r.URL)
		}
	}
}

// header returns the value of the header name, whatever its case.
func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
