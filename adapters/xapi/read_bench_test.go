package xapi_test

// Reads that must not grow with what a tool sends: the mastery of a
// learner who holds thousands of statements' evidence, and the statement
// resource's filtered lists over a million statements. Each case does a
// fixed amount of work whatever b.N is: run with -benchtime 1x.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/xapi"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// latencies sends n requests from clients keep-alive clients and returns
// each one's time, sorted. req(i) makes request i.
func latencies(b *testing.B, client *http.Client, clients, n int, req func(i int) *http.Request) []time.Duration {
	b.Helper()
	out := make([]time.Duration, n)
	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var sink bytes.Buffer
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				r := req(i)
				t0 := time.Now()
				resp, err := client.Do(r)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				sink.Reset()
				sink.ReadFrom(resp.Body)
				resp.Body.Close()
				out[i] = time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s: %d %s", r.URL, resp.StatusCode, sink.String()))
				}
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed; first: %v", f, n, firstErr.Load())
	}
	slices.Sort(out)
	return out
}

// quantile is the q quantile of sorted durations, in milliseconds.
func quantile(sorted []time.Duration, q float64) float64 {
	i := int(q * float64(len(sorted)))
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return float64(sorted[i]) / float64(time.Millisecond)
}

const (
	masteryStatements = 5000
	masteryReads      = 8000 // per case and round
	// peerStatements is the peer learner's: one page of evidence ids, so
	// that both answers are the same size.
	peerStatements = projections.DefaultEvidenceLimit
	readCeilingMS  = 10.0
)

// BenchmarkMasteryManyStatements: a learner whose tool sent 5,000
// aligned statements (through the statement resource, so the evidence is
// the ledger's own: 5,000 pieces on one component), and 32 keep-alive
// clients reading GET /v1/learners/{id}/mastery/{standardId} over a
// loopback server. The peer, in the same run, is the same read of a
// learner with 100 statements, whose answer lists as many evidence ids: a
// read that does not grow with the evidence costs the same for both. Two rounds, the order reversed in the second.
func BenchmarkMasteryManyStatements(b *testing.B) {
	l := startLRS(b)
	l.school()
	l.admin("POST", "/v1/schools/north/learners", map[string]any{"learnerId": "l-0002", "cohort": "g6"}, http.StatusCreated)
	l.admin("POST", "/v1/schools/north/xapi-alignments", map[string]any{"agent": map[string]any{"mbox": "mailto:kim@example.org"}, "learnerId": "l-0002"}, http.StatusCreated)
	l.client.Transport.(*http.Transport).MaxIdleConnsPerHost = benchClients
	t0 := time.Now()
	const batch = 50
	for i := 0; i < masteryStatements; i += batch {
		list := make([]any, batch)
		for j := range list {
			list[j] = stmt(caseURI, scaled(float64((i+j)%10)/10))
		}
		l.post(list)
	}
	for range peerStatements / batch {
		list := make([]any, batch)
		for j := range list {
			s := stmt(caseURI, scaled(float64(j%10)/10))
			s["actor"] = map[string]any{"mbox": "mailto:kim@example.org"}
			list[j] = s
		}
		l.post(list)
	}
	b.Logf("%d statements sent in %s", masteryStatements+peerStatements, time.Since(t0).Round(time.Millisecond))

	// The evidence is there, counted, and paged from the answer.
	var m projections.MasterySummary
	if err := json.Unmarshal(l.teacherGet("/v1/learners/l-0001/mastery/math-1"), &m); err != nil {
		b.Fatal(err)
	}
	if c := m.Components[0]; c.EvidenceCount != masteryStatements || len(c.EvidenceIDs) != projections.DefaultEvidenceLimit || c.EvidenceMore == nil {
		b.Fatalf("component %s: %d pieces counted, %d listed, link %v; want %d, %d and a link", c.ID, c.EvidenceCount, len(c.EvidenceIDs),
			c.EvidenceMore, masteryStatements, projections.DefaultEvidenceLimit)
	}

	read := func(learner string) func(int) *http.Request {
		return func(int) *http.Request {
			req, _ := http.NewRequest("GET", l.url+"/v1/learners/"+learner+"/mastery/math-1", nil)
			req.Header.Set("Authorization", "Bearer "+teacherToken)
			return req
		}
	}
	// Warm up: every client opens its connection before anything is timed.
	latencies(b, l.client, benchClients, 4*benchClients, read("l-0002"))
	for range b.N {
		var many, one []time.Duration
		for round := range 2 {
			order := []string{"l-0001", "l-0002"}
			if round == 1 {
				slices.Reverse(order)
			}
			for _, learner := range order {
				d := latencies(b, l.client, benchClients, masteryReads, read(learner))
				if learner == "l-0001" {
					many = append(many, d...)
				} else {
					one = append(one, d...)
				}
			}
		}
		slices.Sort(many)
		slices.Sort(one)
		b.ReportMetric(quantile(many, 0.5), "p50-ms")
		b.ReportMetric(quantile(many, 0.99), "p99-ms")
		b.ReportMetric(quantile(many, 0.99)/readCeilingMS, "p99/ceiling")
		b.ReportMetric(quantile(one, 0.5), "peer-p50-ms")
		b.ReportMetric(quantile(one, 0.99), "peer-p99-ms")
		b.Logf("mastery of a learner with %d statements' evidence, %d reads from %d clients: p50 %.2f ms, p99 %.2f ms (p99/%.0f ms %.2f); "+
			"a learner with %d statements: p50 %.2f ms, p99 %.2f ms (p50 ratio %.2f)",
			masteryStatements, len(many), benchClients, quantile(many, 0.5), quantile(many, 0.99), readCeilingMS, quantile(many, 0.99)/readCeilingMS,
			peerStatements, quantile(one, 0.5), quantile(one, 0.99), quantile(many, 0.5)/quantile(one, 0.5))
	}
}

