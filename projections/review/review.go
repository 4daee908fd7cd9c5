// Package review is the read model of the schools' practice reviews: each
// review as started and concluded, and its figures, computed from the
// ledger's events alone as of any log position (docs/metrics.md, "Practice
// reviews"). It does no I/O: it is fed the global order.
package review

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// Projection is the practice reviews' read model. The zero value is not
// usable; call New. Apply and the reads may be called from any number of
// goroutines.
type Projection struct {
	mu       sync.RWMutex
	position uint64
	schools  map[string]*school
	learners map[string]*learner

	// live keeps each open review's figures with the version of its
	// school they were computed at. Reads hold mu for reading only, so
	// the cache has its own lock.
	liveMu sync.Mutex
	live   map[reviewKey]liveFigures
}

type reviewKey struct{ school, review string }

// liveFigures are an open review's figures as of position asOf, computed
// when its school was at version.
type liveFigures struct {
	version uint64
	figures domain.ReviewFigures
}

var _ projections.Model = (*Projection)(nil)

// New returns an empty projection, to be fed the global order from the
// first event.
func New() *Projection {
	return &Projection{schools: make(map[string]*school), learners: make(map[string]*learner), live: make(map[reviewKey]liveFigures)}
}

type school struct {
	reviews []*Review
	byID    map[string]*Review
	// learners in enrolment order.
	learners []*learner
	// version counts the events applied to the school's stream or to its
	// learners' streams: the figures of its reviews can move only when it
	// does (docs/metrics.md, "Practice reviews").
	version uint64
}

type learner struct {
	school     *school
	id, cohort string
	enrolledAt uint64
	facts      []fact
}

type factKind uint8

const (
	factEvidence factKind = iota + 1
	factRetraction
	factAttempt
	// factActivity is an event the learner recorded themself.
	factActivity
)

// fact is what a review's figures need of one event of a learner's stream.
type fact struct {
	kind     factKind
	pos      uint64
	at       time.Time // occurredAt
	standard string
	level    int
	meets    bool
	// id is the evidence's id (factEvidence) or the retracted one's.
	id uuid.UUID
}

// Review is one practice review as its events state it.
type Review struct {
	SchoolID string `json:"schoolId"`
	domain.PracticeReviewStarted
	StartedBy       domain.Actor `json:"startedBy"`
	StartedAt       time.Time    `json:"startedAt"`
	StartedPosition uint64       `json:"startedPosition"`
	// Conclusion is nil while the review is open.
	Conclusion *Conclusion `json:"conclusion"`
}

// Conclusion is a review's PracticeReviewConcluded with its envelope.
type Conclusion struct {
	EventID     uuid.UUID            `json:"eventId"`
	Decision    string               `json:"decision"`
	Learned     string               `json:"learned"`
	Figures     domain.ReviewFigures `json:"figures"`
	ConcludedBy domain.Actor         `json:"concludedBy"`
	ConcludedAt time.Time            `json:"concludedAt"`
	Position    uint64               `json:"position"`
}

