package efficacy

import (
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// Projection is the collective-efficacy read model. The zero value is not
// usable; call New. Apply and School may be called from any number of
// goroutines: readers see the model between two events, never in the middle
// of one.
type Projection struct {
	mu        sync.RWMutex
	position  uint64
	standards map[string]*standard
	schools   map[string]*school
	learners  map[string]*learner
	// Standard ids that learners' events name are numbered in order of
	// first appearance, so that per-learner facts and per-standard counts
	// are small and indexed, not keyed by strings.
	ids   []string
	index map[string]int32
	// standardsAt is the position of the last event of a standard's
	// stream: a standard's code, title and retirement are in every
	// school's figures.
	standardsAt uint64
}

var _ projections.Model = (*Projection)(nil)

// New returns an empty projection, to be fed the global order from the
// first event.
func New() *Projection {
	return &Projection{
		standards: make(map[string]*standard),
		schools:   make(map[string]*school),
		learners:  make(map[string]*learner),
		index:     make(map[string]int32),
	}
}

// standard is what the wins feed and the rates need of a standard's stream.
type standard struct {
	code, title string
	// publishedAt is the StandardPublished's occurredAt.
	publishedAt time.Time
	// retiredAt is the occurredAt of the first StandardRetired; zero while
	// the standard is current.
	retired   bool
	retiredAt time.Time
}

type school struct {
	registered bool
	// learners in enrolment order (global position), so that every walk
	// over them is deterministic.
	learners []*learner
	surveys  surveys // perceived.go
	// changedAt is the position of the last event of the school's stream
	// or of one of its learners' streams: with standardsAt, the last
	// event that can change the school's figures (SchoolVersion).
	changedAt uint64
}

type learner struct {
	id, cohort  string
	school      *school
	enrolledAt  time.Time
	withdrawn   bool
	withdrawnAt time.Time
	// lastAt is the latest occurredAt of any event of the learner's stream:
	// where the default growth series ends.
	lastAt time.Time
	// pairs in order of the learner's first activity on each standard.
	pairs []*pair
	goals map[string]*goal
	// acts are the learner's steps of the cycle that either the learner
	// or staff may record (goals, plans, plan adjustments, evidence,
	// readiness requests), in stream order: the agency figures.
	acts []act
}

// act is one step of the cycle and who recorded it, in 16 bytes: a
// learner has one per goal, plan, adjustment, evidence and request, the
// most numerous facts the model keeps. at is occurredAt as Unix seconds
// and nanoseconds (time.Time would take 24 bytes), compared as such
// against the edges of a report's periods (place).
type act struct {
	sec  int64
	nsec int32
	kind actKind
	by   recorder
}

func newAct(at time.Time, kind actKind, by recorder) act {
	return act{sec: at.Unix(), nsec: int32(at.Nanosecond()), kind: kind, by: by}
}

// actKind is the kind of step an act is; its order is the order of
// Agency.Kinds.
type actKind uint8

const (
	actGoal actKind = iota
	actPlan
	actAdjustment
	actEvidence
	actReadiness
	actKinds // the number of kinds
)

// recorder is who recorded an act: the learner themself, staff (a
// teacher or an admin), or a tool (xAPI statements turned into evidence).
type recorder uint8

const (
	byLearner recorder = iota
	byStaff
	byTool
)

// kindOf returns the agency kind of ev, and false if the agency figures
// do not count it.
func kindOf(ev domain.Event) (actKind, bool) {
	switch ev.(type) {
	case domain.GoalSet:
		return actGoal, true
	case domain.PlanDrafted:
		return actPlan, true
	case domain.PlanAdjusted:
		return actAdjustment, true
	case domain.EvidenceRecorded:
		return actEvidence, true
	case domain.ReadinessRequested:
		return actReadiness, true
	}
	return 0, false
}

// recorderOf reads the envelope's actor. A learner's token acts only on
// that learner (DOMAIN.md, credentials), so a learner-role actor in a
// learner's stream is the learner themself. Every other role that may
// record these steps is staff, except a tool.
func recorderOf(a domain.Actor) recorder {
	switch a.Role {
	case domain.RoleLearner:
		return byLearner
	case domain.RoleTool:
		return byTool
	}
	return byStaff
}

// pair is one learner's facts on one standard. It exists once a
// pre-assessment, evidence, an agreement or an attempt names the standard.
type pair struct {
	std int32 // index into Projection.ids
	// startedAt is the earliest occurredAt of those events.
	startedAt time.Time
	// firstEvidenceAt is the earliest occurredAt of any EvidenceRecorded
	// for the standard, retracted or not, any source; zero if none.
	firstEvidenceAt time.Time
	openAgreement   uuid.UUID
	openAgreementAt time.Time
	// notYetAt is the occurredAt of the first attempt that did not meet,
	// recorded while the standard was not met.
	notYet   bool
	notYetAt time.Time
	// adjusted: a PlanAdjusted whose goal lists the standard was recorded
	// after the first not-yet attempt and before the standard was met.
	adjusted bool
	met      *claim
}

// claim is the meeting attempt and what it consumed.
type claim struct {
	at          time.Time // the attempt's occurredAt: metAt
	recordedAt  time.Time
	position    uint64
	attemptID   uuid.UUID
	agreementID uuid.UUID
	agreementAt time.Time
	revision    int
}

type goal struct {
	standards   []int32 // indexes into Projection.ids
	setAt       time.Time
	evaluations []evaluation // stream order
}

type evaluation struct {
	at     time.Time
	result domain.GoalResult
}

// Position is the global position of the last event applied (0 before the
// first).
func (p *Projection) Position() uint64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.position
}

