package policy

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// tolerance is how close a computed value must be to a hand-computed one.
const tolerance = 1e-9

var t0 = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

// day is t0 plus i days.
func day(i int) time.Time { return t0.AddDate(0, 0, i) }

// levels makes scores e1..eN, one day apart, in order.
func levels(ls ...float64) []Score {
	out := make([]Score, len(ls))
	for i, l := range ls {
		out[i] = Score{EvidenceID: fmt.Sprintf("e%d", i+1), Level: l, OccurredAt: day(i)}
	}
	return out
}

// ids is the evidence ids e<n> for each n.
func ids(ns ...int) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = fmt.Sprintf("e%d", n)
	}
	return out
}

// upTo is ids(1..n).
func upTo(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("e%d", i+1)
	}
	return out
}

func val(v float64) *float64 { return &v }

func mustLookup(t *testing.T, id string, params map[string]float64) Policy {
	t.Helper()
	p, err := Lookup(id, params)
	if err != nil {
		t.Fatalf("Lookup(%q, %v): %v", id, params, err)
	}
	return p
}

// expect is what a result should hold. A nil ids means "not checked";
// explanation "" means "not checked"; contains lists substrings the
// explanation must have.
type expect struct {
	value       *float64
	mastered    bool
	ids         []string
	explanation string
	contains    []string
}

func checkValue(t *testing.T, got, want *float64) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("Value = %.17g, want nil", *got)
	case want != nil && got == nil:
		t.Errorf("Value = nil, want %.17g", *want)
	case want != nil && math.Abs(*got-*want) > tolerance:
		t.Errorf("Value = %.17g, want %.17g (±%g)", *got, *want, tolerance)
	}
}

func checkResult(t *testing.T, r Result, want expect) {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("Err = %v, want none", r.Err)
	}
	checkValue(t, r.Value, want.value)
	if r.Mastered != want.mastered {
		t.Errorf("Mastered = %v, want %v (%s)", r.Mastered, want.mastered, r.Explanation)
	}
	if want.ids != nil && !slices.Equal(r.EvidenceIDs, want.ids) {
		t.Errorf("EvidenceIDs = %v, want %v", r.EvidenceIDs, want.ids)
	}
	if want.explanation != "" && r.Explanation != want.explanation {
		t.Errorf("Explanation =\n  %q\nwant\n  %q", r.Explanation, want.explanation)
	}
	for _, s := range want.contains {
		if !strings.Contains(r.Explanation, s) {
			t.Errorf("Explanation %q lacks %q", r.Explanation, s)
		}
	}
}

type evalCase struct {
	name   string
	params map[string]float64
	scale  *Scale // nil: DefaultScale
	scores []Score
	want   expect
}

// versions is each policy's current version: bkt is v2 since it carries
// both states.
var versions = map[string]string{"latest": "v1", "highest": "v1", "mean": "v1", "weighted-average": "v1",
	"decaying-average": "v1", "n-mastery": "v1", "power-law": "v1", "bkt": "v2"}

func runCases(t *testing.T, id string, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustLookup(t, id, c.params)
			scale := DefaultScale()
			if c.scale != nil {
				scale = *c.scale
			}
			r := Evaluate(p, scale, c.scores)
			if r.Policy != id || r.Version != versions[id] {
				t.Errorf("Policy, Version = %q, %q, want %q, %s", r.Policy, r.Version, id, versions[id])
			}
			if !reflect.DeepEqual(r.Params, p.Params()) {
				t.Errorf("Params = %v, want %v", r.Params, p.Params())
			}
			if r.Scale != scale {
				t.Errorf("Scale = %v, want %v", r.Scale, scale)
			}
			checkResult(t, r, c.want)
		})
	}
}

// unsorted is e1 (level 2) on day 3, e2 (level 4) on day 1, e3 (level 3) on
// day 2: in occurredAt order e2 4, e3 3, e1 2.
func unsorted() []Score {
	return []Score{
		{EvidenceID: "e1", Level: 2, OccurredAt: day(3)},
		{EvidenceID: "e2", Level: 4, OccurredAt: day(1)},
		{EvidenceID: "e3", Level: 3, OccurredAt: day(2)},
	}
}

// tied is e1 (level 4) and e2 (level 2) at the same instant: input order
// breaks the tie, so e2 is the later.
func tied() []Score {
	return []Score{
		{EvidenceID: "e1", Level: 4, OccurredAt: day(1)},
		{EvidenceID: "e2", Level: 2, OccurredAt: day(1)},
	}
}

func TestLatest(t *testing.T) {
	runCases(t, "latest", []evalCase{
		{name: "four scores", scores: levels(2, 3, 2, 4), want: expect{
			value: val(4), mastered: true, ids: ids(4), // the last is e4 = 4; 4 ≥ 3
			explanation: "latest of 4 scores (evidence e4): 4 ≥ proficient 3: mastered"}},
		{name: "last below proficient", scores: levels(4, 4, 2), want: expect{
			value: val(2), mastered: false, ids: ids(3), // the last is e3 = 2; 2 < 3
			explanation: "latest of 3 scores (evidence e3): 2 < proficient 3: not yet mastered"}},
		{name: "one score", scores: levels(3), want: expect{value: val(3), mastered: true, ids: ids(1)}}, // 3 ≥ 3
		{name: "zero scores", scores: nil, want: expect{value: nil, mastered: false, ids: []string{}}},
		// occurredAt order is e2 4, e3 3, e1 2: the last is e1 = 2.
		{name: "unsorted input", scores: unsorted(), want: expect{value: val(2), mastered: false, ids: ids(1)}},
		// same instant: input order, so e2 (2) is the later.
		{name: "ties keep input order", scores: tied(), want: expect{value: val(2), mastered: false, ids: ids(2)}},
	})
}

