package xapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

func TestAlignedStatementBecomesEvidence(t *testing.T) {
	l := startLRS(t)
	l.school()
	// By the component's CASE URI, as the object.
	byCase := l.post(stmt(caseURI, scaled(0.95)))[0]
	// By an admin's alignment, as a context category activity.
	l.admin("POST", "/v1/schools/north/xapi-alignments", map[string]any{"activityId": "https://tool.example/quiz/7",
		"standardId": "math-1", "componentId": "c2"}, http.StatusCreated)
	s := stmt("https://tool.example/other", map[string]any{"success": true})
	s["context"] = map[string]any{"contextActivities": map[string]any{"category": []any{map[string]any{"id": "https://tool.example/quiz/7"}}}}
	byAlignment := l.post(s)[0]
	// Not aligned: kept, no evidence.
	l.post(stmt("https://tool.example/unaligned", scaled(1)))

	stored := ofType[domain.StatementRecorded](l, domain.LearnerStream("l-0001"))
	if len(stored) != 3 {
		t.Fatalf("%d statements in the learner's stream, want 3", len(stored))
	}
	ev := ofType[domain.EvidenceRecorded](l, domain.LearnerStream("l-0001"))
	if len(ev) != 2 {
		t.Fatalf("evidence %+v, want 2", ev)
	}
	want := []domain.EvidenceRecorded{
		{StandardID: "math-1", StandardRevision: 1, ComponentID: "c1", Level: 4, Source: domain.SourceTechnology, StatementID: byCase},
		{StandardID: "math-1", StandardRevision: 1, ComponentID: "c2", Level: 3, Source: domain.SourceTechnology, StatementID: byAlignment},
	}
	for i := range want {
		if fmt.Sprint(ev[i]) != fmt.Sprint(want[i]) {
			t.Errorf("evidence %d = %+v, want %+v", i, ev[i], want[i])
		}
	}
	// The evidence counts in the mastery view.
	var m struct {
		Components []struct {
			ID      string `json:"id"`
			Covered bool   `json:"covered"`
		} `json:"components"`
	}
	json.Unmarshal(l.admin("GET", "/v1/learners/l-0001/mastery/math-1", nil, http.StatusOK), &m)
	if len(m.Components) != 2 || !m.Components[0].Covered || !m.Components[1].Covered {
		t.Errorf("mastery %+v: both components covered by technology evidence", m)
	}
}

func TestLevelsFromScores(t *testing.T) {
	l := startLRS(t)
	l.school()
	// Cut scores of the alignment: 2 from 0.5, 3 from 0.8.
	l.admin("POST", "/v1/schools/north/xapi-alignments", map[string]any{"activityId": "https://tool.example/cut",
		"standardId": "math-1", "componentId": "c2", "cutScores": []map[string]any{{"level": 1, "minScaled": -1}, {"level": 2, "minScaled": 0.5}, {"level": 3, "minScaled": 0.8}}},
		http.StatusCreated)
	cases := []struct {
		activity string
		result   map[string]any
		level    int // 0: no evidence
	}{
		{caseURI, scaled(0.1), 1},
		{caseURI, scaled(0.35), 2},
		{caseURI, scaled(0.7), 3},
		{caseURI, scaled(0.89), 3},
		{caseURI, scaled(0.9), 4},
		{caseURI, scaled(-0.5), 1},
		{caseURI, map[string]any{"success": true}, 3},
		{caseURI, map[string]any{"success": false}, 2},
		{caseURI, map[string]any{"completion": true}, 0},
		{caseURI, nil, 0},
		{"https://tool.example/cut", scaled(0.6), 2},
		{"https://tool.example/cut", scaled(0.95), 3},
		{"https://tool.example/cut", scaled(0.2), 1},
	}
	for _, c := range cases {
		id := l.post(stmt(c.activity, c.result))[0]
		var got []domain.EvidenceRecorded
		for _, e := range ofType[domain.EvidenceRecorded](l, domain.LearnerStream("l-0001")) {
			if e.StatementID == id {
				got = append(got, e)
			}
		}
		switch {
		case c.level == 0 && len(got) != 0:
			t.Errorf("%s %v: evidence %+v, want none", c.activity, c.result, got)
		case c.level != 0 && (len(got) != 1 || got[0].Level != c.level):
			t.Errorf("%s %v: evidence %+v, want level %d", c.activity, c.result, got, c.level)
		}
	}
}

