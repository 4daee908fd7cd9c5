package policy

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Callers test for them with errors.Is.
var (
	// ErrInvalidPolicy reports an unknown policy id, an unknown parameter, a
	// parameter out of its range, or the zero Policy passed to Evaluate.
	ErrInvalidPolicy = errors.New("invalid policy")

	// ErrInvalidInput reports a scale or a score that no policy accepts: a
	// scale whose bounds are not finite or not ordered Min < Max with
	// Proficient between them, or a level that is not finite or lies off
	// the scale. The ledger never records such evidence, so this is a
	// caller's mistake (for example, the wrong standard's scale).
	ErrInvalidInput = errors.New("invalid policy input")

	// ErrNotComputable reports valid input that one policy cannot use: a
	// level at or below 0 for power-law (its fit takes logarithms), or a
	// score that the bkt parameters declare impossible.
	ErrNotComputable = errors.New("not computable")
)

// Score is one piece of current (not retracted) evidence: its id, its rubric
// level, and when the learner showed it.
type Score struct {
	EvidenceID string    `json:"evidenceId"`
	Level      float64   `json:"level"`
	OccurredAt time.Time `json:"occurredAt"`
}

// Scale is a standard's rubric scale: its lowest and highest levels and the
// proficient level.
type Scale struct {
	Min        float64 `json:"min"`
	Max        float64 `json:"max"`
	Proficient float64 `json:"proficient"`
}

// DefaultScale is the ledger's default rubric: 1 Beginning, 2 Developing,
// 3 Proficient, 4 Advanced; proficient at 3.
func DefaultScale() Scale { return Scale{Min: 1, Max: 4, Proficient: 3} }

// Validate reports, wrapping ErrInvalidInput, a scale whose bounds are not
// finite or that does not satisfy Min < Max and Min <= Proficient <= Max.
func (s Scale) Validate() error {
	if msg := s.problem(); msg != "" {
		return fmt.Errorf("%w: %s", ErrInvalidInput, msg)
	}
	return nil
}

func (s Scale) problem() string {
	switch {
	case !finite(s.Min) || !finite(s.Max) || !finite(s.Proficient):
		return fmt.Sprintf("scale %s has a bound that is not a finite number", s)
	case !(s.Min < s.Max):
		return fmt.Sprintf("scale %s needs min < max", s)
	case s.Proficient < s.Min || s.Proficient > s.Max:
		return fmt.Sprintf("scale %s needs proficient between min and max", s)
	}
	return ""
}

// String formats the scale as "1..4 (proficient 3)".
func (s Scale) String() string {
	return fmt.Sprintf("%s..%s (proficient %s)", exact(s.Min), exact(s.Max), exact(s.Proficient))
}

// Result is what one policy concludes from one learner's scores.
type Result struct {
	// Policy and Version name the calculation; a changed formula gets a new
	// version.
	Policy  string `json:"policy"`
	Version string `json:"version"`
	// Params holds every parameter the policy ran with, defaults included
	// (an empty map for policies without parameters).
	Params map[string]float64 `json:"params"`
	// Scale is the scale the scores were read on.
	Scale Scale `json:"scale"`
	// Value is the policy's number: a level on the scale for every policy
	// except bkt, whose value is a probability in [0, 1]. It is nil when
	// there is nothing to compute: no scores, fewer than n scores at
	// proficient for n-mastery, or a refusal (Err set).
	Value *float64 `json:"value"`
	// Mastered is the policy's decision. For most policies it is
	// Value >= Scale.Proficient; n-mastery and bkt have their own rule.
	Mastered bool `json:"mastered"`
	// PredictedCorrect is, for bkt only, the model's probability that the
	// next score is at or above proficient: P(known)·(1 − pS) +
	// P(not known)·pG, as pyBKT predicts the next response. Nil for every
	// other policy and when there is no value.
	PredictedCorrect *float64 `json:"predictedCorrect,omitempty"`
	// EvidenceIDs lists the evidence the value was computed from, in the
	// order used (never nil; empty when nothing was used).
	EvidenceIDs []string `json:"evidenceIds"`
	// Explanation is one sentence a teacher can check by hand.
	Explanation string `json:"explanation"`
	// Err is non-nil when the policy refused the input; it wraps
	// ErrInvalidPolicy, ErrInvalidInput or ErrNotComputable, Value is nil,
	// Mastered is false and Explanation says why.
	Err error `json:"-"`
}

