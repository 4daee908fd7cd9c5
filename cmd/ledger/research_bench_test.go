package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
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

// BenchmarkResearchPoliciesMedium is the same over about 300,000 events
// (3,000 learners): beside Small, it shows how the cost grows.
func BenchmarkResearchPoliciesMedium(b *testing.B) { benchResearchPolicies(b, 3000) }

// researchProfile, when set, is where each run writes a CPU profile of the
// command alone (not of generating the events), one file per cohort size:
// PREFIX-<learners>.pprof. go test's own -cpuprofile would be mostly the
// generation.
var researchProfile = flag.String("research.cpuprofile", "", "write a CPU profile of `ledger research policies` alone to this prefix")

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

		stop := startResearchProfile(b, learners)
		t0 = time.Now()
		var out strings.Builder
		if err := run(ctx, []string{"research", "policies", "--data", dir, "--report", "agreement", "--format", "csv"}, noEnv, &out, io.Discard); err != nil {
			b.Fatal(err)
		}
		secs := time.Since(t0).Seconds()
		stop()
		b.ReportMetric(float64(read)/secs, "events/s")
		b.ReportMetric(float64(read)/readSecs, "read-events/s")
		b.Logf("%d events: research policies %.2f s (%.0f events/s); plain read %.2f s (%.0f events/s); ratio %.2f\n%s",
			read, secs, float64(read)/secs, readSecs, float64(read)/readSecs, readSecs/secs, out.String())
	}
}

func startResearchProfile(b *testing.B, learners int) (stop func()) {
	b.Helper()
	if *researchProfile == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s-%d.pprof", *researchProfile, learners))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
	}
}
