package main

import (
	"context"
	"fmt"
	"time"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/review"
)

// The demo's two practice reviews (docs/domain.md, call 26): one the staff
// concluded, one still open. They are recorded once every learner's term
// is written, through the commands the API records them with, and the
// conclusion's figures are computed by the read model the API and the
// pages compute them with, as of the position the demo has reached.
const (
	demoReviewFeedback = "feedback-within-a-day"
	demoReviewOwnCycle = "learners-own-the-cycle"
)

var demoReviewer = domain.Actor{Role: domain.RoleTeacher, Name: demoTeacher}

// demoTeacherOf is the index in demoTeachers of learner n's teacher, as
// newLearnerTerm assigns them.
func demoTeacherOf(n int) int { return (n - 1) % len(demoTeachers) }

// demoGroups returns the ids of the learners 1 to learners whose teacher
// index satisfies in, and of the others.
func demoGroups(learners int, in func(teacher int) bool) (scope, others []string) {
	for n := 1; n <= learners; n++ {
		id := fmt.Sprintf("l-%04d", n)
		if in(demoTeacherOf(n)) {
			scope = append(scope, id)
		} else {
			others = append(others, id)
		}
	}
	return scope, others
}

// comparisonOf is a comparison scope of ids, or none when the demo wrote
// too few learners to have one (a scope must name somebody).
func comparisonOf(ids []string) *domain.ReviewScope {
	if len(ids) == 0 {
		return nil
	}
	return &domain.ReviewScope{LearnerIDs: ids}
}

// demoReviews records the demo's practice reviews into the school whose
// learners are written to store:
//
//   - "feedback within a day": Ms Rivera's class (every third learner from
//     l-0001) got written feedback within a school day of each piece of
//     evidence from Monday 5 October to Monday 9 November, beside the
//     other two classes; concluded on Thursday 12 November with the
//     decision to adjust it.
//   - "learners own the cycle": from Tuesday 22 September, Ms Rivera's and
//     Mr Chen's classes set their own goals, draft their own plans and ask
//     to be assessed, beside Ms Okafor's, which leaves that to the
//     teacher (learnerTerm.owns); still open, to be looked at again on
//     Friday 27 November, its figures computed as of now.
//
// The learners' terms are drawn alike in every class (learnerTerm), so the
// feedback practice leaves no mark of its own on the figures; what the
// staff wrote they learned is what the figures do show, and
// TestDemoPracticeReviews holds it to them.
func demoReviews(ctx context.Context, svc *service.Service, store projections.Reader, learners int) error {
	p := review.New()
	if _, err := projections.Rebuild(ctx, store, p); err != nil {
		return fmt.Errorf("practice reviews: %w", err)
	}
	std := make([]string, len(demoStandards))
	for i, s := range demoStandards {
		std[i] = s.id
	}
	rivera, others := demoGroups(learners, func(t int) bool { return t == 0 })
	owners, okafor := demoGroups(learners, func(t int) bool { return t != 2 })
	starts := []domain.StartPracticeReview{
		{
			Meta:     domain.Meta{Actor: demoReviewer, OccurredAt: demoDay(24).Add(7*time.Hour + 45*time.Minute)},
			ReviewID: demoReviewFeedback, Practice: "Written feedback within one school day of each piece of evidence",
			IntendedResult: "Evidence levels rise sooner, and more not-yet attempts are followed by a met one",
			StandardIDs:    std, Scope: domain.ReviewScope{LearnerIDs: rivera}, Comparison: comparisonOf(others),
			StartDate: demoDay(24).Format(time.DateOnly), ReviewDate: demoDay(49).Format(time.DateOnly),
		},
		{
			Meta:     domain.Meta{Actor: demoReviewer, OccurredAt: demoDay(15).Add(7*time.Hour + 30*time.Minute)},
			ReviewID: demoReviewOwnCycle, Practice: "Learners set their own goals, draft and adjust their own plans and ask to be assessed",
			IntendedResult: "Learners record more of their own cycle, and meet standards no later than before",
			StandardIDs:    std, Scope: domain.ReviewScope{LearnerIDs: owners}, Comparison: comparisonOf(okafor),
			StartDate: demoDay(15).Format(time.DateOnly), ReviewDate: "2026-11-27",
		},
	}
	for _, c := range starts {
		if _, err := svc.StartPracticeReview(ctx, demoSchool, c, p.Roster(demoSchool)); err != nil {
			return fmt.Errorf("start practice review %s: %w", c.ReviewID, err)
		}
	}
	// The read model catches up with the starts, as the server's would
	// before the staff open the conclusion form.
	if err := catchUp(ctx, store, p); err != nil {
		return fmt.Errorf("practice reviews: %w", err)
	}
	c := domain.ConcludePracticeReview{
		Meta:     domain.Meta{Actor: demoReviewer, OccurredAt: demoDay(52).Add(15*time.Hour + 30*time.Minute)},
		ReviewID: demoReviewFeedback, Decision: domain.ReviewAdjust,
		Learned: "Days to mastery fell in Ms Rivera's class while they rose in the others, but every interval includes zero, " +
			"and the class also records more of its own cycle than the others, so the figures cannot tell the feedback's part. " +
			"Next unit every class gets feedback within a day, and we compare the units.",
	}
	c.Figures = p.ConclusionFigures(demoSchool, c.ReviewID, c.EventID)
	if _, err := svc.ConcludePracticeReview(ctx, demoSchool, c); err != nil {
		return fmt.Errorf("conclude practice review %s: %w", c.ReviewID, err)
	}
	return nil
}

// catchUp applies to p the events stored after its position.
func catchUp(ctx context.Context, store projections.Reader, p *review.Projection) error {
	for {
		evs, err := store.ReadAll(ctx, p.Position(), 10_000)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		for _, e := range evs {
			if err := p.Apply(e); err != nil {
				return err
			}
		}
	}
}
