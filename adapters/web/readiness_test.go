package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestReadinessRequestCycle follows a request to be assessed through the
// pages: the learner's page and the trail offer the form to the learner
// and the teacher (not to the auditor); the learner asks, pointing at
// evidence, and the trail says so, linking the evidence; the learner's
// page, the trail and the school page show the request open, with the
// teacher's ways to answer; the feedback form starts from the evidence
// pointed at; the agreement form reached from the request names it and
// records it; then the trail shows the request answered and the form is no
// longer offered.
func TestReadinessRequestCycle(t *testing.T) {
	n := startNode(t, nodeOptions{})
	teacher := n.signIn(t, teacherToken)
	learner := n.signIn(t, learnerToken)
	auditor := n.signIn(t, auditorToken)
	const (
		l    = "/learners/l-0001"
		std  = l + "/standards/math-6-rp-1"
		form = std + "/readiness-request"
	)
	pageHas := func(what, path, session string, want bool, words ...string) string {
		t.Helper()
		page := n.get(t, path, session)
		if page.status != http.StatusOK {
			t.Fatalf("%s: GET %s: %d %s", what, path, page.status, page.body)
		}
		checkHTML(t, what, page.body)
		for _, w := range words {
			if strings.Contains(page.body, w) != want {
				t.Errorf("%s: has %q is %v, want %v", what, w, !want, want)
			}
		}
		return page.body
	}
	pageHas("the learner's page, as the learner", l, learner, true, `href="`+form+`">Ask to be assessed on 6.RP.A.1</a>`)
	pageHas("the learner's page, as the teacher", l, teacher, true, `href="`+form+`">Record the learner's request to be assessed on 6.RP.A.1</a>`)
	pageHas("the learner's page, as the auditor", l, auditor, false, form)
	pageHas("the trail, as the learner", std, learner, true, `href="`+form+`">Ask to be assessed</a>`)
	pageHas("the trail, as the learner", std, learner, false, "/policies")
	pageHas("the trail, as the teacher", std, teacher, true, `href="`+form+`"`, `href="`+std+`/policies"`)
	pageHas("the trail, as the auditor", std, auditor, false, form)
	pageHas("the trail, as the auditor", std, auditor, true, `href="`+std+`/policies"`)

	// The form lists the standing evidence (the seed's c1 at level 3) and
	// says what is not yet shown.
	body := pageHas("the form", form, learner, true, "c1 at level 3 (Proficient), source teacher", "Not yet shown at or above proficient", "c2")
	m := regexp.MustCompile(`name="evidenceIds" value="([0-9a-f-]{36})"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the form offers no evidence: %s", body)
	}
	evidence := m[1]

	before := n.eventCount(t)
	resp := n.send(t, form, learner, n.csrf(t, learner), "", url.Values{"evidenceIds": {evidence}, "note": {"I can describe ratios"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("the request: %d %s", resp.status, resp.body)
	}
	if got := n.eventCount(t) - before; got != 1 {
		t.Errorf("the request wrote %d events", got)
	}
	loc := resp.header.Get("Location")
	request := strings.TrimPrefix(loc, std+"#event-")
	if request == loc {
		t.Fatalf("the request led to %q", loc)
	}

	// The trail says it in words and links the evidence's row; the request
	// is open, and only the teacher is offered the ways to answer it.
	pageHas("the trail after the request", std, learner, true, "Asked to be assessed on 6.RP.A.1, pointing at 1 piece of evidence, by l-0001.",
		`<a href="#event-`+evidence+`">component c1 at level 3 (Proficient), source teacher`, "Note: I can describe ratios",
		`Open request: l-0001 asked to be assessed`, `<a href="#event-`+request+`">pointing at 1 piece of evidence</a>`)
	pageHas("the trail after the request, as the learner", std, learner, false, "agreement?request=")
	agree := std + "/agreement?request=" + request
	feedback := std + "/feedback?request=" + request
	pageHas("the trail after the request, as the teacher", std, teacher, true, `href="`+agree+`"`, `href="`+feedback+`"`)
	pageHas("the learner's page after the request", l, learner, true, "Asked to be assessed on 6.RP.A.1 on", "waiting for the teacher's answer")
	pageHas("the learner's page after the request, as the learner", l, learner, false, "agreement?request=")
	pageHas("the learner's page after the request, as the teacher", l, teacher, true, `href="`+agree+`"`, `href="`+feedback+`"`)
	pageHas("the school page", "/schools/north?cohort=grade-6", teacher, true, "Asked to be assessed in cohort grade-6",
		`<a href="`+std+`">l-0001 on 6.RP.A.1</a>, asked on`, `href="`+agree+`"`, `href="`+feedback+`"`)
	pageHas("the school page, as the auditor", "/schools/north?cohort=grade-6", auditor, true, `<a href="`+std+`">l-0001 on 6.RP.A.1</a>, asked on`)
	pageHas("the school page, as the auditor", "/schools/north?cohort=grade-6", auditor, false, agree)
	pageHas("another cohort's page", "/schools/north?cohort=grade-7", teacher, true, "No learner of the cohort is waiting for an answer")

	// Feedback from the request starts with its evidence checked.
	pageHas("the feedback form from the request", feedback, teacher, true, `value="`+evidence+`" checked`, "An answer to the request to be assessed that l-0001 made")

	// The agreement form reached from the request names it. Refused while
	// c2 is missing; recorded once it is shown, naming the request.
	pageHas("the agreement form from the request", agree, teacher, true, "answers the request to be assessed that l-0001, a learner, made on",
		`<input type="hidden" name="requestId" value="`+request+`">`)
	pageHas("the agreement form without the request", std+"/agreement", teacher, true, "The learner has asked to be assessed")
	csrf := n.csrf(t, teacher)
	before = n.eventCount(t)
	resp = n.send(t, std+"/agreement", teacher, csrf, "", url.Values{"learnerConfirmed": {"true"}, "requestId": {request}})
	if resp.status != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "missing-components") ||
		!strings.Contains(resp.body, `<input type="hidden" name="requestId" value="`+request+`">`) {
		t.Errorf("the agreement with c2 missing: %d %s", resp.status, resp.body)
	}
	if got := n.eventCount(t) - before; got != 0 {
		t.Errorf("the refused agreement wrote %d events", got)
	}
	n.apiWrite(t, teacherToken, "/v1/learners/l-0001/evidence", `{"standardId":"math-6-rp-1","componentId":"c2","level":3,"source":"teacher"}`)
	resp = n.send(t, std+"/agreement", teacher, csrf, "", url.Values{"learnerConfirmed": {"true"}, "requestId": {request}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("the agreement: %d %s", resp.status, resp.body)
	}
	agreement := strings.TrimPrefix(resp.header.Get("Location"), std+"#event-")
	api := n.do(t, "GET", "/v1/learners/l-0001/events", nil, http.Header{"Authorization": {"Bearer " + teacherToken}})
	if !strings.Contains(api.body, `"requestId":"`+request+`"`) {
		t.Errorf("the agreement recorded does not name request %s: %s", request, api.body)
	}

	// The learner sees the request answered; no form is offered now that
	// an agreement is open, and no list shows the request.
	body = pageHas("the trail after the agreement", std, learner, true, `Answered by <a href="#event-`+agreement+`">the agreement of Ms Rivera of`,
		`Answers <a href="#event-`+request+`">the request of l-0001 of`)
	for _, s := range []string{"Open request:", `href="` + form + `"`} {
		if strings.Contains(body, s) {
			t.Errorf("the trail after the agreement still shows %q", s)
		}
	}
	pageHas("the learner's page after the agreement", l, learner, false, "waiting for the teacher", `href="`+form+`"`)
	pageHas("the school page after the agreement", "/schools/north?cohort=grade-6", teacher, true, "No learner of the cohort is waiting for an answer")
}

// TestReadinessRequestOnce: the request form sent twice with its event id
// records one request.
func TestReadinessRequestOnce(t *testing.T) {
	n := startNode(t, nodeOptions{})
	learner := n.signIn(t, learnerToken)
	const path = "/learners/l-0001/standards/math-6-rp-1/readiness-request"
	id := n.formEventID(t, path, learner)
	evidence := regexp.MustCompile(`name="evidenceIds" value="([0-9a-f-]{36})"`).FindStringSubmatch(n.get(t, path, learner).body)
	if evidence == nil {
		t.Fatal("the form offers no evidence")
	}
	csrf := n.csrf(t, learner)
	before := n.eventCount(t)
	for range 2 {
		if resp := n.send(t, path, learner, csrf, id, url.Values{"evidenceIds": {evidence[1]}}); resp.status != http.StatusSeeOther {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
	}
	if got := n.eventCount(t) - before; got != 1 {
		t.Errorf("sent twice, wrote %d events", got)
	}
}

// TestReadinessRequestByTeacher: a teacher records the request on the
// learner's behalf, and the trail says so.
func TestReadinessRequestByTeacher(t *testing.T) {
	n := startNode(t, nodeOptions{})
	teacher := n.signIn(t, teacherToken)
	const std = "/learners/l-0001/standards/math-6-rp-1"
	evidence := regexp.MustCompile(`name="evidenceIds" value="([0-9a-f-]{36})"`).FindStringSubmatch(n.get(t, std+"/readiness-request", teacher).body)
	if evidence == nil {
		t.Fatal("the form offers no evidence")
	}
	resp := n.send(t, std+"/readiness-request", teacher, n.csrf(t, teacher), "", url.Values{"evidenceIds": {evidence[1]}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
	trail := n.get(t, std, teacher).body
	for _, s := range []string{"pointing at 1 piece of evidence, by Ms Rivera on the learner&#39;s behalf.", "Open request: Ms Rivera, for the learner, asked to be assessed"} {
		if !strings.Contains(trail, s) {
			t.Errorf("the trail lacks %q", s)
		}
	}
}