func TestHighest(t *testing.T) {
	runCases(t, "highest", []evalCase{
		{name: "four scores", scores: levels(2, 3, 2, 4), want: expect{
			value: val(4), mastered: true, ids: ids(4), // max(2, 3, 2, 4) = 4 at e4
			explanation: "highest of 4 scores (evidence e4): 4 ≥ proficient 3: mastered"}},
		// max(3, 4, 2, 4) = 4, first reached at e2.
		{name: "equal maxima: the earliest", scores: levels(3, 4, 2, 4), want: expect{value: val(4), mastered: true, ids: ids(2)}},
		{name: "never proficient", scores: levels(1, 2, 2), want: expect{value: val(2), mastered: false, ids: ids(2)}}, // max = 2 < 3
		{name: "one score", scores: levels(2), want: expect{value: val(2), mastered: false, ids: ids(1)}},
		{name: "zero scores", scores: nil, want: expect{value: nil, mastered: false, ids: []string{}}},
		// occurredAt order e2 4, e3 3, e1 2: max 4 at e2.
		{name: "unsorted input", scores: unsorted(), want: expect{value: val(4), mastered: true, ids: ids(2)}},
		{name: "ties keep input order", scores: tied(), want: expect{value: val(4), mastered: true, ids: ids(1)}},
	})
}

func TestMean(t *testing.T) {
	runCases(t, "mean", []evalCase{
		{name: "four scores", scores: levels(2, 3, 2, 4), want: expect{
			value: val(2.75), mastered: false, ids: upTo(4), // (2+3+2+4)/4 = 11/4 = 2.75 < 3
			explanation: "mean of 4 scores = 11 ÷ 4: 2.75 < proficient 3: not yet mastered, because 2 of the 4 scores are below proficient and the earliest counts as much as the latest"}},
		{name: "three scores", scores: levels(3, 4, 3), want: expect{
			value: val(10.0 / 3), mastered: true, ids: upTo(3), // (3+4+3)/3 = 10/3 = 3.333333333333 ≥ 3
			explanation: "mean of 3 scores = 10 ÷ 3: 3.33 ≥ proficient 3: mastered"}},
		{name: "exactly proficient", scores: levels(2.5, 3.5), want: expect{value: val(3), mastered: true}}, // (2.5+3.5)/2 = 3 ≥ 3
		{name: "one score", scores: levels(3), want: expect{value: val(3), mastered: true, ids: ids(1)}},
		{name: "zero scores", scores: nil, want: expect{value: nil, mastered: false, ids: []string{}}},
		// the mean does not depend on order, but the ids follow occurredAt.
		{name: "unsorted input", scores: unsorted(), want: expect{value: val(3), mastered: true, ids: ids(2, 3, 1)}}, // (4+3+2)/3 = 3
		{name: "ties keep input order", scores: tied(), want: expect{value: val(3), mastered: true, ids: ids(1, 2)}}, // (4+2)/2 = 3
	})
}

func TestWeightedAverage(t *testing.T) {
	runCases(t, "weighted-average", []evalCase{
		{name: "two scores", scores: levels(3, 4), want: expect{
			value: val(3.65), mastered: true, ids: upTo(2), // 0.65*4 + 0.35*3 = 2.6 + 1.05 = 3.65
			explanation: "weighted average (w=0.65) of 2 scores = 0.65 × latest 4 + 0.35 × the earlier 3: 3.65 ≥ proficient 3: mastered"}},
		{name: "four scores", scores: levels(2, 3, 2, 4), want: expect{
			// earlier mean (2+3+2)/3 = 7/3; 0.65*4 + 0.35*7/3 = 2.6 + 0.816666666667 = 3.416666666667
			value: val(2.6 + 0.35*7.0/3), mastered: true, ids: upTo(4),
			explanation: "weighted average (w=0.65) of 4 scores = 0.65 × latest 4 + 0.35 × mean of the 3 earlier 2.33: 3.42 ≥ proficient 3: mastered"}},
		{name: "latest falls", scores: levels(4, 4, 2), want: expect{value: val(2.7), mastered: false}}, // 0.65*2 + 0.35*4 = 1.3 + 1.4 = 2.7
		// 0.65*4 + 0.35*(1+2+3)/3 = 2.6 + 0.7 = 3.3 (decaying-average gives 3.484625 on the same scores)
		{name: "steady growth", scores: levels(1, 2, 3, 4), want: expect{value: val(3.3), mastered: true}},
		{name: "w=0.5 lands exactly on proficient", params: map[string]float64{"w": 0.5}, scores: levels(1, 3, 4),
			want: expect{value: val(3), mastered: true}}, // 0.5*4 + 0.5*(1+3)/2 = 2 + 1 = 3 ≥ 3
		{name: "w=1 is latest", params: map[string]float64{"w": 1}, scores: levels(2, 3, 1),
			want: expect{value: val(1), mastered: false}}, // 1*1 + 0*2.5 = 1
		{name: "one score", scores: levels(3), want: expect{value: val(3), mastered: true, ids: ids(1),
			explanation: "weighted average (w=0.65) of one score is that score: 3 ≥ proficient 3: mastered"}},
		{name: "zero scores", scores: nil, want: expect{value: nil, mastered: false, ids: []string{}}},
		// order e2 4, e3 3, e1 2: 0.65*2 + 0.35*(4+3)/2 = 1.3 + 1.225 = 2.525
		{name: "unsorted input", scores: unsorted(), want: expect{value: val(2.525), mastered: false, ids: ids(2, 3, 1)}},
		// order e1 4, e2 2: 0.65*2 + 0.35*4 = 1.3 + 1.4 = 2.7
		{name: "ties keep input order", scores: tied(), want: expect{value: val(2.7), mastered: false, ids: ids(1, 2)}},
	})
}