func (l *lrs) teacherGet(path string) []byte {
	l.t.Helper()
	req, _ := http.NewRequest("GET", l.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+teacherToken)
	return l.do(req, http.StatusOK)
}

// queryStatements is the population of BenchmarkStatementQueries1M: a
// million unless asked (a smaller one compares two builds quickly on a
// loaded machine). Agents and activities scale with it, so that each
// holds as many statements at any size.
var queryStatements = flag.Int("xapi.statements", 1_000_000, "statements BenchmarkStatementQueries1M stores")

const (
	perAgent    = 100   // statements of each agent
	perActivity = 1_000 // statements of each activity
	queryVerbs  = 10    // a tenth of the statements each
	queryReads  = 640   // per filter and round
	queryRounds = 3
	queryPage   = 25
)

var queryStart = time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)

// queryStatement is statement i of a population of n: agent i%(n/100),
// activity i%(n/1000), verb i%queryVerbs, stored 100 ms after the one
// before. Its JSON is as the resource stores it (sorted keys, id, stored,
// timestamp, version, authority).
func queryStatement(i, n int, id uuid.UUID) []byte {
	queryAgents, queryActivities := n/perAgent, n/perActivity
	stored := queryStart.Add(time.Duration(i) * 100 * time.Millisecond).Format("2006-01-02T15:04:05.000Z07:00")
	s := map[string]any{
		"actor":     map[string]any{"objectType": "Agent", "mbox": fmt.Sprintf("mailto:a-%05d@example.org", i%queryAgents)},
		"verb":      map[string]any{"id": fmt.Sprintf("https://tool.example/verbs/v%d", i%queryVerbs), "display": map[string]any{"en-US": "answered"}},
		"object":    map[string]any{"objectType": "Activity", "id": fmt.Sprintf("https://tool.example/q/%04d", i%queryActivities)},
		"result":    map[string]any{"score": map[string]any{"scaled": float64(i%10) / 10}},
		"id":        id.String(),
		"stored":    stored,
		"timestamp": stored,
		"version":   "2.0.0",
		"authority": map[string]any{"objectType": "Agent", "name": "Quiz tool", "account": map[string]any{"homePage": "urn:masteryledger:tool", "name": "north/Quiz tool"}},
	}
	raw, err := domain.EncodeJSON(s)
	if err != nil {
		panic(err)
	}
	return raw
}

