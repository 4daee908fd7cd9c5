package policy

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// definition describes one policy: its id, version, the label used in
// explanations, its parameters with defaults and ranges, and its formula.
type definition struct {
	id, version, label string
	params             []paramDef
	// check validates combinations of parameters (nil: none to check).
	check func(p Policy) error
	// eval computes the outcome from at least one score, sorted, finite
	// and on the (valid) scale.
	eval func(p Policy, scale Scale, scores []Score) outcome
	// first finds FirstMastered's prefix in one pass (first.go); nil
	// falls back to Evaluate on every prefix.
	first func(p Policy, scale Scale, sorted []Score) int
}

type paramDef struct {
	name  string
	def   float64
	valid func(float64) bool
	rule  string // completes "it must be ..."
	// option marks a switch that is off at its default (bkt's forgetting,
	// Canvas's rules): Params and explanations name it only when it is on.
	option bool
}

func (d *definition) index(name string) int {
	for i, p := range d.params {
		if p.name == name {
			return i
		}
	}
	return -1
}

// takes lists the parameters for an error message.
func (d *definition) takes() string {
	if len(d.params) == 0 {
		return "it takes none"
	}
	names := make([]string, len(d.params))
	for i, p := range d.params {
		names[i] = p.name
	}
	return "it takes " + strings.Join(names, ", ")
}

// outcome is what a formula returns to Evaluate.
type outcome struct {
	value       *float64
	mastered    bool
	used        []Score
	explanation string
	// predicted is bkt's P(correct) of the next score.
	predicted *float64
	// errKind and errMsg report a refusal (errKind is a sentinel).
	errKind error
	errMsg  string
}

// weight is the parameter w of the averages: the newest score's weight.
func weight(def float64) paramDef {
	return paramDef{name: "w", def: def, valid: func(v float64) bool { return v > 0 && v <= 1 }, rule: "in (0, 1]"}
}

// canvasOption is the option canvas: 0 (default) for the ledger's rules, 1
// for Canvas's: parameters within Canvas's ranges (checked by the policy's
// check) and the value rounded to 2 decimals before it is compared with
// proficient, as Canvas's rollup does (RollupScore::PRECISION = 2).
var canvasOption = paramDef{name: "canvas", def: 0, option: true,
	valid: func(v float64) bool { return v == 0 || v == 1 }, rule: "0 (the ledger's rules) or 1 (Canvas's ranges and rounding)"}

// canvasRange returns a check that, with canvas=1, refuses a parameter
// outside Canvas's range [lo, hi] for it.
func canvasRange(name string, lo, hi float64, canvasName string) func(Policy) error {
	return func(p Policy) error {
		if p.param("canvas") != 1 {
			return nil
		}
		if v := p.param(name); v < lo || v > hi {
			return &ParamError{Policy: p.def.id, Param: name, Value: v,
				Reason: fmt.Sprintf("is outside Canvas's range for %s: with canvas=1 it must be in [%s, %s]", canvasName, exact(lo), exact(hi))}
		}
		return nil
	}
}

// canvasRound rounds v to 2 decimals as Ruby's Float#round(2) does, which
// Canvas's rollup calls: half away from zero, with Ruby's check that
// x·100 did not lose the half (2.995 becomes 3, although 2.995·100 is
// 299.49999999999994 in binary).
func canvasRound(x float64) float64 {
	const s = 100
	f := math.Round(float64(x * s))
	switch {
	case x > 0 && (f+0.5)/s <= x:
		f++
	case x < 0 && (f-0.5)/s >= x:
		f--
	}
	return round12(f / s)
}

// probability is a bkt probability parameter.
func probability(name string, def float64) paramDef {
	return paramDef{name: name, def: def, valid: func(v float64) bool { return v >= 0 && v <= 1 }, rule: "in [0, 1]"}
}

