package projections

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// Evidence limits of the bounded reads: a learner may hold thousands of
// pieces of evidence on one component (a learning tool sends a statement
// per question), and an answer that lists them all grows with them.
const (
	// DefaultEvidenceLimit is how many evidence ids a component of a
	// MasterySummary lists when the caller does not say.
	DefaultEvidenceLimit = 100
	// MaxEvidenceLimit bounds the evidence ids of a summary's component
	// and the pieces of an EvidencePage.
	MaxEvidenceLimit = 1000
)

// learnerEvidence is a learner's current evidence, kept as the events come
// so that a read copies only what it answers: the fold's own records
// (domain.LearnerState) list a standard's evidence retracted pieces
// included, and the mastery view built from them walks them all.
type learnerEvidence struct {
	byID      map[uuid.UUID]*evidenceItem
	standards map[string]*standardEvidence
}

// evidenceItem is one current piece. ev is the fold's record, read under
// the view's lock; revision is its event's revision in the learner's
// stream, the order of every list and the cursor of an EvidencePage.
type evidenceItem struct {
	ev       *domain.Evidence
	revision uint64
}

// standardEvidence is the current evidence of one standard, in stream
// order, whole and by component.
type standardEvidence struct {
	all        []*evidenceItem
	components map[string]*componentEvidence
}

// componentEvidence is the current evidence naming one component id, in
// stream order, with a count per level so that the best level and the
// proficient pieces are known without walking the list.
type componentEvidence struct {
	current []*evidenceItem
	levels  []levelCount // by rising level; counts may be 0
}

type levelCount struct {
	level int
	// all counts the current pieces at level; notSelf those whose source
	// is not self.
	all, notSelf int
}

func newLearnerEvidence() *learnerEvidence {
	return &learnerEvidence{byID: make(map[uuid.UUID]*evidenceItem), standards: make(map[string]*standardEvidence)}
}

// add records a current piece, which comes after every piece held.
func (le *learnerEvidence) add(ev *domain.Evidence, revision uint64) {
	it := &evidenceItem{ev: ev, revision: revision}
	le.byID[ev.ID] = it
	se := le.standards[ev.StandardID]
	if se == nil {
		se = &standardEvidence{components: make(map[string]*componentEvidence)}
		le.standards[ev.StandardID] = se
	}
	se.all = append(se.all, it)
	ce := se.components[ev.ComponentID]
	if ce == nil {
		ce = &componentEvidence{}
		se.components[ev.ComponentID] = ce
	}
	ce.current = append(ce.current, it)
	ce.count(ev, 1)
}

// remove drops a retracted piece. It costs a shift of the lists it is in,
// paid by the retraction (rare) rather than by every read.
func (le *learnerEvidence) remove(id uuid.UUID) {
	it := le.byID[id]
	if it == nil {
		return
	}
	delete(le.byID, id)
	se := le.standards[it.ev.StandardID]
	se.all = dropItem(se.all, it.revision)
	ce := se.components[it.ev.ComponentID]
	ce.current = dropItem(ce.current, it.revision)
	ce.count(it.ev, -1)
}

func dropItem(list []*evidenceItem, revision uint64) []*evidenceItem {
	i, found := slices.BinarySearchFunc(list, revision, func(it *evidenceItem, r uint64) int {
		switch {
		case it.revision < r:
			return -1
		case it.revision > r:
			return 1
		}
		return 0
	})
	if !found {
		return list
	}
	return slices.Delete(list, i, i+1)
}

func (ce *componentEvidence) count(ev *domain.Evidence, delta int) {
	i, found := slices.BinarySearchFunc(ce.levels, ev.Level, func(c levelCount, l int) int { return c.level - l })
	if !found {
		ce.levels = slices.Insert(ce.levels, i, levelCount{level: ev.Level})
	}
	ce.levels[i].all += delta
	if ev.Source != domain.SourceSelf {
		ce.levels[i].notSelf += delta
	}
}

