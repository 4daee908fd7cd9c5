package httpapi

import (
	"context"
	"net/http"

	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/projections/policy"
)

// getPolicies is GET /v1/learners/{learnerId}/standards/{standardId}/policies:
// the official rule beside every research policy, with its default
// parameters, over the learner's current evidence (the web page's figures).
func (s *Server) getPolicies(w http.ResponseWriter, r *http.Request) error {
	std, err := pathID(r, "standardId")
	if err != nil {
		return err
	}
	return s.learnerRead(w, r, func(_ context.Context, id string) (any, error) {
		return s.cfg.View.ComparePolicies(id, std, policy.Defaults())
	})
}

// getResearchPolicies is GET /v1/research/policies?schoolId=&standardId=:
// a school's cohort on one standard, every policy beside the official rule,
// through the research door, so that learners appear by pseudonym only,
// whoever asks.
func (s *Server) getResearchPolicies(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	school, std := q.Get("schoolId"), q.Get("standardId")
	for name, v := range map[string]string{"schoolId": school, "standardId": std} {
		if v == "" {
			return &badRequest{Field: name, Message: "is required"}
		}
		if err := checkID(name, v); err != nil {
			return err
		}
	}
	if _, err := s.cfg.View.School(school); err != nil {
		return err
	}
	if _, err := s.cfg.View.Standard(std); err != nil {
		return err
	}
	if s.cfg.Research == nil {
		return research.ErrNoView
	}
	out, err := s.cfg.Research.ComparePolicies(s.cfg.View, school, std, policy.Defaults())
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}
