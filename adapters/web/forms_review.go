package web

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// Paths of the practice review forms, reached from the reviews page.
const (
	reviewsPath     = "/schools/{schoolId}/reviews"
	startReviewPath = "/schools/{schoolId}/practice-reviews"
	concludePath    = "/schools/{schoolId}/practice-reviews/{reviewId}/conclusion"
)

// reviewForm is what the practice review forms show: the school, the
// standards and cohorts to choose from, and for a conclusion the review
// with its figures as of now.
type reviewForm struct {
	School    projections.SchoolRecord
	Standards []projections.Standard
	Cohorts   []string
	Review    *reviewView
}

// reviewFields and conclusionFields are the controls of the two forms.
var (
	reviewFields = []field{{"reviewId", "Review id"}, {"practice", "The practice"}, {"intendedResult", "The result it should move"},
		{"standardIds", "Standards it touches"}, {"scope.cohorts", "Cohorts in scope"}, {"scope.learnerIds", "Learners in scope"},
		{"comparison.cohorts", "Comparison cohorts"}, {"comparison.learnerIds", "Comparison learners"},
		{"startDate", "Start date"}, {"reviewDate", "Review date"}}
	reviewRuleFields = map[string]string{domain.RuleDuplicateReview: "reviewId", domain.RuleUnknownStandard: "standardIds",
		domain.RuleStandardRetired: "standardIds", domain.RuleUnknownCohort: "scope.cohorts", domain.RuleUnknownLearner: "scope.learnerIds"}
	conclusionFields = []field{{"decision", "Decision"}, {"learned", "What was learned"}}
)

// loadReviewForm reads the school of the path (an unknown one is the 404
// page) and, for a conclusion, the review with its figures as of now (an
// unknown review is the 404 page).
func (s *Server) loadReviewForm(r *http.Request, _ access.Principal) (any, url.Values, error) {
	vars := mux.Vars(r)
	sc, err := s.cfg.View.School(vars["schoolId"])
	if err != nil {
		return nil, nil, err
	}
	if s.cfg.Reviews == nil {
		return nil, nil, fmt.Errorf("review form: the practice reviews read model is not configured")
	}
	out := reviewForm{School: projections.SchoolRecord{ID: sc.ID, Name: sc.Name}}
	for _, std := range s.cfg.View.Standards() {
		if !std.Retired {
			out.Standards = append(out.Standards, std)
		}
	}
	if out.Cohorts, err = s.cfg.View.SchoolCohorts(sc.ID); err != nil {
		return nil, nil, err
	}
	if id, ok := vars["reviewId"]; ok {
		rd, found := s.cfg.Reviews.Read(sc.ID, id)
		if !found {
			return nil, nil, fmt.Errorf("school %q has no practice review %q: %w", sc.ID, id, domain.ErrNotFound)
		}
		v := viewOf(rd)
		out.Review = &v
	}
	return out, url.Values{}, nil
}

func (s *Server) submitStartReview(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	school := mux.Vars(r)["schoolId"]
	c := domain.StartPracticeReview{Meta: meta, ReviewID: text(r, "reviewId"), Practice: text(r, "practice"),
		IntendedResult: text(r, "intendedResult"), StandardIDs: orEmpty(r.PostForm["standardIds"]),
		Scope:     domain.ReviewScope{Cohorts: orEmpty(r.PostForm["scope.cohorts"]), LearnerIDs: lines(r, "scope.learnerIds")},
		StartDate: text(r, "startDate"), ReviewDate: text(r, "reviewDate")}
	if cmp := (domain.ReviewScope{Cohorts: orEmpty(r.PostForm["comparison.cohorts"]), LearnerIDs: lines(r, "comparison.learnerIds")}); !cmp.Empty() {
		c.Comparison = &cmp
	}
	rec, err := s.cfg.Service.StartPracticeReview(r.Context(), school, c, s.cfg.Reviews.Roster(school))
	return rec, reviewAnchor(school, c.ReviewID), err
}

func (s *Server) submitConclusion(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	vars := mux.Vars(r)
	school, id := vars["schoolId"], vars["reviewId"]
	c := domain.ConcludePracticeReview{Meta: meta, ReviewID: id, Decision: text(r, "decision"), Learned: text(r, "learned"),
		Figures: s.cfg.Reviews.ConclusionFigures(school, id, meta.EventID)}
	rec, err := s.cfg.Service.ConcludePracticeReview(r.Context(), school, c)
	return rec, reviewAnchor(school, id), err
}

// reviewAnchor is the review's place on the reviews page.
func reviewAnchor(school, id string) string {
	return "/schools/" + url.PathEscape(school) + "/reviews#review-" + url.PathEscape(id)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
