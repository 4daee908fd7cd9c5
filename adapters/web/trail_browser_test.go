package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/web"
	"github.com/masteryledger/ledger/adapters/web/browsertest"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

// startServing is the service on loopback as serve runs it: the API and
// the pages on one port, the store in dir, the read models and the
// transparency log following it. It can be stopped and started again on
// the same dir (startPos: the store's last position then).
func startServing(t *testing.T, dir string, startPos uint64) *testNode {
	t.Helper()
	run := runLedger(t, dir)
	tokens, err := httpapi.NewTokens([]httpapi.Credential{
		{Token: adminToken, Role: domain.RoleAdmin, Name: "Office"},
		{Token: teacherToken, Role: domain.RoleTeacher, School: "north", Name: "Ms Rivera"},
		{Token: learnerToken, Role: domain.RoleLearner, Learner: "l-0001", Name: "l-0001"},
		{Token: auditorToken, Role: domain.RoleAuditor, Name: "District audit"},
	})
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.NewServer(httpapi.Config{
		Service: service.New(run.store, &service.Options{Seal: run.sealer.Seal}), View: run.view, Efficacy: run.eff, Events: run.store,
		Projection: run.engine, Tokens: tokens, Personal: run.sealer, Log: run.log, Credentials: run.issuer, PublicURL: "http://ledger.test", StartPosition: startPos,
	})
	pages, err := web.New(web.Config{View: run.view, Tokens: tokens, Projection: run.engine, StartPosition: startPos})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.OnePort(api, pages))
	stop := func() { srv.Close(); run.stop() }
	t.Cleanup(stop)
	return &testNode{t: t, url: srv.URL, http: srv.Client(), store: run.store, stop: stop}
}

// builtCycle is a ledger built as the demo builds one: a standard, a
// school, a learner whose claim went through evidence (one piece
// retracted), an agreement, a not-yet attempt, a plan adjustment and the
// attempt that met.
type builtCycle struct {
	evidence, met string // ids: the evidence on c2 that stands, the met attempt
}

func buildCycle(n *testNode) builtCycle {
	n.must(201, "POST", "/v1/standards", adminToken, obj{"standardId": "math-6-rp-1", "framework": "CCSS-M", "code": "6.RP.A.1", "title": "Ratios",
		"statement":  "Understand ratio concepts and use ratio language.",
		"components": []obj{{"id": "c1", "statement": "Describe a ratio"}, {"id": "c2", "statement": "Use ratio language"}}})
	n.must(201, "POST", "/v1/schools", adminToken, obj{"schoolId": "north", "name": "North Middle School"})
	n.must(201, "POST", "/v1/schools/north/learners", adminToken, obj{"learnerId": "l-0001", "cohort": "grade-6"})
	const l = "/v1/learners/l-0001"
	const std = "math-6-rp-1"
	n.must(201, "POST", l+"/pre-assessments", teacherToken, obj{"standardId": std, "demonstrated": []string{"c1"}, "occurredAt": "2026-09-01T09:00:00Z"})
	n.must(201, "POST", l+"/goals", learnerToken, obj{"goalId": "g1", "specific": "Explain ratios in my own words", "measurable": "three worked examples",
		"achievable": "yes", "relevant": "yes", "targetDate": "2026-10-15", "evaluate": "with my teacher", "review": "at the end", "standardIds": []string{std}})
	n.must(201, "POST", l+"/plans", learnerToken, obj{"planId": "p1", "goalId": "g1", "plan": "ratio tables", "learn": "the lesson", "check": "quiz", "adjust": "ask for help"})
	wrong := n.must(201, "POST", l+"/evidence", teacherToken, evidence("c2", 4, "peer")).json(n.t)
	n.must(201, "POST", l+"/evidence/"+wrong["eventId"].(string)+"/retraction", teacherToken, obj{"reason": "scored the wrong rubric"})
	ev := n.must(201, "POST", l+"/evidence", teacherToken, evidence("c2", 3, "teacher")).json(n.t)
	n.must(201, "POST", l+"/agreements", teacherToken, obj{"standardId": std, "learnerConfirmed": true})
	n.must(201, "POST", l+"/summative-attempts", teacherToken, obj{"standardId": std, "level": 2})
	n.must(201, "POST", l+"/plans/p1/adjustments", learnerToken, obj{"change": "two more ratio tables a week", "reason": "the attempt did not meet"})
	n.must(201, "POST", l+"/agreements", teacherToken, obj{"standardId": std, "learnerConfirmed": true})
	met := n.must(201, "POST", l+"/summative-attempts", teacherToken, obj{"standardId": std, "level": 3}).json(n.t)
	return builtCycle{evidence: ev["eventId"].(string), met: met["eventId"].(string)}
}

