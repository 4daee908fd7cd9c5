package policy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestFirstMasteredMatchesEvaluate checks the one-pass FirstMastered
// against its definition, Evaluate over every growing prefix
// (firstMasteredByEvaluate), over random evidence: every policy with its
// defaults and with other parameters, levels on the rubric, between its
// levels, at its bounds, off the scale and not finite, on scales that
// reach 0 and below (power-law refuses those), simultaneous scores, and
// bkt parameters that make some scores impossible.
func TestFirstMasteredMatchesEvaluate(t *testing.T) {
	pols := Defaults()
	for _, c := range []struct {
		id     string
		params map[string]float64
	}{
		{"mean", map[string]float64{"canvas": 1}},
		{"weighted-average", map[string]float64{"w": 0.3}},
		{"weighted-average", map[string]float64{"w": 0.5, "canvas": 1}},
		{"weighted-average", map[string]float64{"w": 1}},
		{"decaying-average", map[string]float64{"w": 0.9}},
		{"decaying-average", map[string]float64{"w": 0.55, "canvas": 1}},
		{"n-mastery", map[string]float64{"n": 1}},
		{"n-mastery", map[string]float64{"n": 5, "canvas": 1}},
		{"bkt", map[string]float64{"pF": 0.1}},
		{"bkt", map[string]float64{"pL0": 0, "pG": 0}},
		{"bkt", map[string]float64{"pL0": 1, "pS": 0, "pT": 1}},
		{"bkt", map[string]float64{"threshold": 0.6, "pT": 0.05}},
	} {
		p, err := Lookup(c.id, c.params)
		if err != nil {
			t.Fatal(err)
		}
		pols = append(pols, p)
	}
	pols = append(pols, Policy{}) // the zero Policy: never mastered
	scales := []Scale{DefaultScale(), {Min: 0, Max: 4, Proficient: 3}, {Min: -2, Max: 2, Proficient: 0.5},
		{Min: 1, Max: 4, Proficient: 1}, {Min: 1, Max: 4, Proficient: 4}, {Min: 4, Max: 1, Proficient: 3}}
	rng := rand.New(rand.NewPCG(21, 1))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	level := func(sc Scale) float64 {
		switch r := rng.IntN(100); {
		case r < 70:
			return math.Round(sc.Min + rng.Float64()*(sc.Max-sc.Min)) // a rubric level
		case r < 85:
			return sc.Min + rng.Float64()*(sc.Max-sc.Min) // between levels
		case r < 90:
			return sc.Proficient - 0.005 + rng.Float64()*0.01 // near proficient
		case r < 94:
			return []float64{sc.Min, sc.Max, sc.Proficient}[rng.IntN(3)]
		case r < 97:
			return sc.Max + 1 // off the scale
		default:
			return math.NaN()
		}
	}
	runs, found := 0, 0
	for range 4000 {
		sc := scales[rng.IntN(len(scales))]
		n := rng.IntN(30)
		scores := make([]Score, n)
		for i := range scores {
			scores[i] = Score{EvidenceID: fmt.Sprintf("e%d", i), Level: level(sc),
				OccurredAt: base.Add(time.Duration(rng.IntN(20)) * time.Hour)} // ties and disorder
		}
		for _, p := range pols {
			got, gotOK := FirstMastered(p, sc, scores)
			want, wantOK := firstMasteredByEvaluate(p, sc, scores)
			if gotOK != wantOK || !got.Equal(want) {
				t.Fatalf("%s on %s over %v: FirstMastered = %v, %v; Evaluate on each prefix = %v, %v",
					p, sc, scores, got, gotOK, want, wantOK)
			}
			runs++
			if wantOK {
				found++
			}
		}
	}
	if found == 0 || found == runs {
		t.Fatalf("%d of %d runs found a moment: the random evidence does not exercise both answers", found, runs)
	}
}
