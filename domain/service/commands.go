package service

import (
	"context"
	"time"

	"github.com/masteryledger/ledger/domain"
)

// Every method records one command and returns the event it appended (or,
// for a retried command, the event first appended). ifMatch, if not nil, is
// the client's expected last revision of the command's stream.
//
// Errors: *domain.ValidationError (ErrInvalid) for malformed fields; an error
// wrapping ErrNotFound for a subject that does not exist (the learner,
// school, standard, evidence, goal or plan of the route); *domain.RuleError
// (ErrRuleBroken) for a broken invariant; *domain.WrongExpectedRevisionError
// (ErrConflict) for a stale ifMatch; *domain.EventIDConflictError
// (ErrConflict) for an event id reused for another command; an error
// wrapping ErrConflict for publishing, registering or enrolling an id that
// exists; anything else is the store's.

// PublishStandard publishes revision 1 of a standard.
func (s *Service) PublishStandard(ctx context.Context, c domain.PublishStandard) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream: domain.StandardStream(c.StandardID), create: true, what: "standard " + quote(c.StandardID), newState: newStandard,
		decide: func(_ folder, _ deps, now time.Time) (domain.Event, error) { return c.Decide(now) },
	}, c.Meta, nil)
}

// ReviseStandard revises standard id.
func (s *Service) ReviseStandard(ctx context.Context, id string, c domain.ReviseStandard, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onStandard(ctx, id, c.Meta, ifMatch, func(std *domain.StandardState, now time.Time) (domain.Event, error) { return c.Decide(std, now) })
}

// RetireStandard retires standard id.
func (s *Service) RetireStandard(ctx context.Context, id string, c domain.RetireStandard, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onStandard(ctx, id, c.Meta, ifMatch, func(std *domain.StandardState, now time.Time) (domain.Event, error) { return c.Decide(std, now) })
}

func (s *Service) onStandard(ctx context.Context, id string, meta domain.Meta, ifMatch *uint64, decide func(*domain.StandardState, time.Time) (domain.Event, error)) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream: domain.StandardStream(id), newState: newStandard,
		decide: func(state folder, _ deps, now time.Time) (domain.Event, error) {
			return decide(state.(*domain.StandardState), now)
		},
	}, meta, ifMatch)
}

// RegisterSchool registers a school.
func (s *Service) RegisterSchool(ctx context.Context, c domain.RegisterSchool) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream: domain.SchoolStream(c.SchoolID), create: true, what: "school " + quote(c.SchoolID), newState: newSchool,
		decide: func(_ folder, _ deps, now time.Time) (domain.Event, error) { return c.Decide(now) },
	}, c.Meta, nil)
}

// RecordEfficacySurvey records one survey response at school schoolID.
func (s *Service) RecordEfficacySurvey(ctx context.Context, schoolID string, c domain.RecordEfficacySurvey) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream: domain.SchoolStream(schoolID), newState: newSchool,
		decide: func(state folder, _ deps, now time.Time) (domain.Event, error) {
			return c.Decide(state.(*domain.SchoolState), now)
		},
	}, c.Meta, nil)
}

// SetResearchSharing records school schoolID's choice of what the research
// copy shares.
func (s *Service) SetResearchSharing(ctx context.Context, schoolID string, c domain.SetResearchSharing) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream: domain.SchoolStream(schoolID), newState: newSchool,
		decide: func(state folder, _ deps, now time.Time) (domain.Event, error) {
			return c.Decide(state.(*domain.SchoolState), now)
		},
	}, c.Meta, nil)
}

// EnrollLearner enrolls c.LearnerID at school schoolID: the first event of
// the learner's stream.
func (s *Service) EnrollLearner(ctx context.Context, schoolID string, c domain.EnrollLearner) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream: domain.LearnerStream(c.LearnerID), create: true, what: "learner " + quote(c.LearnerID),
		school: schoolID, newState: newLearner,
		decide: func(_ folder, d deps, now time.Time) (domain.Event, error) {
			return c.Decide(d.school, now)
		},
	}, c.Meta, nil)
}

// learnerDecision decides a command about one learner, given the standards
// it names.
type learnerDecision func(l *domain.LearnerState, stds map[string]*domain.StandardState, now time.Time) (domain.Event, error)