func TestDecayingAverage(t *testing.T) {
	runCases(t, "decaying-average", []evalCase{
		// d = 3; d = 3*0.35 + 4*0.65 = 1.05 + 2.6 = 3.65 (two scores: same as weighted-average)
		{name: "two scores", scores: levels(3, 4), want: expect{value: val(3.65), mastered: true, ids: upTo(2)}},
		{name: "four scores", scores: levels(2, 3, 2, 4), want: expect{
			// d = 2
			// d = 2*0.35 + 3*0.65 = 0.7 + 1.95 = 2.65
			// d = 2.65*0.35 + 2*0.65 = 0.9275 + 1.3 = 2.2275
			// d = 2.2275*0.35 + 4*0.65 = 0.779625 + 2.6 = 3.379625
			value: val(3.379625), mastered: true, ids: upTo(4),
			explanation: "decaying average (w=0.65) of 4 scores: start at the first score (2), then move 0.65 of the way toward each newer one, up to the latest (4): 3.38 ≥ proficient 3: mastered"}},
		{name: "steady growth", scores: levels(1, 2, 3, 4), want: expect{
			// d = 1; 1*0.35 + 2*0.65 = 1.65; 1.65*0.35 + 3*0.65 = 0.5775 + 1.95 = 2.5275;
			// 2.5275*0.35 + 4*0.65 = 0.884625 + 2.6 = 3.484625
			value: val(3.484625), mastered: true}},
		{name: "w=0.5 lands exactly on proficient", params: map[string]float64{"w": 0.5}, scores: levels(4, 2, 3),
			want: expect{value: val(3), mastered: true}}, // d = 4; 4*0.5 + 2*0.5 = 3; 3*0.5 + 3*0.5 = 3 ≥ 3
		{name: "w=1 is latest", params: map[string]float64{"w": 1}, scores: levels(2, 3, 1),
			want: expect{value: val(1), mastered: false}}, // each step d = next
		{name: "one score", scores: levels(2), want: expect{value: val(2), mastered: false, ids: ids(1)}},
		{name: "zero scores", scores: nil, want: expect{value: nil, mastered: false, ids: []string{}}},
		// order e2 4, e3 3, e1 2: d = 4; 4*0.35 + 3*0.65 = 1.4 + 1.95 = 3.35; 3.35*0.35 + 2*0.65 = 1.1725 + 1.3 = 2.4725
		{name: "unsorted input", scores: unsorted(), want: expect{value: val(2.4725), mastered: false, ids: ids(2, 3, 1)}},
		// order e1 4, e2 2: 4*0.35 + 2*0.65 = 1.4 + 1.3 = 2.7
		{name: "ties keep input order", scores: tied(), want: expect{value: val(2.7), mastered: false, ids: ids(1, 2)}},
	})
}

// TestDecayingAverageClosedForm checks the fold against its closed form:
// score i of N weighs w(1-w)^(N-i), the first (1-w)^(N-1). For N = 4 and
// w = 0.65 the weights are 0.35³ = 0.042875, 0.65·0.35² = 0.079625,
// 0.65·0.35 = 0.2275 and 0.65; they sum to 1, and on 2, 3, 2, 4 give
// 0.08575 + 0.238875 + 0.455 + 2.6 = 3.379625.
func TestDecayingAverageClosedForm(t *testing.T) {
	weights := []float64{0.042875, 0.079625, 0.2275, 0.65}
	ls := []float64{2, 3, 2, 4}
	sum, closed := 0.0, 0.0
	for i, w := range weights {
		sum += w
		closed += w * ls[i]
	}
	if math.Abs(sum-1) > tolerance || math.Abs(closed-3.379625) > tolerance {
		t.Fatalf("weights sum to %v and give %v; want 1 and 3.379625", sum, closed)
	}
	r := Evaluate(mustLookup(t, "decaying-average", nil), DefaultScale(), levels(ls...))
	checkResult(t, r, expect{value: val(closed), mastered: true})
}

func TestNMastery(t *testing.T) {
	runCases(t, "n-mastery", []evalCase{
		{name: "three at proficient", scores: levels(3, 2, 4, 3), want: expect{
			// kept e1 3, e3 4, e4 3 (e2 2 < 3): 3 ≥ n = 3; mean (3+4+3)/3 = 10/3 = 3.333333333333
			value: val(10.0 / 3), mastered: true, ids: ids(1, 3, 4),
			explanation: "n-mastery (n=3): 3 of 4 scores are at or above proficient 3 (3 needed), their mean is 3.33: mastered"}},
		{name: "two of three needed", scores: levels(2, 3, 4, 2), want: expect{
			// kept e2 3, e3 4: 2 < 3, so no value
			value: nil, mastered: false, ids: ids(2, 3),
			explanation: "n-mastery (n=3): 2 of 4 scores are at or above proficient 3, 3 needed: no value, not yet mastered"}},
		{name: "n=1", params: map[string]float64{"n": 1}, scores: levels(2, 3),
			want: expect{value: val(3), mastered: true, ids: ids(2)}}, // kept e2 3: 1 ≥ 1; mean 3
		{name: "n=2, none kept", params: map[string]float64{"n": 2}, scores: levels(1, 2),
			want: expect{value: nil, mastered: false, ids: []string{}}},
		{name: "one score", scores: levels(4), want: expect{value: nil, mastered: false, ids: ids(1),
			explanation: "n-mastery (n=3): 1 of 1 score is at or above proficient 3, 3 needed: no value, not yet mastered"}},
		{name: "zero scores", scores: nil, want: expect{value: nil, mastered: false, ids: []string{}}},
		// order e2 4, e3 3, e1 2; n=2: kept e2, e3; mean (4+3)/2 = 3.5
		{name: "unsorted input", params: map[string]float64{"n": 2}, scores: unsorted(),
			want: expect{value: val(3.5), mastered: true, ids: ids(2, 3)}},
	})
}

