package domain

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// LearnerState is a learner folded from their stream: everything the
// decisions about the learner consult, and everything the mastery view shows.
// The zero value is a learner not yet enrolled; Apply the stream's events in
// order, or any prefix of them for the learner as the ledger knew them then.
//
// It deliberately holds no personal data: a profile update sets HasProfile
// and nothing else, so no state or projection built from it copies what a
// learner may later have erased.
type LearnerState struct {
	ID       string
	SchoolID string
	Cohort   string
	// Withdrawn learners accept no more writes; their history stays.
	Withdrawn  bool
	HasProfile bool
	// Erased is the erasure of the learner's personal data, or nil: after
	// it, no profile update is accepted.
	Erased *Erasure
	// Standards holds the progress on every standard that a pre-assessment,
	// evidence, an agreement or an attempt has named.
	Standards map[string]*StandardProgress
	// Evidence indexes every piece of evidence, retracted or not, by id.
	Evidence map[uuid.UUID]*Evidence
	// Requests indexes every readiness request, open or closed, by id.
	Requests map[uuid.UUID]*Request
	// Statements indexes the xAPI statements of the stream by id: true
	// once voided.
	Statements map[string]bool
	// Credentials indexes every issued credential, revoked or not, by the
	// credential's id.
	Credentials map[uuid.UUID]*Credential
	Goals       map[string]*Goal
	Plans       map[string]*Plan
	// Version is the number of events applied; see Expected.
	Version uint64
}

// StandardProgress is one learner's record on one standard.
type StandardProgress struct {
	StandardID string
	// PreAssessed holds the component ids that any pre-assessment found
	// demonstrated: pre-assessments add up, none takes one away.
	PreAssessed map[string]bool
	// PreAssessments counts the pre-assessments, including those that
	// found nothing demonstrated.
	PreAssessments int
	// Evidence is in stream order, retracted pieces included.
	Evidence   []*Evidence
	Agreements []*Agreement
	// OpenAgreement is the agreement not yet consumed by an attempt, or nil.
	OpenAgreement *Agreement
	// OpenRequests are the readiness requests no agreement has answered
	// yet, in stream order.
	OpenRequests []*Request
	Attempts     []*Attempt
	// Met is the claim, set by the first attempt that meets and never
	// cleared.
	Met *Met
}

// Evidence is one piece of formative evidence as the learner's stream holds
// it.
type Evidence struct {
	ID               uuid.UUID
	StandardID       string
	ComponentID      string
	StandardRevision int
	Level            int
	Source           Source
	// StatementID is the xAPI statement the evidence was derived from,
	// if any.
	StatementID string
	OccurredAt  time.Time
	RecordedAt  time.Time
	// RetractedBy is the id of the EvidenceRetracted event, or uuid.Nil
	// while the evidence is current.
	RetractedBy uuid.UUID
}

// Current reports whether the evidence counts: it is not retracted.
func (e *Evidence) Current() bool { return e.RetractedBy == uuid.Nil }

// Agreement is a ReadinessAgreed as the learner's stream holds it.
type Agreement struct {
	ID               uuid.UUID         `json:"agreementId"`
	StandardRevision int               `json:"standardRevision"`
	Components       []AgreedComponent `json:"components"`
	Teacher          string            `json:"teacher"`
	// RequestID is the readiness request the agreement names as the one
	// it answers; omitted when it names none.
	RequestID  uuid.UUID `json:"requestId,omitzero"`
	OccurredAt time.Time `json:"occurredAt"`
	RecordedAt time.Time `json:"recordedAt"`
	// ConsumedBy is the id of the attempt that consumed the agreement, or
	// uuid.Nil while it is open.
	ConsumedBy uuid.UUID `json:"-"`
}

// Request is a ReadinessRequested as the learner's stream holds it.
type Request struct {
	ID               uuid.UUID   `json:"requestId"`
	StandardID       string      `json:"-"`
	StandardRevision int         `json:"standardRevision"`
	EvidenceIDs      []uuid.UUID `json:"evidenceIds"`
	// RequestedBy is who recorded the request: the learner, or a teacher
	// on their behalf.
	RequestedBy Actor     `json:"requestedBy"`
	OccurredAt  time.Time `json:"occurredAt"`
	RecordedAt  time.Time `json:"recordedAt"`
	// ClosedBy is the id of the agreement that closed the request, or
	// uuid.Nil while it is open.
	ClosedBy uuid.UUID `json:"-"`
}

// Credential is a CredentialIssued as the learner's stream holds it, and
// its revocation if any.
type Credential struct {
	ID         uuid.UUID
	EventID    uuid.UUID
	StandardID string
	AttemptID  uuid.UUID
	Issued     CredentialIssued
	RecordedAt time.Time
	// RevokedBy is the id of the CredentialRevoked event, or uuid.Nil.
	RevokedBy uuid.UUID
	Reason    string
}

