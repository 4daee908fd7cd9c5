package policy

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// BKTParams are knowledge tracing's parameters, as FitBKT estimates them.
type BKTParams struct {
	PriorKnown float64 `json:"pL0"`
	Learn      float64 `json:"pT"`
	Slip       float64 `json:"pS"`
	Guess      float64 `json:"pG"`
	Forget     float64 `json:"pF"`
}

func (p BKTParams) model() bktParams {
	return bktParams{prior: p.PriorKnown, learn: p.Learn, slip: p.Slip, guess: p.Guess, forget: p.Forget}
}

// FitOptions configure FitBKT. The zero value is not valid: Starts and
// Seed are the caller's, so that a fit is reproducible by construction.
type FitOptions struct {
	// Starts is the number of random starting points (at least 1); the
	// fit with the highest likelihood wins.
	Starts int
	// Seed seeds the starting points.
	Seed uint64
	// Forgetting fits pF too; without it pF stays 0.
	Forgetting bool
	// MaxIterations bounds each EM run (default 200); Tolerance stops it
	// when the log-likelihood gains less (default 1e-6).
	MaxIterations int
	Tolerance     float64
}

// FitResult is the best of the EM runs.
type FitResult struct {
	Params        BKTParams `json:"params"`
	LogLikelihood float64   `json:"logLikelihood"`
	Iterations    int       `json:"iterations"`
	Observations  int       `json:"observations"`
}

// paramFloor keeps fitted probabilities inside (0, 1): a fitted 0 would
// make some score impossible, and the ledger refuses impossible scores
// (docs/policies.md) where pyBKT would skip them.
const paramFloor = 1e-4

// FitBKT estimates BKT's parameters from response sequences (each one
// learner's correct/incorrect responses on one skill, in order) by
// expectation-maximisation (Baum-Welch on the two-state hidden Markov model)
// from opts.Starts random starting points. It returns an error wrapping
// ErrInvalidInput when there is no response or the options are invalid.
func FitBKT(seqs [][]bool, opts FitOptions) (FitResult, error) {
	if opts.Starts < 1 {
		return FitResult{}, fmt.Errorf("%w: FitBKT needs at least one start", ErrInvalidInput)
	}
	if opts.MaxIterations == 0 {
		opts.MaxIterations = 200
	}
	if opts.Tolerance == 0 {
		opts.Tolerance = 1e-6
	}
	n := 0
	for _, s := range seqs {
		n += len(s)
	}
	if n == 0 {
		return FitResult{}, fmt.Errorf("%w: FitBKT needs at least one response", ErrInvalidInput)
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6b74)) // the second word is fixed: Seed alone decides
	best := FitResult{LogLikelihood: math.Inf(-1)}
	for range opts.Starts {
		// Guess and slip start below 0.4, as pyBKT's random models do, so
		// that EM climbs toward the reading in which knowing helps.
		start := BKTParams{
			PriorKnown: 0.05 + 0.9*rng.Float64(),
			Learn:      0.05 + 0.9*rng.Float64(),
			Guess:      0.01 + 0.39*rng.Float64(),
			Slip:       0.01 + 0.39*rng.Float64(),
		}
		if opts.Forgetting {
			start.Forget = 0.01 + 0.19*rng.Float64()
		}
		r := emRun(seqs, start, opts)
		r.Observations = n
		if r.LogLikelihood > best.LogLikelihood {
			best = r
		}
	}
	return best, nil
}

func clampP(v float64) float64 { return min(max(v, paramFloor), 1-paramFloor) }