func TestPowerLaw(t *testing.T) {
	runCases(t, "power-law", []evalCase{
		// ln level = ln k exactly, so b = 1, ln a = 0: 1·4^1 = 4.
		{name: "exact power law", scores: levels(1, 2, 3, 4), want: expect{value: val(4), mastered: true, ids: upTo(4)}},
		// two points are fitted exactly: a = 2, b = ln(3/2)/ln 2 = 0.584962500721; 2·2^b = 3.
		// (Without the 12-decimal rounding, exp(ln ...) could land a hair under 3.)
		{name: "two scores pass through both", scores: levels(2, 3), want: expect{value: val(3), mastered: true,
			explanation: "power law level = 2·k^0.58 fitted to 2 scores, at attempt 2: 3 ≥ proficient 3: mastered"}},
		{name: "flat", scores: levels(3, 3, 3), want: expect{value: val(3), mastered: true}}, // b = 0, a = 3
		{name: "three scores", scores: levels(2, 2, 4), want: expect{
			// x = ln k = 0, 0.693147180560, 1.098612288668; mean x = 0.597253156409
			// y = ln level = 0.693147180560, 0.693147180560, 1.386294361120; mean y = 0.924196240747
			// Sxx = Σ(x-mx)² = 0.617267976208; Sxy = Σ(x-mx)(y-my) = 0.347515668973
			// b = Sxy/Sxx = 0.562989953096; ln a = my - b·mx = 0.587948...; a = 1.800291712431
			// at k = 3: a·3^b = exp(0.924196240747 + 0.562989953096·(1.098612288668 - 0.597253156409)) = 3.341622258139
			value: val(3.341622258139), mastered: true, ids: upTo(3),
			explanation: "power law level = 1.8·k^0.56 fitted to 3 scores, at attempt 3: 3.34 ≥ proficient 3: mastered"}},
		{name: "four scores", scores: levels(2, 3, 2, 4), want: expect{
			// mean x = ln(24)/4 = 0.794513457587; mean y = ln(48)/4 = 0.967800252727
			// Sxx = 1.084207493256; Sxy = 0.369090776320; b = 0.340424483888; a = 2.008379983998
			// at k = 4: exp(0.967800252727 + 0.340424483888·(1.386294361120 - 0.794513457587)) = 3.219599462809
			value: val(3.219599462809), mastered: true}},
		{name: "clamped to the maximum", scores: levels(1, 4, 4), want: expect{
			// same x as above; y = 0, 1.386294361120, 1.386294361120; Sxy = 0.827968682891
			// b = 1.341343978312, a = 1.130968466729; at k = 3: 4.936671377048 > 4, clamped to 4
			value: val(4), mastered: true,
			explanation: "power law level = 1.13·k^1.34 fitted to 3 scores, at attempt 3 gives 4.94, clamped to the scale's maximum 4: 4 ≥ proficient 3: mastered"}},
		{name: "clamped to the minimum", scores: levels(4, 1, 1), want: expect{
			// b = -1.341343978312, a = 3.536791800720; at k = 3: 0.810262562462 < 1, clamped to 1
			value: val(1), mastered: false,
			contains: []string{"gives 0.81, clamped to the scale's minimum 1"}}},
		{name: "one score", scores: levels(3), want: expect{value: val(3), mastered: true, ids: ids(1),
			explanation: "power law with one score is that score: 3 ≥ proficient 3: mastered"}},
		{name: "zero scores", scores: nil, want: expect{value: nil, mastered: false, ids: []string{}}},
		// order e2 4, e3 3, e1 2 (a decline): the fit sees 4, 3, 2 at k = 1, 2, 3.
		// mean y = ln 24/3 = 1.059351276783; Sxy = -0.375102660577; b = -0.607682036060, a = 4.146610654990
		// at k = 3: 2.126940024288 < 3 (also checked against a textbook fit written out below)
		{name: "unsorted input", scores: unsorted(), want: expect{mastered: false, ids: ids(2, 3, 1),
			value: val(2.126940024288)}},
		{name: "unsorted input, textbook formula", scores: unsorted(), want: expect{mastered: false,
			value: val(powerLawByHand(4, 3, 2))}},
	})
}

// powerLawByHand is the textbook least-squares fit of ln y = ln a + b ln k,
// written out independently of the package, evaluated at k = N.
func powerLawByHand(ys ...float64) float64 {
	n := float64(len(ys))
	var sx, sy, sxx, sxy float64
	for i, y := range ys {
		x := math.Log(float64(i + 1))
		sx += x
		sy += math.Log(y)
		sxx += x * x
		sxy += x * math.Log(y)
	}
	b := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	lnA := (sy - b*sx) / n
	return math.Exp(lnA + b*math.Log(n))
}

// TestPowerLawMatchesJumpRope checks power-law against the table JumpRope,
// a standards-based gradebook that offers Marzano's power law, publishes in
// "The power of the Power Law" (support.jumpro.pe, article 203185740,
// https://support.jumpro.pe/hc/en-us/articles/203185740-The-power-of-the-Power-Law):
// four students, four assessments each on a 1..4 scale, and the "Power Law
// Score" JumpRope reports, to two decimals. The exact values below are
// worked out by hand from the formula in docs/policies.md; JumpRope's
// published figure must be the exact value rounded to two decimals.
//
// All four rows share x = ln k: mean x = ln 24/4 = 0.794513457587,
// Sxx = 1.084207493256. Every row's levels multiply to 24, so mean y =
// mean x as well, and value = exp(mean y + b·(ln 4 − mean x)).
func TestPowerLawMatchesJumpRope(t *testing.T) {
	cases := []struct {
		student  string
		levels   []float64
		exact    float64 // worked out by hand
		jumpRope float64 // published
		mastered bool
	}{
		// Sxy = Sxx, b = 1, a = 1: 1·4^1 = 4.
		{"Student #1", []float64{1, 2, 3, 4}, 4, 4.00, true},
		// Sxy = 0.919805539363, b = 0.848366705713, a = 1.128032193414:
		// 1.128032193414·4^0.848366705713 = 3.656698434469.
		{"Student #2", []float64{1, 3, 2, 4}, 3.656698434469, 3.66, true},
		// Sxy = -0.041100488473, b = -0.037908323572, a = 2.281041486104:
		// 2.164263319914.
		{"Student #3", []float64{2, 4, 1, 3}, 2.164263319914, 2.16, false},
		// Sxy = -1.002006516310, b = -0.924183352856, a = 4.612590218350:
		// 1.280946679599.
		{"Student #4", []float64{4, 3, 2, 1}, 1.280946679599, 1.28, false},
	}
	for _, c := range cases {
		t.Run(c.student, func(t *testing.T) {
			r := Evaluate(mustLookup(t, "power-law", nil), DefaultScale(), levels(c.levels...))
			checkResult(t, r, expect{value: val(c.exact), mastered: c.mastered, ids: upTo(4)})
			if r.Value == nil {
				return
			}
			if got := math.Round(*r.Value*100) / 100; got != c.jumpRope {
				t.Errorf("value %.12f rounds to %.2f; JumpRope publishes %.2f", *r.Value, got, c.jumpRope)
			}
		})
	}
}