// populateStatements appends n statements of school north to its stream
// straight through the store, 1,000 an append: sending a million through
// HTTP would take the benchmark's whole budget.
func populateStatements(ctx context.Context, b *testing.B, store *sqlite.Store, n int) {
	b.Helper()
	svc := service.New(store, nil)
	if _, err := svc.RegisterSchool(ctx, domain.RegisterSchool{Meta: domain.Meta{Actor: domain.Actor{Role: domain.RoleAdmin, Name: "Office"}},
		SchoolID: "north", Name: "North"}); err != nil {
		b.Fatal(err)
	}
	tool := domain.Actor{Role: domain.RoleTool, Name: "Quiz tool"}
	const per = 1000
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	// Appends to one stream are ordered, so the batches are prepared in
	// parallel and appended one after the other.
	batches := make(chan []domain.EventData, 4)
	wg.Go(func() {
		defer close(batches)
		for start := 0; start < n; start += per {
			evs := make([]domain.EventData, 0, per)
			for i := start; i < min(n, start+per); i++ {
				id := uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "bench-statement-%d", i))
				d, err := domain.NewEventData(domain.Meta{EventID: id, Actor: tool, OccurredAt: queryStart.Add(time.Duration(i) * 100 * time.Millisecond)},
					domain.StatementRecorded{StatementID: id.String(), SchoolID: "north", Statement: queryStatement(i, n, id)})
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				evs = append(evs, d)
			}
			batches <- evs
		}
	})
	for evs := range batches {
		if _, err := store.Append(ctx, domain.SchoolStream("north"), domain.Any{}, evs...); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
}

