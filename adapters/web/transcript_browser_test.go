package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/masteryledger/ledger/adapters/web/browsertest"
)

// TestTranscriptAndPoliciesInBrowser opens both pages in Chromium, signed
// in through the form: the transcript of twelve met standards prints on one
// sheet of A4 and of Letter; both pages pass axe-core's WCAG 2.2 AA rules
// with no violation, the keyboard alone reaches every link and control,
// and neither loads anything from another origin.
func TestTranscriptAndPoliciesInBrowser(t *testing.T) {
	n := startRecordNode(t)
	browser := browsertest.New(t)
	signIn := func(token string) context.Context {
		t.Helper()
		ctx := browsertest.NewSession(browser, t)
		browsertest.Navigate(ctx, t, n.url+"/")
		browsertest.Do(ctx, t,
			chromedp.SendKeys(chromedp.ID("token"), token),
			chromedp.Click(chromedp.CSS(`form[action="/session"] button`)),
			// The home page, signed in.
			chromedp.WaitVisible(chromedp.CSS("p.who")))
		return ctx
	}

	t.Run("transcript", func(t *testing.T) {
		ctx := signIn(learnerToken)
		reqs := browsertest.Requests(ctx, t)
		browsertest.Navigate(ctx, t, n.url+"/learners/l-0001/transcript")
		browsertest.WaitFor(ctx, t, `document.querySelectorAll("table.transcript-table tbody tr").length === 12`)
		browsertest.OnePage(ctx, t, "the transcript of 12 standards")
		browsertest.Axe(ctx, t, "transcript")
		browsertest.KeyboardReach(ctx, t)
		reqs.SameOrigin(t, n.url)
	})
	t.Run("empty transcript", func(t *testing.T) {
		ctx := signIn(otherLearner)
		browsertest.Navigate(ctx, t, n.url+"/learners/l-0002/transcript")
		browsertest.WaitFor(ctx, t, `document.querySelector("p.none") !== null`)
		browsertest.OnePage(ctx, t, "an empty transcript")
		browsertest.Axe(ctx, t, "empty transcript")
		browsertest.KeyboardReach(ctx, t)
	})
	t.Run("policies", func(t *testing.T) {
		ctx := signIn(teacherToken)
		reqs := browsertest.Requests(ctx, t)
		browsertest.Navigate(ctx, t, n.url+"/learners/l-0001/standards/math-6-01/policies")
		browsertest.WaitFor(ctx, t, `document.querySelectorAll("table.policies tbody tr").length === 9`)
		browsertest.Axe(ctx, t, "policies")
		browsertest.KeyboardReach(ctx, t)
		reqs.SameOrigin(t, n.url)
	})
}