func TestPowerLawRefusesNonPositiveLevels(t *testing.T) {
	scale := Scale{Min: 0, Max: 4, Proficient: 3}
	scores := levels(0, 3)
	r := Evaluate(mustLookup(t, "power-law", nil), scale, scores)
	if !errors.Is(r.Err, ErrNotComputable) {
		t.Fatalf("Err = %v, want ErrNotComputable", r.Err)
	}
	if r.Value != nil || r.Mastered || len(r.EvidenceIDs) != 0 {
		t.Errorf("refusal carries Value %v, Mastered %v, EvidenceIDs %v", r.Value, r.Mastered, r.EvidenceIDs)
	}
	want := `power law: not computed, because evidence "e1" has level 0 and the power-law fit takes the logarithm of every level, which needs levels above 0; not mastered`
	if r.Explanation != want {
		t.Errorf("Explanation = %q, want %q", r.Explanation, want)
	}
	// The other policies accept the same input: (0+3)/2 = 1.5.
	m := Evaluate(mustLookup(t, "mean", nil), scale, scores)
	checkResult(t, m, expect{value: val(1.5), mastered: false})
}

func TestBKT(t *testing.T) {
	// Defaults pL0 0.1, pT 0.2, pS 0.1, pG 0.2. A correct (≥ 3) step:
	//   post = P·0.9 / (P·0.9 + (1-P)·0.2); P ← post + (1-post)·0.2
	// an incorrect (< 3) step:
	//   post = P·0.1 / (P·0.1 + (1-P)·0.8); P ← post + (1-post)·0.2
	runCases(t, "bkt", []evalCase{
		// post = 0.09/(0.09+0.18) = 1/3; P = 1/3 + 2/3·0.2 = 7/15 = 0.466666666667
		{name: "one correct", scores: levels(3), want: expect{value: val(7.0 / 15), mastered: false, ids: ids(1)}},
		// from 7/15: post = 0.42/(0.42+0.106666666667) = 0.797468354430; P = 0.797468354430 + 0.202531645570·0.2 = 0.837974683544
		{name: "two correct", scores: levels(3, 4), want: expect{value: val(0.837974683544), mastered: false}},
		{name: "three correct", scores: levels(3, 3, 3), want: expect{
			// from 0.837974683544: post = 0.754177215190/(0.754177215190+0.032405063291) = 0.958802703573
			// P = 0.958802703573 + 0.041197296427·0.2 = 0.967042162858 (= 15023/15535) ≥ 0.95
			value: val(15023.0 / 15535), mastered: true, ids: upTo(3),
			explanation: "knowledge tracing (pL0=0.1, pT=0.2, pS=0.1, pG=0.2, threshold=0.95) over 3 scores, 3 at or above proficient 3 and 0 below: P(known) = 0.967 ≥ threshold 0.95: mastered"}},
		// post = 0.01/(0.01+0.72) = 0.013698630137; P = 0.013698630137 + 0.986301369863·0.2 = 0.210958904110 (= 77/365)
		{name: "one incorrect", scores: levels(2), want: expect{value: val(77.0 / 365), mastered: false}},
		// after 3, 3, 3: 0.967042162858; then incorrect:
		// post = 0.096704216286/(0.096704216286+0.026366269714) = 0.785763...; P = 0.828610282965 (= 79211/95595)
		{name: "a slip after mastery", scores: levels(3, 3, 3, 2), want: expect{value: val(79211.0 / 95595), mastered: false}},
		// 0.210958904110 → 0.636879432624 → 0.910037338019 → 0.982803373411 (= 936361/952745)
		{name: "incorrect then three correct", scores: levels(2, 3, 3, 3), want: expect{value: val(936361.0 / 952745), mastered: true}},
		// 0.210958904110 → 0.636879432624 → 0.343852623148 → 0.761778230130 (= 209569/275105)
		{name: "four scores", scores: levels(2, 3, 2, 4), want: expect{value: val(209569.0 / 275105), mastered: false,
			explanation: "knowledge tracing (pL0=0.1, pT=0.2, pS=0.1, pG=0.2, threshold=0.95) over 4 scores, 2 at or above proficient 3 and 2 below: P(known) = 0.762 < threshold 0.95: not yet mastered"}},
		// threshold 0.8: 0.837974683544 ≥ 0.8 after two correct.
		{name: "lower threshold", params: map[string]float64{"threshold": 0.8}, scores: levels(3, 3),
			want: expect{value: val(0.837974683544), mastered: true}},
		// pL0 = 1, pT = 0: a known learner stays known after a correct score: post = 0.9/0.9 = 1; P = 1.
		{name: "already known", params: map[string]float64{"pL0": 1, "pT": 0}, scores: levels(3),
			want: expect{value: val(1), mastered: true}},
		{name: "zero scores", scores: nil, want: expect{value: nil, mastered: false, ids: []string{}}},
		// order e2 4 (correct), e3 3 (correct), e1 2 (incorrect):
		// 0.466666666667 → 0.837974683544 → post = 0.083797468354/(0.083797468354+0.129620253165) = 0.392645314353
		// P = 0.392645314353 + 0.607354685647·0.2 = 0.514116251483 (= 2167/4215)
		{name: "unsorted input", scores: unsorted(), want: expect{mastered: false, ids: ids(2, 3, 1),
			value: val(2167.0 / 4215)}},
		{name: "unsorted input, textbook formula", scores: unsorted(), want: expect{mastered: false,
			value: val(bktByHand(0.1, 0.2, 0.1, 0.2, true, true, false))}},
	})
}

