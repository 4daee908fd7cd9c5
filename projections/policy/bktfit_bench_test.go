package policy

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkFitBKT fits 100,000 sequences of 20 responses (2,000,000
// observations) drawn from known parameters, from 3 starts, and reports
// sequences per second over the whole fit.
func BenchmarkFitBKT(b *testing.B) {
	truth := BKTParams{PriorKnown: 0.3, Learn: 0.15, Slip: 0.1, Guess: 0.2}
	seqs := SimulateBKT(truth, 100_000, 20, rand.New(rand.NewPCG(1, 2)))
	for b.Loop() {
		t0 := time.Now()
		fit, err := FitBKT(seqs, FitOptions{Starts: 3, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		secs := time.Since(t0).Seconds()
		b.ReportMetric(float64(len(seqs))/secs, "sequences/s")
		b.Logf("100,000 sequences: %.2f s, %d iterations in the best run, fit %+v", secs, fit.Iterations, fit.Params)
	}
}
