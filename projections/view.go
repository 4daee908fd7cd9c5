package projections

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// StreamReader is what a View needs of a store to answer questions about the
// past: "as of" mastery and the replay of a claim read the learner's own
// stream, the events being the only truth.
type StreamReader interface {
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]domain.RecordedEvent, error)
}

// View is the read model of learners, standards and schools: current
// mastery in memory, and the past on demand from the learner's stream. It is
// a Model: feed it the global order. Safe for concurrent readers while Apply
// runs.
type View struct {
	src StreamReader

	mu        sync.RWMutex
	standards map[string]*standardEntry
	order     []string // standard ids in the order they were published
	schools   map[string]*domain.SchoolState
	learners  map[string]*domain.LearnerState
	// history keeps each learner's events decoded, without their payload
	// bytes or hashes, so that "as of" folds them again without reading
	// the store or parsing JSON. Entries are never changed once appended.
	history map[string][]pastEvent
	// rosters holds each school's learners, withdrawn ones too, sorted by
	// cohort then id as they enrol (a cohort is set once, at enrolment),
	// so that a school's table is read in order instead of scanning and
	// sorting every learner of the ledger on each request. The states are
	// the live ones of learners.
	rosters map[string][]*domain.LearnerState
	// evidence holds each learner's current evidence by standard and
	// component, so that the bounded reads (MasterySummary, EvidencePage)
	// copy a page, not every piece.
	evidence map[string]*learnerEvidence
}

// pastEvent is what folding a learner's event again needs.
type pastEvent struct {
	id                     uuid.UUID
	revision               uint64
	occurredAt, recordedAt time.Time
	// actor is set for a readiness request only, the one event whose
	// fold reads the envelope's actor (who asked): a pointer, so that the
	// history of every other event grows by a word, not by an Actor.
	actor *domain.Actor
	ev    domain.Event
}

// standardEntry keeps a standard's few events too, so that its state at any
// past moment can be folded again.
type standardEntry struct {
	state  *domain.StandardState
	events []domain.RecordedEvent
}

var _ DecodedModel = (*View)(nil)

// NewView returns an empty view that reads past streams from src.
func NewView(src StreamReader) *View {
	return &View{
		src:       src,
		standards: make(map[string]*standardEntry),
		schools:   make(map[string]*domain.SchoolState),
		learners:  make(map[string]*domain.LearnerState),
		history:   make(map[string][]pastEvent),
		rosters:   make(map[string][]*domain.LearnerState),
		evidence:  make(map[string]*learnerEvidence),
	}
}

// Apply folds the next event of the global order. Returns an error for an
// event of a stream that is not the ledger's, or one its stream's fold
// refuses: the view never skips what it does not understand.
func (v *View) Apply(e domain.RecordedEvent) error {
	ev, err := domain.DecodeEvent(e)
	if err != nil {
		return fmt.Errorf("view: event %s: %w", e.ID, err)
	}
	return v.ApplyDecoded(e, ev)
}