// Policy is one mastery policy with its parameter values. Obtain one from
// Lookup or Defaults; the zero Policy is not valid. A Policy is an immutable
// value and safe to share between goroutines.
type Policy struct {
	def    *definition
	values []float64 // aligned with def.params
}

// ID is the policy's id, e.g. "decaying-average".
func (p Policy) ID() string {
	if p.def == nil {
		return ""
	}
	return p.def.id
}

// Version is the version of the policy's formula, e.g. "v1".
func (p Policy) Version() string {
	if p.def == nil {
		return ""
	}
	return p.def.version
}

// Params returns a copy of every parameter value, defaults included. An
// option (bkt's pF, the averages' canvas) is listed only when it is on: a
// result without it ran without it, and results from before the option
// existed keep their exact form.
func (p Policy) Params() map[string]float64 {
	m := map[string]float64{}
	if p.def == nil {
		return m
	}
	for i, d := range p.def.params {
		if d.option && p.values[i] == d.def {
			continue
		}
		m[d.name] = p.values[i]
	}
	return m
}

// String formats the policy as "decaying-average v1 (w=0.65)".
func (p Policy) String() string {
	if p.def == nil {
		return "invalid policy"
	}
	s := p.def.id + " " + p.def.version
	if l := p.paramList(); l != "" {
		s += " (" + l + ")"
	}
	return s
}

// paramList formats the parameters as "w=0.65" or "pL0=0.1, pT=0.2, ...".
func (p Policy) paramList() string {
	parts := make([]string, 0, len(p.def.params))
	for i, d := range p.def.params {
		if d.option && p.values[i] == d.def {
			continue
		}
		parts = append(parts, d.name+"="+exact(p.values[i]))
	}
	return strings.Join(parts, ", ")
}

func (p Policy) param(name string) float64 {
	return p.values[p.def.index(name)]
}

