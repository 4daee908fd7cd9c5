package service

import (
	"context"
	"time"

	"github.com/masteryledger/ledger/domain"
)

// RecordXAPIDocument appends a write of an xAPI document of school
// schoolID to learnerID's stream, or to the school's when learnerID is
// empty. The adapter decides the content (a merge included) and checks
// the concurrency headers before it calls.
func (s *Service) RecordXAPIDocument(ctx context.Context, schoolID, learnerID string, c domain.RecordXAPIDocument) (domain.RecordedEvent, error) {
	if learnerID != "" {
		return s.onLearner(ctx, learnerID, c.Meta, nil, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
			return c.DecideForLearner(l, now)
		})
	}
	return s.write(ctx, plan{
		stream: domain.SchoolStream(schoolID), newState: newSchool,
		decide: func(state folder, _ deps, now time.Time) (domain.Event, error) {
			return c.DecideForSchool(state.(*domain.SchoolState), now)
		},
	}, c.Meta, nil)
}

// DeleteXAPIDocuments appends the tombstone of xAPI documents, in the
// stream RecordXAPIDocument chooses.
func (s *Service) DeleteXAPIDocuments(ctx context.Context, schoolID, learnerID string, c domain.DeleteXAPIDocuments) (domain.RecordedEvent, error) {
	if learnerID != "" {
		return s.onLearner(ctx, learnerID, c.Meta, nil, nil, func(l *domain.LearnerState, _ map[string]*domain.StandardState, now time.Time) (domain.Event, error) {
			return c.DecideForLearner(l, now)
		})
	}
	return s.write(ctx, plan{
		stream: domain.SchoolStream(schoolID), newState: newSchool,
		decide: func(state folder, _ deps, now time.Time) (domain.Event, error) {
			return c.DecideForSchool(state.(*domain.SchoolState), now)
		},
	}, c.Meta, nil)
}