// BenchmarkStatementQueries1M: GET /xapi/statements with filters over
// 1,000,000 stored statements of one school, from 32 keep-alive clients
// over loopback. The statements are appended straight to the store; the
// ledger then starts over it as a node does (one engine feeding the view,
// the efficacy projection and the statement index from position 0), and
// the time until it has applied every event is the start figure.
func BenchmarkStatementQueries1M(b *testing.B) {
	queryStatements := *queryStatements
	queryAgents, queryActivities := queryStatements/perAgent, queryStatements/perActivity
	if queryActivities < 1 {
		b.Fatalf("-xapi.statements %d: at least %d", queryStatements, perActivity)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	t0 := time.Now()
	populateStatements(ctx, b, store, queryStatements)
	b.Logf("%d statements appended in %s", queryStatements, time.Since(t0).Round(time.Millisecond))

	tokens, err := httpapi.NewTokens([]httpapi.Credential{{Token: toolToken, Role: domain.RoleTool, School: "north", Name: "Quiz tool"}})
	if err != nil {
		b.Fatal(err)
	}
	view := projections.NewView(store)
	eff := efficacy.New()
	index := xapi.NewIndex()
	engine := projections.NewEngine(store, projections.Models{view, eff, index}, 0)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	t0 = time.Now()
	go func() { done <- engine.Run(runCtx) }()
	if err := engine.WaitFor(ctx, store.LastPosition()); err != nil {
		b.Fatal(err)
	}
	startTime := time.Since(t0)
	// What the ledger holds once started, the index most of it: the heap
	// in use after a collection, per statement, and what the runtime took
	// from the system (resident at most that).
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	perStatement := float64(ms.HeapInuse) / float64(queryStatements)
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			b.Errorf("projection engine: %v", err)
		}
	}()
	svc := service.New(store, nil)
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Config{
		Service: svc, View: view, Efficacy: eff, Events: store, Projection: engine, Tokens: tokens,
		XAPI: xapi.New(xapi.Config{Service: svc, Index: index, Projection: engine}),
	}))
	defer srv.Close()
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = benchClients

	// A one-hour window (36,000 statements) starting in the population's
	// first 80 %, so that every window holds a full page.
	window := func(i int) (string, string) {
		from := queryStart.Add(time.Duration(queryStatements/10+i*997%(queryStatements*7/10)) * 100 * time.Millisecond)
		return from.Format(time.RFC3339Nano), from.Add(time.Hour).Format(time.RFC3339Nano)
	}
	agent := func(i int) string { return fmt.Sprintf(`{"mbox":"mailto:a-%05d@example.org"}`, i*7919%queryAgents) }
	filters := []struct {
		name  string
		query func(i int) url.Values
		want  int // statements a page holds
	}{
		{"agent", func(i int) url.Values { return url.Values{"agent": {agent(i)}} }, queryPage},
		{"verb", func(i int) url.Values {
			return url.Values{"verb": {fmt.Sprintf("https://tool.example/verbs/v%d", i%queryVerbs)}}
		}, queryPage},
		{"activity", func(i int) url.Values {
			return url.Values{"activity": {fmt.Sprintf("https://tool.example/q/%04d", i*31%queryActivities)}}
		}, queryPage},
		{"since+until (1 hour)", func(i int) url.Values { s, u := window(i); return url.Values{"since": {s}, "until": {u}} }, queryPage},
		{"agent+verb+since", func(i int) url.Values {
			s, _ := window(i)
			return url.Values{"agent": {agent(i)}, "verb": {fmt.Sprintf("https://tool.example/verbs/v%d", i*7919%queryAgents%queryVerbs)}, "since": {s}}
		}, -1},
		{"none (newest)", func(int) url.Values { return url.Values{} }, queryPage},
		{"activity, ascending", func(i int) url.Values {
			return url.Values{"activity": {fmt.Sprintf("https://tool.example/q/%04d", i*31%queryActivities)}, "ascending": {"true"}}
		}, queryPage},
	}
	request := func(q url.Values) *http.Request {
		q.Set("limit", fmt.Sprint(queryPage))
		req, _ := http.NewRequest("GET", srv.URL+"/xapi/statements?"+q.Encode(), nil)
		req.SetBasicAuth("any-user", toolToken)
		req.Header.Set("X-Experience-API-Version", "2.0.0")
		return req
	}
	// Each filter answers what it should before it is timed.
	for _, f := range filters {
		resp, err := client.Do(request(f.query(1)))
		if err != nil {
			b.Fatal(err)
		}
		var res struct {
			Statements []json.RawMessage `json:"statements"`
			More       string            `json:"more"`
		}
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || (f.want >= 0 && (len(res.Statements) != f.want || res.More == "")) {
			b.Fatalf("%s: status %d, %d statements, more %q, %v", f.name, resp.StatusCode, len(res.Statements), res.More, err)
		}
	}
	for range b.N {
		b.ReportMetric(startTime.Seconds(), "start-s")
		b.ReportMetric(perStatement, "heap-B/statement")
		b.Logf("start over %d statements (engine: view, efficacy, statement index): %s; heap in use after a collection %.0f MB "+
			"(%.0f bytes a statement), obtained from the system %.0f MB", queryStatements, startTime.Round(time.Millisecond),
			float64(ms.HeapInuse)/1e6, perStatement, float64(ms.Sys)/1e6)
		// Three rounds in one run: populating and starting take most of
		// the run, so the rounds give the spread that -count would.
		// The collector's share of the reads: its CPU time and cycles over
		// the rounds, which the machine's other load does not change much.
		gcBefore, cyclesBefore := gcCPU()
		readsStart := time.Now()
		worst := 0.0
		for round := range queryRounds {
			for _, f := range filters {
				d := latencies(b, client, benchClients, queryReads, func(i int) *http.Request { return request(f.query(i + round*queryReads)) })
				b.Logf("round %d, %-22s %d GETs from %d clients, limit %d: p50 %.2f ms, p99 %.2f ms (p99/%.0f ms %.2f)", round+1, f.name, queryReads,
					benchClients, queryPage, quantile(d, 0.5), quantile(d, 0.99), readCeilingMS, quantile(d, 0.99)/readCeilingMS)
				worst = max(worst, quantile(d, 0.99))
			}
		}
		gcAfter, cyclesAfter := gcCPU()
		b.ReportMetric(gcAfter-gcBefore, "reads-gc-cpu-s")
		b.Logf("reads: %s, the collector %.2f CPU-s in %d cycles", time.Since(readsStart).Round(time.Millisecond), gcAfter-gcBefore, cyclesAfter-cyclesBefore)
		b.ReportMetric(worst, "worst-p99-ms")
	}
}

// gcCPU is the CPU time the collector has taken so far, in seconds, and
// its cycles.
func gcCPU() (float64, uint64) {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Float64(), s[1].Value.Uint64()
}
