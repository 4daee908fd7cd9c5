package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/esdb"
	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// Tokens of the test school. Every role, and a teacher of another school.
const (
	adminToken      = "admin-token-0123456789"
	teacherToken    = "teacher-token-0123456789"
	otherTeacher    = "teacher-south-0123456789"
	learnerToken    = "learner-token-0123456789"
	otherLearner    = "learner-other-0123456789"
	auditorToken    = "auditor-token-0123456789"
	researcherToken = "researcher-token-0123456"
)

// eventStore is a store the service can run on: the port, and Close.
type eventStore interface {
	domain.EventStore
	Close() error
}

// storeKind opens a fresh, empty store for one test; the test closes it.
type storeKind struct {
	name string
	open func(t *testing.T, dir string) eventStore
}

// realServerEnv names the variable that points the tests at a real
// EventStoreDB (or KurrentDB) server.
const realServerEnv = "LEDGER_TEST_EVENTSTOREDB_URL"

// e2eNamespaces makes each store's namespace on a real server unique: this
// run's prefix, then a counter.
var (
	e2eNamespaces atomic.Uint64
	e2eRun        = fmt.Sprintf("e2e%x", time.Now().UnixNano())
)

// stores are the stores every end-to-end test runs on: the embedded store;
// EventStoreDB through the real client against the in-process fake server
// (always: it is fast); and a real EventStoreDB when realServerEnv names one
// (skipped otherwise), each test in a namespace of its own, so the server
// need not be empty.
var stores = []storeKind{
	{"embedded", func(t *testing.T, dir string) eventStore {
		s, err := sqlite.Open(context.Background(), dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}},
	{"eventstoredb-fake", func(t *testing.T, _ string) eventStore {
		// The port's largest event with its metadata is over the server's
		// default max append size; docker-compose.yml raises it alike.
		fake := esdbfake.StartTB(t, &esdbfake.Options{MaxAppendSize: 8 << 20})
		return openESDB(t, fake.URL(), "")
	}},
	{"eventstoredb", func(t *testing.T, _ string) eventStore {
		url := strings.TrimSpace(os.Getenv(realServerEnv))
		if url == "" {
			t.Skip("set " + realServerEnv + "=esdb://host:2113?tls=false to run the HTTP end-to-end tests against a real EventStoreDB")
		}
		return openESDB(t, url, fmt.Sprintf("%s-%d-", e2eRun, e2eNamespaces.Add(1)))
	}},
}

// onEveryStore runs test once per store, each on a fresh service.
func onEveryStore(t *testing.T, test func(t *testing.T, a *api)) {
	for _, kind := range stores {
		t.Run(kind.name, func(t *testing.T) { test(t, newAPI(t, kind)) })
	}
}

func openESDB(t *testing.T, url, namespace string) eventStore {
	t.Helper()
	s, err := esdb.Open(t.Context(), url, &esdb.Options{Namespace: namespace})
	if err != nil {
		t.Fatalf("open EventStoreDB: %v", err) // the URL may hold a password
	}
	return s
}

var _ httpapi.PersonalData = (*keystore.Sealer)(nil)

// api is a real HTTP server on loopback over a store, the command service
// and a read model following the store, with learners' keys in the data
// directory.
type api struct {
	t     *testing.T
	url   string
	dir   string // the data directory
	store eventStore
	keys  *keystore.Store
	http  *http.Client
	last  uint64 // the last stored position lastPosition has seen
	log   *translog.Log
}

func newAPI(t *testing.T, kind storeKind) *api {
	t.Helper()
	dir := t.TempDir()
	store := kind.open(t, dir)
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("close the store: %v", err)
		}
	})
	tokens, err := httpapi.NewTokens([]httpapi.Credential{
		{Token: adminToken, Role: "admin", Name: "Office"},
		{Token: teacherToken, Role: "teacher", School: "north", Name: "Ms Rivera"},
		{Token: otherTeacher, Role: "teacher", School: "south", Name: "Mr Okafor"},
		{Token: learnerToken, Role: "learner", Learner: "l-0001", Name: "Ana"},
		{Token: otherLearner, Role: "learner", Learner: "l-0002", Name: "Ben"},
		{Token: auditorToken, Role: "auditor", Name: "District audit"},
		{Token: researcherToken, Role: "researcher", Name: "University lab"},
	})
	if err != nil {
		t.Fatal(err)
	}
	pseudo, err := research.LoadPseudonymizer(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, store, dir, nodeConfig{tokens: tokens, pseudonyms: pseudo, logOrigin: "north.example/ledger"})
	return &api{t: t, url: n.url, dir: dir, store: store, keys: n.keys, http: n.client, log: n.log}
}

