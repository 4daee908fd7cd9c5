package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/projections/synthetic"
)

// BenchmarkResearchPolicies measures `ledger research policies` over a
// stopped data directory of about 1,000,000 synthetic events (10,000
// learners, 4 standards, some never met and some met late: researchCohort), every policy with its defaults, against a plain
// ReadAll of the same events in the same run: the command cannot be faster
// than reading them. Run by `make bench`; too slow to generate for go test.
func BenchmarkResearchPolicies(b *testing.B) { benchResearchPolicies(b, 10_000) }

// BenchmarkResearchPoliciesSmall is the same measurement over about 100,000
// events (1,000 learners, same shape): quick enough to profile with
// -cpuprofile.
func BenchmarkResearchPoliciesSmall(b *testing.B) { benchResearchPolicies(b, 1000) }

// researchCohort is the benchmarks' cohort: a fifth of each learner's
// standards never met and a fifth met only on a second goal, so that the
// agreement table compares two answers, not one.
func researchCohort(learners int) synthetic.Options {
	return synthetic.Options{Learners: learners, EventsPerLearner: 100, Seed: 1, NeverMet: 0.2, Late: 0.2}
}

func benchResearchPolicies(b *testing.B, learners int) {
	ctx := context.Background()
	dir := b.TempDir()
	store, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	st, err := synthetic.Populate(ctx, store, researchCohort(learners))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("populated %d events in %s", st.Events, time.Since(start).Round(time.Millisecond))
	if err := store.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ro, err := openData(ctx, dir, "")
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		read := readEverything(ctx, b, ro)
		readSecs := time.Since(t0).Seconds()
		ro.Close()

		t0 = time.Now()
		var out strings.Builder
		if err := run(ctx, []string{"research", "policies", "--data", dir, "--report", "agreement", "--format", "csv"}, noEnv, &out, io.Discard); err != nil {
			b.Fatal(err)
		}
		secs := time.Since(t0).Seconds()
		b.ReportMetric(float64(read)/secs, "events/s")
		b.ReportMetric(float64(read)/readSecs, "read-events/s")
		b.Logf("%d events: research policies %.2f s (%.0f events/s); plain read %.2f s (%.0f events/s); ratio %.2f\n%s",
			read, secs, float64(read)/secs, readSecs, float64(read)/readSecs, readSecs/secs, out.String())
	}
}
