package projections_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
	"github.com/masteryledger/ledger/projections/synthetic"
)

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// BenchmarkProjectionRebuild rebuilds both read models (mastery and
// collective efficacy) from a million events, beside a plain read of the
// same events through the port in the same run: the projections' cost is the
// difference. Target: ≥ 300,000 events/s on 2 cores.
func BenchmarkProjectionRebuild(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	start := time.Now()
	st, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: 10_000, EventsPerLearner: 100, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("populated %d events in %s", st.Events, time.Since(start).Round(time.Millisecond))

	var readRate, rebuildRate float64
	for b.Loop() {
		t0 := time.Now()
		var after uint64
		n := 0
		for {
			page, err := store.ReadAll(ctx, after, 10_000)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			n += len(page)
			after = page[len(page)-1].Position
		}
		readRate = float64(n) / time.Since(t0).Seconds()

		t0 = time.Now()
		view, eff := projections.NewView(store), efficacy.New()
		last, err := projections.Rebuild(ctx, store, projections.Models{view, eff})
		if err != nil {
			b.Fatal(err)
		}
		rebuildRate = float64(last) / time.Since(t0).Seconds()
	}
	b.ReportMetric(rebuildRate, "rebuild-events/s")
	b.ReportMetric(readRate, "read-events/s")
	b.ReportMetric(rebuildRate/readRate, "rebuild/read")
	b.Logf("rebuild %.0f events/s (target ≥ 300,000), plain read %.0f events/s, ratio %.2f", rebuildRate, readRate, rebuildRate/readRate)
}

// BenchmarkMasteryAsOf asks a learner's mastery as of random past moments
// over a 1,000-event stream. Target: p99 < 2 ms.
func BenchmarkMasteryAsOf(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	st, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: 1, EventsPerLearner: 1000, Seed: 2})
	if err != nil {
		b.Fatal(err)
	}
	view := projections.NewView(store)
	if _, err := projections.Rebuild(ctx, store, view); err != nil {
		b.Fatal(err)
	}
	evs, err := store.ReadStream(ctx, domain.LearnerStream(st.Learners[0]), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	first, last := evs[0].RecordedAt, evs[len(evs)-1].RecordedAt
	rng := rand.New(rand.NewPCG(3, 4))
	// A fixed number of queries per run, so that -benchtime 1x (make bench)
	// still measures a distribution.
	const queries = 2000
	var lat []time.Duration
	for b.Loop() {
		for range queries {
			asOf := first.Add(time.Duration(rng.Int64N(int64(last.Sub(first)) + 1)))
			t0 := time.Now()
			if _, err := view.Mastery(ctx, st.Learners[0], &asOf); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
	}
	b.ReportMetric(float64(percentile(lat, 50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds()), "p99-µs")
	b.Logf("mastery as of, %d-event stream: p50 %s p99 %s (target p99 < 2ms) over %d queries", len(evs), percentile(lat, 50), percentile(lat, 99), len(lat))
}

// BenchmarkCommandLatency records evidence through the command service from
// 32 learners at once (a learner each), durably.
func BenchmarkCommandLatency(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	st, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: 32, EventsPerLearner: 50, Seed: 5})
	if err != nil {
		b.Fatal(err)
	}
	svc := service.New(store, nil)
	const perLearner = 200
	var (
		mu  sync.Mutex
		lat []time.Duration
	)
	var elapsed time.Duration
	for b.Loop() {
		t0 := time.Now()
		var wg sync.WaitGroup
		for _, l := range st.Learners {
			wg.Go(func() {
				local := make([]time.Duration, 0, perLearner)
				for i := range perLearner {
					level := 2 + i%3
					c := domain.RecordEvidence{Meta: domain.Meta{Actor: domain.Actor{Role: domain.RoleTeacher, Name: "Ms Rivera"}},
						StandardID: st.Standard[i%len(st.Standard)], ComponentID: fmt.Sprintf("c%d", 1+i%3), Level: &level, Source: "peer"}
					s := time.Now()
					if _, err := svc.RecordEvidence(ctx, l, c, nil); err != nil {
						b.Error(err)
						return
					}
					local = append(local, time.Since(s))
				}
				mu.Lock()
				lat = append(lat, local...)
				mu.Unlock()
			})
		}
		wg.Wait()
		elapsed = time.Since(t0)
	}
	rate := float64(len(st.Learners)*perLearner) / elapsed.Seconds()
	b.ReportMetric(rate, "commands/s")
	b.ReportMetric(float64(percentile(lat, 50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds()), "p99-µs")
	b.Logf("32 learners: %.0f commands/s, p50 %s p99 %s", rate, percentile(lat, 50), percentile(lat, 99))
}