func TestVoidingRetractsEvidence(t *testing.T) {
	l := startLRS(t)
	l.school()
	id := l.post(stmt(caseURI, scaled(0.8)))[0]
	before := len(l.events(domain.LearnerStream("l-0001")))
	voiding := l.post(map[string]any{
		"actor":  map[string]any{"mbox": "mailto:teacher@example.org"},
		"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/voided"},
		"object": map[string]any{"objectType": "StatementRef", "id": id},
	})[0]
	evs := l.events(domain.LearnerStream("l-0001"))
	if len(evs) != before+2 {
		t.Fatalf("%d events after voiding, want %d (the voiding statement and a retraction)", len(evs), before+2)
	}
	ret := ofType[domain.EvidenceRetracted](l, domain.LearnerStream("l-0001"))
	if len(ret) != 1 || ret[0].EvidenceID != domain.StatementEvidenceID(id, "math-1", "c1") {
		t.Fatalf("retractions %+v", ret)
	}
	// Nothing was deleted: the voided statement and its evidence stay.
	if n := len(ofType[domain.EvidenceRecorded](l, domain.LearnerStream("l-0001"))); n != 1 {
		t.Errorf("%d evidence events, want the 1 recorded", n)
	}
	l.do(l.xapiRequest(toolToken, "GET", "?statementId="+id, nil), http.StatusNotFound)
	l.do(l.xapiRequest(toolToken, "GET", "?voidedStatementId="+id, nil), http.StatusOK)
	l.do(l.xapiRequest(toolToken, "GET", "?statementId="+voiding, nil), http.StatusOK)
	var res struct{ Statements []map[string]any }
	json.Unmarshal(l.do(l.xapiRequest(toolToken, "GET", "", nil), http.StatusOK), &res)
	for _, s := range res.Statements {
		if s["id"] == id {
			t.Errorf("a voided statement is listed")
		}
	}
	// A filter the voided statement matches finds the voiding statement,
	// which targets it, and not the voided one.
	res.Statements = nil
	json.Unmarshal(l.do(l.xapiRequest(toolToken, "GET", "?activity="+caseURI, nil), http.StatusOK), &res)
	if len(res.Statements) != 1 || res.Statements[0]["id"] != voiding {
		t.Errorf("activity filter after voiding: %v, want the voiding statement only", res.Statements)
	}
	// A voiding statement may not be voided.
	raw, _ := json.Marshal(map[string]any{"actor": map[string]any{"mbox": "mailto:teacher@example.org"},
		"verb": map[string]any{"id": "http://adlnet.gov/expapi/verbs/voided"}, "object": map[string]any{"objectType": "StatementRef", "id": voiding}})
	l.do(l.xapiRequest(toolToken, "POST", "", raw), http.StatusBadRequest)
}

