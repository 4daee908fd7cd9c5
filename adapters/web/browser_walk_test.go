package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/masteryledger/ledger/adapters/web/browsertest"
)

// maxFollowed bounds the pages a role's walk opens from the links of the
// pages its home page lists, so that a school of a thousand learners would
// not turn the walk into a crawl. The test ledger needs fewer than ten.
const maxFollowed = 12

// pendingPage matches the pages that the existing pages already link to
// but that are still being built: a standard's trail. Until it is served,
// a link to it answers the 404 page, which the walk notes (and checks once,
// as the role's 404 page); any other link that answers anything but 200
// fails. Once the trail page is served, the same links are walked as pages.
var pendingPage = regexp.MustCompile(`^/learners/[^/]+/standards/[^/]+$`)

// formPage matches the forms of the workspace, which the learner's page,
// the trail and the admin's page link to. TestFormsInBrowser opens every
// one of them, as the roles that send them, with the checks of the walk
// (walkCheck) and with their errors shown; the walk does not open them
// again, which would double its time on two cores for no check it does
// not make.
var formPage = regexp.MustCompile(`^/(learners/[^/]+/(standards/[^/]+/(evidence|pre-assessment|feedback|agreement|readiness-request|summative-attempt|evidence/[^/]+/retraction)|` +
	`goals|goals/[^/]+/(evaluation|review)|plans|plans/[^/]+/adjustments|profile|withdrawal)|standards|standards/[^/]+/(revision|retirement)|schools|schools/[^/]+/learners)(\?.*)?$`)

// walkRole is one role's walk: its token, how many links its home page
// shows at least, and the paths of its error pages.
type walkRole struct {
	name  string
	token string
	// minLinks is how many links the home page shows on the test ledger
	// at least (pages added later may add more).
	minLinks int
	// notFound answers this role the 404 page; forbidden, if set, the
	// 403 page (a page the role may not open).
	notFound, forbidden string
}

// TestBrowserWalk signs in as each role through the form in a real
// browser, walks the pages by following the links its home page shows
// (and one level of the links on those pages), opens its error pages, and
// signs out. Every page must pass axe-core's WCAG 2.0/2.1/2.2 A and AA
// rules, be reachable link by link with Tab alone starting at a skip link
// to the main content, and load nothing from another host. A link the
// home page or a walked page shows must open (never a 403): the walk is
// how a page added to the table later, with a link, gets checked too.
//
// One browser for the whole walk, a session of its own for each role. The
// pages without a session (the sign-in form, a wrong token, the 401 page)
// are the same for every role and are checked once.
func TestBrowserWalk(t *testing.T) {
	n := startNode(t, nodeOptions{})
	seedWalk(t, n)
	browser := browsertest.New(t)

	t.Run("signed-out", func(t *testing.T) {
		ctx := browsertest.NewSession(browser, t)
		reqs := browsertest.Requests(ctx, t)
		defer reqs.SameOrigin(t, n.url)
		walkSignedOut(ctx, t, n.url)
	})
	walks := []walkRole{
		{name: "admin", token: adminToken, minLinks: 2, notFound: "/learners/nobody"},
		{name: "teacher", token: teacherToken, minLinks: 1, notFound: "/learners/nobody", forbidden: "/schools/south"},
		// A learner opening an unknown learner is refused (403) before
		// the ledger says whether it exists; a path that is no page is
		// the learner's 404.
		{name: "learner", token: learnerToken, minLinks: 1, notFound: "/no/such/page", forbidden: "/schools/north"},
		{name: "auditor", token: auditorToken, minLinks: 2, notFound: "/learners/nobody"},
		{name: "researcher", token: researcherToken, minLinks: 0, notFound: "/no/such/page", forbidden: "/learners/l-0001"},
	}
	for _, w := range walks {
		t.Run(w.name, func(t *testing.T) {
			ctx := browsertest.NewSession(browser, t)
			reqs := browsertest.Requests(ctx, t)
			// Checked at the end, after a failure too: every request of
			// every page the walk opened.
			defer reqs.SameOrigin(t, n.url)
			walk(ctx, t, n.url, w)
		})
	}
}

