package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/credential"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/web"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

// metStandards is how many standards l-0001 meets in the transcript's
// ledger: the most the issue says a printed transcript must fit on one
// sheet.
const metStandards = 12

// startRecordNode is the API and the pages on one loopback port with the
// transparency log, as serve runs them, so that the transcript page can
// offer the API's OB 3.0 credentials; node_test.go's node has no log. The
// ledger is built through the API: twelve standards, North with l-0001
// (every standard met, the first on a pre-assessment and evidence) and
// l-0002 (nothing met, evidence on the first standard), South with l-0900.
func startRecordNode(t *testing.T) *node {
	t.Helper()
	dir := t.TempDir()
	run := runLedger(t, dir)
	creds := []httpapi.Credential{
		{Token: adminToken, Role: domain.RoleAdmin, Name: "admin"},
		{Token: teacherToken, Role: domain.RoleTeacher, School: "north", Name: "Ms Rivera"},
		{Token: otherTeacher, Role: domain.RoleTeacher, School: "south", Name: "Mr Okafor"},
		{Token: learnerToken, Role: domain.RoleLearner, Learner: "l-0001", Name: "learner one"},
		{Token: otherLearner, Role: domain.RoleLearner, Learner: "l-0002", Name: "learner two"},
		{Token: auditorToken, Role: domain.RoleAuditor, Name: "auditor"},
		{Token: researcherToken, Role: domain.RoleResearcher, Name: "researcher"},
	}
	tokens, err := httpapi.NewTokens(creds)
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.NewServer(httpapi.Config{
		Service: service.New(run.store, nil), View: run.view, Efficacy: run.eff, Events: run.store, Projection: run.engine,
		Tokens: tokens, Log: run.log, Credentials: run.issuer, PublicURL: "http://ledger.test",
	})
	pages, err := web.New(web.Config{View: run.view, Tokens: tokens, Credentials: api})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.OnePort(api, pages))
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	n := &node{url: srv.URL, client: client, tokens: tokens}
	n.buildRecords(t)
	return n
}

// recordTitles are the standards' titles, as long as real ones, so that
// the print test prints what a school would.
var recordTitles = []string{
	"Understand ratio concepts and use ratio language", "Understand unit rates", "Use ratio and rate reasoning to solve problems",
	"Divide fractions by fractions", "Divide multi-digit numbers fluently", "Add, subtract, multiply and divide multi-digit decimals",
	"Find common factors and multiples", "Understand positive and negative numbers", "Order and find absolute values of rational numbers",
	"Solve problems by graphing points in all four quadrants", "Write and evaluate expressions with exponents", "Apply the properties of operations to expressions",
}