// ComponentSummary is one component of a MasterySummary: the standing the
// mastery view gives (domain.ComponentMastery), its evidence counted, and
// at most a page of its evidence ids.
type ComponentSummary struct {
	ID string `json:"id"`
	// Covered: current evidence at or above the proficient level, or a
	// pre-assessment, shows the component, as an agreement requires.
	Covered bool `json:"covered"`
	// Level is the best level of the current evidence, or null if there is
	// none.
	Level *int `json:"level"`
	// EvidenceIDs lists the most recent current evidence for the
	// component, at most the limit asked, in stream order: all of it when
	// EvidenceCount is no more than the limit.
	EvidenceIDs []uuid.UUID `json:"evidenceIds"`
	// EvidenceCount counts the current evidence; ProficientCount the part
	// of it at or above the proficient level, on which Covered rests.
	EvidenceCount   int `json:"evidenceCount"`
	ProficientCount int `json:"proficientCount"`
	// EvidenceMore is where the whole list is paged, set by the HTTP
	// adapter when EvidenceIDs leaves some out; null otherwise.
	EvidenceMore *string `json:"evidenceMore"`
	PreAssessed  bool    `json:"preAssessed"`
	// SelfOnly marks a component covered by self-assessment alone.
	SelfOnly bool `json:"selfOnly"`
}

// MasterySummary is GET /v1/learners/{learnerId}/mastery/{standardId}:
// domain.Mastery with components whose evidence lists are bounded, so
// that the answer does not grow with the learner's evidence.
type MasterySummary struct {
	LearnerID        string             `json:"learnerId"`
	StandardID       string             `json:"standardId"`
	Status           domain.Status      `json:"status"`
	Components       []ComponentSummary `json:"components"`
	OpenAgreement    *domain.Agreement  `json:"openAgreement"`
	OpenRequests     []domain.Request   `json:"openRequests"`
	Attempts         []domain.Attempt   `json:"attempts"`
	StandardRevision int                `json:"standardRevision"`
	MetAt            *time.Time         `json:"metAt"`
	RecordedAt       *time.Time         `json:"recordedAt"`
}

// LearnerMasterySummary is GET /v1/learners/{learnerId}/mastery.
type LearnerMasterySummary struct {
	LearnerID string           `json:"learnerId"`
	Standards []MasterySummary `json:"standards"`
}

// MasterySummaries is Mastery with each component's evidence ids bounded
// to the most recent limit (0: none, counts only).
func (v *View) MasterySummaries(ctx context.Context, learnerID string, asOf *time.Time, limit int) (LearnerMasterySummary, error) {
	out := LearnerMasterySummary{LearnerID: learnerID, Standards: []MasterySummary{}}
	err := v.withSummaryState(ctx, learnerID, asOf, func(l *domain.LearnerState, stds []*domain.StandardState, ev func(string) *standardEvidence) error {
		for _, std := range stds {
			if l.Progress(std.ID) == nil && std.Retired {
				continue
			}
			out.Standards = append(out.Standards, summarize(l, std, ev(std.ID), limit))
		}
		return nil
	})
	return out, err
}

// MasterySummary is StandardMastery with each component's evidence ids
// bounded to the most recent limit (0: none, counts only). Now (asOf nil)
// its work grows with the standard's components and limit, not with the
// learner's evidence.
func (v *View) MasterySummary(ctx context.Context, learnerID, standardID string, asOf *time.Time, limit int) (MasterySummary, error) {
	var m MasterySummary
	err := v.withSummaryState(ctx, learnerID, asOf, func(l *domain.LearnerState, stds []*domain.StandardState, ev func(string) *standardEvidence) error {
		for _, std := range stds {
			if std.ID == standardID {
				m = summarize(l, std, ev(standardID), limit)
				return nil
			}
		}
		return fmt.Errorf("standard %q is not published%s: %w", standardID, asOfText(asOf), domain.ErrNotFound)
	})
	return m, err
}

