package httpapi_test

import (
	"testing"
)

// An admin publishes an instrument and opens a round of it; responses name
// the instrument; the school's staff, auditors and researchers read the
// instrument; the efficacy report scores the round.
func TestSurveyInstrumentsOverHTTP(t *testing.T) {
	onEveryStore(t, surveyInstrumentsOverHTTP)
}

func surveyInstrumentsOverHTTP(t *testing.T, a *api) {
	a.school()
	const base = "/v1/schools/north"
	instrument := obj{"instrumentId": "staff-ce", "version": 1, "title": "Staff efficacy", "respondent": "staff", "scaleMin": 1, "scaleMax": 6,
		"subscales": []obj{{"id": "gc", "name": "Group competence"}, {"id": "ta", "name": "Task analysis"}},
		"items": []obj{
			{"itemId": "gc1", "text": "Together we can reach every learner.", "subscale": "gc"},
			{"itemId": "ta1", "text": "Too many learners arrive unready.", "subscale": "ta", "reverseKeyed": true},
		}}

	before := a.lastPosition()
	a.must(403, "POST", base+"/survey-instruments", teacherToken, instrument)
	a.must(404, "POST", "/v1/schools/west/survey-instruments", adminToken, instrument)
	a.must(400, "POST", base+"/survey-instruments", adminToken, obj{"instrumentId": "staff-ce"})
	if a.lastPosition() != before {
		t.Fatal("a refused publication appended")
	}
	a.must(201, "POST", base+"/survey-instruments", adminToken, instrument)
	if r := a.must(422, "POST", base+"/survey-instruments", adminToken, instrument).json(t)["rule"]; r != "instrument-version-published" {
		t.Errorf("the same version again: rule %v", r)
	}

	for _, tok := range []string{adminToken, teacherToken, auditorToken, researcherToken} {
		list := a.must(200, "GET", base+"/survey-instruments", tok, nil).json(t)
		ins, _ := list["instruments"].([]any)
		if len(ins) != 1 || ins[0].(obj)["items"].([]any)[1].(obj)["text"] != "Too many learners arrive unready." {
			t.Errorf("instruments as %s: %v", tok, list)
		}
	}
	a.must(403, "GET", base+"/survey-instruments", otherTeacher, nil)
	a.must(403, "GET", base+"/survey-instruments", learnerToken, nil)
	one := a.must(200, "GET", base+"/survey-instruments/staff-ce", teacherToken, nil).json(t)
	if vs, _ := one["versions"].([]any); one["instrumentId"] != "staff-ce" || len(vs) != 1 {
		t.Errorf("one instrument: %v", one)
	}
	a.must(404, "GET", base+"/survey-instruments/other", teacherToken, nil)
	a.must(404, "GET", "/v1/schools/west/survey-instruments", adminToken, nil)

	round := obj{"roundId": "r1", "instrumentId": "staff-ce", "instrumentVersion": 1, "invited": 4}
	a.must(403, "POST", base+"/survey-rounds", teacherToken, round)
	if r := a.must(422, "POST", base+"/survey-rounds", adminToken, obj{"roundId": "r1", "instrumentId": "staff-ce", "instrumentVersion": 2, "invited": 4}).json(t)["rule"]; r != "unknown-instrument" {
		t.Errorf("a round of an unpublished version: rule %v", r)
	}
	a.must(201, "POST", base+"/survey-rounds", adminToken, round)

	answer := func(want int, gc1, ta1 int) reply {
		return a.must(want, "POST", base+"/efficacy-surveys", adminToken, obj{"roundId": "r1", "respondent": "staff",
			"instrumentId": "staff-ce", "instrumentVersion": 1, "items": []obj{{"itemId": "gc1", "score": gc1}, {"itemId": "ta1", "score": ta1}}})
	}
	// 6 is off the ledger's own 1-to-5 scale but on the instrument's.
	answer(201, 6, 2)
	answer(201, 4, 5)
	if r := answer(422, 7, 1).json(t)["rule"]; r != "score-off-scale" {
		t.Errorf("score 7 of 6: rule %v", r)
	}
	if r := a.must(422, "POST", base+"/efficacy-surveys", adminToken, obj{"roundId": "r1", "respondent": "staff",
		"items": []obj{{"itemId": "q1", "score": 3}}}).json(t)["rule"]; r != "round-other-instrument" {
		t.Errorf("a response without instrument to an instrument's round: rule %v", r)
	}

	// ta1 is reverse-keyed: 2 → 5 and 5 → 2. gc (6+4)/2 = 5, ta (5+2)/2
	// = 3.5; 2 of 4 invited answered.
	rep := a.must(200, "GET", base+"/efficacy", teacherToken, nil).json(t)
	rounds, _ := rep["perceived"].([]any)
	if len(rounds) != 1 {
		t.Fatalf("perceived: %v", rep["perceived"])
	}
	r := rounds[0].(obj)
	subs, _ := r["subscales"].([]any)
	if r["responseRate"] != 0.5 || r["invited"] != 4.0 || len(subs) != 2 ||
		subs[0].(obj)["mean"] != 5.0 || subs[1].(obj)["mean"] != 3.5 || r["instrument"].(obj)["version"] != 1.0 {
		t.Errorf("round: %v", r)
	}
}
