package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/masteryledger/ledger/adapters/web/browsertest"
)

// TestEfficacyPageInBrowser opens the efficacy page in a real browser:
// with figures, for a school without learners, and with a filter at fault;
// each has no axe violation (WCAG 2.x A and AA), the keyboard alone reaches
// every link, control and table region, and nothing leaves the site.
func TestEfficacyPageInBrowser(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.seedEfficacy(t)
	browser := browsertest.New(t)
	cases := []struct {
		name, token, path, ready string
	}{
		{"teacher with data", teacherToken, "/schools/north/efficacy", "figure svg"},
		{"researcher with data", researcherToken, "/schools/north/efficacy?cohort=grade-7&period=week", "figure svg"},
		{"admin without learners", adminToken, "/schools/east/efficacy", "figure svg"},
		{"filter at fault", teacherToken, "/schools/north/efficacy?from=yesterday", "#filter-errors"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := browsertest.NewSession(browser, t)
			reqs := browsertest.Requests(ctx, t)
			browsertest.Navigate(ctx, t, n.url+"/")
			browsertest.Do(ctx, t,
				chromedp.SendKeys(chromedp.ID("token"), c.token),
				chromedp.Click(chromedp.CSS("button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS(".links")),
			)
			browsertest.Navigate(ctx, t, n.url+c.path)
			browsertest.Do(ctx, t, chromedp.WaitVisible(chromedp.CSS(c.ready)))
			// Both style sheets loaded, the charts' too, so that axe
			// checks the colours a user sees.
			browsertest.WaitFor(ctx, t, `document.styleSheets.length === 2 && Array.from(document.styleSheets).every(s => s.cssRules.length > 0)`)
			browsertest.Axe(ctx, t, "efficacy "+c.name)
			browsertest.KeyboardReach(ctx, t)
			reqs.SameOrigin(t, n.url)
		})
	}
}