// withSummaryState is withState with the learner's current evidence by
// standard: the live index now, or one built from the state folded as of
// asOf (which already walked every event).
func (v *View) withSummaryState(ctx context.Context, learnerID string, asOf *time.Time,
	read func(*domain.LearnerState, []*domain.StandardState, func(string) *standardEvidence) error) error {
	if asOf == nil {
		v.mu.RLock()
		defer v.mu.RUnlock()
		l := v.learners[learnerID]
		if !l.Enrolled() {
			return fmt.Errorf("learner %q is not enrolled: %w", learnerID, domain.ErrNotFound)
		}
		le := v.evidence[learnerID]
		return read(l, v.publishedLocked(), func(std string) *standardEvidence {
			if le == nil {
				return nil
			}
			return le.standards[std]
		})
	}
	l, stds, err := v.stateAt(ctx, learnerID, *asOf)
	if err != nil {
		return err
	}
	le := newLearnerEvidence()
	for _, p := range l.Standards {
		for _, e := range p.Evidence {
			if e.Current() {
				le.add(e, 0) // an "as of" summary pages nothing: no cursor
			}
		}
	}
	return read(l, stds, func(std string) *standardEvidence { return le.standards[std] })
}

// summarize builds the summary of std from the fold's state and the
// standard's current evidence (se may be nil: none).
func summarize(l *domain.LearnerState, std *domain.StandardState, se *standardEvidence, limit int) MasterySummary {
	// The domain's view without its components: ComponentsAt answers nil
	// for a standard with no revisions, so Mastery walks no evidence; the
	// status, attempts, requests and agreement come from the one rule the
	// domain keeps for them.
	shell := *std
	shell.Revisions = nil
	dm := l.Mastery(&shell)
	m := MasterySummary{
		LearnerID: dm.LearnerID, StandardID: dm.StandardID, Status: dm.Status, Components: []ComponentSummary{},
		OpenAgreement: dm.OpenAgreement, OpenRequests: dm.OpenRequests, Attempts: dm.Attempts,
		StandardRevision: dm.StandardRevision, MetAt: dm.MetAt, RecordedAt: dm.RecordedAt,
	}
	p := l.Progress(std.ID)
	for _, c := range std.ComponentsAt(m.StandardRevision) {
		var ce *componentEvidence
		if se != nil {
			ce = se.components[c.ID]
		}
		m.Components = append(m.Components, summarizeComponent(c.ID, p != nil && p.PreAssessed[c.ID], ce, std.Scale.Proficient, limit))
	}
	return m
}

// summarizeComponent is domain's cover rule read from the counts: covered
// when pre-assessed or when a current piece is at or above proficient;
// self only when covered by such pieces all of source self.
func summarizeComponent(id string, preAssessed bool, ce *componentEvidence, proficient, limit int) ComponentSummary {
	cs := ComponentSummary{ID: id, PreAssessed: preAssessed, EvidenceIDs: []uuid.UUID{}}
	notSelf := 0
	if ce != nil {
		cs.EvidenceCount = len(ce.current)
		for _, lc := range ce.levels {
			if lc.all == 0 {
				continue
			}
			level := lc.level
			cs.Level = &level // levels rise: the last one counted is the best
			if lc.level >= proficient {
				cs.ProficientCount += lc.all
				notSelf += lc.notSelf
			}
		}
		tail := ce.current[max(0, len(ce.current)-max(0, limit)):]
		cs.EvidenceIDs = make([]uuid.UUID, len(tail))
		for i, it := range tail {
			cs.EvidenceIDs[i] = it.ev.ID
		}
	}
	cs.Covered = preAssessed || cs.ProficientCount > 0
	cs.SelfOnly = cs.Covered && !preAssessed && notSelf == 0
	return cs
}