// buildRecords writes the ledger of startRecordNode through the API.
func (n *node) buildRecords(t *testing.T) {
	t.Helper()
	post := func(token, path string, body any) map[string]any {
		t.Helper()
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		resp := n.do(t, "POST", path, bytes.NewReader(raw), http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}})
		if resp.status != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", path, resp.status, resp.body)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(resp.body), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for i := range metStandards {
		post(adminToken, "/v1/standards", obj{"standardId": fmt.Sprintf("math-6-%02d", i+1), "framework": "CCSS-M",
			"code": fmt.Sprintf("6.NS.A.%d", i+1), "title": recordTitles[i], "statement": recordTitles[i] + ".",
			"components": []obj{{"id": "c1", "statement": "Explain the idea"}, {"id": "c2", "statement": "Use it in a problem"}}})
	}
	post(adminToken, "/v1/schools", obj{"schoolId": "north", "name": "North Middle School"})
	post(adminToken, "/v1/schools", obj{"schoolId": "south", "name": "South Middle School"})
	post(adminToken, "/v1/schools/north/learners", obj{"learnerId": "l-0001", "cohort": "grade-6"})
	post(adminToken, "/v1/schools/north/learners", obj{"learnerId": "l-0002", "cohort": "grade-6"})
	post(adminToken, "/v1/schools/south/learners", obj{"learnerId": "l-0900", "cohort": "grade-6"})
	const l = "/v1/learners/l-0001"
	for i := range metStandards {
		std := fmt.Sprintf("math-6-%02d", i+1)
		if i == 0 {
			post(teacherToken, l+"/pre-assessments", obj{"standardId": std, "demonstrated": []string{"c1"}, "occurredAt": "2026-09-01T09:00:00Z"})
			post(teacherToken, l+"/evidence", obj{"standardId": std, "componentId": "c1", "level": 2, "source": "teacher", "occurredAt": "2026-09-02T09:00:00Z"})
		} else {
			post(teacherToken, l+"/evidence", obj{"standardId": std, "componentId": "c1", "level": 3, "source": "teacher", "occurredAt": "2026-09-02T09:00:00Z"})
		}
		post(teacherToken, l+"/evidence", obj{"standardId": std, "componentId": "c2", "level": 4, "source": "peer", "occurredAt": "2026-09-03T09:00:00Z"})
		post(teacherToken, l+"/agreements", obj{"standardId": std, "learnerConfirmed": true, "occurredAt": "2026-09-04T09:00:00Z"})
		post(teacherToken, l+"/summative-attempts", obj{"standardId": std, "level": 3 + i%2, "occurredAt": "2026-09-05T09:00:00Z"})
	}
	post(teacherToken, "/v1/learners/l-0002/evidence", obj{"standardId": "math-6-01", "componentId": "c1", "level": 2, "source": "teacher", "occurredAt": "2026-09-02T09:00:00Z"})
	post(teacherToken, "/v1/learners/l-0002/evidence", obj{"standardId": "math-6-01", "componentId": "c1", "level": 4, "source": "teacher", "occurredAt": "2026-09-03T09:00:00Z"})
}

// TestTranscriptPageByRole opens the transcript as every role, under the
// rule of the API's transcript: the learner, their school's teachers, the
// admin and the auditor read it; another learner and the researcher get
// the 403 page; another school's teacher and an unknown learner the 404
// page; no session the 401 page.
func TestTranscriptPageByRole(t *testing.T) {
	n := startRecordNode(t)
	sessions := map[string]string{}
	for _, r := range roles {
		sessions[r.name] = n.signIn(t, r.token)
	}
	cases := []struct {
		path string
		want map[string]int
	}{
		{"/learners/l-0001/transcript", map[string]int{"admin": 200, "teacher": 200, "teacher-of-south": 404, "learner": 200,
			"other-learner": 403, "auditor": 200, "researcher": 403}},
		{"/learners/l-0900/transcript", map[string]int{"admin": 200, "teacher": 404, "teacher-of-south": 200, "learner": 403, "auditor": 200}},
		{"/learners/nobody/transcript", map[string]int{"admin": 404, "teacher": 404, "auditor": 404, "learner": 403}},
		{"/learners/l-0001/transcript.ob3.json", map[string]int{"admin": 200, "teacher": 200, "teacher-of-south": 404, "learner": 200,
			"other-learner": 403, "auditor": 200, "researcher": 403}},
		{"/learners/nobody/transcript.ob3.json", map[string]int{"admin": 404, "teacher": 404}},
		{"/learners/l-0001/standards/math-6-01/credential.jwt", map[string]int{"admin": 200, "teacher": 200, "teacher-of-south": 404, "learner": 200,
			"other-learner": 403, "auditor": 200, "researcher": 403}},
		{"/learners/l-0001/standards/nothing/credential.jwt", map[string]int{"admin": 404}},
	}
	for _, c := range cases {
		for role, want := range c.want {
			t.Run(role+c.path, func(t *testing.T) {
				resp := n.get(t, c.path, sessions[role])
				if resp.status != want {
					t.Fatalf("status %d, want %d: %s", resp.status, want, short(resp.body))
				}
				if want == 200 && (strings.HasSuffix(c.path, ".json") || strings.HasSuffix(c.path, ".jwt")) {
					return
				}
				checkHTML(t, role+" "+c.path, resp.body)
				words := map[int]string{200: "<h1>Transcript of learner", 403: "<h1>Forbidden</h1>", 404: "<h1>Not Found</h1>"}[want]
				if !strings.Contains(resp.body, words) {
					t.Errorf("page lacks %q: %s", words, resp.body)
				}
			})
		}
	}
	for _, path := range []string{"/learners/l-0001/transcript", "/learners/l-0001/transcript.ob3.json"} {
		if resp := n.get(t, path, ""); resp.status != http.StatusUnauthorized {
			t.Errorf("%s without a session: %d, want 401", path, resp.status)
		}
	}
}