// ApplyDecoded is Apply for an event already decoded by domain.DecodeEvent.
func (v *View) ApplyDecoded(e domain.RecordedEvent, ev domain.Event) error {
	category, id, ok := domain.ParseStream(e.Stream)
	if !ok {
		return fmt.Errorf("view: event %s: stream %q is not a ledger stream", e.ID, e.Stream)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	switch category {
	case domain.StandardCategory:
		s := v.standards[id]
		if s == nil {
			s = &standardEntry{state: &domain.StandardState{}}
		}
		if err := s.state.Apply(e); err != nil {
			return fmt.Errorf("view: %w", err)
		}
		s.events = append(s.events, e)
		if v.standards[id] == nil {
			v.standards[id] = s
			v.order = append(v.order, id)
		}
	case domain.SchoolCategory:
		s := v.schools[id]
		if s == nil {
			s = &domain.SchoolState{}
		}
		if err := s.Apply(e); err != nil {
			return fmt.Errorf("view: %w", err)
		}
		v.schools[id] = s
	case domain.LearnerCategory:
		l := v.learners[id]
		if l == nil {
			l = &domain.LearnerState{}
		}
		enrolled := l.Enrolled()
		if err := l.ApplyDecoded(e, ev); err != nil {
			return fmt.Errorf("view: %w", err)
		}
		v.learners[id] = l
		if !enrolled && l.Enrolled() {
			v.enrolLocked(l)
		}
		switch ev := ev.(type) {
		case domain.EvidenceRecorded:
			le := v.evidence[id]
			if le == nil {
				le = newLearnerEvidence()
				v.evidence[id] = le
			}
			le.add(l.Evidence[e.ID], e.Revision)
		case domain.EvidenceRetracted:
			if le := v.evidence[id]; le != nil {
				le.remove(ev.EvidenceID)
			}
		}
		past := pastEvent{id: e.ID, revision: e.Revision, occurredAt: e.OccurredAt, recordedAt: e.RecordedAt, ev: ev}
		if _, ok := ev.(domain.ReadinessRequested); ok {
			actor := e.Actor
			past.actor = &actor
		}
		v.history[id] = append(v.history[id], past)
	}
	return nil
}

// Learner is what the HTTP adapter needs to scope and tag a request about a
// learner.
type Learner struct {
	ID       string
	SchoolID string
	Cohort   string
	// Revision is the last revision of the learner's stream.
	Revision  uint64
	Withdrawn bool
}

// Learner returns a learner's enrolment. Returns an error wrapping
// ErrNotFound if the learner is not enrolled.
func (v *View) Learner(id string) (Learner, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	l := v.learners[id]
	if !l.Enrolled() {
		return Learner{}, fmt.Errorf("learner %q is not enrolled: %w", id, domain.ErrNotFound)
	}
	return Learner{ID: l.ID, SchoolID: l.SchoolID, Cohort: l.Cohort, Revision: l.Version - 1, Withdrawn: l.Withdrawn}, nil
}

// School returns a registered school. Returns an error wrapping ErrNotFound
// otherwise.
func (v *View) School(id string) (domain.SchoolState, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	s := v.schools[id]
	if !s.Registered() {
		return domain.SchoolState{}, fmt.Errorf("school %q is not registered: %w", id, domain.ErrNotFound)
	}
	return *s, nil
}

// Standard is a standard as the API shows it.
type Standard struct {
	StandardID string                    `json:"standardId"`
	Framework  string                    `json:"framework"`
	Code       string                    `json:"code"`
	Title      string                    `json:"title"`
	Statement  string                    `json:"statement"`
	Components []domain.Component        `json:"components"`
	Scale      domain.Scale              `json:"scale"`
	Revision   int                       `json:"revision"`
	Retired    bool                      `json:"retired"`
	Revisions  []domain.StandardRevision `json:"revisions"`
	// Case names the CASE item the current revision was imported from.
	Case *domain.CaseRef `json:"case,omitempty"`
}

func standardOf(s *domain.StandardState) Standard {
	return Standard{
		StandardID: s.ID, Framework: s.Framework, Code: s.Code, Title: s.Title, Statement: s.Statement,
		Components: slices.Clone(s.Components), Scale: s.Scale, Revision: s.Revision, Retired: s.Retired,
		Revisions: slices.Clone(s.Revisions), Case: s.Case,
	}
}

// Standard returns a published standard. Returns an error wrapping
// ErrNotFound otherwise.
func (v *View) Standard(id string) (Standard, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	s := v.standards[id]
	if s == nil || !s.state.Published() {
		return Standard{}, fmt.Errorf("standard %q is not published: %w", id, domain.ErrNotFound)
	}
	return standardOf(s.state), nil
}

// Standards lists every published standard in the order published.
func (v *View) Standards() []Standard {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := make([]Standard, 0, len(v.order))
	for _, id := range v.order {
		if s := v.standards[id]; s.state.Published() {
			out = append(out, standardOf(s.state))
		}
	}
	return out
}

// LearnerMastery is GET /v1/learners/{id}/mastery.
type LearnerMastery struct {
	LearnerID string           `json:"learnerId"`
	Standards []domain.Mastery `json:"standards"`
}

// Mastery returns a learner's standing on every standard they have worked on
// and every other published, unretired standard, in the order published.
// With a non-nil asOf it answers what the ledger knew then: only events
// recorded at or before asOf count, for the learner and the standards alike.
//
// Returns an error wrapping ErrNotFound if the learner was not enrolled (as
// of asOf).
func (v *View) Mastery(ctx context.Context, learnerID string, asOf *time.Time) (LearnerMastery, error) {
	out := LearnerMastery{LearnerID: learnerID, Standards: []domain.Mastery{}}
	err := v.withState(ctx, learnerID, asOf, func(l *domain.LearnerState, stds []*domain.StandardState) error {
		for _, std := range stds {
			if l.Progress(std.ID) == nil && std.Retired {
				continue
			}
			out.Standards = append(out.Standards, l.Mastery(std))
		}
		return nil
	})
	return out, err
}

// StandardMastery returns a learner's standing on one standard, as of asOf
// if it is not nil. Returns an error wrapping ErrNotFound if the learner was
// not enrolled or the standard not published (as of asOf).
func (v *View) StandardMastery(ctx context.Context, learnerID, standardID string, asOf *time.Time) (domain.Mastery, error) {
	var m domain.Mastery
	err := v.withState(ctx, learnerID, asOf, func(l *domain.LearnerState, stds []*domain.StandardState) error {
		for _, std := range stds {
			if std.ID == standardID {
				m = l.Mastery(std)
				return nil
			}
		}
		return fmt.Errorf("standard %q is not published%s: %w", standardID, asOfText(asOf), domain.ErrNotFound)
	})
	return m, err
}

func asOfText(asOf *time.Time) string {
	if asOf == nil {
		return ""
	}
	return " as of " + domain.FormatTime(*asOf)
}

// withState calls read with the learner's state and the published
// standards' states: now (the live states, under the read lock; read must
// only build fresh values from them, as Mastery does) or as of a past moment
// (folded again from the streams).
func (v *View) withState(ctx context.Context, learnerID string, asOf *time.Time, read func(*domain.LearnerState, []*domain.StandardState) error) error {
	if asOf == nil {
		v.mu.RLock()
		defer v.mu.RUnlock()
		l := v.learners[learnerID]
		if !l.Enrolled() {
			return fmt.Errorf("learner %q is not enrolled: %w", learnerID, domain.ErrNotFound)
		}
		return read(l, v.publishedLocked())
	}
	l, stds, err := v.stateAt(ctx, learnerID, *asOf)
	if err != nil {
		return err
	}
	return read(l, stds)
}

func (v *View) publishedLocked() []*domain.StandardState {
	stds := make([]*domain.StandardState, 0, len(v.order))
	for _, id := range v.order {
		if s := v.standards[id].state; s.Published() {
			stds = append(stds, s)
		}
	}
	return stds
}

// stateAt folds the learner's and the standards' states as of asOf from
// their events.
func (v *View) stateAt(ctx context.Context, learnerID string, asOf time.Time) (*domain.LearnerState, []*domain.StandardState, error) {

	v.mu.RLock()
	past := v.history[learnerID]
	v.mu.RUnlock()
	// recordedAt never goes backwards in the global order, so what was
	// known at asOf is a prefix of the stream.
	n := sort.Search(len(past), func(i int) bool { return past[i].recordedAt.After(asOf) })
	stream := domain.LearnerStream(learnerID)
	l := &domain.LearnerState{}
	for _, p := range past[:n] {
		e := domain.RecordedEvent{ID: p.id, Type: p.ev.EventType(), Stream: stream, Revision: p.revision, OccurredAt: p.occurredAt, RecordedAt: p.recordedAt}
		if p.actor != nil {
			e.Actor = *p.actor
		}
		if err := l.ApplyDecoded(e, p.ev); err != nil {
			return nil, nil, fmt.Errorf("fold learner %q: %w", learnerID, err)
		}
	}
	if !l.Enrolled() {
		return nil, nil, fmt.Errorf("learner %q was not enrolled as of %s: %w", learnerID, domain.FormatTime(asOf), domain.ErrNotFound)
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	stds := make([]*domain.StandardState, 0, len(v.order))
	for _, id := range v.order {
		s := &domain.StandardState{}
		for _, e := range v.standards[id].events {
			if e.RecordedAt.After(asOf) {
				break
			}
			if err := s.Apply(e); err != nil {
				return nil, nil, fmt.Errorf("fold standard %q: %w", id, err)
			}
		}
		if s.Published() {
			stds = append(stds, s)
		}
	}
	return l, stds, nil
}

// Replay is GET /v1/learners/{id}/standards/{standardId}/replay: the
// auditor's trail of one claim.
type Replay struct {
	LearnerID  string                 `json:"learnerId"`
	StandardID string                 `json:"standardId"`
	Status     domain.Status          `json:"status"`
	Events     []domain.RecordedEvent `json:"events"`
}

// Replay returns, in stream order, every event of the learner's stream that
// bears on the standard: those naming it, retractions of its evidence,
// feedback on it, and goals, plans, adjustments, evaluations and reviews
// whose goal lists it. Each comes as stored, with its position and hashes.
//
// Returns an error wrapping ErrNotFound if the learner is not enrolled or
// the standard was never published.
func (v *View) Replay(ctx context.Context, learnerID, standardID string) (Replay, error) {
	if _, err := v.Standard(standardID); err != nil {
		return Replay{}, err
	}
	evs, err := v.src.ReadStream(ctx, domain.LearnerStream(learnerID), 0, 0)
	if err != nil {
		return Replay{}, fmt.Errorf("read learner %q: %w", learnerID, err)
	}
	l := &domain.LearnerState{}
	out := Replay{LearnerID: learnerID, StandardID: standardID, Events: []domain.RecordedEvent{}}
	for _, e := range evs {
		if err := l.Apply(e); err != nil {
			return Replay{}, fmt.Errorf("fold learner %q: %w", learnerID, err)
		}
		ev, err := domain.DecodeEvent(e)
		if err != nil {
			return Replay{}, fmt.Errorf("replay learner %q: %w", learnerID, err)
		}
		if slices.Contains(l.StandardsOf(ev), standardID) {
			out.Events = append(out.Events, e)
		}
	}
	if !l.Enrolled() {
		return Replay{}, fmt.Errorf("learner %q is not enrolled: %w", learnerID, domain.ErrNotFound)
	}
	v.mu.RLock()
	out.Status = l.Mastery(v.standards[standardID].state).Status
	v.mu.RUnlock()
	return out, nil
}

// Transcript is GET /v1/learners/{id}/transcript.
type Transcript struct {
	LearnerID string            `json:"learnerId"`
	Standards []TranscriptEntry `json:"standards"`
}

// TranscriptEntry is one met standard and what the claim rests on.
type TranscriptEntry struct {
	StandardID       string    `json:"standardId"`
	Code             string    `json:"code"`
	Title            string    `json:"title"`
	StandardRevision int       `json:"standardRevision"`
	MetAt            time.Time `json:"metAt"`
	RecordedAt       time.Time `json:"recordedAt"`
	AttemptID        uuid.UUID `json:"attemptId"`
	AgreementID      uuid.UUID `json:"agreementId"`
	// EvidenceIDs is the evidence the agreement rested on: what was current
	// when learner and teacher agreed, whatever happened to it later.
	EvidenceIDs []uuid.UUID `json:"evidenceIds"`
	// PreAssessed lists the components the agreement took from a
	// pre-assessment instead of evidence.
	PreAssessed []string `json:"preAssessed"`
}

// Transcript lists every standard the learner has met, in the order met.
// Returns an error wrapping ErrNotFound if the learner is not enrolled.
func (v *View) Transcript(learnerID string) (Transcript, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	l := v.learners[learnerID]
	if !l.Enrolled() {
		return Transcript{}, fmt.Errorf("learner %q is not enrolled: %w", learnerID, domain.ErrNotFound)
	}
	out := Transcript{LearnerID: learnerID, Standards: []TranscriptEntry{}}
	for id, p := range l.Standards {
		if p.Met == nil {
			continue
		}
		entry := TranscriptEntry{
			StandardID: id, StandardRevision: p.Met.StandardRevision, MetAt: p.Met.MetAt, RecordedAt: p.Met.RecordedAt,
			AttemptID: p.Met.AttemptID, AgreementID: p.Met.AgreementID, EvidenceIDs: []uuid.UUID{}, PreAssessed: []string{},
		}
		if s := v.standards[id]; s != nil {
			entry.Code, entry.Title = s.state.Code, s.state.Title
		}
		for _, a := range p.Agreements {
			if a.ID != p.Met.AgreementID {
				continue
			}
			for _, c := range a.Components {
				for _, e := range c.EvidenceIDs {
					if !slices.Contains(entry.EvidenceIDs, e) {
						entry.EvidenceIDs = append(entry.EvidenceIDs, e)
					}
				}
				if c.PreAssessed {
					entry.PreAssessed = append(entry.PreAssessed, c.ID)
				}
			}
		}
		out.Standards = append(out.Standards, entry)
	}
	sort.Slice(out.Standards, func(i, j int) bool {
		a, b := out.Standards[i], out.Standards[j]
		if !a.RecordedAt.Equal(b.RecordedAt) {
			return a.RecordedAt.Before(b.RecordedAt)
		}
		return a.StandardID < b.StandardID
	})
	return out, nil
}