// Open reports whether no agreement has answered the request yet.
func (r *Request) Open() bool { return r.ClosedBy == uuid.Nil }

// Attempt is a SummativeAttemptRecorded as the learner's stream holds it.
type Attempt struct {
	ID               uuid.UUID `json:"attemptId"`
	AgreementID      uuid.UUID `json:"agreementId"`
	StandardRevision int       `json:"standardRevision"`
	Level            int       `json:"level"`
	Meets            bool      `json:"meets"`
	OccurredAt       time.Time `json:"occurredAt"`
	RecordedAt       time.Time `json:"recordedAt"`
}

// Met is a learner's claim on a standard: the attempt that met it, against
// which revision, and the two clocks.
type Met struct {
	AttemptID        uuid.UUID
	AgreementID      uuid.UUID
	StandardRevision int
	// MetAt is when the attempt occurred; RecordedAt when the ledger
	// learned of it.
	MetAt      time.Time
	RecordedAt time.Time
}

// Erasure is a LearnerPersonalDataErased as the learner's stream holds it.
type Erasure struct {
	EventID    uuid.UUID
	OccurredAt time.Time
	RecordedAt time.Time
}

// Goal is a SMARTER goal as the learner's stream holds it.
type Goal struct {
	ID          string
	StandardIDs []string
	TargetDate  string
	// Result is the latest evaluation's, or "" before any.
	Result   GoalResult
	Reviewed bool
}

// Plan is a PLCA plan as the learner's stream holds it.
type Plan struct {
	ID          string
	GoalID      string
	Adjustments int
}

// Enrolled reports whether the learner exists.
func (s *LearnerState) Enrolled() bool { return s != nil && s.ID != "" }

// Expected is the expected revision for appending the next event to the
// learner's stream, given the events applied so far.
func (s *LearnerState) Expected() ExpectedRevision { return expectedAfter(s.Version) }

// Progress returns the learner's progress on a standard, or nil if nothing
// has named it yet.
func (s *LearnerState) Progress(standardID string) *StandardProgress {
	return s.Standards[standardID]
}

// StandardsOf lists the standards an event of this learner's stream concerns:
// the standard it names, or, for goal and plan events, the standards of the
// goal. The replay of a claim is the learner's events for which this list
// holds the standard. Call it with a state that has applied the event.
func (s *LearnerState) StandardsOf(e Event) []string {
	switch e := e.(type) {
	case PreAssessmentRecorded:
		return []string{e.StandardID}
	case EvidenceRecorded:
		return []string{e.StandardID}
	case EvidenceRetracted:
		return []string{e.StandardID}
	case FeedbackGiven:
		return []string{e.StandardID}
	case ReadinessRequested:
		return []string{e.StandardID}
	case CredentialIssued:
		return []string{e.StandardID}
	case CredentialRevoked:
		return []string{e.StandardID}
	case ReadinessAgreed:
		return []string{e.StandardID}
	case SummativeAttemptRecorded:
		return []string{e.StandardID}
	case GoalSet:
		return slices.Clone(e.StandardIDs)
	case PlanDrafted:
		return s.goalStandards(e.GoalID)
	case PlanAdjusted:
		return s.goalStandards(e.GoalID)
	case GoalEvaluated:
		return s.goalStandards(e.GoalID)
	case GoalReviewed:
		return s.goalStandards(e.GoalID)
	}
	return nil
}

func (s *LearnerState) goalStandards(goalID string) []string {
	if g := s.Goals[goalID]; g != nil {
		return slices.Clone(g.StandardIDs)
	}
	return nil
}

func (s *LearnerState) progress(standardID string) *StandardProgress {
	if s.Standards == nil {
		s.Standards = make(map[string]*StandardProgress)
	}
	p := s.Standards[standardID]
	if p == nil {
		p = &StandardProgress{StandardID: standardID, PreAssessed: make(map[string]bool)}
		s.Standards[standardID] = p
	}
	return p
}

// Apply folds the next event of the learner's stream into s.
//
// Returns *FoldError, leaving s unchanged, if e is not the next revision of
// the stream, belongs to another stream, is not a learner event, comes before
// the enrolment, or names what the stream does not hold (a retraction of
// unknown or retracted evidence, an attempt that does not consume the open
// agreement, an agreement that names a request that is not open on its
// standard, a plan of an unknown goal, a goal, plan or request id used twice,
// a second erasure or a profile update after one).
func (s *LearnerState) Apply(e RecordedEvent) error {
	if e.Revision != s.Version {
		return foldErr(e, "revision %d where %d was due", e.Revision, s.Version)
	}
	ev, err := DecodeEvent(e)
	if err != nil {
		return foldErr(e, "%v", err)
	}
	return s.ApplyDecoded(e, ev)
}