// emRun is one EM run from start.
func emRun(seqs [][]bool, p BKTParams, opts FitOptions) FitResult {
	prev := math.Inf(-1)
	var ll float64
	it := 0
	maxT := 0
	for _, s := range seqs {
		maxT = max(maxT, len(s))
	}
	alpha := make([][2]float64, maxT)
	beta := make([][2]float64, maxT)
	scale := make([]float64, maxT)
	for it = 1; it <= opts.MaxIterations; it++ {
		ll = 0
		var init1, nInit float64
		var from0, learnt, from1, forgot float64 // transition counts
		var in0, guessed, in1, slipped float64   // emission counts
		a := [2][2]float64{{1 - p.Learn, p.Learn}, {p.Forget, 1 - p.Forget}}
		emit := func(state int, c bool) float64 {
			if state == 0 {
				if c {
					return p.Guess
				}
				return 1 - p.Guess
			}
			if c {
				return 1 - p.Slip
			}
			return p.Slip
		}
		for _, s := range seqs {
			T := len(s)
			if T == 0 {
				continue
			}
			// Forward, scaled.
			alpha[0] = [2]float64{(1 - p.PriorKnown) * emit(0, s[0]), p.PriorKnown * emit(1, s[0])}
			scale[0] = alpha[0][0] + alpha[0][1]
			alpha[0][0] /= scale[0]
			alpha[0][1] /= scale[0]
			for t := 1; t < T; t++ {
				for j := range 2 {
					alpha[t][j] = (alpha[t-1][0]*a[0][j] + alpha[t-1][1]*a[1][j]) * emit(j, s[t])
				}
				scale[t] = alpha[t][0] + alpha[t][1]
				alpha[t][0] /= scale[t]
				alpha[t][1] /= scale[t]
			}
			for t := range T {
				ll += math.Log(scale[t])
			}
			// Backward, scaled by the same factors.
			beta[T-1] = [2]float64{1, 1}
			for t := T - 2; t >= 0; t-- {
				for i := range 2 {
					beta[t][i] = (a[i][0]*emit(0, s[t+1])*beta[t+1][0] + a[i][1]*emit(1, s[t+1])*beta[t+1][1]) / scale[t+1]
				}
			}
			// Expected counts.
			for t := range T {
				g0, g1 := alpha[t][0]*beta[t][0], alpha[t][1]*beta[t][1]
				norm := g0 + g1
				g0, g1 = g0/norm, g1/norm
				if t == 0 {
					init1 += g1
					nInit++
				}
				in0 += g0
				in1 += g1
				if s[t] {
					guessed += g0
				} else {
					slipped += g1
				}
				if t < T-1 {
					for i := range 2 {
						for j := range 2 {
							xi := alpha[t][i] * a[i][j] * emit(j, s[t+1]) * beta[t+1][j] / scale[t+1]
							switch {
							case i == 0:
								from0 += xi
								if j == 1 {
									learnt += xi
								}
							default:
								from1 += xi
								if j == 0 {
									forgot += xi
								}
							}
						}
					}
				}
			}
		}
		if ll-prev < opts.Tolerance && it > 1 {
			break
		}
		prev = ll
		p.PriorKnown = clampP(init1 / nInit)
		if from0 > 0 {
			p.Learn = clampP(learnt / from0)
		}
		if opts.Forgetting && from1 > 0 {
			p.Forget = clampP(forgot / from1)
		}
		if in0 > 0 {
			p.Guess = clampP(guessed / in0)
		}
		if in1 > 0 {
			p.Slip = clampP(slipped / in1)
		}
	}
	return FitResult{Params: p, LogLikelihood: ll, Iterations: min(it, opts.MaxIterations)}
}

// BKTScore is how well parameters predict responses one step ahead: each
// response predicted from the ones before it (the two-state update and
// P(correct) of Evaluate).
type BKTScore struct {
	Observations  int      `json:"observations"`
	LogLikelihood float64  `json:"logLikelihood"`
	AUC           *float64 `json:"auc"` // nil when every response is the same
	RMSE          float64  `json:"rmse"`
}

// ScoreBKT predicts each response from the ones before it in its sequence.
// A response the parameters make impossible ends its sequence (never with
// fitted parameters, which stay inside (0, 1)).
func ScoreBKT(seqs [][]bool, p BKTParams) BKTScore {
	m := p.model()
	var preds []float64
	var truth []bool
	var out BKTScore
	var sq float64
	for _, s := range seqs {
		st := m.start()
		for _, c := range s {
			pc := m.predictCorrect(st)
			preds = append(preds, pc)
			truth = append(truth, c)
			y := 0.0
			if c {
				y = 1
				out.LogLikelihood += math.Log(max(pc, 1e-300))
			} else {
				out.LogLikelihood += math.Log(max(1-pc, 1e-300))
			}
			sq += (pc - y) * (pc - y)
			next, err := m.step(st, c)
			if err != nil {
				break
			}
			st = next
		}
	}
	out.Observations = len(preds)
	if out.Observations > 0 {
		out.RMSE = math.Sqrt(sq / float64(out.Observations))
	}
	out.AUC = auc(preds, truth)
	return out
}

// auc is the area under the ROC curve: the probability that a correct
// response is predicted higher than an incorrect one, ties counting a half
// (the Mann-Whitney statistic, by ranks).
func auc(preds []float64, truth []bool) *float64 {
	idx := make([]int, len(preds))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(preds[a], preds[b]) })
	var pos, neg, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && preds[idx[j]] == preds[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // ranks i+1 … j, averaged
		for k := i; k < j; k++ {
			if truth[idx[k]] {
				rankSum += mid
				pos++
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return nil
	}
	a := (rankSum - pos*(pos+1)/2) / (pos * neg)
	return &a
}

// SimulateBKT draws n sequences of length steps from the model, with the
// caller's generator: synthetic data for testing a fit.
func SimulateBKT(p BKTParams, n, steps int, rng *rand.Rand) [][]bool {
	out := make([][]bool, n)
	for i := range out {
		known := rng.Float64() < p.PriorKnown
		s := make([]bool, steps)
		for t := range s {
			if known {
				s[t] = rng.Float64() >= p.Slip
				known = rng.Float64() >= p.Forget
			} else {
				s[t] = rng.Float64() < p.Guess
				known = rng.Float64() < p.Learn
			}
		}
		out[i] = s
	}
	return out
}
