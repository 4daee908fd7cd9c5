package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/web"
)

var sessionID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestSignIn: a good token sets a session cookie with its flags, whose
// value is a random id and not the token; a bad or empty token re-shows
// the form with a message, 401, and sets no cookie.
func TestSignIn(t *testing.T) {
	for _, secure := range []bool{false, true} {
		n := startNode(t, nodeOptions{secure: secure})
		resp := n.post(t, "/session", "", url.Values{"token": {teacherToken}}, nil)
		if resp.status != http.StatusSeeOther || resp.header.Get("Location") != "/" {
			t.Fatalf("sign in: %d %v", resp.status, resp.header)
		}
		c := resp.cookie(web.CookieName)
		if c == nil {
			t.Fatal("no session cookie")
		}
		raw := strings.Join(resp.header["Set-Cookie"], "\n")
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure != secure {
			t.Errorf("secure=%v: cookie flags: %s", secure, raw)
		}
		if !sessionID.MatchString(c.Value) || strings.Contains(raw, teacherToken) {
			t.Errorf("cookie is not a random session id: %s", raw)
		}
		if again := n.signIn(t, teacherToken); again == c.Value {
			t.Error("a second sign-in got the same session id")
		}
		if page := n.get(t, "/schools/north", c.Value); page.status != 200 {
			t.Errorf("page with the new session: %d", page.status)
		}
	}

	n := startNode(t, nodeOptions{})
	for _, token := range []string{"not-a-token", "", teacherToken + "x"} {
		resp := n.post(t, "/session", "", url.Values{"token": {token}}, nil)
		if resp.status != http.StatusUnauthorized {
			t.Errorf("token %q: %d", token, resp.status)
		}
		if resp.cookie(web.CookieName) != nil {
			t.Errorf("token %q set a cookie", token)
		}
		if !strings.Contains(resp.body, `role="alert"`) || !strings.Contains(resp.body, `name="token"`) {
			t.Errorf("token %q: no form with a message: %s", token, resp.body)
		}
		checkHTML(t, "sign-in refused", resp.body)
	}
}

// TestSignOut ends the session on the server: the old cookie, replayed,
// opens nothing.
func TestSignOut(t *testing.T) {
	n := startNode(t, nodeOptions{})
	session := n.signIn(t, learnerToken)
	resp := n.post(t, "/session/end", session, url.Values{"csrf": {n.csrf(t, session)}}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d %s", resp.status, resp.body)
	}
	if c := resp.cookie(web.CookieName); c == nil || c.MaxAge >= 0 {
		t.Errorf("sign-out did not clear the cookie: %v", resp.header["Set-Cookie"])
	}
	if page := n.get(t, "/learners/l-0001", session); page.status != http.StatusUnauthorized {
		t.Errorf("old cookie after sign-out: %d", page.status)
	}
}

// TestCSRF: a form without its session's CSRF token, with another's, or
// from another site is refused with the 403 page, and changes nothing: the
// session still works; a sign-in from another site sets no cookie.
func TestCSRF(t *testing.T) {
	n := startNode(t, nodeOptions{})
	session := n.signIn(t, learnerToken)
	other := n.signIn(t, teacherToken)
	good := n.csrf(t, session)
	cases := []struct {
		name   string
		form   url.Values
		header http.Header
	}{
		{"no token", url.Values{}, nil},
		{"wrong token", url.Values{"csrf": {strings.Repeat("0", len(good))}}, nil},
		{"another session's token", url.Values{"csrf": {n.csrf(t, other)}}, nil},
		{"cross-site fetch", url.Values{"csrf": {good}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"same-site fetch", url.Values{"csrf": {good}}, http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{"foreign origin", url.Values{"csrf": {good}}, http.Header{"Origin": {"https://evil.example"}}},
	}
	for _, c := range cases {
		resp := n.post(t, "/session/end", session, c.form, c.header)
		if resp.status != http.StatusForbidden || !strings.Contains(resp.body, "<h1>Forbidden</h1>") {
			t.Errorf("%s: %d %s", c.name, resp.status, resp.body)
		}
		if page := n.get(t, "/learners/l-0001", session); page.status != http.StatusOK {
			t.Errorf("%s: the session ended anyway: %d", c.name, page.status)
		}
	}
	for _, h := range []http.Header{{"Sec-Fetch-Site": {"cross-site"}}, {"Origin": {"https://evil.example"}}} {
		resp := n.post(t, "/session", "", url.Values{"token": {adminToken}}, h)
		if resp.status != http.StatusForbidden || resp.cookie(web.CookieName) != nil {
			t.Errorf("cross-site sign-in %v: %d %v", h, resp.status, resp.header["Set-Cookie"])
		}
	}
	// The same form from this site, with its token, works.
	resp := n.post(t, "/session/end", session, url.Values{"csrf": {good}}, http.Header{"Origin": {n.url}})
	if resp.status != http.StatusSeeOther {
		t.Errorf("same-origin sign-out: %d %s", resp.status, resp.body)
	}
}

// TestSecurityHeaders: every answer of the pages, whatever its status,
// carries the CSP and the other headers.
func TestSecurityHeaders(t *testing.T) {
	n := startNode(t, nodeOptions{})
	session := n.signIn(t, learnerToken)
	answers := map[string]response{
		"home signed out":  n.get(t, "/", ""),
		"home":             n.get(t, "/", session),
		"learner page":     n.get(t, "/learners/l-0001", session),
		"403 page":         n.get(t, "/schools/north", session),
		"404 page":         n.get(t, "/nothing", session),
		"401 page":         n.get(t, "/learners/l-0001", ""),
		"style sheet":      n.get(t, "/static/style.css", ""),
		"no static file":   n.get(t, "/static/", ""),
		"405 page":         n.do(t, "DELETE", "/learners/l-0001", nil, nil),
		"sign-in redirect": n.post(t, "/session", "", url.Values{"token": {adminToken}}, nil),
		"sign-in refused":  n.post(t, "/session", "", url.Values{"token": {"nope"}}, nil),
		"csrf refused":     n.post(t, "/session/end", session, url.Values{}, nil),
	}
	for name, resp := range answers {
		h := resp.header
		csp := h.Get("Content-Security-Policy")
		for _, directive := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, directive) {
				t.Errorf("%s (%d): CSP %q lacks %q", name, resp.status, csp, directive)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "http") || strings.Contains(csp, "*") {
			t.Errorf("%s: CSP allows more than 'self': %q", name, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", name, h)
		}
		if h.Get("X-Request-Id") == "" {
			t.Errorf("%s: no request id", name)
		}
	}
	if css := answers["style sheet"]; css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("style sheet: %d %s", css.status, css.header.Get("Content-Type"))
	}
	if answers["405 page"].status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE on a page: %d", answers["405 page"].status)
	}
	if answers["no static file"].status != http.StatusNotFound {
		t.Errorf("static folder listed: %d", answers["no static file"].status)
	}
}