// ApplyDecoded is Apply for an event already decoded by DecodeEvent, so that
// a reader who keeps decoded events can fold them again without parsing
// JSON. ev must be DecodeEvent(e); e.Data is not read.
func (s *LearnerState) ApplyDecoded(e RecordedEvent, ev Event) error {
	if e.Revision != s.Version {
		return foldErr(e, "revision %d where %d was due", e.Revision, s.Version)
	}
	if enrolled, ok := ev.(LearnerEnrolled); ok {
		if s.Enrolled() {
			return foldErr(e, "learner %s is already enrolled", s.ID)
		}
		if e.Stream != LearnerStream(enrolled.LearnerID) {
			return foldErr(e, "LearnerEnrolled for %s in stream %s", enrolled.LearnerID, e.Stream)
		}
		s.ID, s.SchoolID, s.Cohort = enrolled.LearnerID, enrolled.SchoolID, enrolled.Cohort
		s.Version++
		return nil
	}
	if !s.Enrolled() {
		return foldErr(e, "%s before the learner's enrolment", e.Type)
	}
	if e.Stream != LearnerStream(s.ID) {
		return foldErr(e, "event of stream %s folded into learner %s", e.Stream, s.ID)
	}
	if err := s.apply(e, ev); err != nil {
		return err
	}
	s.Version++
	return nil
}

