package service_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// A practice review through the service: the scope is checked against the
// roster the caller passes; a retried conclusion with the figures first
// recorded is the same command, and with other figures it is another
// command under a reused id. That is why the adapter gives a retry the
// stored figures rather than the live ones.
func TestPracticeReviewThroughTheService(t *testing.T) {
	f := newFixture(t)
	f.school(t)
	ctx := t.Context()
	start := domain.StartPracticeReview{Meta: meta(teacher), ReviewID: "r1", Practice: "p", IntendedResult: "i",
		StandardIDs: []string{"math-6-rp-1"}, Scope: domain.ReviewScope{LearnerIDs: []string{"l-0001"}}, StartDate: "2026-08-01", ReviewDate: "2026-09-01"}
	var rule *domain.RuleError
	if _, err := f.svc.StartPracticeReview(ctx, "north", start, domain.SchoolRoster{}); !errors.As(err, &rule) || rule.Rule != domain.RuleUnknownLearner {
		t.Fatalf("a learner the roster lacks: %v", err)
	}
	roster := domain.SchoolRoster{Learners: map[string]string{"l-0001": "grade-6"}}
	must(t)(f.svc.StartPracticeReview(ctx, "north", start, roster))

	figs := func(d float64) domain.ReviewFigures {
		return domain.ReviewFigures{AsOfPosition: 5, ScopeLearners: 1, Resamples: 2000, Level: 0.95,
			Figures: []domain.ReviewFigure{{Name: "evidence-level", Difference: &d, Observational: true}}}
	}
	c := domain.ConcludePracticeReview{Meta: domain.Meta{EventID: uuid.New(), Actor: teacher}, ReviewID: "r1", Decision: domain.ReviewKeep,
		Learned: "l", Figures: figs(1)}
	first := must(t)(f.svc.ConcludePracticeReview(ctx, "north", c))
	if again := must(t)(f.svc.ConcludePracticeReview(ctx, "north", c)); again.ID != first.ID || again.Position != first.Position {
		t.Errorf("a retry answered %+v, want %+v", again, first)
	}
	c.Figures = figs(2)
	var reused *domain.EventIDConflictError
	if _, err := f.svc.ConcludePracticeReview(ctx, "north", c); !errors.As(err, &reused) {
		t.Errorf("a retry with other figures: %v, want an event id conflict", err)
	}
}