// Default parameter values. docs/policies.md gives their sources.
const (
	// DefaultWeight is w for weighted-average and decaying-average: the
	// weight of the newest score. 0.65 is Canvas's default split (65% for the
	// most recent score, 35% for the rest).
	DefaultWeight = 0.65
	// DefaultN is n for n-mastery: how many scores at or above proficient
	// make mastery.
	DefaultN = 3
	// DefaultBKTPriorKnown (pL0) is the probability that the learner knows
	// the standard before any evidence: low, because what a learner already
	// knows is recorded separately, by a pre-assessment.
	DefaultBKTPriorKnown = 0.1
	// DefaultBKTLearn (pT) is the probability of learning at each
	// opportunity. With the other defaults it makes three consecutive
	// scores at proficient, from the prior, exactly enough to reach the
	// threshold: the same bar as n-mastery's default n = 3.
	DefaultBKTLearn = 0.2
	// DefaultBKTSlip (pS) is the probability that a learner who knows the
	// standard scores below proficient. 0.1 is the upper bound on slip
	// that Baker, Corbett and Aleven (2008) impose to keep fitted models
	// from degenerating.
	DefaultBKTSlip = 0.1
	// DefaultBKTGuess (pG) is the probability that a learner who does not
	// know the standard scores at proficient; 0.2 is inside the same
	// authors' bound of 0.3.
	DefaultBKTGuess = 0.2
	// DefaultBKTForget (pF) is the probability that a learner who knows the
	// standard forgets it between two opportunities: 0, the standard model
	// (Corbett and Anderson); pyBKT fits it only when asked (forgets=True).
	DefaultBKTForget = 0
	// DefaultBKTThreshold is the probability of knowing at which bkt
	// declares mastery: 0.95, Corbett and Anderson's (1995) criterion.
	DefaultBKTThreshold = 0.95
)

// registry lists every policy in the order of Defaults. It is never
// modified after initialisation.
var registry = []*definition{
	{id: "latest", version: "v1", label: "latest", eval: evalLatest, first: firstLatest},
	{id: "highest", version: "v1", label: "highest", eval: evalHighest, first: firstHighest},
	{id: "mean", version: "v1", label: "mean", params: []paramDef{canvasOption}, eval: evalMean, first: firstMean},
	// Canvas's ranges: calculation_int 1-99 (%) for its weighted average
	// ("decaying_average" in its API), 50-99 for its standard decaying
	// average, 1-10 for n_mastery.
	{id: "weighted-average", version: "v1", label: "weighted average", params: []paramDef{weight(DefaultWeight), canvasOption},
		check: canvasRange("w", 0.01, 0.99, "decaying_average (weighted average), 1-99 %"), eval: evalWeightedAverage, first: firstWeightedAverage},
	{id: "decaying-average", version: "v1", label: "decaying average", params: []paramDef{weight(DefaultWeight), canvasOption},
		check: canvasRange("w", 0.5, 0.99, "standard_decaying_average, 50-99 %"), eval: evalDecayingAverage, first: firstDecayingAverage},
	{id: "n-mastery", version: "v1", label: "n-mastery", params: []paramDef{{
		name: "n", def: DefaultN,
		valid: func(v float64) bool { return v >= 1 && v == math.Trunc(v) },
		rule:  "a whole number, at least 1",
	}, canvasOption}, check: canvasRange("n", 1, 10, "n_mastery, 1-10"), eval: evalNMastery, first: firstNMastery},
	{id: "power-law", version: "v1", label: "power law", eval: evalPowerLaw, first: firstPowerLaw},
	// v2: the update carries P(known) and P(not known) separately (v1
	// carried P(known) alone and lost 1 − P(known) near certainty), and
	// takes the forgetting option pF.
	{id: "bkt", version: "v2", label: "knowledge tracing", params: []paramDef{
		probability("pL0", DefaultBKTPriorKnown),
		probability("pT", DefaultBKTLearn),
		probability("pS", DefaultBKTSlip),
		probability("pG", DefaultBKTGuess),
		{name: "threshold", def: DefaultBKTThreshold, valid: func(v float64) bool { return v > 0 && v <= 1 }, rule: "in (0, 1]"},
		{name: "pF", def: DefaultBKTForget, option: true, valid: func(v float64) bool { return v >= 0 && v <= 1 }, rule: "in [0, 1]"},
	}, check: checkBKT, eval: evalBKT, first: firstBKT},
}

// levelOutcome decides a policy whose value is a level: it rounds the raw
// value, masters it at or above proficient, and writes the explanation as
// prefix + ": " + the comparison.
func levelOutcome(scale Scale, raw float64, used []Score, prefix string) outcome {
	v := round12(raw)
	mastered := v >= scale.Proficient
	return outcome{value: &v, mastered: mastered, used: used, explanation: prefix + ": " + verdict(v, scale.Proficient, mastered)}
}