// bktByHand is the textbook update written out independently of the
// package.
func bktByHand(l, tr, s, g float64, correct ...bool) float64 {
	for _, c := range correct {
		var post float64
		if c {
			post = l * (1 - s) / (l*(1-s) + (1-l)*g)
		} else {
			post = l * s / (l*s + (1-l)*(1-g))
		}
		l = post + (1-post)*tr
	}
	return l
}

func TestBKTRefusesImpossibleScores(t *testing.T) {
	// pL0 = 0, pT = 0, pG = 0: a learner who cannot know and cannot guess
	// scores at proficient: 0·0.9 / (0·0.9 + 1·0) is 0/0.
	p := mustLookup(t, "bkt", map[string]float64{"pL0": 0, "pT": 0, "pG": 0})
	r := Evaluate(p, DefaultScale(), levels(3))
	if !errors.Is(r.Err, ErrNotComputable) || r.Value != nil || r.Mastered {
		t.Fatalf("Err %v, Value %v, Mastered %v; want ErrNotComputable, nil, false", r.Err, r.Value, r.Mastered)
	}
	// pL0 = 1, pS = 0: a learner who knows and cannot slip scores below.
	p = mustLookup(t, "bkt", map[string]float64{"pL0": 1, "pS": 0})
	r = Evaluate(p, DefaultScale(), levels(2))
	if !errors.Is(r.Err, ErrNotComputable) {
		t.Fatalf("Err = %v, want ErrNotComputable", r.Err)
	}
	if !strings.Contains(r.Explanation, `evidence "e1" is below proficient`) {
		t.Errorf("Explanation = %q", r.Explanation)
	}
}

// TestComplaintTwelveObjectives is the famous complaint: "I met all 12
// objectives and still got 3.3". A learner starts low and ends consistently
// at Advanced; averaging every attempt drags the early ones into the grade.
// Here 12 scores for one standard: 1, 1, 2, 2, 2, 2, 3, 4, 4, 4, 4, 4.
func TestComplaintTwelveObjectives(t *testing.T) {
	scores := levels(1, 1, 2, 2, 2, 2, 3, 4, 4, 4, 4, 4)
	all := upTo(12)
	cases := []struct {
		id   string
		want expect
	}{
		{"mean", expect{
			// (1+1+2+2+2+2+3+4+4+4+4+4)/12 = 33/12 = 2.75 < 3
			value: val(2.75), mastered: false, ids: all,
			explanation: "mean of 12 scores = 33 ÷ 12: 2.75 < proficient 3: not yet mastered, because 6 of the 12 scores are below proficient and the earliest counts as much as the latest"}},
		{"latest", expect{value: val(4), mastered: true, ids: ids(12), // e12 = 4
			explanation: "latest of 12 scores (evidence e12): 4 ≥ proficient 3: mastered"}},
		{"decaying-average", expect{
			// d: 1, 1, 1.65, 1.8775, 1.957125, 1.98499375, 2.6447478125, 3.525661734375,
			//    3.83398160703125, 3.9418935624609375, 3.979662746861328, 3.992881961401465
			value: val(3.992881961401), mastered: true, ids: all,
			explanation: "decaying average (w=0.65) of 12 scores: start at the first score (1), then move 0.65 of the way toward each newer one, up to the latest (4): 3.99 ≥ proficient 3: mastered"}},
		// earlier mean 29/11 = 2.636363636364; 0.65*4 + 0.35*29/11 = 2.6 + 0.922727272727 = 3.522727272727
		{"weighted-average", expect{value: val(2.6 + 0.35*29.0/11), mastered: true, ids: all,
			contains: []string{"0.65 × latest 4 + 0.35 × mean of the 11 earlier 2.64: 3.52 ≥ proficient 3"}}},
		{"highest", expect{value: val(4), mastered: true, ids: ids(8)}}, // first 4 is e8
		// kept e7..e12 (3, 4, 4, 4, 4, 4): 6 ≥ 3; mean 23/6 = 3.833333333333
		{"n-mastery", expect{value: val(23.0 / 6), mastered: true, ids: ids(7, 8, 9, 10, 11, 12),
			contains: []string{"6 of 12 scores are at or above proficient 3 (3 needed), their mean is 3.83"}}},
		// b = 0.654751019676, a = 0.826685162637; at k = 12: 4.206638228514 > 4, clamped to 4
		{"power-law", expect{value: val(4), mastered: true, ids: all,
			contains: []string{"level = 0.83·k^0.65", "gives 4.21, clamped to the scale's maximum 4"}}},
		// six incorrect then six correct: 0.210958904110, 0.225871482570, 0.228150804140, 0.228505736226,
		// 0.228561164880, 0.228569824888, then 0.657141075266, 0.916882527832, 0.984202286969,
		// 0.997156580272, 0.999493382751, 0.999909899208 ≥ 0.95
		{"bkt", expect{value: val(0.999909899208), mastered: true, ids: all,
			contains: []string{"6 at or above proficient 3 and 6 below", "P(known) = 0.9999 ≥ threshold 0.95"}}},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			checkResult(t, Evaluate(mustLookup(t, c.id, nil), DefaultScale(), scores), c.want)
		})
	}
}

func TestZeroScores(t *testing.T) {
	for _, p := range Defaults() {
		for _, scores := range [][]Score{nil, {}} {
			r := Evaluate(p, DefaultScale(), scores)
			if r.Err != nil || r.Value != nil || r.Mastered || r.EvidenceIDs == nil || len(r.EvidenceIDs) != 0 {
				t.Errorf("%s: got Err %v, Value %v, Mastered %v, EvidenceIDs %#v", p, r.Err, r.Value, r.Mastered, r.EvidenceIDs)
			}
			if !strings.Contains(r.Explanation, "no current evidence, so no value and not mastered") {
				t.Errorf("%s: Explanation = %q", p, r.Explanation)
			}
		}
	}
}

