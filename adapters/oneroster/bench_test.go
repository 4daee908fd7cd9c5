package oneroster

import (
	"context"
	"testing"
	"time"
)

// importCeiling is the target for a roster of 10,000 learners imported
// into the embedded store (docs/benchmarks.md).
const importCeiling = 10 * time.Second

// BenchmarkImport imports a generated 1.2 bulk roster of 10,000 learners
// into a fresh embedded store through the command service and the seal,
// as `ledger import oneroster` does: once as the command's default does
// (schools and enrolments), once with --profiles (and a sealed profile,
// under a key of its own, for each learner). Run it as
//
//	go test -run '^$' -bench Import -benchtime 1x ./adapters/oneroster/
func BenchmarkImport(b *testing.B) {
	const learners = 10_000
	roster := bigSet(learners)
	for _, bc := range []struct {
		name     string
		profiles bool
		events   int
	}{{"enrol", false, learners + 1}, {"enrol+profiles", true, 2*learners + 1}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				l := newLedger(b)
				b.StartTimer()
				start := time.Now()
				rep, err := l.run(b, context.Background(), roster, Options{Profiles: bc.profiles})
				took := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if n := len(l.events(b)); rep.Enrolled.Count != learners || n != bc.events {
					b.Fatalf("%d events, %+v", n, rep)
				}
				b.ReportMetric(took.Seconds(), "s/import")
				b.ReportMetric(took.Seconds()/importCeiling.Seconds(), "ratio-to-ceiling")
				b.ReportMetric(float64(bc.events)/took.Seconds(), "events/s")
			}
		})
	}
}
