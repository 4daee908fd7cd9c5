package policy

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFitBKTRecoversParameters draws 3,000 sequences of 20 responses from
// known parameters and fits them: each parameter must come back within
// 0.03 (pF within 0.03 too, when fitted). The tolerance is several times
// the sampling error at this size, and far below the distance between the
// parameters, so a fit that swapped or lost one fails.
func TestFitBKTRecoversParameters(t *testing.T) {
	cases := []struct {
		name       string
		truth      BKTParams
		forgetting bool
	}{
		{"standard", BKTParams{PriorKnown: 0.3, Learn: 0.15, Slip: 0.1, Guess: 0.2}, false},
		{"forgetting", BKTParams{PriorKnown: 0.4, Learn: 0.2, Slip: 0.08, Guess: 0.25, Forget: 0.05}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seqs := SimulateBKT(c.truth, 3000, 20, rand.New(rand.NewPCG(7, 11)))
			fit, err := FitBKT(seqs, FitOptions{Starts: 4, Seed: 1, Forgetting: c.forgetting})
			if err != nil {
				t.Fatal(err)
			}
			got, want := fit.Params, c.truth
			for _, p := range []struct {
				name      string
				got, want float64
			}{
				{"pL0", got.PriorKnown, want.PriorKnown}, {"pT", got.Learn, want.Learn},
				{"pS", got.Slip, want.Slip}, {"pG", got.Guess, want.Guess}, {"pF", got.Forget, want.Forget},
			} {
				if math.Abs(p.got-p.want) > 0.03 {
					t.Errorf("%s = %.4f, want %.4f ± 0.03 (fit %+v)", p.name, p.got, p.want, got)
				}
			}
			// Reproducible: the same seed gives the same fit, bit for bit.
			again, _ := FitBKT(seqs, FitOptions{Starts: 4, Seed: 1, Forgetting: c.forgetting})
			if again != fit {
				t.Errorf("a second fit with the same seed differs: %+v vs %+v", again, fit)
			}
			held := ScoreBKT(SimulateBKT(c.truth, 500, 20, rand.New(rand.NewPCG(8, 12))), fit.Params)
			if held.AUC == nil || *held.AUC < 0.6 || held.RMSE > 0.5 {
				t.Errorf("held-out AUC %v, RMSE %v", held.AUC, held.RMSE)
			}
		})
	}
}

func TestAUC(t *testing.T) {
	// Perfect ranking, inverse ranking, and a tie that counts a half.
	if a := auc([]float64{0.1, 0.9}, []bool{false, true}); a == nil || *a != 1 {
		t.Errorf("perfect: %v", a)
	}
	if a := auc([]float64{0.9, 0.1}, []bool{false, true}); a == nil || *a != 0 {
		t.Errorf("inverse: %v", a)
	}
	if a := auc([]float64{0.5, 0.5}, []bool{false, true}); a == nil || *a != 0.5 {
		t.Errorf("tie: %v", a)
	}
	if a := auc([]float64{0.5}, []bool{true}); a != nil {
		t.Errorf("one class: %v", *a)
	}
}
