package service

import (
	"context"
	"fmt"
	"time"

	"github.com/masteryledger/ledger/domain"
)

// The xAPI commands (domain/xapi.go). Errors as for the other commands.

// RecordStatement stores an xAPI statement in learnerID's stream, or in the
// school's stream when learnerID is empty (the statement's actor is no
// enrolled learner). The statement's id is the event's id: a statement
// stored already with the same content answers the stored event, one with
// other content *domain.EventIDConflictError.
func (s *Service) RecordStatement(ctx context.Context, learnerID string, c domain.RecordStatement) (domain.RecordedEvent, error) {
	if learnerID == "" {
		return s.write(ctx, plan{
			stream: domain.SchoolStream(c.SchoolID), newState: newSchool,
			decide: func(state folder, _ deps, now time.Time) (domain.Event, error) {
				return c.DecideForSchool(state.(*domain.SchoolState), now)
			},
		}, c.Meta, nil)
	}
	return s.onLearner(ctx, learnerID, c.Meta, nil, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.DecideForLearner(l, now)
	})
}

// AlignXAPIActivity records an alignment of an activity in school
// schoolID's stream.
func (s *Service) AlignXAPIActivity(ctx context.Context, schoolID string, c domain.AlignXAPIActivity) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream: domain.SchoolStream(schoolID), newState: newSchool, standards: []string{c.StandardID},
		decide: func(state folder, d deps, now time.Time) (domain.Event, error) {
			return c.Decide(state.(*domain.SchoolState), d.standards[c.StandardID], now)
		},
	}, c.Meta, nil)
}

// LinkXAPIAgent records, in school schoolID's stream, which learner an
// xAPI agent is.
func (s *Service) LinkXAPIAgent(ctx context.Context, schoolID string, c domain.LinkXAPIAgent) (domain.RecordedEvent, error) {
	learner := &domain.LearnerState{}
	if domain.ValidID(c.LearnerID) {
		evs, err := s.store.ReadStream(ctx, domain.LearnerStream(c.LearnerID), 0, 0)
		if err != nil {
			return domain.RecordedEvent{}, fmt.Errorf("read learner %q: %w", c.LearnerID, err)
		}
		if learner, err = foldInto(learner, evs); err != nil {
			return domain.RecordedEvent{}, err
		}
	}
	return s.write(ctx, plan{
		stream: domain.SchoolStream(schoolID), newState: newSchool,
		decide: func(state folder, _ deps, now time.Time) (domain.Event, error) {
			return c.Decide(state.(*domain.SchoolState), learner, now)
		},
	}, c.Meta, nil)
}

// RecordStatementEvidence records evidence derived from an aligned
// statement. c.EventID should be domain.StatementEvidenceID, so that
// deriving it again answers the stored event.
func (s *Service) RecordStatementEvidence(ctx context.Context, learnerID string, c domain.RecordStatementEvidence) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, nil, []string{c.StandardID}, func(l *domain.LearnerState, stds map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, stds[c.StandardID], now)
	})
}

// RetractStatementEvidence retracts evidence whose statement was voided.
func (s *Service) RetractStatementEvidence(ctx context.Context, learnerID string, c domain.RetractStatementEvidence) (domain.RecordedEvent, error) {
	return s.onLearner(ctx, learnerID, c.Meta, nil, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
		return c.Decide(l, now)
	})
}
