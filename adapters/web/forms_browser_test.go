package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/web/browsertest"
	"github.com/masteryledger/ledger/domain"
)

// TestFormsInBrowser drives the workspace's forms in Chromium, signed in
// through the sign-in form, on one server and in one browser: a teacher
// walks a learner from nothing to met; a learner records a self-assessment
// with the keyboard alone and a goal, and is refused the teacher's forms
// and another learner's; an admin publishes, revises and retires a
// standard, registers a school, enrols and withdraws a learner. Every form
// passes axe-core (WCAG 2.0 to 2.2, A and AA) as it opens and with its
// errors shown, and is reached whole with Tab, with focus visible.
func TestFormsInBrowser(t *testing.T) {
	n := startNode(t, nodeOptions{})
	// A learner with nothing recorded yet, who has a goal and a plan to
	// adjust after a not-yet attempt.
	n.apiWrite(t, adminToken, "/v1/schools/north/learners", `{"learnerId":"l-0003","cohort":"grade-6"}`)
	n.apiWrite(t, teacherToken, "/v1/learners/l-0003/goals", `{"goalId":"g1","specific":"Use ratio language","measurable":"two explanations",
		"achievable":"yes","relevant":"yes","targetDate":"2026-11-01","evaluate":"with my teacher","review":"in November","standardIds":["math-6-rp-1"]}`)
	n.apiWrite(t, teacherToken, "/v1/learners/l-0003/plans", `{"planId":"p1","goalId":"g1","plan":"ratio tables","learn":"lesson 3","check":"quiz","adjust":"ask for help"}`)
	// l-0003 signs in too, to ask to be assessed.
	learner3 := n.addToken(t, httpapi.Credential{Token: "learner-0003-0123456789", Role: domain.RoleLearner, Learner: "l-0003", Name: "learner three"})
	browser := browsertest.New(t)

	t.Run("teacher to met", func(t *testing.T) {
		ctx := formSession(browser, t, n.url, teacherToken)
		reqs := browsertest.Requests(ctx, t)
		const std = "/learners/l-0003/standards/math-6-rp-1"

		// Evidence for c1, with an artifact whose SHA-256 the browser
		// computes from a file it never sends.
		artifact := filepath.Join(t.TempDir(), "ratios.txt")
		content := "ratio tables, worked by l-0003: a secret the ledger never sees"
		if err := os.WriteFile(artifact, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(content))
		formOpen(ctx, t, n.url+std+"/evidence", http.StatusOK)
		walkCheck(ctx, t, "evidence form")
		// Sent without a level first: refused, with the error shown.
		browsertest.Do(ctx, t, chromedp.Click(chromedp.CSS("#f-componentId-c1")))
		formSend(ctx, t, "evidence without a level", http.StatusBadRequest)
		browsertest.WaitFor(ctx, t, `document.getElementById('f-level-error') !== null`)
		browsertest.Axe(ctx, t, "evidence form with an error")
		browsertest.Do(ctx, t,
			chromedp.Click(chromedp.CSS("#f-level-3")),
			chromedp.SetValue(chromedp.CSS("#f-artifact-uri"), "https://files.example/l-0003/ratios.txt"),
			chromedp.SetUploadFiles(chromedp.CSS("#f-artifact-file"), []string{artifact}))
		browsertest.WaitFor(ctx, t, `document.getElementById('f-artifact-sha256').value === '`+hex.EncodeToString(sum[:])+`'`)
		browsertest.WaitFor(ctx, t, `document.getElementById('f-artifact-mediaType').value === 'text/plain'`)
		formSend(ctx, t, "evidence on c1", http.StatusOK)
		formSees(ctx, t, std, "Evidence recorded: component c1 at level 3 (Proficient), source teacher", "SHA-256 "+hex.EncodeToString(sum[:]))
		reqs.NotCarrying(ctx, t, "a secret the ledger never sees")

		// The agreement names c2 as missing, and the ledger refuses it.
		formOpen(ctx, t, n.url+std+"/agreement", http.StatusOK)
		formSees(ctx, t, std+"/agreement", "Not yet covered: c2")
		walkCheck(ctx, t, "agreement form")
		browsertest.Do(ctx, t, chromedp.Click(chromedp.CSS("#f-learnerConfirmed-yes")))
		formSend(ctx, t, "agreement with c2 missing", http.StatusUnprocessableEntity)
		browsertest.WaitFor(ctx, t, `(document.getElementById('f-components-error') || {textContent: ''}).textContent.includes('c2') && document.getElementById('f-components-error').textContent.includes('missing-components')`)
		browsertest.Axe(ctx, t, "agreement form refused")

		// The rest of the evidence.
		formOpen(ctx, t, n.url+std+"/evidence", http.StatusOK)
		browsertest.Do(ctx, t, chromedp.Click(chromedp.CSS("#f-componentId-c2")), chromedp.Click(chromedp.CSS("#f-level-4")))
		formSend(ctx, t, "evidence on c2", http.StatusOK)

		// The learner asks to be assessed, from their page, with the
		// keyboard alone: sent empty first and refused, then pointing at
		// both pieces of evidence.
		lctx := formSession(browser, t, n.url, learner3)
		lreqs := browsertest.Requests(lctx, t)
		formOpen(lctx, t, n.url+"/learners/l-0003", http.StatusOK)
		if got := walkSubmit(lctx, t, "the link to the request", chromedp.Click(chromedp.CSS(`a[href="`+std+`/readiness-request"]`))); got != http.StatusOK {
			t.Fatalf("the link to the request: status %d", got)
		}
		walkCheck(lctx, t, "request form")
		formSend(lctx, t, "a request pointing at nothing", http.StatusBadRequest)
		browsertest.WaitFor(lctx, t, `(document.getElementById('f-evidenceIds-error') || {textContent: ''}).textContent.includes('at least one')`)
		browsertest.Axe(lctx, t, "request form refused")
		boxes, err := walkEval[[]string](lctx, `Array.from(document.querySelectorAll('input[name=evidenceIds]'), e => e.id)`)
		if err != nil {
			t.Fatal(err)
		}
		if len(boxes) != 2 {
			t.Fatalf("the request form offers %d pieces of evidence, want 2", len(boxes))
		}
		for _, id := range boxes {
			formTabTo(lctx, t, id)
			browsertest.Do(lctx, t, chromedp.KeyEvent(" "))
		}
		formTabTo(lctx, t, "f-note")
		browsertest.Do(lctx, t, chromedp.KeyEvent("both are shown"))
		if got := walkSubmit(lctx, t, "the keyboard", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter)); got != http.StatusOK {
			t.Fatalf("the request sent with the keyboard: status %d", got)
		}
		formSees(lctx, t, std, "Asked to be assessed on 6.RP.A.1, pointing at 2 pieces of evidence, by l-0003", "Note: both are shown",
			"Open request: l-0003 asked to be assessed")

		// The teacher finds it on the school page and agrees from it,
		// naming the request.
		formOpen(ctx, t, n.url+"/schools/north?cohort=grade-6", http.StatusOK)
		formSees(ctx, t, "/schools/north", "Asked to be assessed in cohort grade-6", "l-0003 on 6.RP.A.1, asked on")
		if got := walkSubmit(ctx, t, "the link to agree", chromedp.Click(chromedp.CSS(`a[href^="`+std+`/agreement?request="]`))); got != http.StatusOK {
			t.Fatalf("the link to agree from the request: status %d", got)
		}
		formSees(ctx, t, std+"/agreement", "This agreement answers the request to be assessed that l-0003, a learner, made on")
		walkCheck(ctx, t, "agreement form from a request")
		browsertest.Do(ctx, t, chromedp.Click(chromedp.CSS("#f-learnerConfirmed-yes")))
		formSend(ctx, t, "agreement answering the request", http.StatusOK)
		formSees(ctx, t, std, "Readiness agreed", "Answers the request of l-0003 of")

		// The learner sees the request answered.
		formOpen(lctx, t, n.url+std, http.StatusOK)
		formSees(lctx, t, std, "Answered by the agreement of Ms Rivera of")
		lreqs.SameOrigin(t, n.url)

		// A not-yet attempt, a plan adjustment, a new agreement, an
		// attempt that meets.
		formAttempt(ctx, t, n.url+std, "2", true)
		formSees(ctx, t, std, "A not-yet attempt")
		formOpen(ctx, t, n.url+"/learners/l-0003/plans/p1/adjustments", http.StatusOK)
		walkCheck(ctx, t, "plan adjustment form")
		browsertest.Do(ctx, t,
			chromedp.SetValue(chromedp.CSS("#f-change"), "tutoring twice a week"),
			chromedp.SetValue(chromedp.CSS("#f-reason"), "the summative attempt did not meet"))
		formSend(ctx, t, "plan adjustment", http.StatusOK)
		formSees(ctx, t, "/learners/l-0003", "latest: tutoring twice a week")
		formAgree(ctx, t, n.url+std)
		formAttempt(ctx, t, n.url+std, "3", false)

		// The transcript shows the standard met; its trail, every step.
		formOpen(ctx, t, n.url+"/learners/l-0003/transcript", http.StatusOK)
		formSees(ctx, t, "/learners/l-0003/transcript", "6.RP.A.1", "Ratios")
		formOpen(ctx, t, n.url+std, http.StatusOK)
		formSees(ctx, t, std, "Evidence recorded: component c1", "Evidence recorded: component c2", "Asked to be assessed",
			"Answers the request of l-0003", "A not-yet attempt", "Plan adjusted after a not-yet attempt", "The attempt that met the standard")
		rows, err := walkEval[int](ctx, `document.querySelectorAll('li.trail-event').length`)
		if err != nil {
			t.Fatal(err)
		}
		// Goal, plan, 2 evidence, request, agreement, attempt,
		// adjustment, agreement, attempt.
		if rows != 10 {
			t.Errorf("the trail shows %d events, want 10", rows)
		}
		reqs.SameOrigin(t, n.url)
	})

	t.Run("teacher's other forms", func(t *testing.T) {
		ctx := formSession(browser, t, n.url, teacherToken)
		reqs := browsertest.Requests(ctx, t)
		evidence := n.apiWrite(t, teacherToken, "/v1/learners/l-0001/evidence", `{"standardId":"math-6-rp-1","componentId":"c2","level":2,"source":"peer"}`)
		const l = "/learners/l-0001"
		// Each form as it opens, and with an error shown: sent empty, or
		// for a form that may be sent empty, with a note over the
		// length the ledger takes.
		for _, f := range []struct{ path, long string }{
			{l + "/standards/math-6-rp-1/pre-assessment", "#f-note"},
			{l + "/standards/math-6-rp-1/evidence/" + evidence + "/retraction", ""},
			{l + "/standards/math-6-rp-1/feedback", ""},
			{l + "/standards/math-6-rp-1/summative-attempt", ""},
			{l + "/goals", ""},
			{l + "/plans", ""},
			{l + "/goals/g1/evaluation", ""},
			{l + "/goals/g1/review", ""},
			{l + "/profile", "#f-backgroundKnowledge"},
		} {
			formOpen(ctx, t, n.url+f.path, http.StatusOK)
			walkCheck(ctx, t, f.path)
			if f.long != "" {
				browsertest.Do(ctx, t, chromedp.SetValue(f.long, strings.Repeat("x", 4001)))
			}
			formSend(ctx, t, f.path+" refused", 0)
			browsertest.WaitFor(ctx, t, `document.getElementById('form-errors') !== null`)
			browsertest.Axe(ctx, t, f.path+" with errors")
		}
		reqs.SameOrigin(t, n.url)
	})

	t.Run("learner", func(t *testing.T) {
		ctx := formSession(browser, t, n.url, learnerToken)
		reqs := browsertest.Requests(ctx, t)
		const std = "/learners/l-0001/standards/math-6-rp-1"
		formOpen(ctx, t, n.url+"/learners/l-0001", http.StatusOK)
		if got := walkSubmit(ctx, t, "the link to the self-assessment", chromedp.Click(chromedp.CSS(`a[href="`+std+`/evidence"]`))); got != http.StatusOK {
			t.Fatalf("the link to the self-assessment: status %d", got)
		}
		walkCheck(ctx, t, "self-assessment form")
		// The keyboard alone: Tab to the first component, Space to choose
		// it, Tab and the arrow keys to level 3, Tab past the source (self,
		// the only one offered), type the assessor, Enter to send.
		formTabTo(ctx, t, "f-componentId-c1")
		browsertest.Do(ctx, t, chromedp.KeyEvent(kb.ArrowDown)) // c2
		formTabTo(ctx, t, "f-level-1")
		browsertest.Do(ctx, t, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown)) // level 3
		formTabTo(ctx, t, "f-assessor")
		if got := walkSubmit(ctx, t, "the keyboard", chromedp.KeyEvent("me"), chromedp.KeyEvent(kb.Enter)); got != http.StatusOK {
			t.Fatalf("self-assessment sent with the keyboard: status %d", got)
		}
		formSees(ctx, t, std, "Evidence recorded: component c2 at level 3 (Proficient), source self", "(self-assessed)")

		formOpen(ctx, t, n.url+"/learners/l-0001/goals?standard=math-6-rp-1", http.StatusOK)
		for id, v := range map[string]string{"goalId": "g2", "specific": "Use ratio language in class", "measurable": "three times a week",
			"achievable": "with my notes", "relevant": "for science too", "targetDate": "2026-12-01", "evaluate": "my teacher listens", "review": "in December"} {
			browsertest.Do(ctx, t, chromedp.SetValue(chromedp.CSS("#f-"+id), v))
		}
		formSend(ctx, t, "goal", http.StatusOK)
		formSees(ctx, t, "/learners/l-0001", "Goal g2: Use ratio language in class")

		// The teacher's forms and another learner's: the 403 page.
		for _, path := range []string{std + "/summative-attempt", std + "/agreement", "/learners/l-0002/standards/math-6-rp-1/evidence", "/learners/l-0002/goals"} {
			formOpen(ctx, t, n.url+path, http.StatusForbidden)
		}
		walkCheck(ctx, t, "403 on another learner's form")
		reqs.SameOrigin(t, n.url)
	})

	t.Run("admin", func(t *testing.T) {
		ctx := formSession(browser, t, n.url, adminToken)
		reqs := browsertest.Requests(ctx, t)
		formOpen(ctx, t, n.url+"/admin", http.StatusOK)
		walkCheck(ctx, t, "admin page")

		formOpen(ctx, t, n.url+"/standards", http.StatusOK)
		walkCheck(ctx, t, "publish form")
		formSend(ctx, t, "an empty standard", http.StatusBadRequest)
		browsertest.Axe(ctx, t, "publish form with errors")
		for id, v := range map[string]string{"standardId": "math-6-rp-3", "framework": "CCSS-M", "code": "6.RP.A.3", "title": "Ratio reasoning",
			"statement": "Use ratio and rate reasoning.", "components": "c1 | Make tables of equivalent ratios\nc2 | Solve unit rate problems"} {
			browsertest.Do(ctx, t, chromedp.SetValue(chromedp.CSS("#f-"+id), v))
		}
		formSend(ctx, t, "a standard", http.StatusOK)
		formSees(ctx, t, "/admin", "6.RP.A.3: Ratio reasoning (CCSS-M), revision 1, 2 components")

		formOpen(ctx, t, n.url+"/standards/math-6-rp-3/revision", http.StatusOK)
		walkCheck(ctx, t, "revision form")
		browsertest.Do(ctx, t, chromedp.SetValue(chromedp.CSS("#f-components"), "c1 | Make tables of equivalent ratios\nc2 | Solve unit rate problems\nc3 | Convert units"))
		formSend(ctx, t, "a revision", http.StatusOK)
		formSees(ctx, t, "/admin", "6.RP.A.3: Ratio reasoning (CCSS-M), revision 2, 3 components")

		formOpen(ctx, t, n.url+"/standards/math-6-rp-3/retirement", http.StatusOK)
		walkCheck(ctx, t, "retirement form")
		formSend(ctx, t, "a retirement", http.StatusOK)
		formSees(ctx, t, "/admin", "6.RP.A.3: Ratio reasoning (CCSS-M), revision 2, 3 components, retired")

		formOpen(ctx, t, n.url+"/schools", http.StatusOK)
		walkCheck(ctx, t, "register form")
		browsertest.Do(ctx, t, chromedp.SetValue(chromedp.CSS("#f-schoolId"), "east"), chromedp.SetValue(chromedp.CSS("#f-name"), "East Middle School"))
		formSend(ctx, t, "a school", http.StatusOK)
		formSees(ctx, t, "/admin", "East Middle School (east)")

		formOpen(ctx, t, n.url+"/schools/east/learners", http.StatusOK)
		walkCheck(ctx, t, "enrol form")
		formSend(ctx, t, "an empty enrolment", http.StatusBadRequest)
		browsertest.Axe(ctx, t, "enrol form with errors")
		browsertest.Do(ctx, t, chromedp.SetValue(chromedp.CSS("#f-learnerId"), "l-0500"), chromedp.SetValue(chromedp.CSS("#f-cohort"), "grade-6"))
		formSend(ctx, t, "an enrolment", http.StatusOK)
		formSees(ctx, t, "/learners/l-0500", "East Middle School, cohort grade-6")

		formOpen(ctx, t, n.url+"/learners/l-0500/withdrawal", http.StatusOK)
		walkCheck(ctx, t, "withdrawal form")
		browsertest.Do(ctx, t, chromedp.SetValue(chromedp.CSS("#f-reason"), strings.Repeat("x", 4001)))
		formSend(ctx, t, "a withdrawal too long", http.StatusBadRequest)
		browsertest.Axe(ctx, t, "withdrawal form with errors")
		browsertest.Do(ctx, t, chromedp.SetValue(chromedp.CSS("#f-reason"), "moved away"))
		formSend(ctx, t, "a withdrawal", http.StatusOK)
		formSees(ctx, t, "/learners/l-0500", "Withdrawn.")
		reqs.SameOrigin(t, n.url)
	})
}