func TestLateAlignmentReplaysStoredStatements(t *testing.T) {
	l := startLRS(t)
	l.school()
	a := l.post(stmt("https://tool.example/late", scaled(0.75)))[0]
	// Aligned late by a context category activity, not its object.
	byCategory := stmt("https://tool.example/unaligned", map[string]any{"success": false})
	byCategory["context"] = map[string]any{"contextActivities": map[string]any{"category": []any{map[string]any{"id": "https://tool.example/late-category"}}}}
	c := l.post(byCategory)[0]
	// An actor not yet linked: the statement goes to the school's stream.
	other := stmt("https://tool.example/late", map[string]any{"success": true})
	other["actor"] = map[string]any{"account": map[string]any{"homePage": "https://tool.example", "name": "kim"}}
	b := l.post(other)[0]
	if n := len(ofType[domain.StatementRecorded](l, domain.SchoolStream("north"))); n != 1 {
		t.Fatalf("%d statements in the school's stream, want 1", n)
	}
	if n := len(ofType[domain.EvidenceRecorded](l, domain.LearnerStream("l-0001"))); n != 0 {
		t.Fatalf("evidence before any alignment: %d", n)
	}
	l.admin("POST", "/v1/schools/north/xapi-alignments", map[string]any{"activityId": "https://tool.example/late",
		"standardId": "math-1", "componentId": "c2"}, http.StatusCreated)
	ev := ofType[domain.EvidenceRecorded](l, domain.LearnerStream("l-0001"))
	if len(ev) != 1 || ev[0].StatementID != a || ev[0].Level != 3 {
		t.Fatalf("evidence after the alignment %+v, want statement %s at level 3", ev, a)
	}
	l.admin("POST", "/v1/schools/north/xapi-alignments", map[string]any{"activityId": "https://tool.example/late-category",
		"standardId": "math-1", "componentId": "c1"}, http.StatusCreated)
	ev = ofType[domain.EvidenceRecorded](l, domain.LearnerStream("l-0001"))
	if len(ev) != 2 || ev[1].StatementID != c || ev[1].ComponentID != "c1" || ev[1].Level != 2 {
		t.Fatalf("evidence after aligning the category %+v, want statement %s on c1 at level 2", ev, c)
	}
	// Linking kim to a learner turns b into that learner's evidence.
	l.admin("POST", "/v1/schools/north/learners", map[string]any{"learnerId": "l-0002", "cohort": "g6"}, http.StatusCreated)
	l.admin("POST", "/v1/schools/north/xapi-alignments", map[string]any{"agent": map[string]any{"accountHomePage": "https://tool.example", "accountName": "kim"},
		"learnerId": "l-0002"}, http.StatusCreated)
	ev2 := ofType[domain.EvidenceRecorded](l, domain.LearnerStream("l-0002"))
	if len(ev2) != 1 || ev2[0].StatementID != b || ev2[0].Level != 3 {
		t.Fatalf("l-0002's evidence %+v, want statement %s", ev2, b)
	}
	// Aligning again derives nothing twice: the ids come from statement
	// and component.
	pos := l.lastPosition()
	l.admin("POST", "/v1/schools/north/xapi-alignments", map[string]any{"activityId": "https://tool.example/late",
		"standardId": "math-1", "componentId": "c2"}, http.StatusCreated)
	if got := l.lastPosition(); got != pos+1 {
		t.Errorf("a repeated alignment wrote %d events, want only itself", got-pos)
	}
}

func TestRoleAndSchoolScope(t *testing.T) {
	l := startLRS(t)
	l.school()
	id := l.post(stmt(caseURI, scaled(0.8)))[0]
	// Bearer works as Basic does.
	req := l.xapiRequest(toolToken, "GET", "?statementId="+id, nil)
	req.Header.Set("Authorization", "Bearer "+toolToken)
	l.do(req, http.StatusOK)
	// No credentials, a wrong token: 401.
	req = l.xapiRequest(toolToken, "GET", "", nil)
	req.Header.Del("Authorization")
	l.do(req, http.StatusUnauthorized)
	l.do(l.xapiRequest("not-a-token-0123456789", "GET", "", nil), http.StatusUnauthorized)
	// A teacher or an admin may not use the resource; a tool nothing else.
	l.do(l.xapiRequest(teacherToken, "GET", "", nil), http.StatusForbidden)
	l.do(l.xapiRequest(adminToken, "GET", "", nil), http.StatusForbidden)
	for _, path := range []string{"/v1/standards", "/v1/learners/l-0001/mastery", "/v1/events"} {
		req, _ := http.NewRequest("GET", l.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+toolToken)
		l.do(req, http.StatusForbidden)
	}
	req, _ = http.NewRequest("POST", l.url+"/v1/schools/north/xapi-alignments", strings.NewReader(`{"activityId":"https://x.example/a","standardId":"math-1","componentId":"c1"}`))
	req.Header.Set("Authorization", "Bearer "+toolToken)
	l.do(req, http.StatusForbidden)
	// Another school's tool sees nothing of north, and its own statement
	// about sam (linked at north only) stays in south's stream.
	l.do(l.xapiRequest(southTool, "GET", "?statementId="+id, nil), http.StatusNotFound)
	var res struct{ Statements []any }
	json.Unmarshal(l.do(l.xapiRequest(southTool, "GET", "", nil), http.StatusOK), &res)
	if len(res.Statements) != 0 {
		t.Errorf("south's tool lists %d of north's statements", len(res.Statements))
	}
	raw, _ := json.Marshal(stmt(caseURI, scaled(1)))
	l.do(l.xapiRequest(southTool, "POST", "", raw), http.StatusOK)
	if n := len(ofType[domain.StatementRecorded](l, domain.SchoolStream("south"))); n != 1 {
		t.Errorf("south's statement: %d in south's stream, want 1", n)
	}
	if n := len(ofType[domain.EvidenceRecorded](l, domain.LearnerStream("l-0001"))); n != 1 {
		t.Errorf("l-0001 has %d evidence, want only north's 1", n)
	}
	// The same id from another school is a conflict, not a read.
	s := stmt(caseURI, scaled(0.8))
	s["id"] = id
	raw, _ = json.Marshal(s)
	l.do(l.xapiRequest(southTool, "POST", "", raw), http.StatusConflict)
}

