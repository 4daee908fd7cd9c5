package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/web"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
	"github.com/masteryledger/ledger/projections/review"
)

// Tokens of the test schools: every role, a teacher of another school and
// a second learner.
const (
	adminToken      = "admin-token-0123456789"
	teacherToken    = "teacher-north-0123456789"
	otherTeacher    = "teacher-south-0123456789"
	learnerToken    = "learner-0001-0123456789"
	otherLearner    = "learner-0002-0123456789"
	auditorToken    = "auditor-token-0123456789"
	researcherToken = "researcher-token-0123456"
)

// roles names each token for test names.
var roles = []struct{ name, token string }{
	{"admin", adminToken},
	{"teacher", teacherToken},
	{"teacher-of-south", otherTeacher},
	{"learner", learnerToken},
	{"other-learner", otherLearner},
	{"auditor", auditorToken},
	{"researcher", researcherToken},
}

// clock is the pages' clock, moved by hand for session expiry.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// node is the API and the pages on one loopback port, as serve runs them
// (cmd/ledger/node.go), over the embedded store, with a school seeded
// through the API.
type node struct {
	url        string
	client     *http.Client // follows no redirect, keeps no cookie
	tokens     *httpapi.Tokens
	tokensPath string
	entries    map[string]httpapi.Entry // by token
	clock      *clock
	logs       *bytes.Buffer
	metrics    *httpapi.Metrics
}

// nodeOptions is what differs between tests.
type nodeOptions struct {
	secure      bool
	maxSessions int
	// startPosition, if set, is the position the pages wait for before
	// they answer, up to startTimeout.
	startPosition uint64
	startTimeout  time.Duration
}

func startNode(t *testing.T, o nodeOptions) *node {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	creds := []httpapi.Credential{
		{Token: adminToken, Role: domain.RoleAdmin, Name: "admin"},
		{Token: teacherToken, Role: domain.RoleTeacher, School: "north", Name: "Ms Rivera"},
		{Token: otherTeacher, Role: domain.RoleTeacher, School: "south", Name: "Mr Okafor"},
		{Token: learnerToken, Role: domain.RoleLearner, Learner: "l-0001", Name: "learner one"},
		{Token: otherLearner, Role: domain.RoleLearner, Learner: "l-0002", Name: "learner two"},
		{Token: auditorToken, Role: domain.RoleAuditor, Name: "auditor"},
		{Token: researcherToken, Role: domain.RoleResearcher, Name: "researcher"},
	}
	tokensPath := filepath.Join(dir, "tokens.json")
	added, err := httpapi.AddTokens(tokensPath, creds, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]httpapi.Entry{}
	for i, c := range creds {
		entries[c.Token] = added[i]
	}
	tokens, err := httpapi.OpenTokens(tokensPath, nil)
	if err != nil {
		t.Fatal(err)
	}

	view := projections.NewView(store)
	eff := efficacy.New()
	// The research copies (the feed, a researcher's efficacy figures)
	// under a fixed key, as serve keeps one in the data directory.
	pseudonyms, err := research.NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	rv := research.NewView(pseudonyms)
	reviews := review.New()
	engine := projections.NewEngine(store, projections.Models{view, eff, reviews, rv}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()
	metrics := httpapi.NewMetrics(nil)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	svc := service.New(store, nil)
	api := httpapi.NewServer(httpapi.Config{
		Service: svc, View: view, Efficacy: eff, Reviews: reviews, Events: store, Projection: engine, Research: rv,
		Tokens: tokens, Metrics: metrics, Secure: o.secure, Logger: logger,
	})
	clk := &clock{now: time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)}
	pages, err := web.New(web.Config{
		View: view, Service: svc, Efficacy: eff, Reviews: reviews, Research: rv, Tokens: tokens, Secure: o.secure, Metrics: metrics, Logger: logger,
		Now: clk.Now, MaxSessions: o.maxSessions,
		Projection: engine, StartPosition: o.startPosition, StartTimeout: o.startTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.OnePort(api, pages))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("projection engine: %v", err)
		}
	})
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	n := &node{url: srv.URL, client: client, tokens: tokens, tokensPath: tokensPath, entries: entries, clock: clk, logs: &logs, metrics: metrics}
	n.seed(t)
	return n
}

