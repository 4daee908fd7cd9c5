package domain

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// Status is where a learner stands on a standard.
type Status string

// Statuses of the mastery view.
const (
	// StatusNotStarted: no pre-assessment, evidence, agreement or attempt
	// names the standard.
	StatusNotStarted Status = "not-started"
	// StatusInProgress: work has begun; no agreement is open and no attempt
	// has met.
	StatusInProgress Status = "in-progress"
	// StatusReady: an agreement is open, awaiting its summative attempt.
	StatusReady Status = "ready"
	// StatusMet: an attempt met the standard. It is permanent.
	StatusMet Status = "met"
)

// Mastery is one learner's standing on one standard, in the JSON shape of
// GET /v1/learners/{learnerId}/mastery/{standardId}.
type Mastery struct {
	LearnerID  string `json:"learnerId"`
	StandardID string `json:"standardId"`
	Status     Status `json:"status"`
	// Components are those of StandardRevision, in the progression's order.
	Components []ComponentMastery `json:"components"`
	// OpenAgreement is null unless Status is ready.
	OpenAgreement *Agreement `json:"openAgreement"`
	// OpenRequests are the learner's readiness requests on the standard
	// that no agreement has answered yet, in stream order; empty, never
	// null, when there are none.
	OpenRequests []Request `json:"openRequests"`
	// Attempts are every summative attempt, in stream order.
	Attempts []Attempt `json:"attempts"`
	// StandardRevision is the revision the status refers to: the one met,
	// else the open agreement's, else the standard's current one.
	StandardRevision int `json:"standardRevision"`
	// MetAt (when the meeting attempt occurred) and RecordedAt (when the
	// ledger learned of it) are null until the standard is met.
	MetAt      *time.Time `json:"metAt"`
	RecordedAt *time.Time `json:"recordedAt"`
}

// ComponentMastery is one component of the mastery view.
type ComponentMastery struct {
	ID string `json:"id"`
	// Covered: current evidence at or above the proficient level, or a
	// pre-assessment, shows the component, as an agreement requires.
	Covered bool `json:"covered"`
	// Level is the best level of the current evidence, or null if there is
	// none.
	Level *int `json:"level"`
	// EvidenceIDs lists the current (not retracted) evidence for the
	// component, in stream order.
	EvidenceIDs []uuid.UUID `json:"evidenceIds"`
	PreAssessed bool        `json:"preAssessed"`
	// SelfOnly marks a component covered by self-assessment alone: no
	// pre-assessment, and every piece of evidence at or above proficient
	// has source self. It is allowed; the teacher's confirmation is the gate.
	SelfOnly bool `json:"selfOnly"`
}

// Mastery computes the learner's standing on std, which must be the state of
// the standard (at the same moment as s, for an "as of" view). Evidence
// counts for a component of the shown revision whenever it names the
// component's id, whichever revision it was recorded against.
func (s *LearnerState) Mastery(std *StandardState) Mastery {
	m := Mastery{
		LearnerID:    s.ID,
		Status:       StatusNotStarted,
		Components:   []ComponentMastery{},
		OpenRequests: []Request{},
		Attempts:     []Attempt{},
	}
	if std == nil {
		return m
	}
	m.StandardID = std.ID
	m.StandardRevision = std.Revision
	p := s.Standards[std.ID]
	m.Status = statusOf(p)
	if p != nil {
		for _, a := range p.Attempts {
			m.Attempts = append(m.Attempts, *a)
		}
		for _, r := range p.OpenRequests {
			cp := *r
			cp.EvidenceIDs = slices.Clone(r.EvidenceIDs)
			m.OpenRequests = append(m.OpenRequests, cp)
		}
		switch {
		case p.Met != nil:
			m.StandardRevision = p.Met.StandardRevision
			metAt, recordedAt := p.Met.MetAt, p.Met.RecordedAt
			m.MetAt, m.RecordedAt = &metAt, &recordedAt
		case p.OpenAgreement != nil:
			m.StandardRevision = p.OpenAgreement.StandardRevision
			a := *p.OpenAgreement
			a.Components = slices.Clone(a.Components)
			m.OpenAgreement = &a
		}
	}
	for _, c := range std.ComponentsAt(m.StandardRevision) {
		cov := p.cover(c.ID, std.Scale.Proficient)
		m.Components = append(m.Components, ComponentMastery{
			ID:          c.ID,
			Covered:     cov.covered(),
			Level:       cov.best,
			EvidenceIDs: cov.current,
			PreAssessed: cov.preAssessed,
			SelfOnly:    cov.covered() && !cov.preAssessed && cov.selfOnly,
		})
	}
	return m
}

// Status is the learner's status on a standard, as Mastery gives it,
// without building the rest of the mastery view: a table of many learners
// needs the status alone.
func (s *LearnerState) Status(standardID string) Status {
	return statusOf(s.Standards[standardID])
}

// statusOf is the one rule of a status, which Mastery and Status share. p
// may be nil: nothing names the standard yet.
func statusOf(p *StandardProgress) Status {
	switch {
	case p == nil:
		return StatusNotStarted
	case p.Met != nil:
		return StatusMet
	case p.OpenAgreement != nil:
		return StatusReady
	}
	return StatusInProgress
}

// coverage is what a learner's record shows for one component.
type coverage struct {
	best *int
	// current is the current evidence; proficient the part of it at or
	// above the proficient level. Both in stream order, never nil.
	current    []uuid.UUID
	proficient []uuid.UUID
	// selfOnly: every piece in proficient has source self.
	selfOnly    bool
	preAssessed bool
}

func (c coverage) covered() bool { return c.preAssessed || len(c.proficient) > 0 }

// cover is the single definition of "covered" that both the agreement rule
// and the mastery view use. p may be nil.
func (p *StandardProgress) cover(componentID string, proficient int) coverage {
	c := coverage{current: []uuid.UUID{}, proficient: []uuid.UUID{}, selfOnly: true}
	if p == nil {
		return c
	}
	c.preAssessed = p.PreAssessed[componentID]
	for _, e := range p.Evidence {
		if e.ComponentID != componentID || !e.Current() {
			continue
		}
		c.current = append(c.current, e.ID)
		if c.best == nil || e.Level > *c.best {
			level := e.Level
			c.best = &level
		}
		if e.Level >= proficient {
			c.proficient = append(c.proficient, e.ID)
			c.selfOnly = c.selfOnly && e.Source == SourceSelf
		}
	}
	return c
}