func TestConcurrentStatementsForOneLearner(t *testing.T) {
	l := startLRS(t)
	l.school()
	const n = 64
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			raw, _ := json.Marshal(stmt(caseURI, scaled(0.7)))
			resp, err := l.client.Do(l.xapiRequest(toolToken, "POST", "", raw))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var got []string
			if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&got) != nil || len(got) != 1 {
				errs <- fmt.Errorf("statement %d: status %d", i, resp.StatusCode)
				return
			}
			ids[i] = got[0]
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	stored := ofType[domain.StatementRecorded](l, domain.LearnerStream("l-0001"))
	ev := ofType[domain.EvidenceRecorded](l, domain.LearnerStream("l-0001"))
	seen := map[string]int{}
	for _, s := range stored {
		seen[s.StatementID]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("statement %s stored %d times", id, seen[id])
		}
	}
	if len(stored) != n || len(seen) != n || len(ev) != n {
		t.Errorf("%d statements (%d ids), %d evidence; want %d each", len(stored), len(seen), len(ev), n)
	}
}

func TestStatementIDReuse(t *testing.T) {
	l := startLRS(t)
	l.school()
	const id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	raw, _ := json.Marshal(stmt(caseURI, scaled(0.8)))
	l.do(l.xapiRequest(toolToken, "PUT", "?statementId="+id, raw), http.StatusNoContent)
	pos := l.lastPosition()
	// The same statement again: no-op.
	l.do(l.xapiRequest(toolToken, "PUT", "?statementId="+id, raw), http.StatusNoContent)
	// Other content under the id: 409, nothing written.
	other, _ := json.Marshal(stmt(caseURI, scaled(0.1)))
	l.do(l.xapiRequest(toolToken, "PUT", "?statementId="+id, other), http.StatusConflict)
	if got := l.lastPosition(); got != pos {
		t.Errorf("a repeated or conflicting PUT wrote %d events", got-pos)
	}
	// The stored statement: the id, stored, version and the credential's
	// authority set by the ledger.
	var s map[string]any
	json.Unmarshal(l.do(l.xapiRequest(toolToken, "GET", "?statementId="+id, nil), http.StatusOK), &s)
	auth, _ := s["authority"].(map[string]any)
	if s["id"] != id || s["stored"] == nil || s["version"] != "2.0.0" || auth["name"] != "Quiz tool" {
		t.Errorf("stored statement %v", s)
	}
}