// addToken adds a credential to the node's tokens file and reloads it, as
// an operator adds a token to a running server; it returns the token.
func (n *node) addToken(t *testing.T, c httpapi.Credential) string {
	t.Helper()
	if _, err := httpapi.AddTokens(n.tokensPath, []httpapi.Credential{c}, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if err := n.tokens.Reload(); err != nil {
		t.Fatal(err)
	}
	return c.Token
}

// The forms shown again with their errors are checked with axe-core
// alone: their controls, Tab order and focus styles are those of the form
// as it opened, which walkCheck checked.

// formSession signs in with token through the sign-in form, in a browser
// session of its own.
func formSession(browser context.Context, t *testing.T, origin, token string) context.Context {
	t.Helper()
	ctx := browsertest.NewSession(browser, t)
	browsertest.Navigate(ctx, t, origin+"/")
	browsertest.Do(ctx, t,
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.CSS(`form[action="/session"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.who")))
	return ctx
}

// formOpen opens a page and checks its status.
func formOpen(ctx context.Context, t *testing.T, url string, want int) {
	t.Helper()
	if got := walkOpen(ctx, t, url); got != want {
		t.Fatalf("%s: status %d, want %d", url, got, want)
	}
}

// formSend presses the form's submit button and checks the status of the
// page it leads to (after a redirect, the page redirected to); want 0
// takes any refusal (400, 409 or 422).
func formSend(ctx context.Context, t *testing.T, what string, want int) {
	t.Helper()
	got := walkSubmit(ctx, t, what, chromedp.Click(chromedp.CSS(`main form.record button[type=submit]`)))
	switch {
	case want == 0 && (got == http.StatusBadRequest || got == http.StatusConflict || got == http.StatusUnprocessableEntity):
	case got != want:
		t.Fatalf("sending %s: status %d, want %d", what, got, want)
	}
}

// formSees checks the tab is on path and its main content says each of
// words.
func formSees(ctx context.Context, t *testing.T, path string, words ...string) {
	t.Helper()
	got, err := walkEval[string](ctx, `location.pathname`)
	if err != nil {
		t.Fatal(err)
	}
	if got != path {
		t.Errorf("on %s, want %s", got, path)
	}
	text, err := walkEval[string](ctx, `document.querySelector('main').innerText`)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range words {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not say %q: %s", path, w, text)
		}
	}
}

// formAgree records an agreement through its form.
func formAgree(ctx context.Context, t *testing.T, std string) {
	t.Helper()
	formOpen(ctx, t, std+"/agreement", http.StatusOK)
	browsertest.Do(ctx, t, chromedp.Click(chromedp.CSS("#f-learnerConfirmed-yes")))
	formSend(ctx, t, "agreement", http.StatusOK)
}

// formAttempt records a summative attempt at level through its form.
func formAttempt(ctx context.Context, t *testing.T, std, level string, check bool) {
	t.Helper()
	formOpen(ctx, t, std+"/summative-attempt", http.StatusOK)
	if check {
		walkCheck(ctx, t, "summative attempt form")
	}
	browsertest.Do(ctx, t, chromedp.Click(chromedp.CSS("#f-level-"+level)))
	formSend(ctx, t, "attempt at level "+level, http.StatusOK)
}

// formTabTo presses Tab until the element with id has focus, failing after
// as many presses as the page has focusable elements.
func formTabTo(ctx context.Context, t *testing.T, id string) {
	t.Helper()
	for range 40 {
		browsertest.Do(ctx, t, chromedp.KeyEvent(kb.Tab))
		got, err := walkEval[string](ctx, `document.activeElement ? document.activeElement.id : ''`)
		if err != nil {
			t.Fatal(err)
		}
		if got == id {
			return
		}
	}
	t.Fatalf("Tab never reached #%s", id)
}