// walkSignedOut checks the pages of a browser without a session: the
// sign-in form, the form again after a wrong token (a 401, with its error
// tied to the field), and a page that needs a session (the 401 page).
func walkSignedOut(ctx context.Context, t *testing.T, origin string) {
	if got := walkOpen(ctx, t, origin+"/"); got != http.StatusOK {
		t.Fatalf("sign-in page: status %d", got)
	}
	walkCheck(ctx, t, "sign-in")
	if got := walkSubmit(ctx, t, "a wrong token",
		chromedp.SendKeys(chromedp.ID("token"), "not-a-token-0123456789"),
		chromedp.Click(chromedp.CSS(`main form[action="/session"] button[type=submit]`)),
	); got != http.StatusUnauthorized {
		t.Fatalf("sign-in with a wrong token: status %d, want 401", got)
	}
	browsertest.Do(ctx, t, chromedp.WaitVisible(chromedp.ID("sign-in-error")))
	walkCheck(ctx, t, "sign-in, wrong token")
	if got := walkOpen(ctx, t, origin+"/learners/l-0001"); got != http.StatusUnauthorized {
		t.Errorf("a page without a session: status %d, want 401", got)
	}
	walkCheck(ctx, t, "401")
}

// walk is one role's walk in the browser tab of ctx.
func walk(ctx context.Context, t *testing.T, origin string, w walkRole) {
	if got := walkOpen(ctx, t, origin+"/"); got != http.StatusOK {
		t.Fatalf("sign-in page: status %d", got)
	}
	// Signing in as the role, typing the token into the form.
	if got := walkSubmit(ctx, t, "the role's token",
		chromedp.SendKeys(chromedp.ID("token"), w.token),
		chromedp.Click(chromedp.CSS(`main form[action="/session"] button[type=submit]`)),
	); got != http.StatusOK {
		t.Fatalf("sign-in: status %d after the redirect, want 200", got)
	}
	browsertest.Do(ctx, t, chromedp.WaitVisible(chromedp.CSS("form.signout button")))
	walkCheck(ctx, t, "home")

	// The pages the home page links, then the links of those pages, each
	// path once.
	home := walkLinks(ctx, t, origin)
	if len(home) < w.minLinks {
		t.Errorf("home page links %d pages (%v), want at least %d", len(home), home, w.minLinks)
	}
	seen := map[string]bool{"/": true}
	var next []string
	for _, path := range home {
		if seen[path] {
			continue
		}
		seen[path] = true
		if got := walkOpen(ctx, t, origin+path); got != http.StatusOK {
			t.Errorf("the home page links %s, which answers %d", path, got)
		}
		walkCheck(ctx, t, path)
		next = append(next, walkLinks(ctx, t, origin)...)
	}
	followed := 0
	for _, path := range next {
		if seen[path] || formPage.MatchString(path) {
			continue
		}
		if followed == maxFollowed {
			t.Logf("walked %d linked pages; not following %s and the rest", maxFollowed, path)
			break
		}
		seen[path] = true
		followed++
		switch got := walkOpen(ctx, t, origin+path); {
		case got == http.StatusOK:
		case got == http.StatusNotFound && pendingPage.MatchString(path):
			// The 404 page, which the role's error pages check below.
			t.Logf("%s is linked but not served yet (404)", path)
			continue
		default:
			t.Errorf("a walked page links %s, which answers %d", path, got)
		}
		walkCheck(ctx, t, path)
	}

	// The role's error pages.
	if got := walkOpen(ctx, t, origin+w.notFound); got != http.StatusNotFound {
		t.Errorf("%s: status %d, want 404", w.notFound, got)
	}
	walkCheck(ctx, t, "404 "+w.notFound)
	if w.forbidden != "" {
		if got := walkOpen(ctx, t, origin+w.forbidden); got != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", w.forbidden, got)
		}
		walkCheck(ctx, t, "403 "+w.forbidden)
	}

	// Signing out through the form ends the session: the page it leads
	// to is the sign-in form, and a page that needs a session answers the
	// 401 page (checked signed out).
	if got := walkSubmit(ctx, t, "sign-out", chromedp.Click(chromedp.CSS("form.signout button[type=submit]"))); got != http.StatusOK {
		t.Fatalf("sign-out: status %d after the redirect, want 200", got)
	}
	browsertest.Do(ctx, t, chromedp.WaitVisible(chromedp.ID("token")))
	if got := walkOpen(ctx, t, origin+"/learners/l-0001"); got != http.StatusUnauthorized {
		t.Errorf("a page after sign-out: status %d, want 401", got)
	}
}

