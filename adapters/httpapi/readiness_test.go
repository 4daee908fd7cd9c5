package httpapi_test

import (
	"bytes"
	"testing"
)

// The learner asks to be assessed, pointing at evidence; a teacher agrees,
// naming the request, which closes it. Other learners and other schools'
// teachers cannot ask for the learner, and a refused request writes
// nothing.
func TestReadinessRequestOverHTTP(t *testing.T) {
	onEveryStore(t, readinessRequestOverHTTP)
}

func readinessRequestOverHTTP(t *testing.T, a *api) {
	a.school()
	const l = "/v1/learners/l-0001"
	const std = "math-6-rp-1"
	var ev []any
	for _, c := range []string{"c1", "c2", "c3"} {
		ev = append(ev, a.must(201, "POST", l+"/evidence", teacherToken, evidence(c, 3, "teacher")).json(t)["eventId"])
	}
	body := obj{"standardId": std, "evidenceIds": []any{ev[0], ev[1]}, "note": "I can explain ratios with tape diagrams now."}

	// Refusals write nothing.
	before := a.lastPosition()
	a.must(403, "POST", l+"/readiness-requests", otherLearner, body)
	a.must(404, "POST", l+"/readiness-requests", otherTeacher, body)
	a.must(403, "POST", l+"/readiness-requests", auditorToken, body)
	a.must(404, "POST", "/v1/learners/l-9999/readiness-requests", teacherToken, body)
	a.must(403, "POST", l+"/readiness-requests", adminToken, body)
	if p := a.must(400, "POST", l+"/readiness-requests", learnerToken, obj{"standardId": std, "evidenceIds": []any{}}); !bytes.Contains(p.body, []byte("evidenceIds")) {
		t.Errorf("a request without evidence: %s, want evidenceIds named", p.body)
	}
	unknown := a.must(422, "POST", l+"/readiness-requests", learnerToken, obj{"standardId": std, "evidenceIds": []any{"00000000-0000-4000-8000-000000000099"}})
	if r := unknown.json(t)["rule"]; r != "unknown-evidence" {
		t.Errorf("unknown evidence: rule %v, want unknown-evidence", r)
	}
	if a.lastPosition() != before {
		t.Fatal("a refused request appended")
	}

	// The learner asks; the answer is a write like any other.
	res := a.must(201, "POST", l+"/readiness-requests", learnerToken, body)
	req := res.json(t)
	if req["stream"] != "learner-l-0001" || req["eventId"] == nil || req["hash"] == nil {
		t.Fatalf("write result: %s", res.body)
	}
	if tag := res.header.Get("ETag"); tag == "" {
		t.Error("no ETag on the 201")
	}
	// The same request again, with the same eventId, is the same write.
	body["eventId"] = req["eventId"]
	if again := a.must(201, "POST", l+"/readiness-requests", learnerToken, body).json(t); again["position"] != req["position"] {
		t.Errorf("a retried request answered %v, want the first %v", again, req)
	}
	delete(body, "eventId")

	m := a.must(200, "GET", l+"/mastery/"+std, teacherToken, nil).json(t)
	open, _ := m["openRequests"].([]any)
	if len(open) != 1 {
		t.Fatalf("open requests: %v", m["openRequests"])
	}
	r0 := open[0].(obj)
	by, _ := r0["requestedBy"].(obj)
	if r0["requestId"] != req["eventId"] || by["role"] != "learner" || by["name"] != "l-0001" || len(r0["evidenceIds"].([]any)) != 2 || m["status"] != "in-progress" {
		t.Errorf("mastery after the request: %v", m)
	}

	// An agreement naming a request the learner does not have is refused.
	before = a.lastPosition()
	p := a.must(422, "POST", l+"/agreements", teacherToken, obj{"standardId": std, "learnerConfirmed": true, "requestId": "00000000-0000-4000-8000-000000000099"})
	if r := p.json(t)["rule"]; r != "unknown-request" {
		t.Errorf("agreement naming an unknown request: rule %v", r)
	}
	if a.lastPosition() != before {
		t.Fatal("a refused agreement appended")
	}

	// The teacher agrees, naming the request: it is closed.
	agreed := a.must(201, "POST", l+"/agreements", teacherToken, obj{"standardId": std, "learnerConfirmed": true, "requestId": req["eventId"]}).json(t)
	m = a.must(200, "GET", l+"/mastery/"+std, learnerToken, nil).json(t)
	oa, _ := m["openAgreement"].(obj)
	if m["status"] != "ready" || oa["agreementId"] != agreed["eventId"] || oa["requestId"] != req["eventId"] {
		t.Errorf("mastery after the agreement: %v", m)
	}
	if open, ok := m["openRequests"].([]any); !ok || len(open) != 0 {
		t.Errorf("open requests after the agreement: %v, want []", m["openRequests"])
	}

	// While the agreement is open, and once met, a request is refused.
	if r := a.must(422, "POST", l+"/readiness-requests", learnerToken, body).json(t)["rule"]; r != "agreement-open" {
		t.Errorf("request while an agreement is open: rule %v", r)
	}
	a.must(201, "POST", l+"/summative-attempts", teacherToken, obj{"standardId": std, "level": 3})
	before = a.lastPosition()
	if r := a.must(422, "POST", l+"/readiness-requests", teacherToken, body).json(t)["rule"]; r != "already-met" {
		t.Errorf("request after met: rule %v", r)
	}
	if a.lastPosition() != before {
		t.Fatal("a refused request appended")
	}

	// The trail holds the request, and the answering agreement names it.
	rp := a.must(200, "GET", l+"/standards/"+std+"/replay", auditorToken, nil).json(t)
	var types []any
	for _, e := range rp["events"].([]any) {
		types = append(types, e.(obj)["type"])
	}
	want := []any{"EvidenceRecorded", "EvidenceRecorded", "EvidenceRecorded", "ReadinessRequested", "ReadinessAgreed", "SummativeAttemptRecorded"}
	if len(types) != len(want) {
		t.Fatalf("replay types %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("replay types %v, want %v", types, want)
		}
	}
	if d := rp["events"].([]any)[4].(obj)["data"].(obj); d["requestId"] != req["eventId"] {
		t.Errorf("the agreement's data %v does not name the request", d)
	}

	// The research feed keeps the request's evidence ids, not its note,
	// nor the learner's id.
	feed := a.must(200, "GET", "/v1/events", researcherToken, nil)
	if bytes.Contains(feed.body, []byte("tape diagrams")) || bytes.Contains(feed.body, []byte("l-0001")) {
		t.Errorf("the research feed holds the note or the learner id")
	}
	found := false
	for _, e := range researchLines(t, feed.body) {
		if e.Type != "ReadinessRequested" {
			continue
		}
		found = true
		if ids, _ := e.Data["evidenceIds"].([]any); len(ids) != 2 || ids[0] != ev[0] || e.Data["standardId"] != std {
			t.Errorf("research copy of the request: %v", e.Data)
		}
	}
	if !found {
		t.Error("the research feed lacks the request")
	}
}
