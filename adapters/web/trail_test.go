package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// cycle is the ids of the events of a met claim built by runCycle.
type cycle struct {
	retracted, retraction, notYet, adjustment, met string
}

// runCycle takes l-0001 on math-6-rp-1 through a cycle as the demo does:
// evidence on c2 that is retracted, evidence that stands, an agreement, a
// not-yet attempt, the plan adjusted, a second agreement and the attempt
// that meets.
func (n *node) runCycle(t *testing.T) cycle {
	t.Helper()
	write := func(token, path, body string) string {
		t.Helper()
		resp := n.do(t, "POST", path, strings.NewReader(body), http.Header{
			"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}})
		if resp.status != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", path, resp.status, resp.body)
		}
		var res struct{ EventID string }
		if err := json.Unmarshal([]byte(resp.body), &res); err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		return res.EventID
	}
	var c cycle
	const l = "/v1/learners/l-0001"
	c.retracted = write(teacherToken, l+"/evidence", `{"standardId":"math-6-rp-1","componentId":"c2","level":4,"source":"peer","note":"scored on the wrong rubric"}`)
	c.retraction = write(teacherToken, l+"/evidence/"+c.retracted+"/retraction", `{"reason":"scored the wrong rubric"}`)
	write(teacherToken, l+"/evidence", `{"standardId":"math-6-rp-1","componentId":"c2","level":3,"source":"teacher","note":"explained a ratio table aloud"}`)
	write(teacherToken, l+"/agreements", `{"standardId":"math-6-rp-1","learnerConfirmed":true}`)
	c.notYet = write(teacherToken, l+"/summative-attempts", `{"standardId":"math-6-rp-1","level":2}`)
	c.adjustment = write(learnerToken, l+"/plans/p1/adjustments", `{"change":"two more ratio tables a week","reason":"the attempt did not meet"}`)
	write(teacherToken, l+"/agreements", `{"standardId":"math-6-rp-1","learnerConfirmed":true}`)
	c.met = write(teacherToken, l+"/summative-attempts", `{"standardId":"math-6-rp-1","level":3}`)
	return c
}

// TestTrailPage opens the trail of a met claim as every role, and trails
// of unknown learners and standards: the access table's answers, the rows
// in words, the retraction linked to what it retracts, the turns of the
// cycle marked in words, the verification wired, and no inline script or
// style.
func TestTrailPage(t *testing.T) {
	n := startNode(t, nodeOptions{})
	c := n.runCycle(t)
	sessions := map[string]string{}
	for _, r := range roles {
		sessions[r.name] = n.signIn(t, r.token)
	}
	const path = "/learners/l-0001/standards/math-6-rp-1"
	rowOf := func(t *testing.T, body, id string) string {
		t.Helper()
		i := strings.Index(body, `data-event-id="`+id+`"`)
		if i < 0 {
			t.Fatalf("no row of event %s", id)
		}
		row := body[i:]
		return row[:strings.Index(row, "</li>")]
	}
	want := map[string]int{"admin": 200, "teacher": 200, "teacher-of-south": 404, "learner": 200,
		"other-learner": 403, "auditor": 200, "researcher": 403}
	for role, status := range want {
		t.Run(role, func(t *testing.T) {
			resp := n.get(t, path, sessions[role])
			if resp.status != status {
				t.Fatalf("status %d, want %d: %s", resp.status, status, resp.body)
			}
			checkHTML(t, role+" "+path, resp.body)
			if status != 200 {
				return
			}
			body := resp.body
			if testing.Verbose() {
				t.Log(body)
			}
			for _, s := range []string{
				"<h1>Trail of 6.RP.A.1: Ratios</h1>", `<strong class="status status-met">met</strong>`,
				"Evidence recorded: component c1 at level 3 (Proficient), source teacher, by Ms Rivera.",
				"Goal g1 set: Explain ratios in my own words, by l-0001.",
				`data-verify-trail data-learner="l-0001" data-standard="math-6-rp-1" data-replay-url="/learners/l-0001/standards/math-6-rp-1/replay.json"`,
				`<script type="module" src="/static/verify.js"></script>`,
			} {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			if r := rowOf(t, body, c.retraction); !strings.Contains(r, `<a href="#event-`+c.retracted+`">`) || !strings.Contains(r, "Reason: scored the wrong rubric") {
				t.Errorf("the retraction does not link the evidence it retracts: %s", r)
			}
			if r := rowOf(t, body, c.retracted); !strings.Contains(body, `<li id="event-`+c.retracted+`"`) || !strings.Contains(r, "Retracted later.") {
				t.Errorf("the retracted evidence is not the link's target, or not said retracted: %s", r)
			}
			for id, s := range map[string]string{
				c.notYet:     `mark mark-not-yet" data-event-id="` + c.notYet + `"><p class="mark-words"><strong>A not-yet attempt.</strong>`,
				c.adjustment: `mark mark-adjusted" data-event-id="` + c.adjustment + `"><p class="mark-words"><strong>Plan adjusted after a not-yet attempt.</strong>`,
				c.met:        `mark mark-met" data-event-id="` + c.met + `"><p class="mark-words"><strong>The attempt that met the standard.</strong>`,
			} {
				if !strings.Contains(body, s) {
					t.Errorf("event %s not marked: want %q in %s", id, s, rowOf(t, body, id))
				}
			}
			if r := rowOf(t, body, c.notYet); !strings.Contains(r, "Summative attempt: not yet, level 2 (Developing), proficient is level 3 (Proficient), by Ms Rivera.") {
				t.Errorf("not-yet attempt not in words: %s", r)
			}
			if r := rowOf(t, body, c.met); !strings.Contains(r, "Recorded by</dt><dd>Ms Rivera, a teacher") || !strings.Contains(r, "<dt>Position</dt>") ||
				!strings.Contains(r, `<code class="hash">`) || !strings.Contains(r, "<time datetime=") {
				t.Errorf("met attempt lacks actor, position, hash or times: %s", r)
			}
			if strings.Count(body, "data-event-id=") != 11 {
				t.Errorf("%d rows, want the 11 events of the replay", strings.Count(body, "data-event-id="))
			}
		})
	}
	for _, p := range []string{"/learners/nobody/standards/math-6-rp-1", "/learners/l-0001/standards/no-such-standard"} {
		t.Run("unknown"+p, func(t *testing.T) {
			if resp := n.get(t, p, sessions["admin"]); resp.status != 404 || !strings.Contains(resp.body, "<h1>Not Found</h1>") {
				t.Errorf("status %d, want the 404 page", resp.status)
			}
		})
	}
	t.Run("signed-out", func(t *testing.T) {
		if resp := n.get(t, path, ""); resp.status != 401 {
			t.Errorf("status %d, want 401", resp.status)
		}
	})
}

// TestTrailJSON fetches the replay the trail page's verification reads,
// with the page's session: the bytes of the API's replay route, under the
// same rule; 401 signed out, 404 for another school's teacher.
func TestTrailJSON(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.runCycle(t)
	const path = "/learners/l-0001/standards/math-6-rp-1/replay.json"
	api := n.do(t, "GET", "/v1/learners/l-0001/standards/math-6-rp-1/replay", nil, http.Header{"Authorization": {"Bearer " + auditorToken}})
	if api.status != 200 {
		t.Fatalf("API replay: %d %s", api.status, api.body)
	}
	want := map[string]int{"admin": 200, "teacher": 200, "teacher-of-south": 404, "learner": 200,
		"other-learner": 403, "auditor": 200, "researcher": 403}
	for _, r := range roles {
		t.Run(r.name, func(t *testing.T) {
			resp := n.get(t, path, n.signIn(t, r.token))
			if resp.status != want[r.name] {
				t.Fatalf("status %d, want %d", resp.status, want[r.name])
			}
			if resp.status != 200 {
				return
			}
			if resp.body != api.body {
				t.Errorf("the page's replay differs from the API's:\n%s\n%s", resp.body, api.body)
			}
			if ct := resp.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := resp.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
	t.Run("signed-out", func(t *testing.T) {
		if resp := n.get(t, path, ""); resp.status != 401 {
			t.Errorf("status %d, want 401", resp.status)
		}
	})
	t.Run("unknown-standard", func(t *testing.T) {
		if resp := n.get(t, "/learners/l-0001/standards/nope/replay.json", n.signIn(t, adminToken)); resp.status != 404 {
			t.Errorf("status %d, want 404", resp.status)
		}
	})
}

// TestVerifyPage: /verify is public, carries the controls the module
// drives, says without JavaScript what to use instead, and the module is
// served as JavaScript under the policy, revalidated by its ETag.
func TestVerifyPage(t *testing.T) {
	n := startNode(t, nodeOptions{})
	for _, session := range []string{"", n.signIn(t, learnerToken)} {
		resp := n.get(t, "/verify", session)
		if resp.status != 200 {
			t.Fatalf("status %d: %s", resp.status, resp.body)
		}
		checkHTML(t, "/verify", resp.body)
		for _, s := range []string{"<div class=\"verify\" data-verify-file>", `<input id="verify-file" type="file"`,
			`<textarea id="verify-paste" data-verify-input`, `data-verify-key`, `data-verify-run`, `<label for="verify-key">`,
			"<noscript>", "<code>ledger verify-transcript</code>", `<script type="module" src="/static/verify.js"></script>`} {
			if !strings.Contains(resp.body, s) {
				t.Errorf("/verify lacks %q", s)
			}
		}
	}
	js := n.get(t, "/static/verify.js", "")
	if js.status != 200 || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("verify.js: %d %q", js.status, js.header.Get("Content-Type"))
	}
	if js.header.Get("Content-Security-Policy") == "" || js.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("verify.js without the security headers: %v", js.header)
	}
	etag := js.header.Get("ETag")
	if etag == "" || js.header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("verify.js: ETag %q, Cache-Control %q", etag, js.header.Get("Cache-Control"))
	}
	if again := n.do(t, "GET", "/static/verify.js", nil, http.Header{"If-None-Match": {etag}}); again.status != http.StatusNotModified {
		t.Errorf("verify.js with its ETag: %d, want 304", again.status)
	}
}
