package review

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/masteryledger/ledger/domain"
)

// Names of a review's figures, in the order they are given.
const (
	FigureEvidenceLevel  = "evidence-level"
	FigureStandardsMet   = "standards-met-per-learner"
	FigureDaysToMastery  = "days-to-mastery"
	FigureNotYetThenMet  = "not-yet-then-met"
	FigureLearnerActions = "learner-actions-per-learner"
)

// Resamples is the number of bootstrap resamples behind every interval,
// and Level the interval's confidence.
const (
	Resamples = 2000
	Level     = 0.95
)

// window is one half-open span of occurredAt: [from, to).
type window struct{ from, to time.Time }

func (w window) has(t time.Time) bool { return !t.Before(w.from) && t.Before(w.to) }

// windows returns the review's two spans: during is [startDate,
// reviewDate), before the span of the same length that ends at startDate.
func windows(r Review) (before, during window) {
	start, _ := time.Parse(time.DateOnly, r.StartDate)
	end, _ := time.Parse(time.DateOnly, r.ReviewDate)
	return window{start.Add(-end.Sub(start)), start}, window{start, end}
}

// stats is what one learner contributes to the figures in one window.
type stats struct {
	levelSum, levels int
	met              int
	days             []float64
	notYet, thenMet  int
	actions          int
}

// learnerStats computes l's stats in w from the facts up to asOf, on the
// review's standards.
func learnerStats(l *learner, standards []string, w window, asOf uint64) stats {
	var st stats
	retracted := make(map[[16]byte]bool)
	for _, f := range l.facts {
		if f.pos <= asOf && f.kind == factRetraction {
			retracted[f.id] = true
		}
	}
	first := make(map[string]time.Time) // the first current evidence on each standard
	for _, f := range l.facts {
		if f.pos > asOf || f.kind != factEvidence || retracted[f.id] || !slices.Contains(standards, f.standard) {
			continue
		}
		if t, ok := first[f.standard]; !ok || f.at.Before(t) {
			first[f.standard] = f.at
		}
		if w.has(f.at) {
			st.levelSum += f.level
			st.levels++
		}
	}
	for i, f := range l.facts {
		if f.pos > asOf || !w.has(f.at) {
			continue
		}
		switch f.kind {
		case factActivity:
			st.actions++
		case factAttempt:
			if !slices.Contains(standards, f.standard) {
				continue
			}
			if f.meets {
				st.met++
				if t, ok := first[f.standard]; ok && !t.After(f.at) {
					st.days = append(st.days, f.at.Sub(t).Hours()/24)
				}
				continue
			}
			st.notYet++
			// Followed by met: a later meeting attempt on the same
			// standard within the same window.
			for _, g := range l.facts[i+1:] {
				if g.pos <= asOf && g.kind == factAttempt && g.meets && g.standard == f.standard && w.has(g.at) {
					st.thenMet++
					break
				}
			}
		}
	}
	return st
}

// group is the per-learner stats of one group in both windows.
type group struct{ before, during []stats }

// figureFn computes one figure over the learners at indices idx of a
// group's stats; ok is false where it has no denominator.
type figureFn func(s []stats, idx []int) (float64, bool)

var figureFns = []struct {
	name string
	fn   figureFn
}{
	{FigureEvidenceLevel, func(s []stats, idx []int) (float64, bool) {
		sum, n := 0, 0
		for _, i := range idx {
			sum, n = sum+s[i].levelSum, n+s[i].levels
		}
		return ratio(float64(sum), n)
	}},
	{FigureStandardsMet, func(s []stats, idx []int) (float64, bool) {
		sum := 0
		for _, i := range idx {
			sum += s[i].met
		}
		return ratio(float64(sum), len(idx))
	}},
	{FigureDaysToMastery, func(s []stats, idx []int) (float64, bool) {
		var all []float64
		for _, i := range idx {
			all = append(all, s[i].days...)
		}
		return median(all)
	}},
	{FigureNotYetThenMet, func(s []stats, idx []int) (float64, bool) {
		sum, n := 0, 0
		for _, i := range idx {
			sum, n = sum+s[i].thenMet, n+s[i].notYet
		}
		return ratio(float64(sum), n)
	}},
	{FigureLearnerActions, func(s []stats, idx []int) (float64, bool) {
		sum := 0
		for _, i := range idx {
			sum += s[i].actions
		}
		return ratio(float64(sum), len(idx))
	}},
}

func ratio(num float64, den int) (float64, bool) {
	if den == 0 {
		return 0, false
	}
	return num / float64(den), true
}

func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2], true
	}
	return (xs[n/2-1] + xs[n/2]) / 2, true
}

