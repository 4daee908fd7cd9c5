package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/projections/policy"
)

// maxQueryPolicies bounds ?policy=: each one is run over every learner a
// request reads.
const maxQueryPolicies = 32

// queryPolicies reads ?policy=NAME[,k=v…], repeated, in the syntax of
// `ledger research policies --policy`; without it, every policy with its
// defaults (the web page's figures). A bad one is a 400 naming it.
func queryPolicies(r *http.Request) ([]policy.Policy, error) {
	vals := r.URL.Query()["policy"]
	if len(vals) == 0 {
		return policy.Defaults(), nil
	}
	if len(vals) > maxQueryPolicies {
		return nil, &badRequest{Field: "policy", Message: fmt.Sprintf("%d policies given, at most %d", len(vals), maxQueryPolicies)}
	}
	out := make([]policy.Policy, 0, len(vals))
	for _, v := range vals {
		p, err := policy.Parse(v)
		if err != nil {
			return nil, &badRequest{Field: "policy", Message: err.Error()}
		}
		out = append(out, p)
	}
	return out, nil
}

// getPolicies is GET /v1/learners/{learnerId}/standards/{standardId}/policies:
// the official rule beside every research policy asked for (by default
// every one with its defaults) over the learner's current evidence.
func (s *Server) getPolicies(w http.ResponseWriter, r *http.Request) error {
	std, err := pathID(r, "standardId")
	if err != nil {
		return err
	}
	// Before the ETag: a bad option is refused even for a client whose
	// cached copy is current.
	pols, err := queryPolicies(r)
	if err != nil {
		return err
	}
	return s.learnerRead(w, r, func(_ context.Context, id string) (any, error) {
		return s.cfg.View.ComparePolicies(id, std, pols)
	})
}

// getResearchPolicies is GET /v1/research/policies?schoolId=&standardId=
// [&policy=…]: a school's cohort on one standard, the policies beside the
// official rule,
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
	pols, err := queryPolicies(r)
	if err != nil {
		return err
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
	out, err := s.cfg.Research.ComparePolicies(s.cfg.View, school, std, pols)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}