// signInBrowser signs the tab in with token through the sign-in form.
func signInBrowser(ctx context.Context, t *testing.T, url, token string) {
	t.Helper()
	browsertest.Navigate(ctx, t, url+"/")
	browsertest.Do(ctx, t,
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.CSS("form[action='/session'] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("form.signout")),
	)
}

// verdictDone is true once the trail's or the file's check has ended.
const verdictDone = `(() => { const r = document.querySelector('[data-verify-result]'); return !!r && r.hasAttribute('data-verdict'); })()`

// pageString evaluates a string expression in the tab.
func pageString(ctx context.Context, t *testing.T, expr string) string {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, browsertest.ActionTimeout)
	defer cancel()
	s, err := chromedp.Run(actx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// TestTrailVerifiesInBrowser: the trail of a met claim verifies in a real
// browser, with the session's cookie only; after one event's data are
// changed in the SQLite file and the service restarted on it, the page
// names that event as failing and the overall verdict is "failed".
func TestTrailVerifiesInBrowser(t *testing.T) {
	browser := browsertest.New(t)
	dir := t.TempDir()
	n := startServing(t, dir, 0)
	c := buildCycle(n)
	const trail = "/learners/l-0001/standards/math-6-rp-1"

	t.Run("verified", func(t *testing.T) {
		ctx := browsertest.NewSession(browser, t)
		reqs := browsertest.Requests(ctx, t)
		signInBrowser(ctx, t, n.url, teacherToken)
		browsertest.Navigate(ctx, t, n.url+trail)
		browsertest.WaitFor(ctx, t, verdictDone)
		if v := pageString(ctx, t, `document.querySelector('[data-verify-result]').getAttribute('data-verdict')`); v != "verified" {
			t.Fatalf("overall verdict %q: %s", v, pageString(ctx, t, `document.querySelector('[data-verify-result]').textContent`))
		}
		if got := pageString(ctx, t, `String(document.querySelectorAll('ol.trail [data-event-id][data-verdict="verified"]').length) + '/' + document.querySelectorAll('ol.trail [data-event-id]').length`); got != "11/11" {
			t.Errorf("rows verified: %s, want 11/11", got)
		}
		browsertest.Axe(ctx, t, "trail")
		browsertest.KeyboardReach(ctx, t)
		reqs.SameOrigin(t, n.url)
		var replay bool
		for _, u := range reqs.URLs() {
			replay = replay || strings.HasSuffix(u, trail+"/replay.json")
		}
		if !replay {
			t.Errorf("the page did not fetch its replay: %v", reqs.URLs())
		}
	})

	t.Run("tampered", func(t *testing.T) {
		last := n.store.LastPosition()
		n.stop()
		db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.Exec(`UPDATE events SET data = replace(data, '"level":3', '"level":4') WHERE event_id = ?`, c.evidence)
		if err != nil {
			t.Fatal(err)
		}
		if k, err := res.RowsAffected(); err != nil || k != 1 {
			t.Fatalf("changed %d rows (%v), want 1", k, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		n = startServing(t, dir, last)

		ctx := browsertest.NewSession(browser, t)
		signInBrowser(ctx, t, n.url, auditorToken)
		browsertest.Navigate(ctx, t, n.url+trail)
		browsertest.WaitFor(ctx, t, verdictDone)
		if v := pageString(ctx, t, `document.querySelector('[data-verify-result]').getAttribute('data-verdict')`); v != "failed" {
			t.Errorf("overall verdict %q, want failed", v)
		}
		row := `document.querySelector('ol.trail [data-event-id="` + c.evidence + `"]')`
		if v := pageString(ctx, t, row+`.getAttribute('data-verdict')`); v != "failed" {
			t.Errorf("the changed event's row: verdict %q, want failed", v)
		}
		if got := pageString(ctx, t, `Array.from(document.querySelectorAll('ol.trail [data-verdict="failed"]')).map(e => e.getAttribute('data-event-id')).join(',')`); got != c.evidence {
			t.Errorf("rows failed: %s, want only %s", got, c.evidence)
		}
		if text := pageString(ctx, t, `document.querySelector('[data-verify-result]').textContent`); !strings.Contains(text, c.evidence) {
			t.Errorf("the verdict does not name the event: %s", text)
		}
		// The page itself still shows what the store now says.
		if text := pageString(ctx, t, row+`.textContent`); !strings.Contains(text, "level 4 (Advanced)") {
			t.Errorf("the row does not show the changed data: %s", text)
		}
	})
}

// TestVerifyPageInBrowser: /verify, signed out, checks the learner's
// transcript file in the browser: verified as exported, failed with one
// byte changed, and no request carried the file.
func TestVerifyPageInBrowser(t *testing.T) {
	browser := browsertest.New(t)
	n := startServing(t, t.TempDir(), 0)
	buildCycle(n)
	transcript := n.must(200, "GET", "/v1/learners/l-0001/transcript?format=ob3", learnerToken, nil).body
	// A stretch of the file no request has any reason to hold: the middle
	// of the credential's signed payload.
	jwt := transcript[bytes.Index(transcript, []byte(`"jwt":"`))+7:]
	secret := string(jwt[200:260])

	files := t.TempDir()
	good := filepath.Join(files, "transcript.json")
	if err := os.WriteFile(good, transcript, 0o600); err != nil {
		t.Fatal(err)
	}
	// One byte changed inside the credential's payload: a letter of the
	// base64url text swapped for another.
	bad := bytes.Clone(transcript)
	i := bytes.Index(bad, []byte(`"jwt":"`)) + 7 + 100
	if bad[i] == 'A' {
		bad[i] = 'B'
	} else {
		bad[i] = 'A'
	}
	badPath := filepath.Join(files, "changed.json")
	if err := os.WriteFile(badPath, bad, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, file, want string
	}{{"as-exported", good, "verified"}, {"one-byte-changed", badPath, "failed"}} {
		t.Run(c.name, func(t *testing.T) {
			ctx := browsertest.NewSession(browser, t)
			reqs := browsertest.Requests(ctx, t)
			browsertest.Navigate(ctx, t, n.url+"/verify")
			if c.want == "verified" {
				browsertest.Axe(ctx, t, "verify")
				browsertest.KeyboardReach(ctx, t)
			}
			browsertest.Do(ctx, t, chromedp.SetUploadFiles(chromedp.ID("verify-file"), []string{c.file}))
			browsertest.WaitFor(ctx, t, verdictDone)
			if v := pageString(ctx, t, `document.querySelector('[data-verify-result]').getAttribute('data-verdict')`); v != c.want {
				t.Errorf("verdict %q, want %q: %s", v, c.want, pageString(ctx, t, `document.querySelector('[data-verify-result]').textContent`))
			}
			if c.want == "verified" {
				browsertest.Axe(ctx, t, "verify with a result")
			}
			reqs.SameOrigin(t, n.url)
			reqs.NotCarrying(ctx, t, secret)
			if len(reqs.All()) == 0 {
				t.Error("no request recorded: the log is not listening")
			}
		})
	}
}

// TestVerifyPagePasted: the text pasted into /verify and checked with the
// Verify button, from the keyboard, verifies, and is sent nowhere either.
func TestVerifyPagePasted(t *testing.T) {
	browser := browsertest.New(t)
	n := startServing(t, t.TempDir(), 0)
	buildCycle(n)
	transcript := n.must(200, "GET", "/v1/learners/l-0001/transcript?format=ob3", learnerToken, nil).body
	jwt := transcript[bytes.Index(transcript, []byte(`"jwt":"`))+7:]
	secret := string(jwt[200:260])
	text, err := json.Marshal(string(transcript))
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.NewSession(browser, t)
	reqs := browsertest.Requests(ctx, t)
	browsertest.Navigate(ctx, t, n.url+"/verify")
	// The module works the page's own controls: it appends none of its own.
	if got := pageString(ctx, t, `String(document.querySelectorAll('[data-verify-file] input, [data-verify-file] textarea, [data-verify-file] button').length)`); got != "4" {
		t.Errorf("%s controls in the form, want the page's 4 (key, file, paste, button)", got)
	}
	// Typed key by key, the file would take minutes: its text is set as a
	// paste would set it, and the button is pressed from the keyboard.
	browsertest.Do(ctx, t,
		chromedp.Evaluate[chromedp.Void](`document.getElementById('verify-paste').value = `+string(text)+`, undefined`),
		chromedp.Focus(chromedp.ID("verify-run")),
		chromedp.KeyEvent("\r"),
	)
	browsertest.WaitFor(ctx, t, verdictDone)
	if v := pageString(ctx, t, `document.querySelector('[data-verify-result]').getAttribute('data-verdict')`); v != "verified" {
		t.Errorf("verdict %q: %s", v, pageString(ctx, t, `document.querySelector('[data-verify-result]').textContent`))
	}
	reqs.SameOrigin(t, n.url)
	reqs.NotCarrying(ctx, t, secret)
}
