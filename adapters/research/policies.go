package research

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/policy"
)

// PolicyComparer is what the cohort comparison reads of the read model:
// one learner's comparison on one standard (projections.View has it).
type PolicyComparer interface {
	ComparePolicies(learnerID, standardID string, policies []policy.Policy) (projections.PolicyComparison, error)
}

// CohortPolicies is GET /v1/research/policies: every learner of a school
// on one standard, each policy beside the official rule, by pseudonym only,
// and each policy's agreement with the official rule.
type CohortPolicies struct {
	SchoolID   string            `json:"schoolId"`
	StandardID string            `json:"standardId"`
	Learners   []CohortLearner   `json:"learners"`
	Agreement  []CohortAgreement `json:"agreement"`
}

// CohortLearner is one learner's comparison: the pseudonym, the official
// rule's status and metAt, and every policy's result over the standard's
// current evidence (evidence ids are event ids, as in the research feed).
type CohortLearner struct {
	Learner        string          `json:"learner"`
	OfficialStatus domain.Status   `json:"officialStatus"`
	OfficialMetAt  *time.Time      `json:"officialMetAt"`
	Results        []policy.Result `json:"results"`
}

// CohortAgreement is one policy's confusion matrix against the official
// rule over the learners with evidence or an attempt, and Cohen's kappa
// (null when undefined).
type CohortAgreement struct {
	Policy    string             `json:"policy"`
	Version   string             `json:"version"`
	Params    map[string]float64 `json:"params"`
	Confusion policy.Confusion   `json:"confusion"`
	Kappa     *float64           `json:"kappa"`
}

// ComparePolicies runs pols over every learner enrolled at schoolID on
// standardID through src, and returns the comparison with every learner
// named by pseudonym. Learners with neither evidence nor an attempt on the
// standard are left out: they would agree ("not yet" twice) and inflate
// the agreement. Returns src's error (wrapping domain.ErrNotFound for an
// unknown standard) and domain.ErrNotFound for a school without learners.
func (v *View) ComparePolicies(src PolicyComparer, schoolID, standardID string, pols []policy.Policy) (CohortPolicies, error) {
	v.mu.RLock()
	var learners []string
	for id, school := range v.schoolOf {
		if school == schoolID {
			learners = append(learners, id)
		}
	}
	v.mu.RUnlock()
	if len(learners) == 0 {
		return CohortPolicies{}, fmt.Errorf("research: school %q has no learners: %w", schoolID, domain.ErrNotFound)
	}
	out := CohortPolicies{SchoolID: schoolID, StandardID: standardID, Learners: []CohortLearner{}}
	conf := make([]policy.Confusion, len(pols))
	for _, id := range learners {
		c, err := src.ComparePolicies(id, standardID, pols)
		if err != nil {
			return CohortPolicies{}, err
		}
		if len(c.Standard.Scores) == 0 && c.Official.Status == domain.StatusNotStarted {
			continue
		}
		met := c.Official.Status == domain.StatusMet
		for i, r := range c.Standard.Results {
			conf[i].Add(r.Mastered, met)
		}
		out.Learners = append(out.Learners, CohortLearner{Learner: v.p.Learner(id), OfficialStatus: c.Official.Status,
			OfficialMetAt: c.Official.MetAt, Results: c.Standard.Results})
	}
	// Ordered by pseudonym: an order by id would leak the ids' order.
	slices.SortFunc(out.Learners, func(a, b CohortLearner) int { return cmp.Compare(a.Learner, b.Learner) })
	for i, p := range pols {
		a := CohortAgreement{Policy: p.ID(), Version: p.Version(), Params: p.Params(), Confusion: conf[i]}
		if k, ok := conf[i].Kappa(); ok {
			a.Kappa = &k
		}
		out.Agreement = append(out.Agreement, a)
	}
	return out, nil
}
