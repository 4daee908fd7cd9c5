package policy

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactBKT is the BKT update in exact rational arithmetic over the same
// float64 parameters (each converted exactly): the reference the float
// update is held to. It returns P(known) and P(not known) after the
// responses, and false if a response was impossible (0/0).
//
// It carries the forward message unnormalised and divides once at the
// end: every parameter is a binary fraction, so without division every
// number stays one and the test stays fast over hundreds of responses.
func exactBKT(b bktParams, correct []bool) (known, unknown *big.Rat, ok bool) {
	r := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	one := big.NewRat(1, 1)
	prior, learn, slip, guess, forget := r(b.prior), r(b.learn), r(b.slip), r(b.guess), r(b.forget)
	stay, unlearnt := new(big.Rat).Sub(one, forget), new(big.Rat).Sub(one, learn)
	hit, miss := new(big.Rat).Sub(one, slip), new(big.Rat).Sub(one, guess)
	k := new(big.Rat).Set(prior)
	u := new(big.Rat).Sub(one, prior)
	for _, c := range correct {
		ek, eu := slip, miss
		if c {
			ek, eu = hit, guess
		}
		a := new(big.Rat).Mul(k, ek)
		bb := new(big.Rat).Mul(u, eu)
		if a.Sign() == 0 && bb.Sign() == 0 {
			return nil, nil, false
		}
		k = new(big.Rat).Add(new(big.Rat).Mul(a, stay), new(big.Rat).Mul(bb, learn))
		u = new(big.Rat).Add(new(big.Rat).Mul(a, forget), new(big.Rat).Mul(bb, unlearnt))
	}
	total := new(big.Rat).Add(k, u)
	return k.Quo(k, total), u.Quo(u, total), true
}

// relErr is |got − want| / want, or |got| when want is 0.
func relErr(got float64, want *big.Rat) float64 {
	w, _ := want.Float64()
	if w == 0 {
		return math.Abs(got)
	}
	d := new(big.Rat).Sub(new(big.Rat).SetFloat64(got), want)
	f, _ := d.Float64()
	return math.Abs(f / w)
}

func floatBKT(t *testing.T, b bktParams, correct []bool) (bktState, error) {
	t.Helper()
	st := b.start()
	for _, c := range correct {
		var err error
		if st, err = b.step(st, c); err != nil {
			return st, err
		}
	}
	return st, nil
}

func repeat(c bool, n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = c
	}
	return out
}