// Apply folds the next event of the global order.
func (p *Projection) Apply(e domain.RecordedEvent) error {
	category, id, ok := domain.ParseStream(e.Stream)
	if !ok {
		return fmt.Errorf("review: event %s: %q is not a ledger stream", e.ID, e.Stream)
	}
	if category == domain.StandardCategory {
		return p.advance(e.Position)
	}
	ev, err := domain.DecodeEvent(e)
	if err != nil {
		return fmt.Errorf("review: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Position <= p.position {
		return fmt.Errorf("review: event %s: position %d does not follow %d", e.ID, e.Position, p.position)
	}
	p.position = e.Position
	switch category {
	case domain.SchoolCategory:
		return p.applySchool(e, ev, id)
	case domain.LearnerCategory:
		return p.applyLearner(e, ev, id)
	}
	return nil
}

func (p *Projection) advance(pos uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pos <= p.position {
		return fmt.Errorf("review: position %d does not follow %d", pos, p.position)
	}
	p.position = pos
	return nil
}

func (p *Projection) school(id string) *school {
	s := p.schools[id]
	if s == nil {
		s = &school{byID: make(map[string]*Review)}
		p.schools[id] = s
	}
	return s
}

func (p *Projection) applySchool(e domain.RecordedEvent, ev domain.Event, id string) error {
	p.school(id).version++
	switch ev := ev.(type) {
	case domain.PracticeReviewStarted:
		s := p.school(id)
		if s.byID[ev.ReviewID] != nil {
			return fmt.Errorf("review: event %s: review %q started twice", e.ID, ev.ReviewID)
		}
		r := &Review{SchoolID: id, PracticeReviewStarted: ev, StartedBy: e.Actor, StartedAt: e.OccurredAt, StartedPosition: e.Position}
		s.reviews = append(s.reviews, r)
		s.byID[ev.ReviewID] = r
	case domain.PracticeReviewConcluded:
		r := p.school(id).byID[ev.ReviewID]
		if r == nil || r.Conclusion != nil {
			return fmt.Errorf("review: event %s: conclusion of review %q, not open", e.ID, ev.ReviewID)
		}
		r.Conclusion = &Conclusion{EventID: e.ID, Decision: ev.Decision, Learned: ev.Learned, Figures: ev.Figures,
			ConcludedBy: e.Actor, ConcludedAt: e.OccurredAt, Position: e.Position}
		// A concluded review shows the figures it recorded: its live
		// ones are not read again.
		p.liveMu.Lock()
		delete(p.live, reviewKey{id, ev.ReviewID})
		p.liveMu.Unlock()
	}
	return nil
}

func (p *Projection) applyLearner(e domain.RecordedEvent, ev domain.Event, id string) error {
	if en, ok := ev.(domain.LearnerEnrolled); ok {
		if p.learners[id] != nil {
			return fmt.Errorf("review: event %s: learner %s enrolled twice", e.ID, id)
		}
		s := p.school(en.SchoolID)
		l := &learner{school: s, id: id, cohort: en.Cohort, enrolledAt: e.Position}
		p.learners[id] = l
		s.learners = append(s.learners, l)
		s.version++
		return nil
	}
	l := p.learners[id]
	if l == nil {
		return fmt.Errorf("review: event %s of learner %s before the enrolment", e.ID, id)
	}
	l.school.version++
	f := fact{pos: e.Position, at: e.OccurredAt}
	switch ev := ev.(type) {
	case domain.EvidenceRecorded:
		f.kind, f.standard, f.level, f.id = factEvidence, ev.StandardID, ev.Level, e.ID
		l.facts = append(l.facts, f)
	case domain.EvidenceRetracted:
		f.kind, f.id = factRetraction, ev.EvidenceID
		l.facts = append(l.facts, f)
	case domain.SummativeAttemptRecorded:
		f.kind, f.standard, f.meets = factAttempt, ev.StandardID, ev.Meets
		l.facts = append(l.facts, f)
	}
	if e.Actor.Role == domain.RoleLearner {
		// What the learner did themself, whatever it was: self
		// evidence, goals, plans, adjustments, requests.
		l.facts = append(l.facts, fact{kind: factActivity, pos: e.Position, at: e.OccurredAt})
	}
	return nil
}

// Position is the last position applied.
func (p *Projection) Position() uint64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.position
}

// Reviews returns the school's reviews in the order they were started
// (copies: the caller may keep them).
func (p *Projection) Reviews(schoolID string) []Review {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := p.schools[schoolID]
	if s == nil {
		return nil
	}
	out := make([]Review, len(s.reviews))
	for i, r := range s.reviews {
		out[i] = *r
	}
	return out
}

// Review returns one review of the school, and false if there is none.
func (p *Projection) Review(schoolID, reviewID string) (Review, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := p.schools[schoolID]
	if s == nil || s.byID[reviewID] == nil {
		return Review{}, false
	}
	return *s.byID[reviewID], true
}

// Roster returns the school's learners with their cohorts, for checking
// a new review's scope.
func (p *Projection) Roster(schoolID string) domain.SchoolRoster {
	p.mu.RLock()
	defer p.mu.RUnlock()
	r := domain.SchoolRoster{Learners: make(map[string]string)}
	if s := p.schools[schoolID]; s != nil {
		for _, l := range s.learners {
			r.Learners[l.id] = l.cohort
		}
	}
	return r
}

// Figures computes the review's figures from every event up to the
// projection's current position; see docs/metrics.md.
func (p *Projection) Figures(r Review) domain.ReviewFigures {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.liveFigures(r)
}