// change is a figure's during minus before for one group.
func change(fn figureFn, g group, idx []int) (float64, bool) {
	b, ok1 := fn(g.before, idx)
	d, ok2 := fn(g.during, idx)
	return d - b, ok1 && ok2
}

// difference is the scope's change, less the comparison's if there is a
// comparison group.
func difference(fn figureFn, scope, cmp group, sIdx, cIdx []int, hasCmp bool) (float64, bool) {
	ds, ok := change(fn, scope, sIdx)
	if !ok || !hasCmp {
		return ds, ok
	}
	dc, ok := change(fn, cmp, cIdx)
	return ds - dc, ok
}

func (p *Projection) figures(r Review, asOf uint64) domain.ReviewFigures {
	before, during := windows(r)
	sl, cl := p.groups(r, asOf)
	build := func(ls []*learner) group {
		g := group{before: make([]stats, len(ls)), during: make([]stats, len(ls))}
		for i, l := range ls {
			g.before[i] = learnerStats(l, r.StandardIDs, before, asOf)
			g.during[i] = learnerStats(l, r.StandardIDs, during, asOf)
		}
		return g
	}
	scope, cmp := build(sl), build(cl)
	hasCmp := r.Comparison != nil
	sAll, cAll := indices(len(sl)), indices(len(cl))

	out := domain.ReviewFigures{AsOfPosition: asOf, ScopeLearners: len(sl), ComparisonLearners: len(cl),
		Resamples: Resamples, Level: Level, Figures: make([]domain.ReviewFigure, 0, len(figureFns))}
	defined := make([]bool, len(figureFns))
	for i, f := range figureFns {
		fig := domain.ReviewFigure{Name: f.name, Observational: true}
		fig.ScopeBefore = value(f.fn(scope.before, sAll))
		fig.ScopeDuring = value(f.fn(scope.during, sAll))
		if hasCmp {
			fig.ComparisonBefore = value(f.fn(cmp.before, cAll))
			fig.ComparisonDuring = value(f.fn(cmp.during, cAll))
		}
		fig.Difference = value(difference(f.fn, scope, cmp, sAll, cAll, hasCmp))
		defined[i] = fig.Difference != nil
		out.Figures = append(out.Figures, fig)
	}
	for i, iv := range bootstrap(seed(r), defined, scope, cmp, len(sl), len(cl), hasCmp) {
		out.Figures[i].Low, out.Figures[i].High = iv[0], iv[1]
	}
	return out
}

// bootstrap resamples the learners of each group with replacement,
// Resamples times, and returns for each figure whose point difference is
// defined the percentile interval of the difference: the values of nearest
// rank ceil(q·m) for q = 0.025 and 0.975 among the m resamples where the
// difference is defined. Every figure is computed on the same resamples,
// drawn by a generator seeded from the school and review ids, so the same
// events give the same intervals.
func bootstrap(s [2]uint64, defined []bool, scope, cmp group, ns, nc int, hasCmp bool) [][2]*float64 {
	out := make([][2]*float64, len(figureFns))
	if !slices.Contains(defined, true) {
		return out
	}
	rng := rand.New(rand.NewPCG(s[0], s[1]))
	sIdx, cIdx := make([]int, ns), make([]int, nc)
	diffs := make([][]float64, len(figureFns))
	for range Resamples {
		for i := range sIdx {
			sIdx[i] = rng.IntN(ns)
		}
		for i := range cIdx {
			cIdx[i] = rng.IntN(nc)
		}
		for k, f := range figureFns {
			if !defined[k] {
				continue
			}
			if d, ok := difference(f.fn, scope, cmp, sIdx, cIdx, hasCmp); ok {
				diffs[k] = append(diffs[k], d)
			}
		}
	}
	tail := (1 - Level) / 2
	for k, ds := range diffs {
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		out[k] = [2]*float64{value(nearestRank(ds, tail), true), value(nearestRank(ds, 1-tail), true)}
	}
	return out
}

// nearestRank is the q-quantile of sorted xs by nearest rank.
func nearestRank(xs []float64, q float64) float64 {
	k := int(math.Ceil(q*float64(len(xs)) - 1e-9))
	return xs[min(max(k, 1), len(xs))-1]
}

func seed(r Review) [2]uint64 {
	h := sha256.Sum256([]byte(r.SchoolID + "\x00" + r.ReviewID))
	return [2]uint64{binary.BigEndian.Uint64(h[:8]), binary.BigEndian.Uint64(h[8:16])}
}

func indices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// value rounds v to four decimals, so that the figures a conclusion
// records read as the page shows them; nil where !ok.
func value(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	r := math.Round(v*1e4) / 1e4
	if r == 0 {
		r = 0 // no -0 in JSON
	}
	return &r
}
