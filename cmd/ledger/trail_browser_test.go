package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/masteryledger/ledger/adapters/web/browsertest"
	"github.com/masteryledger/ledger/domain"
)

// The demo's claims verify in a real browser: serve on the demo's data,
// sign in as the auditor, open the trail of met claims of the demo (every
// one of l-0001's, and the first of every other standard, so that each
// standard and the cycles that reached it are covered without opening all
// seventy-odd) and wait for the in-browser verification's overall verdict.
func TestDemoClaimsVerifyInBrowser(t *testing.T) {
	browser := browsertest.New(t)
	dir, tokens := demoCopy(t)
	auditor := tokens[domain.RoleAuditor]
	base, stop := startServe(t, "--data", dir)
	t.Cleanup(func() { _ = stop() })

	// The met claims, from each learner's transcript; the demo's learners
	// are numbered from l-0001 on.
	var claims []string
	seen := map[string]bool{}
	for i := 1; i < 1000; i++ {
		id := fmt.Sprintf("l-%04d", i)
		code, body := call(t, "GET", base+"/v1/learners/"+id+"/transcript", auditor, nil)
		if code == 404 {
			break
		}
		if code != 200 {
			t.Fatalf("transcript of %s: %d %s", id, code, body)
		}
		var tr struct {
			Standards []struct{ StandardID string }
		}
		if err := json.Unmarshal(body, &tr); err != nil {
			t.Fatal(err)
		}
		for _, s := range tr.Standards {
			if i == 1 || !seen[s.StandardID] {
				claims = append(claims, "/learners/"+id+"/standards/"+s.StandardID)
			}
			seen[s.StandardID] = true
		}
	}
	if len(claims) == 0 {
		t.Fatal("the demo holds no met claim")
	}

	ctx := browsertest.NewSession(browser, t)
	reqs := browsertest.Requests(ctx, t)
	browsertest.Navigate(ctx, t, base+"/")
	browsertest.Do(ctx, t,
		chromedp.SendKeys(chromedp.ID("token"), auditor),
		chromedp.Click(chromedp.CSS("form[action='/session'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("form.signout")),
	)
	for _, path := range claims {
		browsertest.Navigate(ctx, t, base+path)
		browsertest.WaitFor(ctx, t, `(() => { const r = document.querySelector('[data-verify-result]'); return !!r && r.hasAttribute('data-verdict'); })()`)
		actx, cancel := context.WithTimeout(ctx, browsertest.ActionTimeout)
		verdict, err := chromedp.Run(actx, chromedp.Evaluate[string](`(() => { const r = document.querySelector('[data-verify-result]'); return r.getAttribute('data-verdict') + ': ' + r.textContent; })()`))
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !strings.HasPrefix(verdict, "verified: ") {
			t.Errorf("%s: %s", path, verdict)
		}
	}
	t.Logf("%d met claims of the demo checked in the browser", len(claims))
	reqs.SameOrigin(t, base)
}
