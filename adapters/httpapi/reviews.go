package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/review"
)

// errNoReviews answers the practice review routes of a server configured
// without their read model (500: the deployment's fault, not the client's).
var errNoReviews = errors.New("the practice reviews read model is not configured")

// PracticeReviews is GET /v1/schools/{schoolId}/practice-reviews.
type PracticeReviews struct {
	SchoolID string        `json:"schoolId"`
	Reviews  []review.Read `json:"reviews"`
}

// ReviewReplay is GET /v1/schools/{schoolId}/practice-reviews/{reviewId}/replay:
// the review's events of the school's stream, in stream order, with their
// positions and hashes.
type ReviewReplay struct {
	SchoolID string `json:"schoolId"`
	ReviewID string `json:"reviewId"`
	Events   []any  `json:"events"`
}

func (s *Server) startReview(w http.ResponseWriter, r *http.Request) error {
	school, _ := pathID(r, "schoolId") // checked by authorize
	var c domain.StartPracticeReview
	actor, _, err := command(r, &c)
	if err != nil {
		return err
	}
	if s.cfg.Reviews == nil {
		return errNoReviews
	}
	c.Actor = actor
	rec, err := s.cfg.Service.StartPracticeReview(r.Context(), school, c, s.cfg.Reviews.Roster(school))
	return s.written(w, r, rec, err)
}

func (s *Server) concludeReview(w http.ResponseWriter, r *http.Request) error {
	school, _ := pathID(r, "schoolId")
	id, err := pathID(r, "reviewId")
	if err != nil {
		return err
	}
	var c domain.ConcludePracticeReview
	actor, _, err := command(r, &c)
	if err != nil {
		return err
	}
	if s.cfg.Reviews == nil {
		return errNoReviews
	}
	c.Actor, c.ReviewID = actor, id
	c.Figures = s.cfg.Reviews.ConclusionFigures(school, id, c.EventID)
	rec, err := s.cfg.Service.ConcludePracticeReview(r.Context(), school, c)
	return s.written(w, r, rec, err)
}

// schoolReviews checks the school of the path and the read model.
func (s *Server) schoolReviews(r *http.Request) (string, error) {
	id, _ := pathID(r, "schoolId")
	if _, err := s.cfg.View.School(id); err != nil {
		return "", err
	}
	if s.cfg.Reviews == nil {
		return "", errNoReviews
	}
	return id, nil
}

// answerReviews writes v, or its research copy for a researcher.
func (s *Server) answerReviews(w http.ResponseWriter, r *http.Request, school string, v any) error {
	if principalFrom(r.Context()).Role != domain.RoleResearcher {
		writeJSON(w, r, http.StatusOK, v)
		return nil
	}
	if s.cfg.Research == nil {
		return research.ErrNoView
	}
	copied, err := s.cfg.Research.PracticeReviews(school, v)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, copied)
	return nil
}

func (s *Server) listReviews(w http.ResponseWriter, r *http.Request) error {
	school, err := s.schoolReviews(r)
	if err != nil {
		return err
	}
	return s.answerReviews(w, r, school, PracticeReviews{SchoolID: school, Reviews: s.cfg.Reviews.ReadAll(school)})
}

func (s *Server) getReview(w http.ResponseWriter, r *http.Request) error {
	school, err := s.schoolReviews(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "reviewId")
	if err != nil {
		return err
	}
	rv, ok := s.cfg.Reviews.Read(school, id)
	if !ok {
		return noReview(school, id)
	}
	return s.answerReviews(w, r, school, rv)
}

func noReview(school, id string) error {
	return fmt.Errorf("school %q has no practice review %q: %w", school, id, domain.ErrNotFound)
}

func (s *Server) getReviewReplay(w http.ResponseWriter, r *http.Request) error {
	school, err := s.schoolReviews(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "reviewId")
	if err != nil {
		return err
	}
	rv, ok := s.cfg.Reviews.Review(school, id)
	if !ok {
		return noReview(school, id)
	}
	evs, err := ReviewEventsOf(r.Context(), s.cfg.Events, rv)
	if err != nil {
		return err
	}
	out := ReviewReplay{SchoolID: school, ReviewID: id, Events: make([]any, 0, len(evs))}
	if principalFrom(r.Context()).Role != domain.RoleResearcher {
		for _, e := range evs {
			out.Events = append(out.Events, e)
		}
		writeJSON(w, r, http.StatusOK, out)
		return nil
	}
	if s.cfg.Research == nil {
		return research.ErrNoView
	}
	for _, e := range evs {
		c, keep, err := s.cfg.Research.Copy(e)
		if err != nil {
			return err
		}
		if keep {
			out.Events = append(out.Events, c)
		}
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

// ReviewEventsOf reads the events that start and conclude review rv at
// the positions the read model holds for them, one event each, rather
// than the school's whole stream (which holds its surveys, reviews and
// anything else the school records). An event at one of those positions
// that is not rv's is an error: the read model and the store disagree.
func ReviewEventsOf(ctx context.Context, events EventReader, rv review.Review) ([]domain.RecordedEvent, error) {
	positions := []uint64{rv.StartedPosition}
	if rv.Conclusion != nil {
		positions = append(positions, rv.Conclusion.Position)
	}
	out := make([]domain.RecordedEvent, 0, len(positions))
	for _, pos := range positions {
		evs, err := events.ReadAll(ctx, pos-1, 1)
		if err != nil {
			return nil, err
		}
		if len(evs) != 1 || evs[0].Position != pos || evs[0].Stream != domain.SchoolStream(rv.SchoolID) {
			return nil, fmt.Errorf("practice review %q of school %q: the store holds no event of the school at position %d", rv.ReviewID, rv.SchoolID, pos)
		}
		ev, err := domain.DecodeEvent(evs[0])
		if err != nil {
			return nil, err
		}
		var of string
		switch ev := ev.(type) {
		case domain.PracticeReviewStarted:
			of = ev.ReviewID
		case domain.PracticeReviewConcluded:
			of = ev.ReviewID
		}
		if of != rv.ReviewID {
			return nil, fmt.Errorf("practice review %q of school %q: the event at position %d is a %s of review %q", rv.ReviewID, rv.SchoolID, pos, evs[0].Type, of)
		}
		out = append(out, evs[0])
	}
	return out, nil
}

// ReviewEvents reads the events of the school's stream that start or
// conclude review reviewID, in stream order, by reading the whole stream:
// for a tool without the read model (ReviewEventsOf reads two events).
func ReviewEvents(ctx context.Context, events EventReader, schoolID, reviewID string) ([]domain.RecordedEvent, error) {
	all, err := events.ReadStream(ctx, domain.SchoolStream(schoolID), 0, 0)
	if err != nil {
		return nil, err
	}
	var out []domain.RecordedEvent
	for _, e := range all {
		if e.Type != domain.TypePracticeReviewStarted && e.Type != domain.TypePracticeReviewConcluded {
			continue
		}
		ev, err := domain.DecodeEvent(e)
		if err != nil {
			return nil, err
		}
		switch ev := ev.(type) {
		case domain.PracticeReviewStarted:
			if ev.ReviewID == reviewID {
				out = append(out, e)
			}
		case domain.PracticeReviewConcluded:
			if ev.ReviewID == reviewID {
				out = append(out, e)
			}
		}
	}
	return out, nil
}
