package service

import (
	"context"
	"time"

	"github.com/masteryledger/ledger/domain"
)

// StartPracticeReview starts a practice review at school schoolID. roster
// is the school's learners as the caller's projection knows them: the
// scope is checked against it (enrolment is in the learners' streams,
// which the service does not fold for a school's command).
func (s *Service) StartPracticeReview(ctx context.Context, schoolID string, c domain.StartPracticeReview, roster domain.SchoolRoster) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream: domain.SchoolStream(schoolID), newState: newSchool, standards: c.StandardIDs,
		decide: func(state folder, d deps, now time.Time) (domain.Event, error) {
			return c.Decide(state.(*domain.SchoolState), d.standards, roster, now)
		},
	}, c.Meta, nil)
}

// ConcludePracticeReview concludes practice review c.ReviewID of school
// schoolID with the figures c carries. A retried conclusion must carry the
// figures first recorded (the caller reads them from the stored
// conclusion), or it records another command.
func (s *Service) ConcludePracticeReview(ctx context.Context, schoolID string, c domain.ConcludePracticeReview) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream: domain.SchoolStream(schoolID), newState: newSchool,
		decide: func(state folder, _ deps, now time.Time) (domain.Event, error) {
			return c.Decide(state.(*domain.SchoolState), now)
		},
	}, c.Meta, nil)
}