func (s *Service) onLearner(ctx context.Context, learnerID string, meta domain.Meta, ifMatch *uint64, standards []string, decide learnerDecision) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream:    domain.LearnerStream(learnerID),
		standards: standards,
		newState:  newLearner,
		decide: func(state folder, d deps, now time.Time) (domain.Event, error) {
			return decide(state.(*domain.LearnerState), d.standards, now)
		},
	}, meta, ifMatch)
}

// WithdrawLearner withdraws a learner.
func (s *Service) WithdrawLearner(ctx context.Context, learnerID string, c domain.WithdrawLearner, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, now)
	})
}

// RecordPreAssessment records a pre-assessment.
func (s *Service) RecordPreAssessment(ctx context.Context, learnerID string, c domain.RecordPreAssessment, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, []string{c.StandardID}, func(l *domain.LearnerState, stds map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, stds[c.StandardID], now)
	})
}

// RecordEvidence records formative evidence.
func (s *Service) RecordEvidence(ctx context.Context, learnerID string, c domain.RecordEvidence, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, []string{c.StandardID}, func(l *domain.LearnerState, stds map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, stds[c.StandardID], now)
	})
}

// RetractEvidence retracts evidence c.EvidenceID.
func (s *Service) RetractEvidence(ctx context.Context, learnerID string, c domain.RetractEvidence, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, now)
	})
}

// GiveFeedback records feedback.
func (s *Service) GiveFeedback(ctx context.Context, learnerID string, c domain.GiveFeedback, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, []string{c.StandardID}, func(l *domain.LearnerState, stds map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, stds[c.StandardID], now)
	})
}

// SetGoal records a SMARTER goal.
func (s *Service) SetGoal(ctx context.Context, learnerID string, c domain.SetGoal, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, c.StandardIDs, func(l *domain.LearnerState, stds map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, stds, now)
	})
}

// DraftPlan records a PLCA plan.
func (s *Service) DraftPlan(ctx context.Context, learnerID string, c domain.DraftPlan, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, now)
	})
}

// AdjustPlan records a plan adjustment.
func (s *Service) AdjustPlan(ctx context.Context, learnerID string, c domain.AdjustPlan, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, now)
	})
}

// EvaluateGoal records a goal's evaluation.
func (s *Service) EvaluateGoal(ctx context.Context, learnerID string, c domain.EvaluateGoal, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, now)
	})
}

// ReviewGoal records a goal's review.
func (s *Service) ReviewGoal(ctx context.Context, learnerID string, c domain.ReviewGoal, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, now)
	})
}

// UpdateProfile records the learner's profile.
func (s *Service) UpdateProfile(ctx context.Context, learnerID string, c domain.UpdateProfile, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, now)
	})
}

// ErasePersonalData records the erasure of a learner's personal data. It
// does not destroy the learner's key: the service knows no key store. The
// caller destroys it once this returns (adapters/keystore), and a reader of
// the log that sees the erasure destroys it too, so a crash in between
// still ends with the key destroyed.
func (s *Service) ErasePersonalData(ctx context.Context, learnerID string, c domain.ErasePersonalData, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, now)
	})
}

// RequestReadiness records the learner's request to be assessed.
func (s *Service) RequestReadiness(ctx context.Context, learnerID string, c domain.RequestReadiness, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, []string{c.StandardID}, func(l *domain.LearnerState, stds map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, stds[c.StandardID], now)
	})
}

// AgreeReadiness records the learner's and teacher's readiness agreement.
func (s *Service) AgreeReadiness(ctx context.Context, learnerID string, c domain.AgreeReadiness, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, []string{c.StandardID}, func(l *domain.LearnerState, stds map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, stds[c.StandardID], now)
	})
}

// RecordSummativeAttempt records a summative attempt's result.
func (s *Service) RecordSummativeAttempt(ctx context.Context, learnerID string, c domain.RecordSummativeAttempt, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, []string{c.StandardID}, func(l *domain.LearnerState, stds map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, stds[c.StandardID], now)
	})
}

func quote(s string) string { return `"` + s + `"` }

func newStandard() folder { return &domain.StandardState{} }
func newSchool() folder   { return &domain.SchoolState{} }
func newLearner() folder  { return &domain.LearnerState{} }

// IssueCredential records a credential issued for a met standard.
func (s *Service) IssueCredential(ctx context.Context, learnerID string, c domain.IssueCredential, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, now)
	})
}

// RevokeCredential records the revocation of an issued credential.
func (s *Service) RevokeCredential(ctx context.Context, learnerID string, c domain.RevokeCredential, ifMatch *uint64) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, ifMatch, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, now)
	})
}