// Apply folds the next event of the global order.
//
// It returns an error, and changes nothing, for an event it cannot decode or
// whose type is outside the catalog (wrapping domain.ErrInvalid), a stream
// that is not a ledger stream or not the kind the type belongs to, a position
// not after the last one applied, and a stream that contradicts itself where
// the figures depend on it (see the package documentation).
func (p *Projection) Apply(e domain.RecordedEvent) error {
	ev, err := domain.DecodeEvent(e)
	if err != nil {
		return fmt.Errorf("efficacy: %w", err)
	}
	return p.ApplyDecoded(e, ev)
}

// ApplyDecoded is Apply for an event already decoded by domain.DecodeEvent,
// so that several read models fed one feed parse each event once.
func (p *Projection) ApplyDecoded(e domain.RecordedEvent, ev domain.Event) error {
	category, id, ok := domain.ParseStream(e.Stream)
	if !ok {
		return refuse(e, "%q is not a ledger stream", e.Stream)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Position <= p.position {
		return refuse(e, "position %d does not follow position %d", e.Position, p.position)
	}
	if err := p.apply(e, ev, category, id); err != nil {
		return err
	}
	p.position = e.Position
	switch category {
	case domain.StandardCategory:
		p.standardsAt = e.Position
	case domain.SchoolCategory:
		if s := p.schools[id]; s != nil {
			s.changedAt = e.Position
		}
	case domain.LearnerCategory:
		if l := p.learners[id]; l != nil {
			l.school.changedAt = e.Position
		}
	}
	return nil
}

// SchoolVersion returns the global position of the last event applied
// that can change the school's report, whatever the query (an event of the
// school's stream, of one of its learners' streams or of a standard's
// stream), and the projection's position, read together. Two reads of
// School with the same query at the same version give the same figures, so
// that a reader may keep a report until the version moves, and give it
// position as its Report.Position: the events since the report was read
// changed none of its figures. Events of other schools and of their
// learners leave the version as it is. The version is 0 for a school the
// projection has seen nothing of.
func (p *Projection) SchoolVersion(schoolID string) (version, position uint64) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if s := p.schools[schoolID]; s != nil {
		version = max(s.changedAt, p.standardsAt)
	}
	return version, p.position
}

func refuse(e domain.RecordedEvent, format string, args ...any) error {
	return fmt.Errorf("efficacy: event %s (%s, %s@%d, position %d): %s",
		e.ID, e.Type, e.Stream, e.Revision, e.Position, fmt.Sprintf(format, args...))
}