// walkCheck runs the checks every page must pass: axe-core's WCAG A and AA
// rules; every link and control reached with Tab, with no trap; and the
// first Tab stop a skip link to the page's main landmark, so that a
// keyboard user need not tab through the header on every page.
func walkCheck(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	browsertest.Axe(ctx, t, name)
	r, err := browsertest.KeyboardReachOf(ctx)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if r.Trap != "" {
		t.Errorf("%s: keyboard trap: Tab does not move focus on from %s", name, r.Trap)
	}
	for _, u := range r.Unreached {
		t.Errorf("%s: not reachable with Tab: %s (Tab order: %v)", name, u, r.Order)
	}
	if len(r.Order) == 0 || !strings.HasPrefix(r.Order[0], `a[href="#main"]`) {
		t.Errorf("%s: the first Tab stop is not a skip link to #main (Tab order: %v)", name, r.Order)
	}
	walkFocusVisible(ctx, t, name, len(r.Order))
	ok, err := walkEval[bool](ctx, `(() => { const m = document.getElementById('main'); return m !== null && m.tagName === 'MAIN'; })()`)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !ok {
		t.Errorf("%s: no <main id=\"main\"> for the skip link to go to", name)
	}
}

// focusScript describes the element that has keyboard focus and says
// whether it shows that it has: an outline (the browser's own ring is
// outline-style auto) or a box shadow, and inside the viewport. null when
// nothing has focus.
const focusScript = `(() => {
	const el = document.activeElement;
	if (!el || el === document.body || el === document.documentElement) return null;
	const s = getComputedStyle(el);
	const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
	const r = el.getBoundingClientRect();
	const inView = r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight;
	let d = el.tagName.toLowerCase();
	if (el.id) d += '#' + el.id;
	if (el.getAttribute('href') !== null) d += '[href="' + el.getAttribute('href') + '"]';
	const text = (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 40);
	if (text) d += ' "' + text + '"';
	return {what: d, shown: ring && inView && el.matches(':focus-visible')};
})()`

// walkFocusVisible presses Tab through the page once more (stops times,
// plus a margin for the browser's own stops) and fails for each element
// that, focused from the keyboard, does not show it (WCAG 2.4.7): axe
// cannot see focus, and KeyboardReach sees only where it goes.
func walkFocusVisible(ctx context.Context, t *testing.T, name string, stops int) {
	t.Helper()
	type focused struct {
		What  string `json:"what"`
		Shown bool   `json:"shown"`
	}
	seen := map[string]bool{}
	for range stops + 4 {
		browsertest.Do(ctx, t, chromedp.KeyEvent(kb.Tab))
		f, err := walkEval[*focused](ctx, focusScript)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f == nil {
			continue
		}
		if seen[f.What] {
			break
		}
		seen[f.What] = true
		if !f.Shown {
			t.Errorf("%s: focus not visible on %s", name, f.What)
		}
	}
}

// walkOpen loads url in the tab and returns the status of its document.
func walkOpen(ctx context.Context, t *testing.T, url string) int {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, browsertest.ActionTimeout)
	defer cancel()
	resp, err := chromedp.Run(actx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	if resp == nil {
		t.Fatalf("opening %s: no response", url)
	}
	return int(resp.Status)
}

// walkSubmit runs the steps that send a form and returns the status of the
// page they load (after a redirect, of the page redirected to).
func walkSubmit(ctx context.Context, t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) int {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, browsertest.ActionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(actx, steps...)
	if err != nil {
		t.Fatalf("sending the form with %s: %v", what, err)
	}
	if resp == nil {
		t.Fatalf("sending the form with %s: no response", what)
	}
	return int(resp.Status)
}