func TestBadStatementsWriteNothing(t *testing.T) {
	l := startLRS(t)
	l.school()
	good := func(edit func(s map[string]any)) string {
		s := stmt(caseURI, scaled(0.8))
		edit(s)
		raw, _ := json.Marshal(s)
		return string(raw)
	}
	cases := map[string]string{
		"not JSON":                 `{"actor":`,
		"no actor":                 good(func(s map[string]any) { delete(s, "actor") }),
		"no verb":                  good(func(s map[string]any) { delete(s, "verb") }),
		"no object":                good(func(s map[string]any) { delete(s, "object") }),
		"unknown property":         good(func(s map[string]any) { s["foo"] = 1 }),
		"null value":               good(func(s map[string]any) { s["result"] = nil }),
		"bad id":                   good(func(s map[string]any) { s["id"] = "not-a-uuid" }),
		"verb id not an IRI":       good(func(s map[string]any) { s["verb"] = map[string]any{"id": "passed"} }),
		"activity id not an IRI":   good(func(s map[string]any) { s["object"] = map[string]any{"id": "quiz 7"} }),
		"bad language tag":         good(func(s map[string]any) { s["verb"].(map[string]any)["display"] = map[string]any{"not a tag": "x"} }),
		"agent with two IFIs":      good(func(s map[string]any) { s["actor"].(map[string]any)["openid"] = "https://id.example/sam" }),
		"agent with no IFI":        good(func(s map[string]any) { s["actor"] = map[string]any{"name": "Sam"} }),
		"bad mbox":                 good(func(s map[string]any) { s["actor"] = map[string]any{"mbox": "sam@example.org"} }),
		"anonymous group, no list": good(func(s map[string]any) { s["actor"] = map[string]any{"objectType": "Group"} }),
		"scaled above 1":           good(func(s map[string]any) { s["result"] = scaled(1.5) }),
		"raw above max": good(func(s map[string]any) {
			s["result"] = map[string]any{"score": map[string]any{"raw": 11, "min": 0, "max": 10}}
		}),
		"bad duration":           good(func(s map[string]any) { s["result"] = map[string]any{"duration": "1 hour"} }),
		"timestamp without zone": good(func(s map[string]any) { s["timestamp"] = "2026-01-02T03:04:05" }),
		"timestamp -00:00":       good(func(s map[string]any) { s["timestamp"] = "2026-01-02T03:04:05-00:00" }),
		"bad registration":       good(func(s map[string]any) { s["context"] = map[string]any{"registration": "x"} }),
		"revision on agent object": good(func(s map[string]any) {
			s["object"] = map[string]any{"objectType": "Agent", "mbox": "mailto:a@example.org"}
			s["context"] = map[string]any{"revision": "1"}
		}),
		"voiding a non-ref": good(func(s map[string]any) {
			s["verb"] = map[string]any{"id": "http://adlnet.gov/expapi/verbs/voided"}
		}),
		"substatement in substatement": good(func(s map[string]any) {
			inner := stmt(caseURI, nil)
			inner["objectType"] = "SubStatement"
			outer := stmt(caseURI, nil)
			outer["objectType"] = "SubStatement"
			outer["object"] = inner
			s["object"] = outer
		}),
		"attachment not sent": good(func(s map[string]any) {
			s["attachments"] = []any{map[string]any{"usageType": "http://id.example/essay", "display": map[string]any{"en": "essay"},
				"contentType": "text/plain", "length": 4, "sha2": strings.Repeat("a", 64)}}
		}),
		"batch with a repeated id": `[` + good(func(s map[string]any) { s["id"] = "3f2504e0-4f89-41d3-9a0c-0305e82c3301" }) + `,` +
			good(func(s map[string]any) { s["id"] = "3f2504e0-4f89-41d3-9a0c-0305e82c3301" }) + `]`,
		"batch with one bad": `[` + good(func(map[string]any) {}) + `,` + good(func(s map[string]any) { delete(s, "verb") }) + `]`,
	}
	pos := l.lastPosition()
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			l.t = t
			l.do(l.xapiRequest(toolToken, "POST", "", []byte(body)), http.StatusBadRequest)
		})
	}
	l.t = t
	// The version header is required; PUT needs its statementId.
	req := l.xapiRequest(toolToken, "POST", "", []byte(good(func(map[string]any) {})))
	req.Header.Del("X-Experience-API-Version")
	l.do(req, http.StatusBadRequest)
	req = l.xapiRequest(toolToken, "POST", "", []byte(good(func(map[string]any) {})))
	req.Header.Set("X-Experience-API-Version", "3.0.0")
	l.do(req, http.StatusBadRequest)
	l.do(l.xapiRequest(toolToken, "PUT", "", []byte(good(func(map[string]any) {}))), http.StatusBadRequest)
	l.do(l.xapiRequest(toolToken, "GET", "?verb=passed", nil), http.StatusBadRequest)
	l.do(l.xapiRequest(toolToken, "GET", "?statementId=3f2504e0-4f89-41d3-9a0c-0305e82c3301&verb=http://x.example/v", nil), http.StatusBadRequest)
	if got := l.lastPosition(); got != pos {
		t.Errorf("bad statements wrote %d events", got-pos)
	}
}

