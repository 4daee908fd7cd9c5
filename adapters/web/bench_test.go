package web_test

// BenchmarkPagesP99 is the pages' figure of docs/benchmarks.md: each page
// kind read over real loopback TCP from the API and the pages on one port
// (as serve runs them) over 10,000 synthetic learners, beside the same
// projection reads in process, without HTTP or HTML, measured in the same
// run, because a shared machine is too noisy to compare figures across
// runs. It does a fixed amount of work whatever b.N is, so run it with
// -benchtime 1x; -short divides the work by ten.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/loadbench"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/web"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
	"github.com/masteryledger/ledger/projections/synthetic"
)

// Tokens of the benchmark's teachers, one per synthetic school.
const (
	benchNorthTeacher = "bench-teacher-north-0123456789"
	benchSouthTeacher = "bench-teacher-south-0123456789"
)

// pagesBench is the node over a populated store, and a teacher's session
// per school.
type pagesBench struct {
	url     string
	client  *http.Client
	view    *projections.View
	eff     *efficacy.Projection
	cookies map[string]string // session cookie by school
}

// newPagesBench populates a store with north (learners-small learners)
// and south (small learners), starts the API and the pages on one loopback
// port as serve does (startNode), waits for the read models to catch up and
// signs each school's teacher in once.
func newPagesBench(b *testing.B, learners, small, events int) (*pagesBench, []string) {
	b.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	start := time.Now()
	north, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: learners - small, EventsPerLearner: events, Seed: 14})
	if err != nil {
		b.Fatal(err)
	}
	south, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: small, EventsPerLearner: events, Seed: 14,
		School: "south", SchoolName: "South Middle School", FirstLearner: learners - small})
	if err != nil {
		b.Fatal(err)
	}
	populated := time.Since(start)

	tokens, err := httpapi.NewTokens([]httpapi.Credential{
		{Token: benchNorthTeacher, Role: domain.RoleTeacher, School: "north", Name: "Ms Rivera"},
		{Token: benchSouthTeacher, Role: domain.RoleTeacher, School: "south", Name: "Mr Okafor"},
	})
	if err != nil {
		b.Fatal(err)
	}
	view := projections.NewView(store)
	eff := efficacy.New()
	pseudonyms, err := research.NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		b.Fatal(err)
	}
	rv := research.NewView(pseudonyms)
	engine := projections.NewEngine(store, projections.Models{view, eff, rv}, 0)
	ectx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- engine.Run(ectx) }()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	metrics := httpapi.NewMetrics(nil)
	api := httpapi.NewServer(httpapi.Config{
		Service: service.New(store, nil), View: view, Efficacy: eff, Events: store, Projection: engine, Research: rv,
		Tokens: tokens, Metrics: metrics, Logger: logger,
	})
	pages, err := web.New(web.Config{View: view, Efficacy: eff, Research: rv, Tokens: tokens, Metrics: metrics, Logger: logger, Projection: engine})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(web.OnePort(api, pages))
	b.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
	})
	start = time.Now()
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Minute)
	defer wcancel()
	if err := engine.WaitFor(wctx, store.LastPosition()); err != nil {
		b.Fatal(err)
	}
	b.Logf("populated %d + %d learners, %d events in %s; read models caught up in %s",
		len(north.Learners), len(south.Learners), north.Events+south.Events, populated.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	// Keep-alive clients: an idle connection per client survives between
	// requests. No compression asked for: the bytes counted are the page's
	// own.
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 32, IdleConnTimeout: time.Minute, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	p := &pagesBench{url: srv.URL, client: client, view: view, eff: eff, cookies: map[string]string{}}
	for school, token := range map[string]string{"north": benchNorthTeacher, "south": benchSouthTeacher} {
		req, _ := http.NewRequest("POST", srv.URL+"/session", strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == web.CookieName {
				p.cookies[school] = c.Value
			}
		}
		if resp.StatusCode != http.StatusSeeOther || p.cookies[school] == "" {
			b.Fatalf("sign in as the teacher of %s: %d, no session cookie", school, resp.StatusCode)
		}
	}
	return p, slices.Concat(north.Learners, south.Learners)
}

// get reads a page with the session of school's teacher and returns its
// body.
func (p *pagesBench) get(path, school string) ([]byte, error) {
	req, err := http.NewRequest("GET", p.url+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Cookie", web.CookieName+"="+p.cookies[school])
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d %.200s", path, resp.StatusCode, body)
	}
	return body, err
}

// stylesheet finds the style sheets a page links.
var stylesheet = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)"`)

// cssBytes is the size of the style sheets page links. The verification
// module (a script) is not counted: the target is on HTML and CSS.
func (p *pagesBench) cssBytes(page []byte, school string) (int, error) {
	n := 0
	for _, m := range stylesheet.FindAllSubmatch(page, -1) {
		css, err := p.get(string(m[1]), school)
		if err != nil {
			return 0, err
		}
		n += len(css)
	}
	return n, nil
}