// canvasOutcome is levelOutcome for a policy with the canvas option: with
// canvas=1 the value is rounded to 2 decimals before the comparison, and
// the explanation says so.
func canvasOutcome(p Policy, scale Scale, raw float64, used []Score, prefix string) outcome {
	if p.param("canvas") != 1 {
		return levelOutcome(scale, raw, used, prefix)
	}
	v := round12(raw)
	r := canvasRound(v)
	if r != v {
		prefix += fmt.Sprintf(" = %s, rounded to 2 decimals as Canvas does", exact(v))
	}
	return levelOutcome(scale, r, used, prefix)
}

// verdict is "3.41 ≥ proficient 3: mastered" or "2.75 < proficient 3: not
// yet mastered".
func verdict(v, proficient float64, mastered bool) string {
	if mastered {
		return showAgainst(v, proficient, 2) + " ≥ proficient " + exact(proficient) + ": mastered"
	}
	return showAgainst(v, proficient, 2) + " < proficient " + exact(proficient) + ": not yet mastered"
}

// latest: the last score.
func evalLatest(_ Policy, scale Scale, s []Score) outcome {
	last := s[len(s)-1]
	return levelOutcome(scale, last.Level, s[len(s)-1:],
		fmt.Sprintf("latest of %s (evidence %s)", count(len(s)), last.EvidenceID))
}

// highest: the maximum; among equal maxima, the earliest.
func evalHighest(_ Policy, scale Scale, s []Score) outcome {
	best := 0
	for i := range s {
		if s[i].Level > s[best].Level {
			best = i
		}
	}
	return levelOutcome(scale, s[best].Level, s[best:best+1],
		fmt.Sprintf("highest of %s (evidence %s)", count(len(s)), s[best].EvidenceID))
}

// mean: the sum of the levels, added in order, divided by their number.
func evalMean(p Policy, scale Scale, s []Score) outcome {
	sum := 0.0
	below := 0
	for _, x := range s {
		sum += x.Level
		if x.Level < scale.Proficient {
			below++
		}
	}
	o := canvasOutcome(p, scale, sum/float64(len(s)), s,
		fmt.Sprintf("mean of %s = %s ÷ %d", count(len(s)), exact(sum), len(s)))
	if !o.mastered && below > 0 && below < len(s) {
		o.explanation += fmt.Sprintf(", because %d of the %d scores %s below proficient and the earliest counts as much as the latest", below, len(s), isAre(below))
	}
	return o
}

// weighted-average: w × latest + (1 − w) × mean of the earlier scores,
// computed as m + w × (latest − m) where m is that mean.
func evalWeightedAverage(p Policy, scale Scale, s []Score) outcome {
	w := p.param("w")
	head := fmt.Sprintf("weighted average (%s)", p.paramList())
	if len(s) == 1 {
		return canvasOutcome(p, scale, s[0].Level, s, head+" of one score is that score")
	}
	last := s[len(s)-1].Level
	sum := 0.0
	for _, x := range s[:len(s)-1] {
		sum += x.Level
	}
	m := sum / float64(len(s)-1)
	v := m + float64(w*(last-m))
	earlier := fmt.Sprintf("mean of the %d earlier %s", len(s)-1, showNum(m, 2))
	if len(s) == 2 {
		earlier = fmt.Sprintf("the earlier %s", exact(m))
	}
	return canvasOutcome(p, scale, v, s, fmt.Sprintf("%s of %s = %s × latest %s + %s × %s",
		head, count(len(s)), exact(w), exact(last), exact(1-w), earlier))
}

// decaying-average: d starts at the first score; each next score x moves it
// d ← d + w × (x − d), the same as d × (1 − w) + x × w.
func evalDecayingAverage(p Policy, scale Scale, s []Score) outcome {
	w := p.param("w")
	head := fmt.Sprintf("decaying average (%s)", p.paramList())
	if len(s) == 1 {
		return canvasOutcome(p, scale, s[0].Level, s, head+" of one score is that score")
	}
	d := s[0].Level
	for _, x := range s[1:] {
		d += float64(w * (x.Level - d))
	}
	return canvasOutcome(p, scale, d, s, fmt.Sprintf("%s of %s: start at the first score (%s), then move %s of the way toward each newer one, up to the latest (%s)",
		head, count(len(s)), exact(s[0].Level), exact(w), exact(s[len(s)-1].Level)))
}