// liveFigures is p.figures(r, p.position), kept while r's school's version
// stays: an event of another school or of a standard moves the position
// but no figure of r, so the kept figures are handed out with the new
// position. Only an open review's figures are kept. The values the
// figures point at are shared with the kept copy: no caller may write
// through them. Called with p.mu held for reading.
func (p *Projection) liveFigures(r Review) domain.ReviewFigures {
	s := p.schools[r.SchoolID]
	if s == nil || r.Conclusion != nil {
		return p.figures(r, p.position)
	}
	k := reviewKey{r.SchoolID, r.ReviewID}
	p.liveMu.Lock()
	c, ok := p.live[k]
	p.liveMu.Unlock()
	if !ok || c.version != s.version {
		c = liveFigures{version: s.version, figures: p.figures(r, p.position)}
		p.liveMu.Lock()
		p.live[k] = c
		p.liveMu.Unlock()
	}
	f := c.figures
	f.AsOfPosition = p.position
	f.Figures = slices.Clone(f.Figures)
	return f
}

// FiguresAt is Figures as of position asOf (at most the projection's).
func (p *Projection) FiguresAt(r Review, asOf uint64) domain.ReviewFigures {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.figures(r, min(asOf, p.position))
}

// ConclusionFigures are the figures a conclusion with event id eventID
// records: the review's figures as of the projection's position, or, for a
// retried conclusion already stored, the figures it recorded then, so the
// retry is the same command and answers the same event. The API, the
// pages' form and the demo record through it. A review the projection
// does not know gets none: the command is refused as about an unknown
// review.
func (p *Projection) ConclusionFigures(schoolID, reviewID string, eventID uuid.UUID) domain.ReviewFigures {
	rv, ok := p.Review(schoolID, reviewID)
	if !ok {
		return domain.ReviewFigures{}
	}
	if c := rv.Conclusion; c != nil && c.EventID == eventID {
		return c.Figures
	}
	return p.Figures(rv)
}

// groups returns the learners of the scope and of the comparison enrolled
// by asOf, each group in the order of the learners' ids; a learner in both
// is in the scope only. The bootstrap draws by index into these lists, so
// the order is the ids' rather than the enrolments': two logs with the same
// learners and events, enrolled in another order (as concurrent enrolments
// may be), give the same intervals.
func (p *Projection) groups(r Review, asOf uint64) (scope, comparison []*learner) {
	s := p.schools[r.SchoolID]
	if s == nil {
		return nil, nil
	}
	in := func(l *learner, sc *domain.ReviewScope) bool {
		return sc != nil && (slices.Contains(sc.Cohorts, l.cohort) || slices.Contains(sc.LearnerIDs, l.id))
	}
	for _, l := range s.learners {
		switch {
		case l.enrolledAt > asOf:
		case in(l, &r.Scope):
			scope = append(scope, l)
		case in(l, r.Comparison):
			comparison = append(comparison, l)
		}
	}
	byID := func(a, b *learner) int { return strings.Compare(a.id, b.id) }
	slices.SortFunc(scope, byID)
	slices.SortFunc(comparison, byID)
	return scope, comparison
}

// Read is a review as the API and the pages show it: the review, its
// decision if concluded, and the figures to read beside it: those its
// conclusion recorded (FiguresOf "conclusion"), or, while it is open,
// those of the projection's current position (FiguresOf "now").
type Read struct {
	Review
	FiguresOf string               `json:"figuresOf"`
	Figures   domain.ReviewFigures `json:"figures"`
}

// Read returns the school's review with its figures, and false if there is
// no such review.
func (p *Projection) Read(schoolID, reviewID string) (Read, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := p.schools[schoolID]
	if s == nil || s.byID[reviewID] == nil {
		return Read{}, false
	}
	return p.read(*s.byID[reviewID]), true
}

// ReadAll returns every review of the school with its figures, in the
// order they were started.
func (p *Projection) ReadAll(schoolID string) []Read {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := []Read{}
	if s := p.schools[schoolID]; s != nil {
		for _, r := range s.reviews {
			out = append(out, p.read(*r))
		}
	}
	return out
}

func (p *Projection) read(r Review) Read {
	if r.Conclusion != nil {
		return Read{Review: r, FiguresOf: "conclusion", Figures: r.Conclusion.Figures}
	}
	return Read{Review: r, FiguresOf: "now", Figures: p.liveFigures(r)}
}