// apply checks everything before it changes anything.
func (p *Projection) apply(e domain.RecordedEvent, ev domain.Event, category, id string) error {
	switch ev.(type) {
	case domain.StatementRecorded, domain.XAPIActivityAligned, domain.XAPIAgentLinked,
		domain.XAPIDocumentPut, domain.XAPIDocumentDeleted:
		// xAPI statements, documents and their mapping change no figure:
		// the evidence derived from a statement is folded as any other
		// evidence.
		if category == domain.StandardCategory {
			return refuse(e, "an xAPI event in a standard's stream")
		}
		return nil
	}
	want := domain.LearnerCategory
	switch ev.(type) {
	case domain.StandardPublished, domain.StandardRevised, domain.StandardRetired:
		want = domain.StandardCategory
	case domain.SchoolRegistered, domain.EfficacySurveyRecorded, domain.ResearchSharingSet,
		domain.SurveyInstrumentPublished, domain.SurveyRoundOpened,
		domain.PracticeReviewStarted, domain.PracticeReviewConcluded:
		want = domain.SchoolCategory
	}
	if category != want {
		return refuse(e, "a %s event in a %s stream", want, category)
	}

	switch ev := ev.(type) {
	case domain.StandardPublished:
		if ev.StandardID != id {
			return refuse(e, "publishes %s", ev.StandardID)
		}
		if p.standards[id] != nil {
			return refuse(e, "standard %s is published twice", id)
		}
		p.standards[id] = &standard{code: ev.Code, title: ev.Title, publishedAt: e.OccurredAt}
		return nil
	case domain.StandardRevised:
		// A revision changes what later learners must show; claims already
		// made keep counting (learners keep the revision they met), and the
		// code and title are fixed for the standard's life.
		if p.standards[id] == nil {
			return refuse(e, "revision of standard %s, not published", id)
		}
		return nil
	case domain.StandardRetired:
		s := p.standards[id]
		if s == nil {
			return refuse(e, "retirement of standard %s, not published", id)
		}
		if !s.retired {
			s.retired, s.retiredAt = true, e.OccurredAt
		}
		return nil
	case domain.SchoolRegistered:
		if ev.SchoolID != id {
			return refuse(e, "registers %s", ev.SchoolID)
		}
		if s := p.schools[id]; s != nil && s.registered {
			return refuse(e, "school %s is registered twice", id)
		}
		p.school(id).registered = true
		return nil
	case domain.ResearchSharingSet:
		// What researchers may read changes no figure.
		return nil
	case domain.PracticeReviewStarted, domain.PracticeReviewConcluded:
		// Practice reviews have their own read model (projections/review).
		return nil
	case domain.EfficacySurveyRecorded, domain.SurveyInstrumentPublished, domain.SurveyRoundOpened:
		s := p.schools[id]
		if s == nil {
			return refuse(e, "%s before school %s is registered", e.Type, id)
		}
		return s.applySurvey(e, ev, id)
	case domain.LearnerEnrolled:
		if ev.LearnerID != id {
			return refuse(e, "enrols %s", ev.LearnerID)
		}
		if p.learners[id] != nil {
			return refuse(e, "learner %s is enrolled twice", id)
		}
		s := p.school(ev.SchoolID)
		l := &learner{id: id, cohort: ev.Cohort, school: s, enrolledAt: e.OccurredAt, lastAt: e.OccurredAt}
		p.learners[id] = l
		s.learners = append(s.learners, l)
		return nil
	}

	l := p.learners[id]
	if l == nil {
		return refuse(e, "event of learner %s before the enrolment", id)
	}
	if err := p.applyLearner(l, e, ev); err != nil {
		return err
	}
	if k, ok := kindOf(ev); ok {
		l.acts = append(l.acts, newAct(e.OccurredAt, k, recorderOf(e.Actor)))
	}
	if e.OccurredAt.After(l.lastAt) {
		l.lastAt = e.OccurredAt
	}
	return nil
}

func (p *Projection) school(id string) *school {
	s := p.schools[id]
	if s == nil {
		s = &school{}
		p.schools[id] = s
	}
	return s
}

