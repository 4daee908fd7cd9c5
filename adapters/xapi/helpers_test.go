package xapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/xapi"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
)

const (
	adminToken   = "admin-token-0123456789"
	teacherToken = "teacher-token-0123456789"
	toolToken    = "tool-token-north-0123456789"
	southTool    = "tool-token-south-0123456789"
)

// lrs is the ledger with its xAPI resource on loopback, the node's shape
// (cmd/ledger/node.go) without sealing or the transparency log.
type lrs struct {
	t      testing.TB
	url    string
	client *http.Client
	store  *sqlite.Store
}

func startLRS(t testing.TB) *lrs { return startLRSWith(t, nil) }

// startLRSWith starts the ledger with the xAPI resource writing through
// wrap(the service), if wrap is not nil.
func startLRSWith(t testing.TB, wrap func(xapi.Service) xapi.Service) *lrs {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := httpapi.NewTokens([]httpapi.Credential{
		{Token: adminToken, Role: domain.RoleAdmin, Name: "Ada Admin"},
		{Token: teacherToken, Role: domain.RoleTeacher, School: "north", Name: "Ms Rivera"},
		{Token: toolToken, Role: domain.RoleTool, School: "north", Name: "Quiz tool"},
		{Token: southTool, Role: domain.RoleTool, School: "south", Name: "South quiz"},
	})
	if err != nil {
		t.Fatal(err)
	}
	view := projections.NewView(store)
	eff := efficacy.New()
	index := xapi.NewIndex()
	engine := projections.NewEngine(store, projections.Models{view, eff, index}, 0)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- engine.Run(runCtx) }()
	svc := service.New(store, nil)
	var xsvc xapi.Service = svc
	if wrap != nil {
		xsvc = wrap(svc)
	}
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Config{
		Service: svc, View: view, Efficacy: eff, Events: store, Projection: engine, Tokens: tokens,
		XAPI: xapi.New(xapi.Config{Service: xsvc, Index: index, Projection: engine}),
	}))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("projection engine: %v", err)
		}
		store.Close()
	})
	return &lrs{t: t, url: srv.URL, client: srv.Client(), store: store}
}

// admin sends an API request as the admin and wants want.
func (l *lrs) admin(method, path string, body any, want int) []byte {
	l.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, l.url+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	return l.do(req, want)
}

func (l *lrs) do(req *http.Request, want int) []byte {
	l.t.Helper()
	resp, err := l.client.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		l.t.Fatalf("%s %s: status %d, want %d: %s", req.Method, req.URL, resp.StatusCode, want, out)
	}
	return out
}

// xapiRequest is a request to the statement resource with a tool's token
// as Basic password and the version header.
func (l *lrs) xapiRequest(token, method, query string, body []byte) *http.Request {
	req, _ := http.NewRequest(method, l.url+"/xapi/statements"+query, bytes.NewReader(body))
	req.SetBasicAuth("any-user", token)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// post posts statements as the north tool and returns their ids.
func (l *lrs) post(v any) []string {
	l.t.Helper()
	raw, _ := json.Marshal(v)
	out := l.do(l.xapiRequest(toolToken, "POST", "", raw), http.StatusOK)
	var ids []string
	if err := json.Unmarshal(out, &ids); err != nil {
		l.t.Fatalf("ids %s: %v", out, err)
	}
	return ids
}

// events reads a stream.
func (l *lrs) events(stream string) []domain.RecordedEvent {
	l.t.Helper()
	evs, err := l.store.ReadStream(context.Background(), stream, 0, 0)
	if err != nil {
		l.t.Fatal(err)
	}
	return evs
}

func (l *lrs) lastPosition() uint64 {
	l.t.Helper()
	evs, err := l.store.ReadAll(context.Background(), 0, 0)
	if err != nil {
		l.t.Fatal(err)
	}
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].Position
}

// ofType decodes the events of a type in a stream.
func ofType[T domain.Event](l *lrs, stream string) []T {
	l.t.Helper()
	var out []T
	for _, e := range l.events(stream) {
		ev, err := domain.DecodeEvent(e)
		if err != nil {
			l.t.Fatal(err)
		}
		if x, ok := ev.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

const caseURI = "https://case.example/uri/6f1d3c2e-0000-4000-8000-000000000001"

// school sets up north (and south) with learner l-0001, linked to
// mailto:sam@example.org, and standard math-1 whose component c1 carries
// caseURI.
func (l *lrs) school() {
	l.t.Helper()
	l.admin("POST", "/v1/schools", map[string]any{"schoolId": "north", "name": "North"}, http.StatusCreated)
	l.admin("POST", "/v1/schools", map[string]any{"schoolId": "south", "name": "South"}, http.StatusCreated)
	l.admin("POST", "/v1/schools/north/learners", map[string]any{"learnerId": "l-0001", "cohort": "g6"}, http.StatusCreated)
	l.admin("POST", "/v1/standards", map[string]any{"standardId": "math-1", "framework": "F", "code": "6.RP.1", "title": "Ratios",
		"statement": "Understand ratios.", "components": []map[string]any{
			{"id": "c1", "statement": "Describe a ratio", "caseUri": caseURI},
			{"id": "c2", "statement": "Use ratio language"}}}, http.StatusCreated)
	l.admin("POST", "/v1/schools/north/xapi-alignments", map[string]any{"agent": map[string]any{"mbox": "mailto:sam@example.org"}, "learnerId": "l-0001"}, http.StatusCreated)
}

// stmt is a statement by sam on activity with result.
func stmt(activity string, result map[string]any) map[string]any {
	s := map[string]any{
		"actor":  map[string]any{"mbox": "mailto:sam@example.org", "name": "Sam"},
		"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/passed", "display": map[string]any{"en-US": "passed"}},
		"object": map[string]any{"id": activity},
	}
	if result != nil {
		s["result"] = result
	}
	return s
}

func scaled(v float64) map[string]any { return map[string]any{"score": map[string]any{"scaled": v}} }