// EvidenceItem is one current piece of evidence in an EvidencePage.
type EvidenceItem struct {
	EvidenceID uuid.UUID `json:"evidenceId"`
	// Revision is the evidence event's revision in the learner's stream:
	// where the trail (GET /v1/learners/{learnerId}/events, the replay)
	// holds it, and the cursor to page on from.
	Revision         uint64        `json:"revision"`
	ComponentID      string        `json:"componentId"`
	StandardRevision int           `json:"standardRevision"`
	Level            int           `json:"level"`
	Source           domain.Source `json:"source"`
	// StatementID is the xAPI statement it was derived from; absent if
	// none.
	StatementID string    `json:"statementId,omitempty"`
	OccurredAt  time.Time `json:"occurredAt"`
	RecordedAt  time.Time `json:"recordedAt"`
}

// EvidencePage is GET /v1/learners/{learnerId}/standards/{standardId}/evidence.
type EvidencePage struct {
	LearnerID  string `json:"learnerId"`
	StandardID string `json:"standardId"`
	// ComponentID is the component the page is limited to; absent for
	// every component of the standard.
	ComponentID string `json:"componentId,omitempty"`
	// Evidence is current evidence in stream order, after the cursor.
	Evidence []EvidenceItem `json:"evidence"`
	// Next is the link to the following page, set by the HTTP adapter
	// when more evidence follows; null otherwise.
	Next *string `json:"next"`
	// More says that more evidence follows the page's last piece.
	More bool `json:"-"`
}

// EvidencePage pages the learner's current evidence on a standard (on one
// of its component ids if componentID is not ""), in stream order: at most
// limit pieces whose revision is after after. Its work grows with limit,
// not with the learner's evidence.
//
// Returns an error wrapping ErrNotFound if the learner is not enrolled, the
// standard not published, or componentID is the id of no component of any
// of its revisions.
func (v *View) EvidencePage(learnerID, standardID, componentID string, after uint64, limit int) (EvidencePage, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if l := v.learners[learnerID]; !l.Enrolled() {
		return EvidencePage{}, fmt.Errorf("learner %q is not enrolled: %w", learnerID, domain.ErrNotFound)
	}
	s := v.standards[standardID]
	if s == nil || !s.state.Published() {
		return EvidencePage{}, fmt.Errorf("standard %q is not published: %w", standardID, domain.ErrNotFound)
	}
	if componentID != "" && !slices.ContainsFunc(s.state.Revisions, func(r domain.StandardRevision) bool {
		return slices.ContainsFunc(r.Components, func(c domain.Component) bool { return c.ID == componentID })
	}) {
		return EvidencePage{}, fmt.Errorf("standard %q has no component %q: %w", standardID, componentID, domain.ErrNotFound)
	}
	out := EvidencePage{LearnerID: learnerID, StandardID: standardID, ComponentID: componentID, Evidence: []EvidenceItem{}}
	var list []*evidenceItem
	if le := v.evidence[learnerID]; le != nil {
		if se := le.standards[standardID]; se != nil {
			list = se.all
			if componentID != "" {
				list = nil
				if ce := se.components[componentID]; ce != nil {
					list = ce.current
				}
			}
		}
	}
	from, _ := slices.BinarySearchFunc(list, after+1, func(it *evidenceItem, r uint64) int {
		switch {
		case it.revision < r:
			return -1
		case it.revision > r:
			return 1
		}
		return 0
	})
	list = list[from:]
	if len(list) > limit {
		list, out.More = list[:limit], true
	}
	out.Evidence = make([]EvidenceItem, len(list))
	for i, it := range list {
		e := it.ev
		out.Evidence[i] = EvidenceItem{EvidenceID: e.ID, Revision: it.revision, ComponentID: e.ComponentID, StandardRevision: e.StandardRevision,
			Level: e.Level, Source: e.Source, StatementID: e.StatementID, OccurredAt: e.OccurredAt, RecordedAt: e.RecordedAt}
	}
	return out, nil
}
