package httpapi_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// A practice review over HTTP: the staff start it, refusals write nothing,
// its figures move with the evidence while it is open, its conclusion
// records the figures the staff saw (a later retraction does not change
// them), and its replay, its reads for the auditor and the researcher's
// pseudonymised copy.
func TestPracticeReviewOverHTTP(t *testing.T) {
	onEveryStore(t, practiceReviewOverHTTP)
}

func figureOf(t *testing.T, review map[string]any, name string) map[string]any {
	t.Helper()
	figs, _ := review["figures"].(map[string]any)
	list, _ := figs["figures"].([]any)
	for _, f := range list {
		if m, _ := f.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("no figure %s in %v", name, review)
	return nil
}

func practiceReviewOverHTTP(t *testing.T, a *api) {
	a.school()
	a.must(201, "POST", "/v1/schools/north/learners", adminToken, obj{"learnerId": "l-0003", "cohort": "grade-7"})
	const path = "/v1/schools/north/practice-reviews"
	today := time.Now().UTC().Truncate(24 * time.Hour)
	date := func(days int) string { return today.AddDate(0, 0, days).Format(time.DateOnly) }
	start := obj{"reviewId": "r1", "practice": "Feedback within a day, as l-0002 asked.", "intendedResult": "Higher levels of evidence.",
		"standardIds": []string{"math-6-rp-1"}, "scope": obj{"cohorts": []string{"grade-6"}, "learnerIds": []string{"l-0001"}},
		"comparison": obj{"cohorts": []string{"grade-7"}}, "startDate": date(-10), "reviewDate": date(10)}
	with := func(k string, v any) obj {
		c := obj{}
		for kk, vv := range start {
			c[kk] = vv
		}
		c[k] = v
		return c
	}

	before := a.lastPosition()
	a.must(403, "POST", path, learnerToken, start)
	a.must(403, "POST", path, auditorToken, start)
	a.must(403, "POST", path, researcherToken, start)
	a.must(403, "POST", path, otherTeacher, start)
	a.must(404, "POST", "/v1/schools/nowhere/practice-reviews", adminToken, start)
	if p := a.must(400, "POST", path, teacherToken, with("reviewDate", date(-20))); !bytes.Contains(p.body, []byte("reviewDate")) {
		t.Errorf("a review date before the start: %s, want reviewDate named", p.body)
	}
	for _, tc := range []struct {
		body obj
		rule string
	}{
		{with("comparison", obj{"cohorts": []string{"grade-9"}}), "unknown-cohort"},
		{with("scope", obj{"learnerIds": []string{"l-0099"}}), "unknown-learner"},
		{with("standardIds", []string{"nope"}), "unknown-standard"},
	} {
		if r := a.must(422, "POST", path, teacherToken, tc.body).json(t)["rule"]; r != tc.rule {
			t.Errorf("rule %v, want %s", r, tc.rule)
		}
	}
	if a.lastPosition() != before {
		t.Fatal("a refused start appended")
	}

	a.must(201, "POST", path, teacherToken, start)
	if r := a.must(422, "POST", path, adminToken, start).json(t)["rule"]; r != "duplicate-review" {
		t.Errorf("the same review id again: rule %v", r)
	}

	// Before the review: l-0001 at 2, l-0003 at 3. During: l-0001 at 4,
	// l-0003 at 3. Evidence level: scope 2 → 4, comparison 3 → 3, so the
	// difference is (4 - 2) - (3 - 3) = 2.
	at := func(days int) string { return today.AddDate(0, 0, days).Add(9 * time.Hour).Format(time.RFC3339) }
	ev := func(l string, level, days int) string {
		b := evidence("c1", level, "teacher")
		b["occurredAt"] = at(days)
		return a.must(201, "POST", "/v1/learners/"+l+"/evidence", teacherToken, b).json(t)["eventId"].(string)
	}
	ev("l-0001", 2, -15)
	ev("l-0003", 3, -15)
	four := ev("l-0001", 4, -1)
	ev("l-0003", 3, -1)

	live := a.must(200, "GET", path+"/r1", teacherToken, nil).json(t)
	level := figureOf(t, live, "evidence-level")
	if live["figuresOf"] != "now" || level["scopeBefore"] != 2.0 || level["scopeDuring"] != 4.0 || level["difference"] != 2.0 {
		t.Errorf("live figures: %v", level)
	}
	if level["observational"] != true {
		t.Error("a figure not labelled observational")
	}

	// The conclusion records those figures; a retry is the same write.
	conclusion := obj{"eventId": "00000000-0000-4000-8000-0000000000c1", "decision": "keep", "learned": "It works for grade 6."}
	a.must(403, "POST", path+"/r1/conclusion", auditorToken, conclusion)
	a.must(404, "POST", path+"/r9/conclusion", teacherToken, conclusion)
	if p := a.must(400, "POST", path+"/r1/conclusion", teacherToken, obj{"decision": "maybe", "learned": "x"}); !bytes.Contains(p.body, []byte("decision")) {
		t.Errorf("an unknown decision: %s", p.body)
	}
	first := a.must(201, "POST", path+"/r1/conclusion", teacherToken, conclusion).json(t)
	// A retraction after the conclusion moves the live figures, not the
	// recorded ones, and not the retry's.
	a.must(201, "POST", "/v1/learners/l-0001/evidence/"+four+"/retraction", teacherToken, obj{"reason": "wrong rubric"})
	if again := a.must(201, "POST", path+"/r1/conclusion", teacherToken, conclusion).json(t); again["position"] != first["position"] {
		t.Errorf("a retried conclusion answered %v, want %v", again, first)
	}
	if r := a.must(422, "POST", path+"/r1/conclusion", adminToken, obj{"decision": "drop", "learned": "x"}).json(t)["rule"]; r != "review-concluded" {
		t.Errorf("a second conclusion: rule %v", r)
	}
	done := a.must(200, "GET", path+"/r1", auditorToken, nil).json(t)
	c, _ := done["conclusion"].(map[string]any)
	if done["figuresOf"] != "conclusion" || c["decision"] != "keep" || figureOf(t, done, "evidence-level")["difference"] != 2.0 {
		t.Errorf("concluded review: %v", done)
	}

	list := a.must(200, "GET", path, teacherToken, nil).json(t)
	if rs, _ := list["reviews"].([]any); len(rs) != 1 {
		t.Errorf("list: %v", list)
	}
	a.must(403, "GET", path, otherTeacher, nil)
	a.must(403, "GET", path, learnerToken, nil)
	a.must(404, "GET", path+"/r9", teacherToken, nil)
	a.must(404, "GET", "/v1/schools/nowhere/practice-reviews", adminToken, nil)

	replay := a.must(200, "GET", path+"/r1/replay", auditorToken, nil).json(t)
	evs, _ := replay["events"].([]any)
	if len(evs) != 2 {
		t.Fatalf("replay: %v", replay)
	}
	for i, want := range []string{"PracticeReviewStarted", "PracticeReviewConcluded"} {
		e := evs[i].(map[string]any)
		if e["type"] != want || e["hash"] == nil || e["position"] == nil {
			t.Errorf("replay event %d: %v", i, e)
		}
	}
	a.must(404, "GET", path+"/r9/replay", auditorToken, nil)

	// The researcher's copy: pseudonyms, no staff words (north does not
	// share free text), the same figures.
	for _, p := range []string{path, path + "/r1", path + "/r1/replay"} {
		body := a.must(200, "GET", p, researcherToken, nil).body
		for _, leak := range []string{"l-0001", "l-0002", "Feedback within", "It works"} {
			if bytes.Contains(body, []byte(leak)) {
				t.Errorf("%s: the researcher's copy holds %q: %s", p, leak, body)
			}
		}
		if p != path+"/r1/replay" && !bytes.Contains(body, []byte(fmt.Sprintf(`"difference":%d`, 2))) {
			t.Errorf("%s: the researcher's copy lost the figures: %s", p, body)
		}
	}
}