// eventsAfter reads, through the port, every stored event after position
// after.
func (a *api) eventsAfter(after uint64) []domain.RecordedEvent {
	a.t.Helper()
	evs, err := a.store.ReadAll(context.Background(), after, 0)
	if err != nil {
		a.t.Fatalf("ReadAll(%d): %v", after, err)
	}
	return evs
}

// lastPosition is the position of the last stored event, 0 if none, read
// through the port: positions are dense on the embedded store but not on
// EventStoreDB, so tests compare positions, never count with them. It reads
// on from the last position it saw.
func (a *api) lastPosition() uint64 {
	a.t.Helper()
	if evs := a.eventsAfter(a.last); len(evs) > 0 {
		a.last = evs[len(evs)-1].Position
	}
	return a.last
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request; body may be a string (sent as is) or a value (sent as
// JSON). headers are name, value pairs.
func (a *api) do(method, path, token string, body any, headers ...string) reply {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}
}

// must sends a request and fails the test unless it answers want.
func (a *api) must(want int, method, path, token string, body any, headers ...string) reply {
	a.t.Helper()
	r := a.do(method, path, token, body, headers...)
	if r.status != want {
		a.t.Fatalf("%s %s: %d, want %d\n%s", method, path, r.status, want, r.body)
	}
	return r
}

type obj = map[string]any

// school sets up the standard, two schools and two learners of north.
func (a *api) school() {
	a.t.Helper()
	a.must(201, "POST", "/v1/standards", adminToken, obj{"standardId": "math-6-rp-1", "framework": "CCSS-M", "code": "6.RP.A.1", "title": "Ratios",
		"statement":  "Understand ratio concepts and use ratio language.",
		"components": []obj{{"id": "c1", "statement": "Describe a ratio"}, {"id": "c2", "statement": "Use ratio language"}, {"id": "c3", "statement": "Solve ratio problems"}}})
	a.must(201, "POST", "/v1/schools", adminToken, obj{"schoolId": "north", "name": "North Middle School"})
	a.must(201, "POST", "/v1/schools", adminToken, obj{"schoolId": "south", "name": "South Middle School"})
	a.must(201, "POST", "/v1/schools/north/learners", adminToken, obj{"learnerId": "l-0001", "cohort": "grade-6"})
	a.must(201, "POST", "/v1/schools/north/learners", adminToken, obj{"learnerId": "l-0002", "cohort": "grade-6"})
}

func evidence(component string, level int, source string) obj {
	return obj{"standardId": "math-6-rp-1", "componentId": component, "level": level, "source": source}
}

func TestImprovementCycleOverHTTP(t *testing.T) {
	onEveryStore(t, improvementCycleOverHTTP)
}

func improvementCycleOverHTTP(t *testing.T, a *api) {
	a.school()
	const l = "/v1/learners/l-0001"
	a.must(201, "POST", l+"/pre-assessments", teacherToken, obj{"standardId": "math-6-rp-1", "demonstrated": []string{"c1"}, "occurredAt": "2026-09-01T09:00:00Z"})
	ev := a.must(201, "POST", l+"/evidence", teacherToken, evidence("c2", 3, "teacher")).json(t)
	a.must(201, "POST", l+"/evidence", teacherToken, evidence("c3", 2, "peer"))

	p := a.must(422, "POST", l+"/agreements", teacherToken, obj{"standardId": "math-6-rp-1", "learnerConfirmed": true})
	if ct := p.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("422 Content-Type %q", ct)
	}
	if got := fmt.Sprint(p.json(t)["missingComponents"]); got != "[c3]" {
		t.Fatalf("premature agreement: missingComponents %s, want [c3]\n%s", got, p.body)
	}

	a.must(201, "POST", l+"/feedback", teacherToken, obj{"standardId": "math-6-rp-1", "evidenceIds": []any{ev["eventId"]},
		"strengths": "precise language", "nextSteps": "multi-step problems", "causes": "skipped unit conversion"})
	a.must(201, "POST", l+"/goals", learnerToken, obj{"goalId": "g1", "specific": "Solve ratio word problems", "measurable": "3 of 3", "achievable": "tape diagrams",
		"relevant": "science lab", "targetDate": "2026-10-15", "evaluate": "weekly", "review": "after the summative", "standardIds": []string{"math-6-rp-1"}})
	a.must(201, "POST", l+"/plans", learnerToken, obj{"planId": "p1", "goalId": "g1", "plan": "unit 3", "learn": "practice set", "check": "rubric row 3", "adjust": "peer tutor"})
	a.must(201, "POST", l+"/evidence", learnerToken, evidence("c3", 3, "self"))
	a.must(201, "POST", l+"/agreements", teacherToken, obj{"standardId": "math-6-rp-1", "learnerConfirmed": true})
	a.must(201, "POST", l+"/summative-attempts", teacherToken, obj{"standardId": "math-6-rp-1", "level": 2})
	m := a.must(200, "GET", l+"/mastery/math-6-rp-1", teacherToken, nil).json(t)
	if m["status"] != "in-progress" || m["openAgreement"] != nil {
		t.Fatalf("after a not-yet attempt: %v", m)
	}
	a.must(201, "POST", l+"/plans/p1/adjustments", learnerToken, obj{"change": "tutoring twice a week", "reason": "the summative did not meet"})
	a.must(201, "POST", l+"/agreements", teacherToken, obj{"standardId": "math-6-rp-1", "learnerConfirmed": true})
	met := a.must(201, "POST", l+"/summative-attempts", teacherToken, obj{"standardId": "math-6-rp-1", "level": 3}).json(t)

	r := a.must(200, "GET", l+"/mastery", learnerToken, nil)
	all := r.json(t)
	stds := all["standards"].([]any)
	if len(stds) != 1 || stds[0].(obj)["status"] != "met" {
		t.Fatalf("mastery: %s", r.body)
	}
	tag := r.header.Get("ETag")
	if tag != fmt.Sprintf(`"%v"`, met["revision"]) {
		t.Errorf("ETag %s, want the stream revision %v", tag, met["revision"])
	}
	a.must(304, "GET", l+"/mastery", learnerToken, nil, "If-None-Match", tag)

	tr := a.must(200, "GET", l+"/transcript", auditorToken, nil).json(t)
	entry := tr["standards"].([]any)[0].(obj)
	if entry["attemptId"] != met["eventId"] || entry["code"] != "6.RP.A.1" || len(entry["evidenceIds"].([]any)) != 2 {
		t.Fatalf("transcript: %v", tr)
	}
	rp := a.must(200, "GET", l+"/standards/math-6-rp-1/replay", auditorToken, nil).json(t)
	if rp["status"] != "met" || len(rp["events"].([]any)) != 12 {
		t.Fatalf("replay: status %v, %d events", rp["status"], len(rp["events"].([]any)))
	}
	evs := a.must(200, "GET", l+"/events", auditorToken, nil).json(t)["events"].([]any)
	if len(evs) != 13 {
		t.Fatalf("raw stream: %d events, want 13", len(evs))
	}
}
