package service

import (
	"context"
	"errors"
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

// StatementWrite is one statement and the evidence derived from it, which
// RecordStatements appends together; for a voiding statement, the
// retractions of the evidence its target gave in the same stream, so that
// a statement is never voided while its evidence stays current.
type StatementWrite struct {
	Statement   domain.RecordStatement
	Evidence    []domain.RecordStatementEvidence
	Retractions []domain.RetractStatementEvidence
}

// RecordStatements appends statements of school schoolID, each followed by
// its derived evidence and retractions, to learnerID's stream (the school's when learnerID
// is empty, where no evidence goes) in one append: all are stored or none,
// with one commit, so a statement is never stored without its evidence.
// Evidence or a retraction the domain refuses (a retired standard, evidence
// retracted already) is left out; the statement is stored.
//
// Returns *domain.EventIDConflictError if a statement id is stored in the
// stream already (the caller answers a statement sent twice before it
// gets here), the refusal of the first statement the domain refuses, and
// the store's errors.
func (s *Service) RecordStatements(ctx context.Context, schoolID, learnerID string, writes []StatementWrite) ([]domain.RecordedEvent, error) {
	stream, newState := domain.LearnerStream(learnerID), newLearner
	if learnerID == "" {
		stream, newState = domain.SchoolStream(schoolID), newSchool
	}
	p := plan{stream: stream, newState: newState}
	for _, w := range writes {
		for _, e := range w.Evidence {
			p.standards = append(p.standards, e.StandardID)
		}
	}
	unlock := s.locks.lock(stream)
	defer unlock()
	refresh := false
attempts:
	for attempt := 0; ; attempt++ {
		now := s.opts.Now()
		st, fresh, err := s.cache.current(ctx, s.store, stream, newState, refresh)
		if err != nil {
			return nil, err
		}
		refresh = false
		d, err := s.loadDeps(ctx, p)
		if err != nil {
			return nil, err
		}
		var batch []domain.EventData
		for _, w := range writes {
			if rev, seen := st.ids[w.Statement.EventID]; seen {
				return nil, &domain.EventIDConflictError{EventID: w.Statement.EventID.String(), Stream: stream, Revision: rev,
					Reason: "the statement id is stored already"}
			}
			var ev domain.Event
			var err error
			if learnerID == "" {
				ev, err = w.Statement.DecideForSchool(st.state.(*domain.SchoolState), now)
			} else {
				ev, err = w.Statement.DecideForLearner(st.state.(*domain.LearnerState), now)
			}
			if err != nil {
				if !fresh {
					refresh = true
					continue attempts
				}
				return nil, err
			}
			data, err := s.packed(ctx, stream, w.Statement.Meta, ev)
			if err != nil {
				return nil, err
			}
			batch = append(batch, data)
			if learnerID == "" {
				continue
			}
			for _, e := range w.Evidence {
				ev, err := e.Decide(st.state.(*domain.LearnerState), d.standards[e.StandardID], now)
				if err != nil {
					continue // no evidence from this statement for that component
				}
				data, err := s.packed(ctx, stream, e.Meta, ev)
				if err != nil {
					return nil, err
				}
				batch = append(batch, data)
			}
			for _, r := range w.Retractions {
				ev, err := r.Decide(st.state.(*domain.LearnerState), now)
				if err != nil {
					continue // retracted already, or not this stream's
				}
				data, err := s.packed(ctx, stream, r.Meta, ev)
				if err != nil {
					return nil, err
				}
				batch = append(batch, data)
			}
		}
		var expected domain.ExpectedRevision = domain.NoStream{}
		if st.version > 0 {
			expected = domain.Revision(st.version - 1)
		}
		recs, err := s.store.Append(ctx, stream, expected, batch...)
		if err == nil {
			s.cache.appended(stream, st, recs)
			return recs, nil
		}
		var (
			wrong  *domain.WrongExpectedRevisionError
			reused *domain.EventIDConflictError
		)
		if errors.As(err, &wrong) && attempt < s.opts.MaxRetries {
			if s.opts.OnRetry != nil {
				s.opts.OnRetry(stream)
			}
			refresh = true
			continue
		}
		if errors.As(err, &reused) && !fresh {
			refresh = true
			continue
		}
		return nil, err
	}
}

// packed packs and seals an event decided for meta.
func (s *Service) packed(ctx context.Context, stream string, meta domain.Meta, ev domain.Event) (domain.EventData, error) {
	data, err := domain.NewEventData(meta, ev)
	if err != nil {
		return domain.EventData{}, err
	}
	if err := s.seal(ctx, stream, &data); err != nil {
		return domain.EventData{}, err
	}
	return data, nil
}