// apply checks everything before it changes anything, so that a refused event
// leaves s as it was.
func (s *LearnerState) apply(e RecordedEvent, ev Event) error {
	switch ev := ev.(type) {
	case LearnerWithdrawn:
		s.Withdrawn = true
	case PreAssessmentRecorded:
		p := s.progress(ev.StandardID)
		p.PreAssessments++
		for _, c := range ev.Demonstrated {
			p.PreAssessed[c] = true
		}
	case EvidenceRecorded:
		if s.Evidence[e.ID] != nil {
			return foldErr(e, "evidence %s is recorded twice", e.ID)
		}
		ed := &Evidence{
			ID:               e.ID,
			StandardID:       ev.StandardID,
			ComponentID:      ev.ComponentID,
			StandardRevision: ev.StandardRevision,
			Level:            ev.Level,
			Source:           ev.Source,
			StatementID:      ev.StatementID,
			OccurredAt:       e.OccurredAt,
			RecordedAt:       e.RecordedAt,
		}
		if s.Evidence == nil {
			s.Evidence = make(map[uuid.UUID]*Evidence)
		}
		s.Evidence[e.ID] = ed
		p := s.progress(ev.StandardID)
		p.Evidence = append(p.Evidence, ed)
	case EvidenceRetracted:
		ed := s.Evidence[ev.EvidenceID]
		switch {
		case ed == nil:
			return foldErr(e, "retraction of unknown evidence %s", ev.EvidenceID)
		case !ed.Current():
			return foldErr(e, "evidence %s was already retracted by %s", ev.EvidenceID, ed.RetractedBy)
		}
		ed.RetractedBy = e.ID
	case ReadinessRequested:
		if s.Requests[e.ID] != nil {
			return foldErr(e, "readiness request %s is recorded twice", e.ID)
		}
		r := &Request{
			ID:               e.ID,
			StandardID:       ev.StandardID,
			StandardRevision: ev.StandardRevision,
			EvidenceIDs:      slices.Clone(ev.EvidenceIDs),
			RequestedBy:      e.Actor,
			OccurredAt:       e.OccurredAt,
			RecordedAt:       e.RecordedAt,
		}
		if s.Requests == nil {
			s.Requests = make(map[uuid.UUID]*Request)
		}
		s.Requests[e.ID] = r
		p := s.progress(ev.StandardID)
		p.OpenRequests = append(p.OpenRequests, r)
	case CredentialIssued:
		if s.Credentials[ev.CredentialID] != nil {
			return foldErr(e, "credential %s is issued twice", ev.CredentialID)
		}
		if s.Credentials == nil {
			s.Credentials = make(map[uuid.UUID]*Credential)
		}
		s.Credentials[ev.CredentialID] = &Credential{
			ID: ev.CredentialID, EventID: e.ID, StandardID: ev.StandardID, AttemptID: ev.AttemptID,
			Issued: ev, RecordedAt: e.RecordedAt,
		}
	case CredentialRevoked:
		c := s.Credentials[ev.CredentialID]
		if c == nil || c.RevokedBy != uuid.Nil {
			return foldErr(e, "revokes %s, which is not an issued, unrevoked credential", ev.CredentialID)
		}
		c.RevokedBy = e.ID
		c.Reason = ev.Reason
	case ReadinessAgreed:
		if p := s.Standards[ev.StandardID]; p != nil && p.OpenAgreement != nil {
			return foldErr(e, "agreement while %s is open", p.OpenAgreement.ID)
		}
		if ev.RequestID != uuid.Nil {
			if r := s.Requests[ev.RequestID]; r == nil || r.StandardID != ev.StandardID || !r.Open() {
				return foldErr(e, "agreement answers %s, which is not an open request on %s", ev.RequestID, ev.StandardID)
			}
		}
		a := &Agreement{
			ID:               e.ID,
			StandardRevision: ev.StandardRevision,
			Components:       slices.Clone(ev.Components),
			Teacher:          ev.Teacher,
			RequestID:        ev.RequestID,
			OccurredAt:       e.OccurredAt,
			RecordedAt:       e.RecordedAt,
		}
		p := s.progress(ev.StandardID)
		p.Agreements = append(p.Agreements, a)
		p.OpenAgreement = a
		// The agreement answers the learner's asks on the standard, named
		// or not: each request is closed by the first agreement after it.
		for _, r := range p.OpenRequests {
			r.ClosedBy = e.ID
		}
		p.OpenRequests = nil
	case SummativeAttemptRecorded:
		p := s.Standards[ev.StandardID]
		if p == nil || p.OpenAgreement == nil || p.OpenAgreement.ID != ev.AgreementID {
			return foldErr(e, "attempt consumes %s, which is not the open agreement", ev.AgreementID)
		}
		p.OpenAgreement.ConsumedBy = e.ID
		p.OpenAgreement = nil
		p.Attempts = append(p.Attempts, &Attempt{
			ID:               e.ID,
			AgreementID:      ev.AgreementID,
			StandardRevision: ev.StandardRevision,
			Level:            ev.Level,
			Meets:            ev.Meets,
			OccurredAt:       e.OccurredAt,
			RecordedAt:       e.RecordedAt,
		})
		if ev.Meets && p.Met == nil {
			p.Met = &Met{
				AttemptID:        e.ID,
				AgreementID:      ev.AgreementID,
				StandardRevision: ev.StandardRevision,
				MetAt:            e.OccurredAt,
				RecordedAt:       e.RecordedAt,
			}
		}
	case FeedbackGiven:
		// Feedback is dialogue: no decision depends on it.
	case StatementRecorded:
		if _, seen := s.Statements[ev.StatementID]; seen {
			return foldErr(e, "statement %s is recorded twice", ev.StatementID)
		}
		if s.Statements == nil {
			s.Statements = make(map[string]bool)
		}
		s.Statements[ev.StatementID] = false
		if _, ok := s.Statements[ev.Voids]; ok && ev.Voids != "" {
			s.Statements[ev.Voids] = true
		}
	case XAPIDocumentPut, XAPIDocumentDeleted:
		// A tool's document decides nothing about the learner.
	case LearnerProfileUpdated:
		if s.Erased != nil {
			return foldErr(e, "profile update after the erasure %s", s.Erased.EventID)
		}
		s.HasProfile = true
	case LearnerPersonalDataErased:
		if s.Erased != nil {
			return foldErr(e, "personal data erased again after %s", s.Erased.EventID)
		}
		s.Erased = &Erasure{EventID: e.ID, OccurredAt: e.OccurredAt, RecordedAt: e.RecordedAt}
	case GoalSet:
		if s.Goals[ev.GoalID] != nil {
			return foldErr(e, "goal %s is set twice", ev.GoalID)
		}
		if s.Goals == nil {
			s.Goals = make(map[string]*Goal)
		}
		s.Goals[ev.GoalID] = &Goal{ID: ev.GoalID, StandardIDs: slices.Clone(ev.StandardIDs), TargetDate: ev.TargetDate}
	case PlanDrafted:
		switch {
		case s.Goals[ev.GoalID] == nil:
			return foldErr(e, "plan %s for unknown goal %s", ev.PlanID, ev.GoalID)
		case s.Plans[ev.PlanID] != nil:
			return foldErr(e, "plan %s is drafted twice", ev.PlanID)
		}
		if s.Plans == nil {
			s.Plans = make(map[string]*Plan)
		}
		s.Plans[ev.PlanID] = &Plan{ID: ev.PlanID, GoalID: ev.GoalID}
	case PlanAdjusted:
		p := s.Plans[ev.PlanID]
		if p == nil {
			return foldErr(e, "adjustment of unknown plan %s", ev.PlanID)
		}
		p.Adjustments++
	case GoalEvaluated:
		g := s.Goals[ev.GoalID]
		if g == nil {
			return foldErr(e, "evaluation of unknown goal %s", ev.GoalID)
		}
		g.Result = ev.Result
	case GoalReviewed:
		g := s.Goals[ev.GoalID]
		if g == nil {
			return foldErr(e, "review of unknown goal %s", ev.GoalID)
		}
		g.Reviewed = true
	default:
		return foldErr(e, "%s is not an event of a learner's stream", e.Type)
	}
	return nil
}