// TestBKTExactArithmetic holds the float update to exact rational
// arithmetic: both P(known) and P(not known) within a relative 1e-12,
// over long random sequences and random parameters (zeros included), and
// over the cases that broke the one-state update.
func TestBKTExactArithmetic(t *testing.T) {
	def := bktParams{prior: 0.1, learn: 0.2, slip: 0.1, guess: 0.2}
	check := func(t *testing.T, b bktParams, seq []bool) bktState {
		t.Helper()
		k, u, ok := exactBKT(b, seq)
		st, err := floatBKT(t, b, seq)
		if !ok {
			if !errors.Is(err, errImpossible) {
				t.Fatalf("exact arithmetic finds a response impossible, the float update says %v", err)
			}
			return st
		}
		if err != nil {
			t.Fatalf("float update refuses (%v) what exact arithmetic computes", err)
		}
		if e := relErr(st.known, k); e > 1e-12 {
			t.Errorf("P(known) = %.17g, exact %s: relative error %.3g", st.known, k.FloatString(20), e)
		}
		if e := relErr(st.unknown, u); e > 1e-12 {
			t.Errorf("P(not known) = %.17g, exact %s: relative error %.3g", st.unknown, u.FloatString(20), e)
		}
		return st
	}

	t.Run("23 proficient scores", func(t *testing.T) {
		// The one-state update reached P(known) = 1 exactly here.
		st := check(t, def, repeat(true, 23))
		if st.unknown <= 0 {
			t.Errorf("P(not known) = %g, want above 0", st.unknown)
		}
	})
	t.Run("25 proficient then 30 beginning", func(t *testing.T) {
		seq := append(repeat(true, 25), repeat(false, 30)...)
		st := check(t, def, seq)
		// Exact arithmetic: 0.2286 (the one-state update stayed at 1).
		if math.Abs(st.known-0.2286) > 5e-5 {
			t.Errorf("P(known) = %.6f, want 0.2286", st.known)
		}
		p := mustLookup(t, "bkt", nil)
		var ls []float64
		for _, c := range seq {
			ls = append(ls, map[bool]float64{true: 3, false: 1}[c])
		}
		if r := Evaluate(p, DefaultScale(), levels(ls...)); r.Err != nil || r.Mastered {
			t.Errorf("Evaluate: mastered %v, err %v; want not mastered (%s)", r.Mastered, r.Err, r.Explanation)
		}
	})
	t.Run("slip 0: forty proficient then one beginning", func(t *testing.T) {
		b := def
		b.slip = 0
		st := check(t, b, append(repeat(true, 40), false))
		// The low score proves the learner did not know (no slips): the
		// posterior is 0, and learning brings P(known) to pT.
		if math.Abs(st.known-0.2) > 1e-12 {
			t.Errorf("P(known) = %.17g, want 0.2", st.known)
		}
		r := Evaluate(mustLookup(t, "bkt", map[string]float64{"pS": 0}), DefaultScale(), levels(append(repeatLevel(3, 40), 1)...))
		if r.Err != nil {
			t.Errorf("refused: %v", r.Err)
		}
	})
	t.Run("random", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 2026))
		// Parameters are multiples of 1/1024 (0 and 1 included), so that
		// the exact numbers grow by a few bits a step, not by 53: the
		// float update still rounds at every step.
		param := func() float64 { return float64(rng.IntN(1025)) / 1024 }
		for i := range 120 {
			b := bktParams{prior: param(), learn: param(), slip: param() / 2, guess: param() / 2, forget: 0}
			if i%2 == 1 {
				b.forget = param() / 4
			}
			seq := make([]bool, 1+rng.IntN(250))
			bias := rng.Float64()
			for j := range seq {
				seq[j] = rng.Float64() < bias
			}
			check(t, b, seq)
			if t.Failed() {
				t.Fatalf("case %d: params %+v, %d responses", i, b, len(seq))
			}
		}
	})
}

func repeatLevel(l float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = l
	}
	return out
}

// pyBKTForward is pyBKT's forward pass, written independently from its
// documented equations (CAHLR/pyBKT, source-py/pyBKT/fit/EM_fit.py, inner,
// and fit/predict_onestep.py): a two-state vector [P(not known), P(known)],
// emission B = [[1−g, g], [s, 1−s]] with a zero emission replaced by 1, the
// forward message normalised at each step, and the one-step prediction
// A·α with A = [[1−T, F], [T, 1−F]] (column: from). It returns the
// prediction of the state after the last response and of that response's
// successor being correct.
func pyBKTForward(prior, learn, forget, guess, slip float64, correct []bool) (known, pCorrect float64) {
	alpha := [2]float64{1 - prior, prior}
	pred := alpha
	for _, c := range correct {
		var like [2]float64
		if c {
			like = [2]float64{guess, 1 - slip}
		} else {
			like = [2]float64{1 - guess, slip}
		}
		for i := range like {
			if like[i] == 0 {
				like[i] = 1
			}
		}
		a := [2]float64{pred[0] * like[0], pred[1] * like[1]}
		norm := a[0] + a[1]
		alpha = [2]float64{a[0] / norm, a[1] / norm}
		pred = [2]float64{(1-learn)*alpha[0] + forget*alpha[1], learn*alpha[0] + (1-forget)*alpha[1]}
	}
	return pred[1], guess*pred[0] + (1-slip)*pred[1]
}

