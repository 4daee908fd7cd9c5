package projections

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/policy"
)

// PolicyComparison sets the official rule beside research policies replayed
// over the same evidence: for a researcher who asks "what would this learner's
// standing be under a gradebook's rule?" without the ledger ever changing the
// official claim.
type PolicyComparison struct {
	LearnerID  string       `json:"learnerId"`
	StandardID string       `json:"standardId"`
	Official   OfficialRule `json:"official"`
	// Standard is every policy over all the standard's current evidence,
	// across its components: the grain of the official rule, which meets
	// a standard, not a component.
	Standard   StandardRun    `json:"standard"`
	Components []ComponentRun `json:"components"`
}

// StandardRun is every policy's result over the standard's current
// evidence, with the scores they were given (stream order; Evaluate
// orders them by occurredAt).
type StandardRun struct {
	Scores  []policy.Score  `json:"scores"`
	Results []policy.Result `json:"results"`
}

// OfficialRule is the ledger's own rule: met when a summative attempt at or
// above proficient follows an agreement, and never undone.
type OfficialRule struct {
	Rule             string        `json:"rule"`
	Status           domain.Status `json:"status"`
	MetAt            *time.Time    `json:"metAt"`
	AttemptID        *uuid.UUID    `json:"attemptId"`
	StandardRevision int           `json:"standardRevision"`
}

// ComponentRun is every policy's result over one component's current
// evidence, in occurredAt order.
type ComponentRun struct {
	ComponentID string          `json:"componentId"`
	Results     []policy.Result `json:"results"`
}

// ComparePolicies evaluates each policy over the learner's current (not
// retracted) evidence for each component of the standard's current revision,
// beside the official rule. Returns an error wrapping ErrNotFound for an
// unknown learner or standard.
func (v *View) ComparePolicies(learnerID, standardID string, policies []policy.Policy) (PolicyComparison, error) {
	return v.comparePolicies(learnerID, standardID, policies, true)
}

// CompareStandardPolicies is ComparePolicies without the per-component
// runs (Components is empty): the official rule and every policy over the
// standard's evidence, for a caller that reads nothing else, such as
// `ledger research policies`, saving three quarters of the evaluations.
func (v *View) CompareStandardPolicies(learnerID, standardID string, policies []policy.Policy) (PolicyComparison, error) {
	return v.comparePolicies(learnerID, standardID, policies, false)
}

func (v *View) comparePolicies(learnerID, standardID string, policies []policy.Policy, components bool) (PolicyComparison, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	l := v.learners[learnerID]
	if !l.Enrolled() {
		return PolicyComparison{}, fmt.Errorf("learner %q is not enrolled: %w", learnerID, domain.ErrNotFound)
	}
	entry := v.standards[standardID]
	if entry == nil || !entry.state.Published() {
		return PolicyComparison{}, fmt.Errorf("standard %q is not published: %w", standardID, domain.ErrNotFound)
	}
	std := entry.state
	m := l.Mastery(std)
	out := PolicyComparison{LearnerID: learnerID, StandardID: standardID, Components: []ComponentRun{},
		Official: OfficialRule{Rule: "summative attempt at or above proficient after an agreement", Status: m.Status, MetAt: m.MetAt, StandardRevision: m.StandardRevision}}
	p := l.Progress(standardID)
	if p != nil && p.Met != nil {
		id := p.Met.AttemptID
		out.Official.AttemptID = &id
	}
	scale := policyScale(std.Scale)
	out.Standard = StandardRun{Scores: []policy.Score{}, Results: make([]policy.Result, 0, len(policies))}
	if p != nil {
		current := map[string]bool{}
		for _, c := range std.Components {
			current[c.ID] = true
		}
		for _, e := range p.Evidence {
			if current[e.ComponentID] && e.Current() {
				out.Standard.Scores = append(out.Standard.Scores, policy.Score{EvidenceID: e.ID.String(), Level: float64(e.Level), OccurredAt: e.OccurredAt})
			}
		}
	}
	for _, pol := range policies {
		out.Standard.Results = append(out.Standard.Results, policy.Evaluate(pol, scale, out.Standard.Scores))
	}
	if !components {
		return out, nil
	}
	for _, c := range std.Components {
		var scores []policy.Score
		if p != nil {
			for _, e := range p.Evidence {
				if e.ComponentID == c.ID && e.Current() {
					scores = append(scores, policy.Score{EvidenceID: e.ID.String(), Level: float64(e.Level), OccurredAt: e.OccurredAt})
				}
			}
		}
		run := ComponentRun{ComponentID: c.ID, Results: make([]policy.Result, 0, len(policies))}
		for _, pol := range policies {
			run.Results = append(run.Results, policy.Evaluate(pol, scale, scores))
		}
		out.Components = append(out.Components, run)
	}
	return out, nil
}

func policyScale(s domain.Scale) policy.Scale {
	out := policy.Scale{Proficient: float64(s.Proficient)}
	for i, l := range s.Levels {
		if i == 0 || float64(l.Level) < out.Min {
			out.Min = float64(l.Level)
		}
		if i == 0 || float64(l.Level) > out.Max {
			out.Max = float64(l.Level)
		}
	}
	return out
}