func TestQueryFiltersAndMore(t *testing.T) {
	l := startLRS(t)
	l.school()
	var ids []string
	for i := range 5 {
		s := stmt(fmt.Sprintf("https://tool.example/q/%d", i%2), nil)
		ids = append(ids, l.post(s)[0])
	}
	var res struct {
		Statements []map[string]any `json:"statements"`
		More       string           `json:"more"`
	}
	json.Unmarshal(l.do(l.xapiRequest(toolToken, "GET", "?limit=2&ascending=true", nil), http.StatusOK), &res)
	var got []string
	for {
		for _, s := range res.Statements {
			got = append(got, s["id"].(string))
		}
		if res.More == "" {
			break
		}
		req, _ := http.NewRequest("GET", l.url+res.More, nil)
		req.SetBasicAuth("u", toolToken)
		req.Header.Set("X-Experience-API-Version", "2.0.0")
		res.Statements, res.More = nil, ""
		json.Unmarshal(l.do(req, http.StatusOK), &res)
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("paged ascending %v, want %v", got, ids)
	}
	json.Unmarshal(l.do(l.xapiRequest(toolToken, "GET", "?activity=https://tool.example/q/1", nil), http.StatusOK), &res)
	if len(res.Statements) != 2 || res.Statements[0]["id"] != ids[3] {
		t.Errorf("activity filter: %v", res.Statements)
	}
	agent := `{"mbox":"mailto:sam@example.org"}`
	json.Unmarshal(l.do(l.xapiRequest(toolToken, "GET", "?agent="+agent+"&verb=http://adlnet.gov/expapi/verbs/passed&format=ids", nil), http.StatusOK), &res)
	if len(res.Statements) != 5 {
		t.Fatalf("agent filter: %d statements", len(res.Statements))
	}
	if a := res.Statements[0]["actor"].(map[string]any); a["name"] != nil {
		t.Errorf("format=ids kept the actor's name: %v", a)
	}
}

// A withdrawn learner's statements are still accepted, in the school's
// stream, and give no evidence.
func TestWithdrawnLearnersStatementGoesToTheSchool(t *testing.T) {
	l := startLRS(t)
	l.school()
	l.admin("POST", "/v1/learners/l-0001/withdrawal", map[string]any{"reason": "moved"}, http.StatusCreated)
	id := l.post(stmt(caseURI, scaled(0.9)))[0]
	got := ofType[domain.StatementRecorded](l, domain.SchoolStream("north"))
	if len(got) != 1 || got[0].StatementID != id {
		t.Errorf("school stream statements %+v, want %s", got, id)
	}
	if n := len(ofType[domain.EvidenceRecorded](l, domain.LearnerStream("l-0001"))); n != 0 {
		t.Errorf("a withdrawn learner got %d evidence", n)
	}
}

// getActivity answers GET /xapi/activities?activityId=id as token.
func (l *lrs) getActivity(token, id string, want int) map[string]any {
	l.t.Helper()
	req, _ := http.NewRequest("GET", l.url+"/xapi/activities?activityId="+url.QueryEscape(id), nil)
	req.SetBasicAuth("any-user", token)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	out := l.do(req, want)
	var a map[string]any
	if want == http.StatusOK {
		if err := json.Unmarshal(out, &a); err != nil {
			l.t.Fatalf("activity %s: %v", out, err)
		}
	}
	return a
}