// TestTranscriptPageContent checks what the transcript shows: the school,
// each met standard with its code, title, revision, date, the attempt's
// level and the evidence behind it, linked to its trail; the download and
// /verify; and, for a learner who met nothing, a plain sentence.
func TestTranscriptPageContent(t *testing.T) {
	n := startRecordNode(t)
	page := n.get(t, "/learners/l-0001/transcript", n.signIn(t, learnerToken))
	if page.status != 200 {
		t.Fatalf("status %d: %s", page.status, page.body)
	}
	checkHTML(t, "transcript", page.body)
	want := []string{
		"North Middle School, cohort grade-6",
		"<caption>Standards met by learner l-0001: 12</caption>",
		`<th scope="col">Evidence behind it</th>`,
		`<th scope="row"><a href="/learners/l-0001/standards/math-6-01">6.NS.A.1: Understand ratio concepts and use ratio language</a></th>`,
		`<a href="/learners/l-0001/standards/math-6-12">6.NS.A.12: Apply the properties of operations to expressions</a>`,
		"<td>5 September 2026</td>",
		"<td>3 (Proficient)</td>", "<td>4 (Advanced)</td>",
		// The first standard's agreement rested on a pre-assessment of c1
		// and the evidence on c2: the level 2 on c1 is not behind it.
		"<td>c2 at level 4, 3 September 2026; shown at pre-assessment: c1</td>",
		"<td>c1 at level 3, 2 September 2026; c2 at level 4, 3 September 2026</td>",
		`<a href="/learners/l-0001/transcript.ob3.json" download>`,
		`<a href="/learners/l-0001/standards/math-6-01/credential.jwt" download>`,
		`<a href="/verify">`,
	}
	for _, s := range want {
		if !strings.Contains(page.body, s) {
			t.Errorf("transcript lacks %q", s)
		}
	}
	if got := strings.Count(page.body, `<th scope="row">`); got != metStandards {
		t.Errorf("%d rows, want %d", got, metStandards)
	}
	if strings.Contains(page.body, "has not met any standard") {
		t.Error("a transcript with 12 standards says none is met")
	}

	// The learner's page and home page lead to it.
	learnerSession := n.signIn(t, learnerToken)
	if record := n.get(t, "/learners/l-0001", learnerSession); !strings.Contains(record.body, `<a href="/learners/l-0001/transcript">`) {
		t.Errorf("the learner's page does not link the transcript: %s", short(record.body))
	}
	if home := n.get(t, "/", learnerSession); !strings.Contains(home.body, `href="/learners/l-0001/transcript"`) {
		t.Errorf("the learner's home page does not link the transcript: %s", home.body)
	}

	none := n.get(t, "/learners/l-0002/transcript", n.signIn(t, otherLearner))
	if none.status != 200 {
		t.Fatalf("status %d: %s", none.status, none.body)
	}
	checkHTML(t, "empty transcript", none.body)
	if !strings.Contains(none.body, "Learner l-0002 has not met any standard yet") {
		t.Errorf("an empty transcript does not say so: %s", none.body)
	}
	if strings.Contains(none.body, "<table") || strings.Contains(none.body, "transcript.ob3.json") {
		t.Error("an empty transcript draws a table or offers credentials")
	}
	if !strings.Contains(none.body, `<a href="/verify">`) {
		t.Error("an empty transcript lacks the link to /verify")
	}
}