func TestDefaults(t *testing.T) {
	want := []struct {
		id     string
		params map[string]float64
	}{
		{"latest", map[string]float64{}},
		{"highest", map[string]float64{}},
		{"mean", map[string]float64{}},
		{"weighted-average", map[string]float64{"w": 0.65}},
		{"decaying-average", map[string]float64{"w": 0.65}},
		{"n-mastery", map[string]float64{"n": 3}},
		{"power-law", map[string]float64{}},
		{"bkt", map[string]float64{"pL0": 0.1, "pT": 0.2, "pS": 0.1, "pG": 0.2, "threshold": 0.95}},
	}
	got := Defaults()
	if len(got) != len(want) {
		t.Fatalf("Defaults() has %d policies, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].ID() != w.id || got[i].Version() != versions[w.id] || !reflect.DeepEqual(got[i].Params(), w.params) {
			t.Errorf("Defaults()[%d] = %s %s %v, want %s %s %v", i, got[i].ID(), got[i].Version(), got[i].Params(), w.id, versions[w.id], w.params)
		}
	}
	if !slices.Equal(IDs(), []string{"latest", "highest", "mean", "weighted-average", "decaying-average", "n-mastery", "power-law", "bkt"}) {
		t.Errorf("IDs() = %v", IDs())
	}
	if s := got[4].String(); s != "decaying-average v1 (w=0.65)" {
		t.Errorf("String() = %q", s)
	}
	// Params is a copy: changing it changes nothing.
	got[3].Params()["w"] = 0.1
	if got[3].Params()["w"] != 0.65 {
		t.Error("Params() exposes the policy's own values")
	}
}

func TestLookupParams(t *testing.T) {
	p := mustLookup(t, "bkt", map[string]float64{"pT": 0.3, "threshold": 0.9})
	want := map[string]float64{"pL0": 0.1, "pT": 0.3, "pS": 0.1, "pG": 0.2, "threshold": 0.9}
	if !reflect.DeepEqual(p.Params(), want) {
		t.Errorf("Params() = %v, want %v (unset parameters keep their defaults)", p.Params(), want)
	}
	for _, c := range []struct {
		id     string
		params map[string]float64
	}{
		{"weighted-average", map[string]float64{"w": 1}},
		{"decaying-average", map[string]float64{"w": 0.01}},
		{"n-mastery", map[string]float64{"n": 1}},
		{"n-mastery", map[string]float64{"n": 10}},
		{"bkt", map[string]float64{"pL0": 0, "pT": 1, "pS": 0, "pG": 0.99}},
		{"bkt", map[string]float64{"threshold": 1}},
		{"mean", nil},
		{"mean", map[string]float64{}},
	} {
		if _, err := Lookup(c.id, c.params); err != nil {
			t.Errorf("Lookup(%q, %v): %v", c.id, c.params, err)
		}
	}
}

func TestLookupErrors(t *testing.T) {
	cases := []struct {
		name      string
		id        string
		params    map[string]float64
		wantParam string // "" when the error is not a *ParamError
		wantText  string
	}{
		{"unknown id", "median", nil, "", `invalid policy: unknown policy id "median" (known: latest, highest, mean, weighted-average, decaying-average, n-mastery, power-law, bkt)`},
		{"empty id", "", nil, "", `unknown policy id ""`},
		{"unknown param", "latest", map[string]float64{"w": 0.5}, "w", `invalid policy: latest: parameter w=0.5 is not a parameter of this policy (it takes none)`},
		{"misspelt param", "weighted-average", map[string]float64{"weight": 0.5}, "weight", `(it takes w, canvas)`},
		{"canvas not a switch", "mean", map[string]float64{"canvas": 2}, "canvas", `must be 0 (the ledger's rules) or 1`},
		{"canvas weighted w below 1 %", "weighted-average", map[string]float64{"canvas": 1, "w": 0.005}, "w", `outside Canvas's range`},
		{"canvas weighted w = 1", "weighted-average", map[string]float64{"canvas": 1, "w": 1}, "w", `with canvas=1 it must be in [0.01, 0.99]`},
		{"canvas decaying w below 50 %", "decaying-average", map[string]float64{"canvas": 1, "w": 0.4}, "w", `with canvas=1 it must be in [0.5, 0.99]`},
		{"canvas n above 10", "n-mastery", map[string]float64{"canvas": 1, "n": 11}, "n", `with canvas=1 it must be in [1, 10]`},
		{"pF > 1", "bkt", map[string]float64{"pF": 1.5}, "pF", `must be in [0, 1]`},
		{"w = 0", "weighted-average", map[string]float64{"w": 0}, "w", `invalid policy: weighted-average: parameter w=0 is out of range: it must be in (0, 1]`},
		{"w > 1", "decaying-average", map[string]float64{"w": 1.5}, "w", `must be in (0, 1]`},
		{"w < 0", "decaying-average", map[string]float64{"w": -0.1}, "w", `must be in (0, 1]`},
		{"w NaN", "decaying-average", map[string]float64{"w": math.NaN()}, "w", `is not a finite number`},
		{"w infinite", "weighted-average", map[string]float64{"w": math.Inf(1)}, "w", `is not a finite number`},
		{"n = 0", "n-mastery", map[string]float64{"n": 0}, "n", `must be a whole number, at least 1`},
		{"n fractional", "n-mastery", map[string]float64{"n": 2.5}, "n", `must be a whole number, at least 1`},
		{"pL0 < 0", "bkt", map[string]float64{"pL0": -0.1}, "pL0", `must be in [0, 1]`},
		{"pS > 1", "bkt", map[string]float64{"pS": 1.2}, "pS", `must be in [0, 1]`},
		{"threshold 0", "bkt", map[string]float64{"threshold": 0}, "threshold", `must be in (0, 1]`},
		{"degenerate guess and slip", "bkt", map[string]float64{"pG": 0.6, "pS": 0.4}, "pG", `pG + pS must be below 1`},
		// several bad parameters: the first by name is reported, every time.
		{"first bad name wins", "bkt", map[string]float64{"pT": 2, "pG": 2, "zz": 1}, "pG", `parameter pG=2 is out of range`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Lookup(c.id, c.params)
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("err = %v, want ErrInvalidPolicy", err)
			}
			if p.ID() != "" {
				t.Errorf("Lookup returned policy %s with an error", p)
			}
			if !strings.Contains(err.Error(), c.wantText) {
				t.Errorf("err = %q, want it to contain %q", err, c.wantText)
			}
			var pe *ParamError
			if got := errors.As(err, &pe); got != (c.wantParam != "") {
				t.Fatalf("errors.As(*ParamError) = %v for %v", got, err)
			}
			if pe != nil && pe.Param != c.wantParam {
				t.Errorf("ParamError.Param = %q, want %q", pe.Param, c.wantParam)
			}
		})
	}
}