// applyLearner folds one event of the learner's own stream, after
// LearnerEnrolled.
func (p *Projection) applyLearner(l *learner, e domain.RecordedEvent, ev domain.Event) error {
	at := e.OccurredAt
	switch ev := ev.(type) {
	case domain.LearnerWithdrawn:
		if !l.withdrawn {
			l.withdrawn, l.withdrawnAt = true, at
		}
	case domain.PreAssessmentRecorded:
		p.pair(l, ev.StandardID, at)
	case domain.EvidenceRecorded:
		pr := p.pair(l, ev.StandardID, at)
		if pr.firstEvidenceAt.IsZero() || at.Before(pr.firstEvidenceAt) {
			pr.firstEvidenceAt = at
		}
	case domain.EvidenceRetracted:
		// Retracted evidence still marks when work on the standard began,
		// and a retraction after met does not undo met: nothing to fold.
	case domain.FeedbackGiven, domain.PlanDrafted, domain.GoalReviewed:
		// Dialogue and planning text: no figure reads them.
	case domain.CredentialIssued, domain.CredentialRevoked:
		// A credential restates a met claim the attempt already counted.
	case domain.ReadinessRequested:
		// Time to mastery runs from the agreement, which the teacher
		// confirms; the learner's ask does not start any clock.
	case domain.LearnerProfileUpdated, domain.LearnerPersonalDataErased:
		// Personal data, and its erasure: no figure reads them.
	case domain.GoalSet:
		if l.goals[ev.GoalID] != nil {
			return refuse(e, "goal %s is set twice", ev.GoalID)
		}
		if l.goals == nil {
			l.goals = make(map[string]*goal)
		}
		g := &goal{standards: make([]int32, len(ev.StandardIDs)), setAt: at}
		for i, sid := range ev.StandardIDs {
			g.standards[i] = p.intern(sid)
		}
		l.goals[ev.GoalID] = g
	case domain.GoalEvaluated:
		g := l.goals[ev.GoalID]
		if g == nil {
			return refuse(e, "evaluation of unknown goal %s", ev.GoalID)
		}
		g.evaluations = append(g.evaluations, evaluation{at: at, result: ev.Result})
	case domain.PlanAdjusted:
		g := l.goals[ev.GoalID]
		if g == nil {
			return refuse(e, "adjustment of a plan of unknown goal %s", ev.GoalID)
		}
		for _, std := range g.standards {
			if pr := l.find(std); pr != nil && pr.notYet && pr.met == nil {
				pr.adjusted = true
			}
		}
	case domain.ReadinessAgreed:
		if pr := p.find(l, ev.StandardID); pr != nil && pr.openAgreement != uuid.Nil {
			return refuse(e, "agreement while %s is open", pr.openAgreement)
		}
		pr := p.pair(l, ev.StandardID, at)
		pr.openAgreement, pr.openAgreementAt = e.ID, at
	case domain.SummativeAttemptRecorded:
		pr := p.find(l, ev.StandardID)
		if pr == nil || pr.openAgreement != ev.AgreementID || ev.AgreementID == uuid.Nil {
			return refuse(e, "attempt consumes %s, which is not the open agreement", ev.AgreementID)
		}
		p.pair(l, ev.StandardID, at) // earliest activity
		agreedAt := pr.openAgreementAt
		pr.openAgreement, pr.openAgreementAt = uuid.Nil, time.Time{}
		switch {
		case pr.met != nil:
			// Met is final: a later attempt changes no figure.
		case ev.Meets:
			pr.met = &claim{
				at:          at,
				recordedAt:  e.RecordedAt,
				position:    e.Position,
				attemptID:   e.ID,
				agreementID: ev.AgreementID,
				agreementAt: agreedAt,
				revision:    ev.StandardRevision,
			}
		case !pr.notYet:
			pr.notYet, pr.notYetAt = true, at
		}
	default:
		return refuse(e, "%s is not an event of a learner's stream", e.Type)
	}
	return nil
}

// intern returns the index of a standard id, numbering it if new.
func (p *Projection) intern(standardID string) int32 {
	i, ok := p.index[standardID]
	if !ok {
		i = int32(len(p.ids))
		p.ids = append(p.ids, standardID)
		p.index[standardID] = i
	}
	return i
}

// find returns the learner's facts on a standard, or nil.
func (p *Projection) find(l *learner, standardID string) *pair {
	i, ok := p.index[standardID]
	if !ok {
		return nil
	}
	return l.find(i)
}

func (l *learner) find(std int32) *pair {
	for _, pr := range l.pairs {
		if pr.std == std {
			return pr
		}
	}
	return nil
}

// pair returns the learner's facts on a standard, creating them, and moves
// startedAt back to at if at is earlier.
func (p *Projection) pair(l *learner, standardID string, at time.Time) *pair {
	i := p.intern(standardID)
	if pr := l.find(i); pr != nil {
		if at.Before(pr.startedAt) {
			pr.startedAt = at
		}
		return pr
	}
	pr := &pair{std: i, startedAt: at}
	l.pairs = append(l.pairs, pr)
	return pr
}