// TestTranscriptDownload checks that the page's OB 3.0 file is, byte for
// byte, what the API's transcript?format=ob3 gives the same learner, that
// it is an attachment, and that every credential in it verifies with the
// log's key.
func TestTranscriptDownload(t *testing.T) {
	n := startRecordNode(t)
	bearer := http.Header{"Authorization": {"Bearer " + learnerToken}}
	// A checkpoint asked for now covers every event, so the two issues
	// below are against the same checkpoint.
	if resp := n.do(t, "GET", "/v1/log/checkpoint", nil, bearer); resp.status != 200 {
		t.Fatalf("checkpoint: %d %s", resp.status, resp.body)
	}
	file := n.get(t, "/learners/l-0001/transcript.ob3.json", n.signIn(t, learnerToken))
	if file.status != 200 {
		t.Fatalf("download: %d %s", file.status, file.body)
	}
	if cd := file.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, `filename="transcript-l-0001.ob3.json"`) {
		t.Errorf("Content-Disposition %q, want an attachment named transcript-l-0001.ob3.json", cd)
	}
	if ct := file.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	api := n.do(t, "GET", "/v1/learners/l-0001/transcript?format=ob3", nil, bearer)
	if api.status != 200 {
		t.Fatalf("API: %d %s", api.status, api.body)
	}
	if file.body != api.body {
		t.Errorf("the page's file differs from the API's:\npage %s\napi  %s", short(file.body), short(api.body))
	}
	key := n.do(t, "GET", "/v1/log/key", nil, nil)
	verified, err := credential.VerifyTranscript([]byte(file.body), strings.TrimSpace(key.body))
	if err != nil {
		t.Fatalf("the downloaded transcript does not verify: %v", err)
	}
	if len(verified) != metStandards {
		t.Errorf("%d credentials verified, want %d", len(verified), metStandards)
	}
	// One standard's credential alone, as OB 3.0 makes a VC-JWT file: the
	// very JWS the transcript holds.
	var tr credential.Transcript
	if err := json.Unmarshal([]byte(file.body), &tr); err != nil {
		t.Fatal(err)
	}
	jwt := n.get(t, "/learners/l-0001/standards/math-6-01/credential.jwt", n.signIn(t, learnerToken))
	if jwt.status != 200 || jwt.body != tr.Credentials[0].JWT || jwt.header.Get("Content-Type") != "application/jwt" ||
		!strings.Contains(jwt.header.Get("Content-Disposition"), `.jwt"`) {
		t.Errorf("the credential's .jwt: %d %q %q %s", jwt.status, jwt.header.Get("Content-Type"), jwt.header.Get("Content-Disposition"), short(jwt.body))
	}
}

// short cuts a body for a failure message: a transcript of credentials is
// tens of kilobytes.
func short(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// TestTranscriptWithoutCredentials: a service that issues no credentials
// (no transparency log) offers no download, and the file's path is the
// 404 page.
func TestTranscriptWithoutCredentials(t *testing.T) {
	n := startNode(t, nodeOptions{})
	admin := n.signIn(t, adminToken)
	if resp := n.get(t, "/learners/l-0001/transcript.ob3.json", admin); resp.status != http.StatusNotFound {
		t.Errorf("credentials without a log: %d, want 404", resp.status)
	}
	page := n.get(t, "/learners/l-0001/transcript", admin)
	if page.status != 200 || strings.Contains(page.body, "transcript.ob3.json") {
		t.Errorf("transcript without a log: %d, offers a download: %s", page.status, short(page.body))
	}
}