// ParamError reports a parameter that Lookup refused: unknown to the policy,
// not a finite number, or out of range. It matches ErrInvalidPolicy under
// errors.Is.
type ParamError struct {
	Policy string
	Param  string
	Value  float64
	// Reason completes the sentence "parameter P=V ...".
	Reason string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("%s: %s: parameter %s=%s %s", ErrInvalidPolicy, e.Policy, e.Param, exact(e.Value), e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidPolicy) true.
func (e *ParamError) Unwrap() error { return ErrInvalidPolicy }

// Lookup returns the policy with the given id, its parameters set from
// params and the rest left at their defaults (params may be nil).
//
// It returns an error wrapping ErrInvalidPolicy for an unknown id, and a
// *ParamError (also ErrInvalidPolicy) for a parameter the policy does not
// take, a value that is not a finite number, or a value out of range.
// Parameters are checked in the order of their names, so the error reported
// for several bad parameters is always the same one.
func Lookup(id string, params map[string]float64) (Policy, error) {
	var def *definition
	for _, d := range registry {
		if d.id == id {
			def = d
			break
		}
	}
	if def == nil {
		return Policy{}, fmt.Errorf("%w: unknown policy id %q (known: %s)", ErrInvalidPolicy, id, strings.Join(IDs(), ", "))
	}
	p := Policy{def: def, values: make([]float64, len(def.params))}
	for i, d := range def.params {
		p.values[i] = d.def
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		v := params[name]
		i := def.index(name)
		if i < 0 {
			return Policy{}, &ParamError{Policy: id, Param: name, Value: v, Reason: "is not a parameter of this policy (" + def.takes() + ")"}
		}
		if !finite(v) {
			return Policy{}, &ParamError{Policy: id, Param: name, Value: v, Reason: "is not a finite number"}
		}
		if !def.params[i].valid(v) {
			return Policy{}, &ParamError{Policy: id, Param: name, Value: v, Reason: "is out of range: it must be " + def.params[i].rule}
		}
		p.values[i] = v
	}
	if def.check != nil {
		if err := def.check(p); err != nil {
			return Policy{}, err
		}
	}
	return p, nil
}

// Defaults returns every policy with its default parameters, in a stable
// order: latest, highest, mean, weighted-average, decaying-average,
// n-mastery, power-law, bkt.
func Defaults() []Policy {
	out := make([]Policy, len(registry))
	for i, d := range registry {
		p, err := Lookup(d.id, nil)
		if err != nil {
			panic("policy: default parameters rejected: " + err.Error()) // a bug in the registry
		}
		out[i] = p
	}
	return out
}

// IDs returns the ids of every policy, in the order of Defaults.
func IDs() []string {
	out := make([]string, len(registry))
	for i, d := range registry {
		out[i] = d.id
	}
	return out
}

// Evaluate runs policy p over a learner's scores read on scale.
//
// The scores are first sorted by OccurredAt with a stable sort (ties keep
// the caller's order); the caller's slice is not modified. With no scores the
// result has a nil Value, Mastered false and an explanation saying so. An
// invalid scale, a level that is not finite or lies off the scale, or the
// zero Policy make a refusal: Err is set and Value is nil.
func Evaluate(p Policy, scale Scale, scores []Score) Result {
	if p.def == nil {
		return Result{
			Params:      map[string]float64{},
			Scale:       scale,
			EvidenceIDs: []string{},
			Explanation: "no policy: the zero Policy names no calculation; nothing computed, not mastered",
			Err:         fmt.Errorf("%w: the zero Policy names no calculation (use Lookup or Defaults)", ErrInvalidPolicy),
		}
	}
	r := Result{
		Policy:      p.def.id,
		Version:     p.def.version,
		Params:      p.Params(),
		Scale:       scale,
		EvidenceIDs: []string{},
	}
	if msg := scale.problem(); msg != "" {
		return p.refuse(r, ErrInvalidInput, msg)
	}
	sorted := sortScores(scores)
	for _, s := range sorted {
		if !finite(s.Level) || s.Level < scale.Min || s.Level > scale.Max {
			return p.refuse(r, ErrInvalidInput, fmt.Sprintf("evidence %q has level %s, which is not on the scale %s", s.EvidenceID, exact(s.Level), scale))
		}
	}
	if len(sorted) == 0 {
		r.Explanation = p.def.label + ": no current evidence, so no value and not mastered"
		return r
	}
	o := p.def.eval(p, scale, sorted)
	if o.errKind != nil {
		return p.refuse(r, o.errKind, o.errMsg)
	}
	r.Value = o.value
	r.PredictedCorrect = o.predicted
	r.Mastered = o.mastered
	for _, s := range o.used {
		r.EvidenceIDs = append(r.EvidenceIDs, s.EvidenceID)
	}
	r.Explanation = o.explanation
	return r
}

// refuse fills r for a refusal: no value, not mastered, Err and Explanation
// saying why.
func (p Policy) refuse(r Result, kind error, msg string) Result {
	r.Value = nil
	r.Mastered = false
	r.EvidenceIDs = []string{}
	r.Err = fmt.Errorf("%w: %s: %s", kind, p.def.id, msg)
	r.Explanation = p.def.label + ": not computed, because " + msg + "; not mastered"
	return r
}

// sortScores returns a copy of scores sorted by OccurredAt; the sort is
// stable, so simultaneous scores keep the caller's order. Monotonic clock
// readings are ignored: instants compare by wall clock only.
func sortScores(scores []Score) []Score {
	out := slices.Clone(scores)
	slices.SortStableFunc(out, func(a, b Score) int {
		return a.OccurredAt.Round(0).Compare(b.OccurredAt.Round(0))
	})
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// exact formats a number with the fewest digits that read back as it
// (after rounding to 12 decimals, so that 1 - 0.65 prints as 0.35).
func exact(v float64) string {
	if !finite(v) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(round12(v), 'f', -1, 64)
}

// round12 rounds v to 12 decimal places. Values too large for that to be
// meaningful in a float64 are returned unchanged.
func round12(v float64) float64 {
	s := v * 1e12
	if !finite(s) || math.Abs(s) >= 1<<52 {
		return v
	}
	r := math.Round(s) / 1e12
	if r == 0 {
		return 0 // no negative zero
	}
	return r
}
