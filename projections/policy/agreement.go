package policy

import "time"

// Confusion counts, over learner × standard pairs, how a policy's decision
// agrees with the official rule's: the 2 × 2 confusion matrix with the
// official rule as the reference.
type Confusion struct {
	// Both: the policy says mastered and the official rule says met.
	Both int `json:"both"`
	// PolicyOnly: the policy says mastered, the official rule not yet.
	PolicyOnly int `json:"policyOnly"`
	// OfficialOnly: the official rule says met, the policy not yet.
	OfficialOnly int `json:"officialOnly"`
	// Neither: both say not yet.
	Neither int `json:"neither"`
}

// Add counts one pair.
func (c *Confusion) Add(policyMastered, officialMet bool) {
	switch {
	case policyMastered && officialMet:
		c.Both++
	case policyMastered:
		c.PolicyOnly++
	case officialMet:
		c.OfficialOnly++
	default:
		c.Neither++
	}
}

// N is the number of pairs counted.
func (c Confusion) N() int { return c.Both + c.PolicyOnly + c.OfficialOnly + c.Neither }

// Agreement is the share of pairs on which the two decisions agree, and
// false when no pair was counted.
func (c Confusion) Agreement() (float64, bool) {
	n := c.N()
	if n == 0 {
		return 0, false
	}
	return float64(c.Both+c.Neither) / float64(n), true
}

// Kappa is Cohen's kappa (Cohen, 1960): agreement corrected for the
// agreement expected by chance from each side's own rate,
// (po − pe) / (1 − pe). It is false when undefined: no pair, or both sides
// giving one answer throughout (pe = 1), where any agreement is by
// construction and a number would mislead.
func (c Confusion) Kappa() (float64, bool) {
	n := float64(c.N())
	if n == 0 {
		return 0, false
	}
	po := float64(c.Both+c.Neither) / n
	policyYes := float64(c.Both+c.PolicyOnly) / n
	officialYes := float64(c.Both+c.OfficialOnly) / n
	pe := policyYes*officialYes + (1-policyYes)*(1-officialYes)
	if pe >= 1 {
		return 0, false
	}
	return (po - pe) / (1 - pe), true
}

// FirstMastered replays p over the growing prefix of the scores (in
// occurredAt order) and returns the occurredAt of the score with which the
// policy first says mastered, and false if it never does. This is the
// policy's moment of mastery, to set beside the official metAt; a policy
// whose answer later goes down (latest, bkt) still has its first moment.
//
// The answer is exactly that of Evaluate on each prefix in turn (see
// firstMasteredByEvaluate, which the tests keep as the oracle), computed in
// one pass that folds each score into the policy's running state and decides
// with the same arithmetic, without building a Result or an explanation.
func FirstMastered(p Policy, scale Scale, scores []Score) (time.Time, bool) {
	if p.def == nil || p.def.first == nil || scale.problem() != "" {
		if p.def != nil && p.def.first == nil {
			return firstMasteredByEvaluate(p, scale, scores)
		}
		return time.Time{}, false // Evaluate refuses every prefix
	}
	sorted := sortScores(scores)
	// Evaluate refuses every prefix holding a level off the scale: only
	// the prefixes before the first such level can say mastered.
	valid := len(sorted)
	for i, s := range sorted {
		if !finite(s.Level) || s.Level < scale.Min || s.Level > scale.Max {
			valid = i
			break
		}
	}
	if i := p.def.first(p, scale, sorted[:valid]); i >= 0 {
		return sorted[i].OccurredAt, true
	}
	return time.Time{}, false
}

// firstMasteredByEvaluate is FirstMastered by its definition: Evaluate over
// every growing prefix, quadratic in the scores.
func firstMasteredByEvaluate(p Policy, scale Scale, scores []Score) (time.Time, bool) {
	sorted := sortScores(scores)
	for i := range sorted {
		if r := Evaluate(p, scale, sorted[:i+1]); r.Err == nil && r.Mastered {
			return sorted[i].OccurredAt, true
		}
	}
	return time.Time{}, false
}