// n-mastery: the scores at or above proficient; with at least n of them the
// value is their mean and the learner has mastered, with fewer there is no
// value and not yet mastery.
func evalNMastery(p Policy, scale Scale, s []Score) outcome {
	n := p.param("n")
	kept := []Score{}
	sum := 0.0
	for _, x := range s {
		if x.Level >= scale.Proficient {
			kept = append(kept, x)
			sum += x.Level
		}
	}
	of := fmt.Sprintf("%d scores", len(s))
	if len(s) == 1 {
		of = "1 score"
	}
	head := fmt.Sprintf("n-mastery (%s): %d of %s %s at or above proficient %s",
		p.paramList(), len(kept), of, isAre(len(kept)), exact(scale.Proficient))
	if float64(len(kept)) < n {
		return outcome{used: kept, explanation: fmt.Sprintf("%s, %s needed: no value, not yet mastered", head, exact(n))}
	}
	v := round12(sum / float64(len(kept)))
	if p.param("canvas") == 1 {
		v = canvasRound(v) // the value only: the decision is the count
	}
	return outcome{value: &v, mastered: true, used: kept,
		explanation: fmt.Sprintf("%s (%s needed), their mean is %s: mastered", head, exact(n), showNum(v, 2))}
}

// power-law: least squares of ln level = ln a + b ln k over attempts
// k = 1..N, evaluated at k = N, clamped to the scale.
func evalPowerLaw(_ Policy, scale Scale, s []Score) outcome {
	for _, x := range s {
		if x.Level <= 0 {
			return outcome{errKind: ErrNotComputable, errMsg: fmt.Sprintf(
				"evidence %q has level %s and the power-law fit takes the logarithm of every level, which needs levels above 0",
				x.EvidenceID, exact(x.Level))}
		}
	}
	if len(s) == 1 {
		return levelOutcome(scale, s[0].Level, s, "power law with one score is that score")
	}
	n := len(s)
	lk := make([]float64, n) // ln k
	ly := make([]float64, n) // ln level
	mk, my := 0.0, 0.0
	for i, x := range s {
		lk[i] = math.Log(float64(i + 1))
		ly[i] = math.Log(x.Level)
		mk += lk[i]
		my += ly[i]
	}
	mk /= float64(n)
	my /= float64(n)
	sxx, sxy := 0.0, 0.0
	for i := range s {
		dk := lk[i] - mk
		sxx += float64(dk * dk)
		sxy += float64(dk * (ly[i] - my))
	}
	b := sxy / sxx // sxx > 0: n >= 2 distinct attempts
	lnA := my - float64(b*mk)
	fit := round12(math.Exp(lnA + float64(b*lk[n-1])))
	v := min(max(fit, scale.Min), scale.Max)
	prefix := fmt.Sprintf("power law level = %s·k^%s fitted to %s, at attempt %d",
		showNum(math.Exp(lnA), 2), showNum(b, 2), count(n), n)
	switch {
	case fit > scale.Max:
		prefix += fmt.Sprintf(" gives %s, clamped to the scale's maximum %s", showNum(fit, 2), exact(scale.Max))
	case fit < scale.Min:
		prefix += fmt.Sprintf(" gives %s, clamped to the scale's minimum %s", showNum(fit, 2), exact(scale.Min))
	}
	return levelOutcome(scale, v, s, prefix)
}

// checkBKT refuses degenerate parameters: with pG + pS >= 1 a score at
// proficient would make knowing less likely, not more.
func checkBKT(p Policy) error {
	g, sl := p.param("pG"), p.param("pS")
	if g+sl >= 1 {
		return &ParamError{Policy: p.def.id, Param: "pG", Value: g,
			Reason: fmt.Sprintf("with pS=%s is degenerate: pG + pS must be below 1, or a proficient score would count against knowing", exact(sl))}
	}
	return nil
}

// bktState is the knowledge state as two probabilities, P(known) and
// P(not known), carried separately as pyBKT's two-state vector is. Carrying
// P(known) alone and taking 1 − P(known) loses the small one near certainty:
// with the default parameters P(known) rounds to exactly 1 after 23
// proficient scores, after which no number of low scores can move it.
// Carried on its own, the small probability keeps its relative precision.
type bktState struct{ known, unknown float64 }