// syncWriter lets the server's goroutines log into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// seed builds the schools through the API, as a client would: a
// standard, North with two learners in two cohorts, South with one; for
// l-0001 evidence, a goal and a plan; l-0002 agreed ready.
func (n *node) seed(t *testing.T) {
	t.Helper()
	writes := []struct{ token, path, body string }{
		{adminToken, "/v1/standards", `{"standardId":"math-6-rp-1","framework":"CCSS-M","code":"6.RP.A.1","title":"Ratios",
			"statement":"Understand ratio concepts and use ratio language.",
			"components":[{"id":"c1","statement":"Describe a ratio"},{"id":"c2","statement":"Use ratio language"}]}`},
		{adminToken, "/v1/schools", `{"schoolId":"north","name":"North Middle School"}`},
		{adminToken, "/v1/schools", `{"schoolId":"south","name":"South Middle School"}`},
		{adminToken, "/v1/schools/north/learners", `{"learnerId":"l-0001","cohort":"grade-6"}`},
		{adminToken, "/v1/schools/north/learners", `{"learnerId":"l-0002","cohort":"grade-7"}`},
		{adminToken, "/v1/schools/south/learners", `{"learnerId":"l-0900","cohort":"grade-6"}`},
		{teacherToken, "/v1/learners/l-0001/evidence", `{"standardId":"math-6-rp-1","componentId":"c1","level":3,"source":"teacher"}`},
		{learnerToken, "/v1/learners/l-0001/goals", `{"goalId":"g1","specific":"Explain ratios in my own words","measurable":"three worked examples",
			"achievable":"yes","relevant":"yes","targetDate":"2026-10-15","evaluate":"with my teacher","review":"at the end","standardIds":["math-6-rp-1"]}`},
		{teacherToken, "/v1/learners/l-0002/evidence", `{"standardId":"math-6-rp-1","componentId":"c1","level":3,"source":"teacher"}`},
		{teacherToken, "/v1/learners/l-0002/evidence", `{"standardId":"math-6-rp-1","componentId":"c2","level":4,"source":"peer"}`},
		{teacherToken, "/v1/learners/l-0002/agreements", `{"standardId":"math-6-rp-1","learnerConfirmed":true}`},
		{learnerToken, "/v1/learners/l-0001/plans", `{"planId":"p1","goalId":"g1","plan":"Practise ratio tables","learn":"watch the lesson","check":"quiz","adjust":"ask for help"}`},
	}
	for _, w := range writes {
		resp := n.do(t, "POST", w.path, strings.NewReader(w.body), http.Header{
			"Authorization": {"Bearer " + w.token}, "Content-Type": {"application/json"}})
		if resp.status != http.StatusCreated {
			t.Fatalf("seed POST %s: %d %s", w.path, resp.status, resp.body)
		}
	}
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (n *node) do(t *testing.T, method, path string, body io.Reader, h http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, n.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := n.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// get opens a page with a session cookie ("" for none).
func (n *node) get(t *testing.T, path, session string) response {
	t.Helper()
	h := http.Header{}
	if session != "" {
		h.Set("Cookie", web.CookieName+"="+session)
	}
	return n.do(t, "GET", path, nil, h)
}

// post sends a form as a browser of the same site would, with the
// session cookie if session is not "", and extra headers.
func (n *node) post(t *testing.T, path, session string, form url.Values, extra http.Header) response {
	t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if session != "" {
		h.Set("Cookie", web.CookieName+"="+session)
	}
	for k, v := range extra {
		h[k] = v
	}
	return n.do(t, "POST", path, strings.NewReader(form.Encode()), h)
}

// signIn signs in with token and returns the session cookie's value.
func (n *node) signIn(t *testing.T, token string) string {
	t.Helper()
	resp := n.post(t, "/session", "", url.Values{"token": {token}}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s", resp.status, resp.body)
	}
	c := resp.cookie(web.CookieName)
	if c == nil || c.Value == "" {
		t.Fatalf("sign in set no session cookie: %v", resp.header["Set-Cookie"])
	}
	return c.Value
}

// csrf reads the CSRF token of the sign-out form on the home page.
func (n *node) csrf(t *testing.T, session string) string {
	t.Helper()
	resp := n.get(t, "/", session)
	const marker = `name="csrf" value="`
	i := strings.Index(resp.body, marker)
	if i < 0 {
		t.Fatalf("no CSRF field on the home page: %d %s", resp.status, resp.body)
	}
	rest := resp.body[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}