func TestInvalidInput(t *testing.T) {
	cases := []struct {
		name   string
		scale  Scale
		scores []Score
		want   string
	}{
		{"min not below max", Scale{Min: 4, Max: 4, Proficient: 4}, levels(4), "needs min < max"},
		{"proficient above max", Scale{Min: 1, Max: 4, Proficient: 5}, levels(3), "needs proficient between min and max"},
		{"NaN bound", Scale{Min: math.NaN(), Max: 4, Proficient: 3}, levels(3), "not a finite number"},
		{"level above the scale", DefaultScale(), levels(3, 5), `evidence "e2" has level 5, which is not on the scale 1..4 (proficient 3)`},
		{"level below the scale", DefaultScale(), levels(0.5), `evidence "e1" has level 0.5`},
		{"NaN level", DefaultScale(), levels(math.NaN()), `evidence "e1" has level NaN`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range Defaults() {
				r := Evaluate(p, c.scale, c.scores)
				if !errors.Is(r.Err, ErrInvalidInput) {
					t.Fatalf("%s: Err = %v, want ErrInvalidInput", p, r.Err)
				}
				if r.Value != nil || r.Mastered || len(r.EvidenceIDs) != 0 || r.Policy != p.ID() {
					t.Errorf("%s: refusal carries Value %v, Mastered %v, EvidenceIDs %v, Policy %q", p, r.Value, r.Mastered, r.EvidenceIDs, r.Policy)
				}
				if !strings.Contains(r.Explanation, c.want) || !strings.HasSuffix(r.Explanation, "; not mastered") {
					t.Errorf("%s: Explanation = %q, want it to contain %q", p, r.Explanation, c.want)
				}
			}
		})
	}
	if err := DefaultScale().Validate(); err != nil {
		t.Errorf("DefaultScale().Validate() = %v", err)
	}
	if err := (Scale{Min: 2, Max: 1}).Validate(); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Validate() = %v, want ErrInvalidInput", err)
	}
}

func TestZeroPolicy(t *testing.T) {
	r := Evaluate(Policy{}, DefaultScale(), levels(3))
	if !errors.Is(r.Err, ErrInvalidPolicy) || r.Value != nil || r.Mastered {
		t.Fatalf("Err %v, Value %v, Mastered %v", r.Err, r.Value, r.Mastered)
	}
	if (Policy{}).String() != "invalid policy" || (Policy{}).ID() != "" || len((Policy{}).Params()) != 0 {
		t.Error("the zero Policy should describe itself as invalid")
	}
}

// TestExplanationNeverContradicts checks that rounding for display never
// makes a value look equal to proficient when it is below it.
func TestExplanationNeverContradicts(t *testing.T) {
	// (3 + 2.99998)/2 = 2.99999 < 3: two decimals would print "3".
	r := Evaluate(mustLookup(t, "mean", nil), DefaultScale(), levels(3, 2.99998))
	checkResult(t, r, expect{value: val(2.99999), mastered: false,
		contains: []string{"2.99999 < proficient 3: not yet mastered"}})
	// scale 0..10, proficient 7: (7 + 6.9)/2 = 6.95 prints as 6.95, not 7.
	r = Evaluate(mustLookup(t, "mean", nil), Scale{Min: 0, Max: 10, Proficient: 7}, levels(7, 6.9))
	checkResult(t, r, expect{value: val(6.95), mastered: false, contains: []string{"6.95 < proficient 7"}})
}

// TestDeterministic checks that the same inputs always give identical
// results, bit for bit, from any goroutine, and that Evaluate leaves the
// caller's slice alone.
func TestDeterministic(t *testing.T) {
	inputs := [][]Score{
		levels(1, 1, 2, 2, 2, 2, 3, 4, 4, 4, 4, 4),
		levels(2, 3, 2, 4),
		unsorted(),
		tied(),
		levels(2.7, 3.1, 3.3, 2.9, 3.6),
	}
	type key struct{ policy, input int }
	first := map[key]Result{}
	for i, p := range Defaults() {
		for j, in := range inputs {
			first[key{i, j}] = Evaluate(p, DefaultScale(), in)
		}
	}
	same := func(a, b Result) bool {
		if (a.Value == nil) != (b.Value == nil) {
			return false
		}
		if a.Value != nil && math.Float64bits(*a.Value) != math.Float64bits(*b.Value) {
			return false
		}
		a.Value, b.Value = nil, nil
		return reflect.DeepEqual(a, b)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 50; round++ {
				for i, p := range Defaults() {
					for j, in := range inputs {
						before := slices.Clone(in)
						r := Evaluate(p, DefaultScale(), in)
						if !same(r, first[key{i, j}]) {
							errs <- fmt.Sprintf("%s on input %d: %+v, first %+v", p, j, r, first[key{i, j}])
							return
						}
						if !slices.Equal(in, before) {
							errs <- fmt.Sprintf("%s modified its input %d", p, j)
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestOrderIndependence checks that a shuffled copy of the same evidence
// (distinct instants) gives the same result: only occurredAt orders it.
func TestOrderIndependence(t *testing.T) {
	in := levels(1, 1, 2, 2, 2, 2, 3, 4, 4, 4, 4, 4)
	reversed := slices.Clone(in)
	slices.Reverse(reversed)
	for _, p := range Defaults() {
		a, b := Evaluate(p, DefaultScale(), in), Evaluate(p, DefaultScale(), reversed)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: in order %+v, reversed %+v", p, a, b)
		}
	}
}