// TestActivitiesResource: an activity is answered with its definition
// merged from the school's statements (4.1.6.4 of the suite), an unknown
// one without a definition, and an id is the id as stored: the suite's IRI
// case (4.2.7) posts ".../path/../slug" and asks for it and for
// ".../slug"; one of them must come back as asked.
func TestActivitiesResource(t *testing.T) {
	l := startLRS(t)
	l.school()
	def := func(lang, name string) map[string]any {
		s := stmt("https://example.org/act/merged", nil)
		s["object"] = map[string]any{"objectType": "Activity", "id": "https://example.org/act/merged",
			"definition": map[string]any{"type": "http://adlnet.gov/expapi/activities/meeting", "name": map[string]any{lang: name}}}
		return s
	}
	l.post([]any{def("en-US", "example meeting"), def("fr-FR", "réunion")})
	a := l.getActivity(toolToken, "https://example.org/act/merged", http.StatusOK)
	want := map[string]any{"objectType": "Activity", "id": "https://example.org/act/merged",
		"definition": map[string]any{"type": "http://adlnet.gov/expapi/activities/meeting",
			"name": map[string]any{"en-US": "example meeting", "fr-FR": "réunion"}}}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("merged activity %v, want %v", a, want)
	}
	if a := l.getActivity(southTool, "https://example.org/act/merged", http.StatusOK); a["definition"] != nil {
		t.Errorf("another school's tool sees the definition: %v", a)
	}

	iriB := "http://example.com/path/../6b0c0f4e-5d2e-4d8a-9c1a-0d6a1b9e2f10"
	iriA := "http://example.com/path/6b0c0f4e-5d2e-4d8a-9c1a-0d6a1b9e2f10"
	l.post(stmt(iriB, nil))
	a, b := l.getActivity(toolToken, iriA, http.StatusOK), l.getActivity(toolToken, iriB, http.StatusOK)
	if a["id"] != iriA && b["id"] != iriB {
		t.Errorf("activity %s answered %v, %s answered %v", iriA, a, iriB, b)
	}
	if a := l.getActivity(toolToken, "https://example.org/never-seen", http.StatusOK); a["objectType"] != "Activity" || a["id"] != "https://example.org/never-seen" || a["definition"] != nil {
		t.Errorf("unknown activity %v", a)
	}
	l.getActivity(toolToken, "true", http.StatusBadRequest)
	req, _ := http.NewRequest("GET", l.url+"/xapi/activities", nil)
	req.SetBasicAuth("any-user", toolToken)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	l.do(req, http.StatusBadRequest)
	req, _ = http.NewRequest("GET", l.url+"/xapi/activities?activityId=https://example.org/a", nil)
	req.Header.Set("Authorization", "Bearer "+teacherToken)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	l.do(req, http.StatusForbidden)
}

// getAgent answers GET /xapi/agents?agent=agent as token.
func (l *lrs) getAgent(token, agent string, want int) map[string]any {
	l.t.Helper()
	req, _ := http.NewRequest("GET", l.url+"/xapi/agents?agent="+url.QueryEscape(agent), nil)
	req.SetBasicAuth("any-user", token)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	out := l.do(req, want)
	var p map[string]any
	if want == http.StatusOK {
		if err := json.Unmarshal(out, &p); err != nil {
			l.t.Fatalf("person %s: %v", out, err)
		}
	}
	return p
}

// TestAgentsResource: an agent is answered as a Person with its identifier
// and the names its school's statements gave it (4.1.6.3 of the suite).
func TestAgentsResource(t *testing.T) {
	l := startLRS(t)
	l.school()
	s := stmt("https://example.org/a", nil)
	l.post(s)
	s["actor"] = map[string]any{"mbox": "mailto:sam@example.org", "name": "Samuel"}
	l.post(s)
	cases := []struct {
		name, token, agent string
		want               map[string]any
	}{
		{"an agent the school's statements name", toolToken, `{"mbox":"mailto:sam@example.org"}`,
			map[string]any{"objectType": "Person", "name": []any{"Sam", "Samuel"}, "mbox": []any{"mailto:sam@example.org"}}},
		{"the same agent for another school", southTool, `{"mbox":"mailto:sam@example.org"}`,
			map[string]any{"objectType": "Person", "mbox": []any{"mailto:sam@example.org"}}},
		{"an agent never seen", toolToken, `{"objectType":"Agent","account":{"homePage":"https://tool.example","name":"kim"}}`,
			map[string]any{"objectType": "Person", "account": []any{map[string]any{"homePage": "https://tool.example", "name": "kim"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := &lrs{t: t, url: l.url, client: l.client, store: l.store}
			if got := tl.getAgent(c.token, c.agent, http.StatusOK); !reflect.DeepEqual(got, c.want) {
				t.Errorf("person %v, want %v", got, c.want)
			}
		})
	}
	for _, bad := range []string{`{"name":"no identifier"}`, `{"objectType":"Group","mbox":"mailto:g@example.org"}`, `not json`, `{"mbox":"sam@example.org"}`} {
		l.getAgent(toolToken, bad, http.StatusBadRequest)
	}
	req, _ := http.NewRequest("GET", l.url+"/xapi/agents", nil)
	req.SetBasicAuth("any-user", toolToken)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	l.do(req, http.StatusBadRequest)
}