// TestBKTMatchesPyBKTForward checks the value and the predicted P(correct)
// against pyBKT's forward pass, with and without forgetting, where no
// emission is 0 (there pyBKT's rule and the ledger's differ on purpose).
func TestBKTMatchesPyBKTForward(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]float64
		levels []float64
	}{
		{"defaults", nil, []float64{2, 3, 2, 4, 3, 3}},
		{"fitted-looking", map[string]float64{"pL0": 0.35, "pT": 0.08, "pS": 0.07, "pG": 0.25}, []float64{1, 2, 3, 3, 2, 4, 4, 4}},
		{"forgetting", map[string]float64{"pF": 0.05}, []float64{3, 3, 3, 3, 1, 1, 3}},
		{"strong forgetting", map[string]float64{"pL0": 0.5, "pT": 0.3, "pS": 0.15, "pG": 0.3, "pF": 0.2}, []float64{4, 4, 2, 4, 1, 3, 3, 3, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustLookup(t, "bkt", c.params)
			pr := p.bktParams()
			var seq []bool
			for _, l := range c.levels {
				seq = append(seq, l >= 3)
			}
			known, pc := pyBKTForward(pr.prior, pr.learn, pr.forget, pr.guess, pr.slip, seq)
			r := Evaluate(p, DefaultScale(), levels(c.levels...))
			checkValue(t, r.Value, &known)
			checkValue(t, r.PredictedCorrect, &pc)
		})
	}
}

func TestBKTForgettingLowersTheEstimate(t *testing.T) {
	scores := levels(3, 3, 3, 3)
	plain := Evaluate(mustLookup(t, "bkt", nil), DefaultScale(), scores)
	forget := Evaluate(mustLookup(t, "bkt", map[string]float64{"pF": 0.1}), DefaultScale(), scores)
	if !(*forget.Value < *plain.Value) {
		t.Errorf("with pF 0.1: %v, without: %v; want lower", *forget.Value, *plain.Value)
	}
	if _, ok := plain.Params["pF"]; ok {
		t.Errorf("pF listed while off: %v", plain.Params)
	}
	if forget.Params["pF"] != 0.1 {
		t.Errorf("Params = %v, want pF 0.1", forget.Params)
	}
}

// TestCanvasRounding checks the canvas option against Canvas's own rule:
// RollupScore rounds the rollup to PRECISION = 2 decimals
// (app/models/rollup_score.rb in instructure/canvas-lms) before the
// mastery comparison.
func TestCanvasRounding(t *testing.T) {
	cases := []struct {
		name    string
		id      string
		params  map[string]float64
		levels  []float64
		value   float64
		mastery bool
	}{
		// 1 → 2.95 → 2.9825 → 2.993875 → 2.99785625: not yet mastered
		// by the ledger's rule, mastered by Canvas's (rounds to 3.00).
		{"decaying, ledger", "decaying-average", nil, []float64{1, 4, 3, 3, 3}, 2.99785625, false},
		{"decaying, Canvas", "decaying-average", map[string]float64{"canvas": 1}, []float64{1, 4, 3, 3, 3}, 3, true},
		// rollup_score.rb's weighted average: latest·w + mean(older)·(1−w):
		// 3·0.99 + (8/3)·0.01 = 2.996666…; Canvas rounds to 3.00.
		{"weighted, ledger", "weighted-average", map[string]float64{"w": 0.99}, []float64{3, 2, 3, 3}, 2.996666666667, false},
		{"weighted, Canvas", "weighted-average", map[string]float64{"w": 0.99, "canvas": 1}, []float64{3, 2, 3, 3}, 3, true},
		// 3·0.65 + 2.5·0.35 = 2.825 → 2.83 (not mastered either way).
		{"weighted, Canvas, no flip", "weighted-average", map[string]float64{"canvas": 1}, []float64{2, 3, 3}, 2.83, false},
		// mean of 3, 4, 4 = 3.666… → 3.67.
		{"n-mastery value rounded", "n-mastery", map[string]float64{"canvas": 1}, []float64{3, 4, 4}, 3.67, true},
		// 199 threes and a 2: 599/200 = 2.995, which Ruby's round(2)
		// takes up to 3.00 (its half-up check) although 2.995·100 is
		// 299.49999999999994 in binary.
		{"mean, Canvas", "mean", map[string]float64{"canvas": 1}, append(repeatLevel(3, 199), 2), 3, true},
		{"mean, ledger", "mean", nil, append(repeatLevel(3, 199), 2), 2.995, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Evaluate(mustLookup(t, c.id, c.params), DefaultScale(), levels(c.levels...))
			checkResult(t, r, expect{value: val(c.value), mastered: c.mastery})
			if c.params["canvas"] == 1 && r.Params["canvas"] != 1 {
				t.Errorf("Params = %v, want canvas 1 named", r.Params)
			}
		})
	}
}