// TestRevokedTokenEndsSession: once the token a session was signed in
// with is revoked (and the table reloaded, as serve does every second),
// the session ends on its next request.
func TestRevokedTokenEndsSession(t *testing.T) {
	n := startNode(t, nodeOptions{})
	session := n.signIn(t, learnerToken)
	kept := n.signIn(t, teacherToken)
	if _, err := httpapi.RevokeToken(n.tokensPath, n.entries[learnerToken].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := n.tokens.Reload(); err != nil {
		t.Fatal(err)
	}
	resp := n.get(t, "/learners/l-0001", session)
	if resp.status != http.StatusUnauthorized {
		t.Fatalf("revoked token's session: %d", resp.status)
	}
	if c := resp.cookie(web.CookieName); c == nil || c.MaxAge >= 0 {
		t.Errorf("the ended session's cookie was not cleared: %v", resp.header["Set-Cookie"])
	}
	if resp := n.get(t, "/schools/north", kept); resp.status != http.StatusOK {
		t.Errorf("another token's session: %d", resp.status)
	}
	if resp := n.post(t, "/session", "", url.Values{"token": {learnerToken}}, nil); resp.status != http.StatusUnauthorized {
		t.Errorf("sign-in with the revoked token: %d", resp.status)
	}
}

// TestSessionExpiry: a session ends when idle too long, and when too old
// however busy; the clock is the pages' own.
func TestSessionExpiry(t *testing.T) {
	n := startNode(t, nodeOptions{})
	idle := n.signIn(t, learnerToken)
	n.clock.Advance(29 * time.Minute)
	if resp := n.get(t, "/learners/l-0001", idle); resp.status != http.StatusOK {
		t.Fatalf("after 29 minutes: %d", resp.status)
	}
	n.clock.Advance(30 * time.Minute) // 30 minutes after its last use
	if resp := n.get(t, "/learners/l-0001", idle); resp.status != http.StatusUnauthorized {
		t.Errorf("idle 30 minutes: %d", resp.status)
	}

	busy := n.signIn(t, learnerToken)
	for range 12 * 3 { // 12 hours in steps of 20 minutes
		n.clock.Advance(20 * time.Minute)
		resp := n.get(t, "/learners/l-0001", busy)
		if resp.status == http.StatusUnauthorized {
			return // ended, as it should at 12 hours
		}
	}
	t.Error("a session used every 20 minutes lived past 12 hours")
}

// TestSessionCap: beyond MaxSessions the session unused the longest ends.
func TestSessionCap(t *testing.T) {
	n := startNode(t, nodeOptions{maxSessions: 2})
	first := n.signIn(t, learnerToken)
	n.clock.Advance(time.Minute)
	second := n.signIn(t, learnerToken)
	n.clock.Advance(time.Minute)
	third := n.signIn(t, learnerToken)
	if resp := n.get(t, "/learners/l-0001", first); resp.status != http.StatusUnauthorized {
		t.Errorf("oldest session past the cap: %d", resp.status)
	}
	for _, s := range []string{second, third} {
		if resp := n.get(t, "/learners/l-0001", s); resp.status != http.StatusOK {
			t.Errorf("newer session: %d", resp.status)
		}
	}
}

// TestOnePort: the API's paths reach the API, the rest the pages, and
// page requests are counted beside the API's.
func TestOnePort(t *testing.T) {
	n := startNode(t, nodeOptions{})
	api := n.do(t, "GET", "/v1/standards", nil, http.Header{"Authorization": {"Bearer " + learnerToken}})
	if api.status != 200 || !strings.HasPrefix(api.header.Get("Content-Type"), "application/json") {
		t.Errorf("/v1/standards: %d %s", api.status, api.header.Get("Content-Type"))
	}
	if resp := n.get(t, "/healthz", ""); resp.status != 200 {
		t.Errorf("/healthz: %d", resp.status)
	}
	unknownAPI := n.get(t, "/v1/nothing", "")
	if unknownAPI.status != 404 || unknownAPI.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("/v1/nothing: %d %s", unknownAPI.status, unknownAPI.header.Get("Content-Type"))
	}
	page := n.get(t, "/learners/l-0001", n.signIn(t, learnerToken))
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Errorf("page: %d %s", page.status, page.header.Get("Content-Type"))
	}
	metrics := n.get(t, "/metrics", "").body
	if !strings.Contains(metrics, `http_requests_total{route="GET /learners/{learnerId}",status="200"} 1`) {
		t.Errorf("no page request in /metrics:\n%s", metrics)
	}
}