// pageKind is one kind of page: its path and school for a pick, and the
// projection reads its handler makes, in process (the peer).
type pageKind struct {
	name     string
	requests int
	path     func(pick) (path, school string)
	reads    func(ctx context.Context, k pick) error
}

// pick is one request's random learner and standard.
type pick struct {
	learner, standard, school string
}

// BenchmarkPagesP99: 8 keep-alive clients, each signed in as the teacher
// of the learner's school, read each kind of page over HTTP with a fixed
// number of requests over random learners and standards among 10,000
// learners (about 20 events each, as BenchmarkGetMasteryP99's): the
// learner page, the claim's trail, the transcript, the school table of
// south (500 learners, one cohort a page; north holds the other 9,500), south's efficacy
// figures, and north's (9,500 learners). Beside each, the same projection reads in process (8
// goroutines), without HTTP or HTML, so that what the page adds shows.
// Targets: p99 < 50 ms, and the page's HTML with the CSS it links < 100 KB.
func BenchmarkPagesP99(b *testing.B) {
	const clients, rounds = 8, 2 // rounds per peer
	learnerCount, small, scale := 10_000, 500, 1
	if testing.Short() {
		learnerCount, small, scale = learnerCount/10, small/10, 10
	}
	ctx := context.Background()
	p, learners := newPagesBench(b, learnerCount, small, 20)
	standards := []string{"std-0", "std-1", "std-2", "std-3"}
	schoolOf := func(i int) string {
		if i >= learnerCount-small {
			return "south"
		}
		return "north"
	}
	v := p.view
	// secondCohort picks the school table's cohort by the learner drawn:
	// an odd last digit, the second.
	secondCohort := func(k pick) bool { return (k.learner[len(k.learner)-1]-'0')%2 == 1 }
	efficacyKind := func(name, school string, requests int) pageKind {
		return pageKind{name: name, requests: requests,
			path: func(pick) (string, string) { return "/schools/" + school + "/efficacy", school },
			reads: func(context.Context, pick) error {
				if _, err := v.School(school); err != nil {
					return err
				}
				// The page reads the school's cohorts from the view, then
				// the report of the query (none: the defaults), which
				// the page keeps until the school's figures change and
				// the peer reads each time: the difference is the cache.
				if _, err := v.SchoolCohorts(school); err != nil {
					return err
				}
				q, err := httpapi.EfficacyQuery(url.Values{})
				if err != nil {
					return err
				}
				_, err = p.eff.School(school, q)
				return err
			}}
	}
	kinds := []pageKind{
		{name: "learner", requests: 4000,
			path: func(k pick) (string, string) { return "/learners/" + k.learner, k.school },
			reads: func(ctx context.Context, k pick) error {
				l, err := v.Learner(k.learner)
				if err != nil {
					return err
				}
				m, err := v.Mastery(ctx, k.learner, nil)
				if err != nil {
					return err
				}
				if _, err := v.LatestEvidence(k.learner); err != nil {
					return err
				}
				if _, err := v.Goals(k.learner); err != nil {
					return err
				}
				if _, err := v.School(l.SchoolID); err != nil {
					return err
				}
				for _, sm := range m.Standards {
					if _, err := v.Standard(sm.StandardID); err != nil {
						return err
					}
				}
				return nil
			}},
		{name: "trail", requests: 4000,
			path: func(k pick) (string, string) { return "/learners/" + k.learner + "/standards/" + k.standard, k.school },
			reads: func(ctx context.Context, k pick) error {
				if _, err := v.Standard(k.standard); err != nil {
					return err
				}
				_, err := v.Replay(ctx, k.learner, k.standard)
				return err
			}},
		{name: "transcript", requests: 4000,
			path: func(k pick) (string, string) { return "/learners/" + k.learner + "/transcript", k.school },
			reads: func(ctx context.Context, k pick) error {
				l, err := v.Learner(k.learner)
				if err != nil {
					return err
				}
				tr, err := v.Transcript(k.learner)
				if err != nil {
					return err
				}
				if _, err := v.Mastery(ctx, k.learner, nil); err != nil {
					return err
				}
				if _, err := v.School(l.SchoolID); err != nil {
					return err
				}
				for _, e := range tr.Standards {
					if _, err := v.Standard(e.StandardID); err != nil {
						return err
					}
					// The page reads the claim's trail for what each
					// piece of evidence showed.
					if _, err := v.Replay(ctx, k.learner, e.StandardID); err != nil {
						return err
					}
				}
				return nil
			}},
		// The school's table shows one cohort a page: half the requests
		// read the default page (the first cohort), half the other
		// cohort's.
		{name: "school", requests: 800,
			path: func(k pick) (string, string) {
				if secondCohort(k) {
					return "/schools/south?cohort=grade-7", "south"
				}
				return "/schools/south", "south"
			},
			reads: func(ctx context.Context, k pick) error {
				if _, err := v.School("south"); err != nil {
					return err
				}
				cohorts, err := v.SchoolCohorts("south")
				if err != nil {
					return err
				}
				if len(cohorts) != 2 {
					return fmt.Errorf("south's cohorts: %v; want grade-6 and grade-7", cohorts)
				}
				var ids []string
				for _, std := range v.Standards() {
					ids = append(ids, std.StandardID)
				}
				c := cohorts[0]
				if secondCohort(k) {
					c = cohorts[1]
				}
				rows, err := v.SchoolTable("south", c, ids)
				if err != nil {
					return err
				}
				if len(rows) == 0 || len(rows) == small {
					return fmt.Errorf("south's cohort holds %d of its %d learners", len(rows), small)
				}
				return nil
			}},
		efficacyKind("efficacy", "south", 800),
		// North is a school of 9,500: the efficacy projection's report
		// grows with the school, the page does not.
		efficacyKind("efficacy-north", "north", 400),
	}

	type result struct {
		http, peer       loadbench.Run
		maxHTML, sumHTML int
		css              int
	}
	results := make([]result, len(kinds))
	for b.Loop() {
		for ki, kind := range kinds {
			per := kind.requests / scale / clients / rounds // requests per client per round
			// Each client reads its own fixed sequence of random picks, a
			// new stretch of it each round; the two peers read the same
			// stretches.
			picks := make([][]pick, clients)
			for c := range picks {
				rng := rand.New(rand.NewPCG(uint64(c), uint64(15+ki)))
				picks[c] = make([]pick, per*rounds)
				for i := range picks[c] {
					li := rng.IntN(len(learners))
					picks[c][i] = pick{learner: learners[li], standard: standards[rng.IntN(len(standards))], school: schoolOf(li)}
				}
			}
			res := &results[ki]
			var mu sync.Mutex
			round := 0 // set before each run starts its clients
			get := func(c, i int) error {
				path, school := kind.path(picks[c][round*per+i])
				page, err := p.get(path, school)
				mu.Lock()
				res.maxHTML = max(res.maxHTML, len(page))
				res.sumHTML += len(page)
				mu.Unlock()
				return err
			}
			direct := func(c, i int) error { return kind.reads(ctx, picks[c][round*per+i]) }
			// Warm up: open the connections, and count the style sheets
			// the page links.
			if _, _, err := loadbench.Clients(clients, 1, get); err != nil {
				b.Fatal(err)
			}
			path, school := kind.path(picks[0][0])
			page, err := p.get(path, school)
			if err != nil {
				b.Fatal(err)
			}
			if res.css, err = p.cssBytes(page, school); err != nil {
				b.Fatal(err)
			}
			res.maxHTML, res.sumHTML = 0, 0
			// The peers alternate (reads, HTTP, HTTP, reads) so that drift
			// within the run hits both alike.
			for k, peer := range []string{"reads", "http", "http", "reads"} {
				round = k / 2
				do, run := get, &res.http
				if peer == "reads" {
					do, run = direct, &res.peer
				}
				if err := run.Measure(clients, per, do); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ReportMetric(0, "ns/op")
	b.Logf("%d CPUs, %d learners (school table: %d), %d clients; each page with its peer, the same projection reads in process",
		runtime.NumCPU(), learnerCount, small, clients)
	for ki, kind := range kinds {
		r := &results[ki]
		p99 := r.http.Pct(0.99)
		kb := float64(r.maxHTML+r.css) / 1024
		b.ReportMetric(loadbench.Ms(r.http.Pct(0.50)), kind.name+"-p50-ms")
		b.ReportMetric(loadbench.Ms(p99), kind.name+"-p99-ms")
		b.ReportMetric(loadbench.Ms(r.peer.Pct(0.50)), kind.name+"-reads-p50-ms")
		b.ReportMetric(loadbench.Ms(r.peer.Pct(0.99)), kind.name+"-reads-p99-ms")
		b.ReportMetric(kb, kind.name+"-KB")
		// One line per page: go test keeps only the first lines of a
		// benchmark's log unless -v.
		b.Logf("%-13s %5d GETs p50 %6.2f ms p99 %6.2f ms (target p99 < 50 ms: %s); reads p50 %6.3f ms p99 %6.3f ms; HTML %.1f KB largest (%.1f mean) + CSS %.1f KB = %.1f KB (bytes < 100 KB: %s)",
			kind.name, len(r.http.Lat), loadbench.Ms(r.http.Pct(0.50)), loadbench.Ms(p99), loadbench.Met(p99 < 50*time.Millisecond), loadbench.Ms(r.peer.Pct(0.50)), loadbench.Ms(r.peer.Pct(0.99)),
			float64(r.maxHTML)/1024, float64(r.sumHTML)/1024/float64(max(1, len(r.http.Lat))), float64(r.css)/1024, kb, loadbench.Met(r.maxHTML+r.css < 100*1024))
	}
}
