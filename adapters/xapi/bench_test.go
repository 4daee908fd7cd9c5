package xapi_test

// BenchmarkStatementsHTTP measures statements accepted per second over
// HTTP from 32 keep-alive clients, one statement per request and batches
// of 50, beside evidence writes (POST /v1/learners/{id}/evidence) from 32
// clients in the same run, as the peer: a shared machine is too noisy to
// compare figures across runs. Every statement is aligned (its object is
// a component's CASE URI) and about a linked learner, so each also
// records its evidence: the whole path a tool's statement takes. Each
// case does a fixed amount of work whatever b.N is: run with -benchtime 1x.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	benchClients  = 32
	benchLearners = 64
	benchWrites   = 3200 // per case
)

// benchLRS is a started ledger with benchLearners learners, each linked
// to mailto:l-NNNN@example.org.
func benchLRS(b *testing.B) *lrs {
	l := startLRS(b)
	l.school()
	for i := range benchLearners {
		id := fmt.Sprintf("l-%04d", i+100)
		l.admin("POST", "/v1/schools/north/learners", map[string]any{"learnerId": id, "cohort": "g6"}, http.StatusCreated)
		l.admin("POST", "/v1/schools/north/xapi-alignments", map[string]any{"agent": map[string]any{"mbox": "mailto:" + id + "@example.org"},
			"learnerId": id}, http.StatusCreated)
	}
	return l
}

// run sends n requests from benchClients clients and returns the
// seconds it took. req(i) makes request i.
func (l *lrs) run(b *testing.B, n int, req func(i int) *http.Request, want int) float64 {
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range benchClients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				resp, err := l.client.Do(req(i))
				if err != nil {
					failed.Add(1)
					continue
				}
				var sink bytes.Buffer
				sink.ReadFrom(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed", f, n)
	}
	return secs
}

func benchStatement(i int) map[string]any {
	s := stmt(caseURI, scaled(0.8))
	s["actor"] = map[string]any{"mbox": fmt.Sprintf("mailto:l-%04d@example.org", i%benchLearners+100)}
	return s
}

func BenchmarkStatementsHTTP(b *testing.B) {
	l := benchLRS(b)
	l.client.Transport.(*http.Transport).MaxIdleConnsPerHost = benchClients
	for range b.N {
		evidence := l.run(b, benchWrites, func(i int) *http.Request {
			body, _ := json.Marshal(map[string]any{"standardId": "math-1", "componentId": "c2", "level": 3, "source": "teacher"})
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/v1/learners/l-%04d/evidence", l.url, i%benchLearners+100), bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+teacherToken)
			req.Header.Set("Content-Type", "application/json")
			return req
		}, http.StatusCreated)
		single := l.run(b, benchWrites, func(i int) *http.Request {
			raw, _ := json.Marshal(benchStatement(i))
			return l.xapiRequest(toolToken, "POST", "", raw)
		}, http.StatusOK)
		const batch = 50
		batches := l.run(b, benchWrites/batch, func(i int) *http.Request {
			list := make([]any, batch)
			for j := range list {
				// One learner per batch, as a tool sends a session.
				list[j] = benchStatement(i)
			}
			raw, _ := json.Marshal(list)
			return l.xapiRequest(toolToken, "POST", "", raw)
		}, http.StatusOK)
		b.ReportMetric(benchWrites/evidence, "evidence-writes/s")
		b.ReportMetric(benchWrites/single, "statements/s(single)")
		b.ReportMetric(benchWrites/batches, "statements/s(batch50)")
	}
}