// bktParams are the model's parameters.
type bktParams struct{ prior, learn, slip, guess, forget float64 }

// errImpossible reports a score the model gives probability 0.
var errImpossible = errors.New("impossible under the model")

// start is the state before any evidence.
func (b bktParams) start() bktState { return bktState{known: b.prior, unknown: 1 - b.prior} }

// step folds one response into the state: the Bayes update on the
// response, then the transition (learning, and forgetting if pF > 0).
// It returns errImpossible when the response has probability 0 under the
// state and parameters (0/0): the ledger refuses such a score rather than
// skip it (see docs/policies.md).
func (b bktParams) step(st bktState, correct bool) (bktState, error) {
	var ek, eu float64 // P(response | known), P(response | not known)
	if correct {
		ek, eu = 1-b.slip, b.guess
	} else {
		ek, eu = b.slip, 1-b.guess
	}
	k, u := float64(st.known*ek), float64(st.unknown*eu)
	den := k + u
	if den == 0 {
		return st, errImpossible
	}
	k, u = k/den, u/den
	return bktState{
		known:   float64(k*(1-b.forget)) + float64(u*b.learn),
		unknown: float64(k*b.forget) + float64(u*(1-b.learn)),
	}, nil
}

// predictCorrect is the probability that the next response is correct.
func (b bktParams) predictCorrect(st bktState) float64 {
	return float64(st.known*(1-b.slip)) + float64(st.unknown*b.guess)
}

func (p Policy) bktParams() bktParams {
	return bktParams{prior: p.param("pL0"), learn: p.param("pT"), slip: p.param("pS"), guess: p.param("pG"), forget: p.param("pF")}
}

// bkt: Bayesian Knowledge Tracing. Each score at or above proficient is a
// correct response, each score below an incorrect one.
func evalBKT(p Policy, scale Scale, s []Score) outcome {
	b := p.bktParams()
	threshold := p.param("threshold")
	st := b.start()
	correct := 0
	for _, x := range s {
		ok := x.Level >= scale.Proficient
		if ok {
			correct++
		}
		next, err := b.step(st, ok)
		if err != nil {
			if ok {
				return outcome{errKind: ErrNotComputable, errMsg: fmt.Sprintf(
					"evidence %q is at or above proficient, which these parameters make impossible (P(known) = 0 and pG = 0)", x.EvidenceID)}
			}
			return outcome{errKind: ErrNotComputable, errMsg: fmt.Sprintf(
				"evidence %q is below proficient, which these parameters make impossible (P(not known) = 0 and pS = 0)", x.EvidenceID)}
		}
		st = next
	}
	v := round12(st.known)
	pc := round12(b.predictCorrect(st))
	mastered := v >= threshold
	cmpWord := "≥"
	result := "mastered"
	if !mastered {
		cmpWord, result = "<", "not yet mastered"
	}
	return outcome{value: &v, predicted: &pc, mastered: mastered, used: s, explanation: fmt.Sprintf(
		"knowledge tracing (%s) over %s, %d at or above proficient %s and %d below: P(known) = %s %s threshold %s: %s",
		p.paramList(), count(len(s)), correct, exact(scale.Proficient), len(s)-correct,
		showProbability(v, threshold), cmpWord, exact(threshold), result)}
}

// count is "one score" or "4 scores".
func count(n int) string {
	if n == 1 {
		return "one score"
	}
	return strconv.Itoa(n) + " scores"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// showNum formats v with at most decimals digits after the point, trailing
// zeros dropped.
func showNum(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// showAgainst formats v like showNum but with as many more digits as it
// takes for the shown number to compare with ref the way v does, so that an
// explanation never reads "3 < proficient 3".
func showAgainst(v, ref float64, decimals int) string {
	want := cmp.Compare(v, ref)
	for d := decimals; d <= 17; d++ {
		s := showNum(v, d)
		if r, err := strconv.ParseFloat(s, 64); err == nil && cmp.Compare(r, ref) == want {
			return s
		}
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// showProbability formats a probability like showAgainst with 3 decimals,
// adding digits rather than show a probability short of 1 as "1" (or one
// above 0 as "0").
func showProbability(v, threshold float64) string {
	for d := 3; d <= 17; d++ {
		s := showAgainst(v, threshold, d)
		if (s == "1") == (v == 1) && (s == "0") == (v == 0) {
			return s
		}
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
