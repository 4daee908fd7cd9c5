package service

import (
	"context"
	"time"

	"github.com/masteryledger/ledger/domain"
)

// PublishSurveyInstrument publishes a version of a survey instrument at
// school schoolID.
func (s *Service) PublishSurveyInstrument(ctx context.Context, schoolID string, c domain.PublishSurveyInstrument) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream: domain.SchoolStream(schoolID), newState: newSchool,
		decide: func(state folder, _ deps, now time.Time) (domain.Event, error) {
			return c.Decide(state.(*domain.SchoolState), now)
		},
	}, c.Meta, nil)
}

// OpenSurveyRound opens a survey round at school schoolID.
func (s *Service) OpenSurveyRound(ctx context.Context, schoolID string, c domain.OpenSurveyRound) (domain.RecordedEvent, error) {
	return s.write(ctx, plan{
		stream: domain.SchoolStream(schoolID), newState: newSchool,
		decide: func(state folder, _ deps, now time.Time) (domain.Event, error) {
			return c.Decide(state.(*domain.SchoolState), now)
		},
	}, c.Meta, nil)
}