// walkLinks returns the paths of the links in the page's main content that
// stay on the site, in order, without fragments. The header's links (the
// site's name, the skip link) are on every page and lead nowhere new.
func walkLinks(ctx context.Context, t *testing.T, origin string) []string {
	t.Helper()
	hrefs, err := walkEval[[]string](ctx, `Array.from(document.querySelectorAll('main a[href]'), a => a.href)`)
	if err != nil {
		t.Fatalf("reading the links: %v", err)
	}
	var paths []string
	for _, h := range hrefs {
		u, err := url.Parse(h)
		if err != nil {
			t.Errorf("a link that does not parse: %q: %v", h, err)
			continue
		}
		if u.Scheme+"://"+u.Host != origin {
			continue
		}
		p := u.EscapedPath()
		if u.RawQuery != "" {
			p += "?" + u.RawQuery
		}
		paths = append(paths, p)
	}
	return paths
}

// walkEval evaluates a script in the tab within the harness's action timeout.
func walkEval[T any](ctx context.Context, script string) (T, error) {
	actx, cancel := context.WithTimeout(ctx, browsertest.ActionTimeout)
	defer cancel()
	v, err := chromedp.Run(actx, chromedp.Evaluate[T](script))
	if err != nil {
		return v, fmt.Errorf("evaluating %q: %w", script, err)
	}
	return v, nil
}

// seedWalk adds to the test ledger what the pages show in their fullest:
// learner l-0001 meets 6.RP.A.1 after a summative attempt that did not
// meet and an adjusted plan, and is in progress on a second standard; so
// the school page shows every status (l-0002 is ready, and has not
// started the second standard).
func seedWalk(t *testing.T, n *node) {
	t.Helper()
	const l = "/v1/learners/l-0001"
	writes := []struct{ token, path, body string }{
		{adminToken, "/v1/standards", `{"standardId":"math-6-rp-2","framework":"CCSS-M","code":"6.RP.A.2","title":"Unit rates",
			"statement":"Understand the concept of a unit rate.","components":[{"id":"c1","statement":"Find a unit rate"}]}`},
		{teacherToken, l + "/evidence", `{"standardId":"math-6-rp-1","componentId":"c2","level":3,"source":"teacher"}`},
		{teacherToken, l + "/agreements", `{"standardId":"math-6-rp-1","learnerConfirmed":true}`},
		{teacherToken, l + "/summative-attempts", `{"standardId":"math-6-rp-1","level":2}`},
		{learnerToken, l + "/plans/p1/adjustments", `{"change":"tutoring twice a week","reason":"the summative did not meet"}`},
		{teacherToken, l + "/agreements", `{"standardId":"math-6-rp-1","learnerConfirmed":true}`},
		{teacherToken, l + "/summative-attempts", `{"standardId":"math-6-rp-1","level":3}`},
		{teacherToken, l + "/evidence", `{"standardId":"math-6-rp-2","componentId":"c1","level":2,"source":"teacher"}`},
		// A practice review concluded, and one open, for the reviews page.
		{teacherToken, "/v1/schools/north/practice-reviews", reviewBody("r1")},
		{teacherToken, "/v1/schools/north/practice-reviews/r1/conclusion", `{"decision":"adjust","learned":"Feedback within a day helps; the plans need it too."}`},
		{adminToken, "/v1/schools/north/practice-reviews", reviewBody("r2")},
	}
	for _, w := range writes {
		resp := n.do(t, "POST", w.path, strings.NewReader(w.body), http.Header{
			"Authorization": {"Bearer " + w.token}, "Content-Type": {"application/json"}})
		if resp.status != http.StatusCreated {
			t.Fatalf("seed POST %s: %d %s", w.path, resp.status, resp.body)
		}
	}
}

// reviewBody starts practice review id at North: grade 6 beside grade 7,
// on the standard every learner of the walk has evidence on.
func reviewBody(id string) string {
	return `{"reviewId":"` + id + `","practice":"Written feedback within one school day","intendedResult":"Higher evidence levels",
		"standardIds":["math-6-rp-1"],"scope":{"cohorts":["grade-6"]},"comparison":{"cohorts":["grade-7"]},
		"startDate":"2026-08-01","reviewDate":"2027-06-01"}`
}
