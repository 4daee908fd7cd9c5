package main

import (
	"reflect"
	"slices"
	"testing"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/review"
)

// TestDemoPracticeReviews: the demo school has two practice reviews, one
// concluded and one open. The concluded one recorded the figures the live
// read model computes as of the position it names (the last before the
// conclusion), both groups have figures before and during, its learned
// text says what the figures show, and its replay lists its two events.
func TestDemoPracticeReviews(t *testing.T) {
	dir, _ := demoData(t)
	store := openStore(t, dir)
	p := review.New()
	if _, err := projections.Rebuild(t.Context(), store, p); err != nil {
		t.Fatal(err)
	}
	rs := p.Reviews(demoSchool)
	if len(rs) != 2 || rs[0].ReviewID != demoReviewFeedback || rs[1].ReviewID != demoReviewOwnCycle {
		t.Fatalf("reviews %+v, want %s and %s", rs, demoReviewFeedback, demoReviewOwnCycle)
	}
	done, open := rs[0], rs[1]
	if open.Conclusion != nil {
		t.Errorf("%s is concluded: %+v", open.ReviewID, open.Conclusion)
	}
	c := done.Conclusion
	if c == nil || c.Decision != domain.ReviewAdjust || c.Learned == "" {
		t.Fatalf("%s: conclusion %+v, want the decision adjust with what was learned", done.ReviewID, c)
	}
	if c.Figures.AsOfPosition != c.Position-1 {
		t.Errorf("the conclusion at position %d recorded figures as of %d, want the position just before it", c.Position, c.Figures.AsOfPosition)
	}
	live := p.FiguresAt(done, c.Figures.AsOfPosition)
	if !reflect.DeepEqual(live, c.Figures) {
		t.Errorf("recorded figures\n%+v\nthe read model as of %d\n%+v", c.Figures, c.Figures.AsOfPosition, live)
	}
	if f := c.Figures; f.ScopeLearners != 10 || f.ComparisonLearners != 20 || len(f.Figures) != 5 {
		t.Errorf("%d learners in scope, %d in comparison, %d figures; want Ms Rivera's 10, the other 20, and 5 figures",
			f.ScopeLearners, f.ComparisonLearners, len(f.Figures))
	}
	for _, f := range c.Figures.Figures {
		if f.ScopeBefore == nil || f.ScopeDuring == nil || f.ComparisonBefore == nil || f.ComparisonDuring == nil || f.Difference == nil {
			t.Errorf("%s: a group without a figure before or during: %+v", f.Name, f)
			continue
		}
		// What the conclusion's learned text says.
		if !(*f.Low <= 0 && 0 <= *f.High) {
			t.Errorf("%s: interval [%v, %v] leaves out zero; the learned text says every interval includes it", f.Name, *f.Low, *f.High)
		}
		if f.Name == review.FigureDaysToMastery && !(*f.ScopeDuring < *f.ScopeBefore && *f.ComparisonDuring > *f.ComparisonBefore) {
			t.Errorf("days to mastery: scope %v then %v, comparison %v then %v; the learned text says they fell in the scope and rose in the others",
				*f.ScopeBefore, *f.ScopeDuring, *f.ComparisonBefore, *f.ComparisonDuring)
		}
	}
	// The open review's figures are computed now, from the same model.
	if r, ok := p.Read(demoSchool, open.ReviewID); !ok || r.FiguresOf != "now" || r.Figures.AsOfPosition != p.Position() {
		t.Errorf("open review read as %q as of %d, want now as of %d", r.FiguresOf, r.Figures.AsOfPosition, p.Position())
	}

	evs, err := httpapi.ReviewEvents(t.Context(), store, demoSchool, done.ReviewID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	var positions []uint64
	for _, e := range evs {
		types = append(types, e.Type)
		positions = append(positions, e.Position)
	}
	if !slices.Equal(types, []string{domain.TypePracticeReviewStarted, domain.TypePracticeReviewConcluded}) ||
		!slices.Equal(positions, []uint64{done.StartedPosition, c.Position}) {
		t.Errorf("replay of %s: %v at %v, want its start at %d and its conclusion at %d", done.ReviewID, types, positions, done.StartedPosition, c.Position)
	}
}
