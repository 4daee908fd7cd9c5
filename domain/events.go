package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/google/uuid"
)

// Event is the payload of one event of the catalog. Its JSON form is the
// envelope's data; it carries no envelope field (event id, times, actor),
// so the id of a piece of evidence, an agreement or an attempt is the id of
// the event that recorded it.
//
// An event that a decision derived from state records what it derived, so
// that a replay needs nothing but the stream: the standard's revision, the
// evidence an agreement rests on, the agreement an attempt consumes.
type Event interface {
	// EventType is the catalog name, one of the Type constants.
	EventType() string
}

// Type names of the catalog: the envelope's type field.
const (
	TypeStandardPublished        = "StandardPublished"
	TypeStandardRevised          = "StandardRevised"
	TypeStandardRetired          = "StandardRetired"
	TypeSchoolRegistered         = "SchoolRegistered"
	TypeLearnerEnrolled          = "LearnerEnrolled"
	TypeLearnerWithdrawn         = "LearnerWithdrawn"
	TypeEfficacySurveyRecorded   = "EfficacySurveyRecorded"
	TypePreAssessmentRecorded    = "PreAssessmentRecorded"
	TypeEvidenceRecorded         = "EvidenceRecorded"
	TypeEvidenceRetracted        = "EvidenceRetracted"
	TypeFeedbackGiven            = "FeedbackGiven"
	TypeGoalSet                  = "GoalSet"
	TypePlanDrafted              = "PlanDrafted"
	TypePlanAdjusted             = "PlanAdjusted"
	TypeGoalEvaluated            = "GoalEvaluated"
	TypeGoalReviewed             = "GoalReviewed"
	TypeLearnerProfileUpdated    = "LearnerProfileUpdated"
	TypeReadinessAgreed          = "ReadinessAgreed"
	TypeSummativeAttemptRecorded = "SummativeAttemptRecorded"
	// TypeLearnerPersonalDataErased is the erasure of a learner's
	// personal data (crypto-shredding), added after DOMAIN.md's catalog.
	TypeLearnerPersonalDataErased = "LearnerPersonalDataErased"
	// TypeResearchSharingSet is a school's choice of what the research
	// copy shares, added after DOMAIN.md's catalog.
	TypeResearchSharingSet = "ResearchSharingSet"
	// TypeReadinessRequested is the learner's ask to be assessed on a
	// standard, from DOMAIN.md's "The school's cycle".
	TypeReadinessRequested = "ReadinessRequested"
	// TypeStatementRecorded, TypeXAPIActivityAligned and
	// TypeXAPIAgentLinked are the xAPI statement resource's (DOMAIN.md,
	// "xAPI"; domain/xapi.go).
	TypeStatementRecorded   = "StatementRecorded"
	TypeXAPIActivityAligned = "XAPIActivityAligned"
	TypeXAPIAgentLinked     = "XAPIAgentLinked"
	// TypeXAPIDocumentPut and TypeXAPIDocumentDeleted are the xAPI
	// document resources' writes and tombstones (domain/xapi_documents.go).
	TypeXAPIDocumentPut     = "XAPIDocumentPut"
	TypeXAPIDocumentDeleted = "XAPIDocumentDeleted"
	// TypeCredentialIssued and TypeCredentialRevoked are a met standard's
	// OB 3.0 credential, issued once, and its revocation, from DOMAIN.md's
	// "The school's cycle".
	TypeCredentialIssued  = "CredentialIssued"
	TypeCredentialRevoked = "CredentialRevoked"
	// TypeSurveyInstrumentPublished and TypeSurveyRoundOpened are survey
	// instruments as data and their rounds, from DOMAIN.md's "The
	// school's cycle" (domain/survey.go).
	TypeSurveyInstrumentPublished = "SurveyInstrumentPublished"
	TypeSurveyRoundOpened         = "SurveyRoundOpened"
)

// Component is one step of a standard's learning progression.
type Component struct {
	ID        string `json:"id"`
	Statement string `json:"statement"`
	// CaseIdentifier and CaseURI name the CASE CFItem a component was
	// imported from (adapters/casefile), so that an auditor can trace it
	// to the published framework. Empty, and then left out of the JSON,
	// for components written by hand: events stored before these fields
	// existed keep their bytes and hashes.
	CaseIdentifier string `json:"caseIdentifier,omitempty"`
	CaseURI        string `json:"caseUri,omitempty"`
}

// CaseRef names the CASE framework document and item a standard was
// imported from. An import recognises its own standards by it: which
// items of a newer package are new, changed or missing.
type CaseRef struct {
	DocumentIdentifier string `json:"documentIdentifier"`
	DocumentURI        string `json:"documentUri"`
	ItemIdentifier     string `json:"itemIdentifier"`
	ItemURI            string `json:"itemUri"`
	// LastChangeDateTime is the item's own, as the package gave it.
	LastChangeDateTime string `json:"lastChangeDateTime,omitempty"`
}

// Level is one step of a rubric scale.
type Level struct {
	Level int    `json:"level"`
	Label string `json:"label"`
}

// Scale is a standard's rubric: levels in ascending order and the level at
// which a standard is met. A standard keeps its scale across revisions, so a
// level recorded against any revision keeps its meaning.
type Scale struct {
	Levels     []Level `json:"levels"`
	Proficient int     `json:"proficient"`
}

// DefaultScale is the scale of a standard published without one:
// 1 Beginning, 2 Developing, 3 Proficient, 4 Advanced; proficient at 3.
func DefaultScale() Scale {
	return Scale{
		Levels: []Level{
			{Level: 1, Label: "Beginning"},
			{Level: 2, Label: "Developing"},
			{Level: 3, Label: "Proficient"},
			{Level: 4, Label: "Advanced"},
		},
		Proficient: 3,
	}
}

// Has reports whether level is one of the scale's levels.
func (s Scale) Has(level int) bool {
	for _, l := range s.Levels {
		if l.Level == level {
			return true
		}
	}
	return false
}

// Source says where a piece of formative evidence came from.
type Source string

// Sources of evidence, from the Learner Improvement Cycle.
const (
	SourceTechnology        Source = "technology"
	SourcePeer              Source = "peer"
	SourceTeacher           Source = "teacher"
	SourceExpert            Source = "expert"
	SourceAuthenticAudience Source = "authentic-audience"
	SourceSelf              Source = "self"
)

// Valid reports whether s is one of the six sources.
func (s Source) Valid() bool {
	switch s {
	case SourceTechnology, SourcePeer, SourceTeacher, SourceExpert, SourceAuthenticAudience, SourceSelf:
		return true
	}
	return false
}

// Artifact points at the work a piece of evidence or an attempt rests on.
// The hash lets an auditor check that the file behind the URI is the one
// that was assessed.
type Artifact struct {
	URI string `json:"uri"`
	// SHA256 is 64 lower-case hex digits.
	SHA256    string `json:"sha256"`
	MediaType string `json:"mediaType"`
}

// Standards catalog.

// StandardPublished is revision 1 of a standard. The scale is always
// present: a command without one gets DefaultScale.
type StandardPublished struct {
	StandardID string      `json:"standardId"`
	Framework  string      `json:"framework"`
	Code       string      `json:"code"`
	Title      string      `json:"title"`
	Statement  string      `json:"statement"`
	Components []Component `json:"components"`
	Scale      Scale       `json:"scale"`
	// Case is set on a standard imported from a CASE package; omitted
	// otherwise.
	Case *CaseRef `json:"case,omitempty"`
}

// StandardRevised replaces a standard's statement and components. The
// framework, code, title and scale stay: they identify the standard and give
// its levels their meaning.
type StandardRevised struct {
	StandardID string `json:"standardId"`
	// StandardRevision is the new revision's number (the previous one + 1).
	StandardRevision int         `json:"standardRevision"`
	Statement        string      `json:"statement"`
	Components       []Component `json:"components"`
	Reason           string      `json:"reason,omitempty"`
	// Case is the CASE item the revision was imported from, if any.
	Case *CaseRef `json:"case,omitempty"`
}

// StandardRetired closes a standard to new work; claims already made stay.
type StandardRetired struct {
	StandardID string `json:"standardId"`
	Reason     string `json:"reason,omitempty"`
}

// School.

// SchoolRegistered opens a school's stream.
type SchoolRegistered struct {
	SchoolID string `json:"schoolId"`
	Name     string `json:"name"`
}

// ResearchSharingSet is an admin's choice, for one school, of what the
// research copy of its learners' events holds beyond ids, levels and dates.
// Free text (notes, feedback, goals, plans, reasons, artifact addresses) is
// left out unless IncludeFreeText: a teacher may fill it with names, which
// no pseudonym hides. The latest choice applies to the school's whole
// history.
type ResearchSharingSet struct {
	IncludeFreeText bool `json:"includeFreeText"`
}

// Respondent is who answered an efficacy survey: the staff or a learner.
type Respondent string

// Respondents of an efficacy survey.
const (
	RespondentStaff   Respondent = "staff"
	RespondentLearner Respondent = "learner"
)

// Likert scale of every efficacy survey item.
const (
	LikertMin = 1
	LikertMax = 5
)

// SurveyItem is one Likert item's answer.
type SurveyItem struct {
	ItemID string `json:"itemId"`
	Score  int    `json:"score"`
}

// EfficacySurveyRecorded is one anonymous response to a collective-efficacy
// survey round. It names no respondent; the envelope's actor is whoever
// entered it. ScaleMin and ScaleMax declare the scale the scores lie on, so a
// later change of instrument cannot reinterpret old answers.
type EfficacySurveyRecorded struct {
	RoundID    string       `json:"roundId"`
	Respondent Respondent   `json:"respondent"`
	Cohort     string       `json:"cohort,omitempty"`
	ScaleMin   int          `json:"scaleMin"`
	ScaleMax   int          `json:"scaleMax"`
	Items      []SurveyItem `json:"items"`
	// InstrumentID and InstrumentVersion name the published instrument
	// the response answers (SurveyInstrumentPublished). Empty for a
	// response on the ledger's own Likert items, and then left out of
	// the JSON: responses stored before instruments existed keep their
	// bytes and hashes.
	InstrumentID      string `json:"instrumentId,omitempty"`
	InstrumentVersion int    `json:"instrumentVersion,omitempty"`
}

// LearnerEnrolled is the first event of a learner's stream and the only
// place that says which school the learner belongs to.
type LearnerEnrolled struct {
	LearnerID string `json:"learnerId"`
	SchoolID  string `json:"schoolId"`
	Cohort    string `json:"cohort"`
}

// LearnerWithdrawn closes a learner's stream to new writes.
type LearnerWithdrawn struct {
	Reason string `json:"reason,omitempty"`
}

// Assessing.

// PreAssessmentRecorded says which components of the standard's current
// revision the learner already demonstrates: where learning begins. An empty
// Demonstrated is a pre-assessment too (the learner starts at the beginning).
type PreAssessmentRecorded struct {
	StandardID       string   `json:"standardId"`
	StandardRevision int      `json:"standardRevision"`
	Demonstrated     []string `json:"demonstrated"`
	Note             string   `json:"note,omitempty"`
}

// EvidenceRecorded is formative evidence for one component of one standard.
// Source self marks a learner's self-assessment, whoever records it.
// Assessor, when set, names who assessed (an expert, a peer group); when
// empty, the envelope's actor did.
type EvidenceRecorded struct {
	StandardID       string    `json:"standardId"`
	StandardRevision int       `json:"standardRevision"`
	ComponentID      string    `json:"componentId"`
	Level            int       `json:"level"`
	Source           Source    `json:"source"`
	Assessor         string    `json:"assessor,omitempty"`
	Artifact         *Artifact `json:"artifact,omitempty"`
	Note             string    `json:"note,omitempty"`
	// StatementID is the xAPI statement the evidence was derived from
	// (source technology); empty, and left out, for any other evidence, so
	// that evidence stored before statements keeps its bytes.
	StatementID string `json:"statementId,omitempty"`
}

// EvidenceRetracted withdraws a piece of evidence from every count; the
// evidence stays in history. It repeats the evidence's standard and component
// so that a replay can filter retractions by standard without a lookup.
type EvidenceRetracted struct {
	EvidenceID  uuid.UUID `json:"evidenceId"`
	StandardID  string    `json:"standardId"`
	ComponentID string    `json:"componentId"`
	Reason      string    `json:"reason"`
}

// Evaluating.

// FeedbackGiven is a data-driven dialogue about a standard and, optionally,
// particular evidence of it.
type FeedbackGiven struct {
	StandardID  string      `json:"standardId"`
	EvidenceIDs []uuid.UUID `json:"evidenceIds"`
	Strengths   string      `json:"strengths"`
	NextSteps   string      `json:"nextSteps"`
	Causes      string      `json:"causes"`
}

// Planning.

// GoalSet is a SMARTER goal. TargetDate is a calendar date (YYYY-MM-DD): a
// goal is due on a day, not at an instant.
type GoalSet struct {
	GoalID      string   `json:"goalId"`
	Specific    string   `json:"specific"`
	Measurable  string   `json:"measurable"`
	Achievable  string   `json:"achievable"`
	Relevant    string   `json:"relevant"`
	TargetDate  string   `json:"targetDate"`
	Evaluate    string   `json:"evaluate"`
	Review      string   `json:"review"`
	StandardIDs []string `json:"standardIds"`
}

// PlanDrafted is a PLCA plan for a goal.
type PlanDrafted struct {
	PlanID string `json:"planId"`
	GoalID string `json:"goalId"`
	Plan   string `json:"plan"`
	Learn  string `json:"learn"`
	Check  string `json:"check"`
	Adjust string `json:"adjust"`
}

// PlanAdjusted is the "check and adjust" step: what changed in a plan and
// why. It repeats the plan's goal so that a replay can tell which standards
// it concerns.
type PlanAdjusted struct {
	PlanID string `json:"planId"`
	GoalID string `json:"goalId"`
	Change string `json:"change"`
	Reason string `json:"reason"`
}

// GoalResult is the outcome of evaluating a goal.
type GoalResult string

// Goal results.
const (
	GoalMet    GoalResult = "met"
	GoalNotYet GoalResult = "not-yet"
)

// GoalEvaluated checks a goal against evidence.
type GoalEvaluated struct {
	GoalID      string      `json:"goalId"`
	Result      GoalResult  `json:"result"`
	EvidenceIDs []uuid.UUID `json:"evidenceIds"`
	Note        string      `json:"note,omitempty"`
}

// GoalReviewed is the reflection that closes a goal's cycle.
type GoalReviewed struct {
	GoalID     string `json:"goalId"`
	Reflection string `json:"reflection"`
	NextGoal   string `json:"nextGoal,omitempty"`
}

// Learning.

// Profile is a learner's personal data. It travels as one nested object so
// that it can be encrypted per learner, and erased by destroying the key,
// without touching any other event.
type Profile struct {
	DisplayName         string   `json:"displayName,omitempty"`
	Interests           []string `json:"interests"`
	LearningPreferences []string `json:"learningPreferences"`
	BackgroundKnowledge string   `json:"backgroundKnowledge,omitempty"`
	CollegeCareerGoals  string   `json:"collegeAndCareerGoals,omitempty"`
}

// SealAlgA256GCM names AES-256-GCM, the one algorithm a SealedProfile uses
// (its JOSE name).
const SealAlgA256GCM = "A256GCM"

// Sizes of a sealed profile's parts under A256GCM: a 96-bit nonce, and a
// ciphertext that ends in a 128-bit tag.
const (
	SealNonceSize = 12
	SealTagSize   = 16
)

// SealedProfile is a Profile encrypted under the learner's own key, kept
// outside the event log. The domain only carries it: sealing and opening
// are an adapter's (they need the key), and destroying the key erases the
// profile without touching a byte of the stream, so every hash still
// verifies. Nonce and Ciphertext travel as standard base64.
type SealedProfile struct {
	Alg        string `json:"alg"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

// LearnerProfileUpdated replaces the learner's whole profile. It holds
// exactly one of Personal (the profile in plain text: what a decision
// produces, and what events stored before sealing hold) and Sealed (the
// same profile encrypted, which is what the ledger stores).
type LearnerProfileUpdated struct {
	Personal *Profile       `json:"personal,omitempty"`
	Sealed   *SealedProfile `json:"sealed,omitempty"`
}

// check refuses a payload that holds neither or both shapes, or a sealed
// part that cannot be A256GCM output: either would be a payload no decision
// or seal wrote.
func (e LearnerProfileUpdated) check() error {
	switch {
	case e.Personal == nil && e.Sealed == nil:
		return fmt.Errorf("holds neither personal nor sealed")
	case e.Personal != nil && e.Sealed != nil:
		return fmt.Errorf("holds both personal and sealed")
	case e.Sealed == nil:
		return nil
	case e.Sealed.Alg != SealAlgA256GCM:
		return fmt.Errorf("sealed.alg is %q, not %s", e.Sealed.Alg, SealAlgA256GCM)
	case len(e.Sealed.Nonce) != SealNonceSize:
		return fmt.Errorf("sealed.nonce is %d bytes, not %d", len(e.Sealed.Nonce), SealNonceSize)
	case len(e.Sealed.Ciphertext) < SealTagSize:
		return fmt.Errorf("sealed.ciphertext is %d bytes, shorter than the %d-byte tag", len(e.Sealed.Ciphertext), SealTagSize)
	}
	return nil
}

// ErasureReason says why a learner's personal data was erased. It is a code
// from a closed list, never free text, so that the erasure event itself can
// hold no personal data.
type ErasureReason string

// Reasons for an erasure.
const (
	ErasureLearnerRequest  ErasureReason = "learner-request"
	ErasureGuardianRequest ErasureReason = "guardian-request"
	ErasureRetentionEnded  ErasureReason = "retention-ended"
	ErasureOther           ErasureReason = "other"
)

// Valid reports whether r is one of the four reasons.
func (r ErasureReason) Valid() bool {
	switch r {
	case ErasureLearnerRequest, ErasureGuardianRequest, ErasureRetentionEnded, ErasureOther:
		return true
	}
	return false
}

// LearnerPersonalDataErased records that the learner's personal data is
// erased: the key their profiles are sealed under is destroyed once this
// event is stored. The sealed events stay in the stream, unreadable, so the
// hash chain is untouched. It carries no personal data itself.
type LearnerPersonalDataErased struct {
	Reason ErasureReason `json:"reason,omitempty"`
}

// The agreement and the summative attempt.

// ReadinessRequested is the learner asking to be assessed on a standard,
// pointing at the evidence they think shows it; a teacher may record it on
// the learner's behalf (the envelope's actor says who). The event's id is
// the request's id. It stays open until an agreement on the standard
// answers it: the one that names it in RequestID, or any later agreement
// on the same standard, since the learner is then signed up either way.
// StandardRevision is the revision current when the request was made.
type ReadinessRequested struct {
	StandardID       string      `json:"standardId"`
	StandardRevision int         `json:"standardRevision"`
	EvidenceIDs      []uuid.UUID `json:"evidenceIds"`
	Note             string      `json:"note,omitempty"`
}

// CredentialIssued records the OB 3.0 credential of a met standard, signed
// once and served as these very bytes ever after: a credential that changed
// with every download (a newer checkpoint, a new signature) would be a new
// document under the same id. The event's id is not the credential's:
// CredentialID is the credential's own (urn:uuid), derived from the learner,
// the standard and the attempt that met it. JWT is the compact JWS itself,
// kept in the event so that it survives restarts, backups and exports with
// the rest of the record; it names the learner only by a salted hash (see
// docs/trust.md, "Identity"), so it adds no personal data to the stream.
// JWTSHA256 is the hex SHA-256 of JWT's bytes, CheckpointSize and
// CheckpointRoot (base64) the log checkpoint its inclusion proofs reach,
// StatusListIndex its bit in the ledger's revocation status list.
type CredentialIssued struct {
	CredentialID     uuid.UUID `json:"credentialId"`
	StandardID       string    `json:"standardId"`
	StandardRevision int       `json:"standardRevision"`
	AttemptID        uuid.UUID `json:"attemptId"`
	Alg              string    `json:"alg"`
	JWTSHA256        string    `json:"jwtSha256"`
	CheckpointSize   uint64    `json:"checkpointSize"`
	CheckpointRoot   string    `json:"checkpointRoot"`
	StatusListIndex  uint64    `json:"statusListIndex"`
	JWT              string    `json:"jwt"`
}

// CredentialRevoked withdraws an issued credential; the status list the
// ledger serves sets its bit from then on. A revoked credential is never
// issued again: the attempt it rests on stays met (met is permanent), so
// the ledger would otherwise silently undo the revocation.
type CredentialRevoked struct {
	CredentialID uuid.UUID `json:"credentialId"`
	StandardID   string    `json:"standardId"`
	Reason       string    `json:"reason"`
}

// AgreedComponent is what an agreement found for one component: the current
// evidence at or above the proficient level, and whether a pre-assessment
// covered it. At least one of the two holds.
type AgreedComponent struct {
	ID          string      `json:"id"`
	EvidenceIDs []uuid.UUID `json:"evidenceIds"`
	PreAssessed bool        `json:"preAssessed"`
}

// ReadinessAgreed records that learner and teacher agree the learner has
// mastered every component of the standard's revision, and that the learner
// signs up for the summative assessment. Teacher is the confirming teacher's
// name; LearnerConfirmed is the learner's side and is always true.
// RequestID, when not the nil UUID, is the readiness request the agreement
// answers. It is omitted when zero, so that an agreement without one
// encodes to the same bytes as before requests existed.
type ReadinessAgreed struct {
	StandardID       string            `json:"standardId"`
	StandardRevision int               `json:"standardRevision"`
	Components       []AgreedComponent `json:"components"`
	Teacher          string            `json:"teacher"`
	LearnerConfirmed bool              `json:"learnerConfirmed"`
	RequestID        uuid.UUID         `json:"requestId,omitzero"`
	Note             string            `json:"note,omitempty"`
}

// EvidenceIDs lists the evidence the agreement rests on, component by
// component, each id once.
func (e ReadinessAgreed) EvidenceIDs() []uuid.UUID {
	ids := []uuid.UUID{}
	seen := map[uuid.UUID]bool{}
	for _, c := range e.Components {
		for _, id := range c.EvidenceIDs {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// SummativeAttemptRecorded is the result of a summative assessment. It
// consumes the open agreement AgreementID and is judged against that
// agreement's revision; Meets is Level >= Proficient, recorded so that the
// claim does not depend on re-reading the standard.
type SummativeAttemptRecorded struct {
	StandardID       string    `json:"standardId"`
	StandardRevision int       `json:"standardRevision"`
	AgreementID      uuid.UUID `json:"agreementId"`
	Level            int       `json:"level"`
	Proficient       int       `json:"proficient"`
	Meets            bool      `json:"meets"`
	Assessor         string    `json:"assessor,omitempty"`
	Artifact         *Artifact `json:"artifact,omitempty"`
	Note             string    `json:"note,omitempty"`
}

func (StandardPublished) EventType() string         { return TypeStandardPublished }
func (StandardRevised) EventType() string           { return TypeStandardRevised }
func (StandardRetired) EventType() string           { return TypeStandardRetired }
func (SchoolRegistered) EventType() string          { return TypeSchoolRegistered }
func (LearnerEnrolled) EventType() string           { return TypeLearnerEnrolled }
func (LearnerWithdrawn) EventType() string          { return TypeLearnerWithdrawn }
func (EfficacySurveyRecorded) EventType() string    { return TypeEfficacySurveyRecorded }
func (PreAssessmentRecorded) EventType() string     { return TypePreAssessmentRecorded }
func (EvidenceRecorded) EventType() string          { return TypeEvidenceRecorded }
func (EvidenceRetracted) EventType() string         { return TypeEvidenceRetracted }
func (FeedbackGiven) EventType() string             { return TypeFeedbackGiven }
func (GoalSet) EventType() string                   { return TypeGoalSet }
func (PlanDrafted) EventType() string               { return TypePlanDrafted }
func (PlanAdjusted) EventType() string              { return TypePlanAdjusted }
func (GoalEvaluated) EventType() string             { return TypeGoalEvaluated }
func (GoalReviewed) EventType() string              { return TypeGoalReviewed }
func (LearnerProfileUpdated) EventType() string     { return TypeLearnerProfileUpdated }
func (ReadinessAgreed) EventType() string           { return TypeReadinessAgreed }
func (SummativeAttemptRecorded) EventType() string  { return TypeSummativeAttemptRecorded }
func (LearnerPersonalDataErased) EventType() string { return TypeLearnerPersonalDataErased }
func (ResearchSharingSet) EventType() string        { return TypeResearchSharingSet }
func (ReadinessRequested) EventType() string        { return TypeReadinessRequested }
func (CredentialIssued) EventType() string          { return TypeCredentialIssued }
func (CredentialRevoked) EventType() string         { return TypeCredentialRevoked }

var decoders = map[string]func([]byte) (Event, error){
	TypeStandardPublished:         decodeAs[StandardPublished],
	TypeStandardRevised:           decodeAs[StandardRevised],
	TypeStandardRetired:           decodeAs[StandardRetired],
	TypeSchoolRegistered:          decodeAs[SchoolRegistered],
	TypeLearnerEnrolled:           decodeAs[LearnerEnrolled],
	TypeLearnerWithdrawn:          decodeAs[LearnerWithdrawn],
	TypeEfficacySurveyRecorded:    decodeAs[EfficacySurveyRecorded],
	TypePreAssessmentRecorded:     decodeAs[PreAssessmentRecorded],
	TypeEvidenceRecorded:          decodeAs[EvidenceRecorded],
	TypeEvidenceRetracted:         decodeAs[EvidenceRetracted],
	TypeFeedbackGiven:             decodeAs[FeedbackGiven],
	TypeGoalSet:                   decodeAs[GoalSet],
	TypePlanDrafted:               decodeAs[PlanDrafted],
	TypePlanAdjusted:              decodeAs[PlanAdjusted],
	TypeGoalEvaluated:             decodeAs[GoalEvaluated],
	TypeGoalReviewed:              decodeAs[GoalReviewed],
	TypeLearnerProfileUpdated:     decodeAs[LearnerProfileUpdated],
	TypeReadinessAgreed:           decodeAs[ReadinessAgreed],
	TypeSummativeAttemptRecorded:  decodeAs[SummativeAttemptRecorded],
	TypeLearnerPersonalDataErased: decodeAs[LearnerPersonalDataErased],
	TypeResearchSharingSet:        decodeAs[ResearchSharingSet],
	TypeReadinessRequested:        decodeAs[ReadinessRequested],
	TypeStatementRecorded:         decodeAs[StatementRecorded],
	TypeXAPIActivityAligned:       decodeAs[XAPIActivityAligned],
	TypeXAPIAgentLinked:           decodeAs[XAPIAgentLinked],
	TypeXAPIDocumentPut:           decodeAs[XAPIDocumentPut],
	TypeXAPIDocumentDeleted:       decodeAs[XAPIDocumentDeleted],
	TypeCredentialIssued:          decodeAs[CredentialIssued],
	TypeCredentialRevoked:         decodeAs[CredentialRevoked],
	TypeSurveyInstrumentPublished: decodeAs[SurveyInstrumentPublished],
	TypeSurveyRoundOpened:         decodeAs[SurveyRoundOpened],
	TypePracticeReviewStarted:     decodeAs[PracticeReviewStarted],
	TypePracticeReviewConcluded:   decodeAs[PracticeReviewConcluded],
}

// EventTypes lists every type name of the catalog, sorted.
func EventTypes() []string {
	types := make([]string, 0, len(decoders))
	for t := range decoders {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}

// DecodeEvent decodes a stored event's data into the catalog struct its type
// names, returned as a value (StandardPublished, not *StandardPublished).
//
// Returns an error wrapping ErrInvalid if the type is not in the catalog, or
// if the data is not one JSON object that fits the type: an unknown field, a
// wrong JSON type or trailing data is refused, so a payload that a decision
// did not produce never folds silently. A LearnerProfileUpdated must hold
// exactly one of personal and sealed. One leniency remains from
// encoding/json: a key in another letter case ("StandardID") matches its
// field. No decision writes such keys, so stored events never hold them.
func DecodeEvent(e RecordedEvent) (Event, error) {
	if ev := e.decoded.of(e.Data); ev != nil && ev.EventType() == e.Type {
		// Decided in this process: ev is what decoding e.Data gives
		// (TestDecidedEventsDecodeToThemselves).
		return ev, nil
	}
	decode, ok := decoders[e.Type]
	if !ok {
		return nil, fmt.Errorf("event %s: unknown type %q: %w", e.ID, e.Type, ErrInvalid)
	}
	ev, err := decode(e.Data)
	if err != nil {
		return nil, fmt.Errorf("event %s: %s data: %v: %w", e.ID, e.Type, err, ErrInvalid)
	}
	return ev, nil
}

func decodeAs[T Event](data []byte) (Event, error) {
	if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var ev T
	if err := dec.Decode(&ev); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the object")
	}
	if c, ok := any(ev).(checker); ok {
		if err := c.check(); err != nil {
			return nil, err
		}
	}
	return ev, nil
}

// checker is an event whose JSON shape has a rule the struct alone cannot
// state (exactly one of two members).
type checker interface {
	check() error
}

// NewEventData packs an event decided for a command into the form the store
// appends: the event's JSON as data, and the command's event id, occurredAt
// and actor as the envelope. A zero m.OccurredAt is left zero, which the
// store reads as "when recorded".
//
// Returns an error only if e cannot be encoded, which no catalog event does.
func NewEventData(m Meta, e Event) (EventData, error) {
	data, err := EncodeJSON(e)
	if err != nil {
		return EventData{}, fmt.Errorf("encode %s: %w", e.EventType(), err)
	}
	return EventData{ID: m.EventID, Type: e.EventType(), OccurredAt: m.OccurredAt, Actor: m.Actor, Data: data,
		decoded: decodedFor(e, data)}, nil
}

// EncodeJSON encodes v in the form the ledger stores and hashes: compact
// JSON without HTML escaping (the stored bytes are what auditors hash, and
// "<" should read as "<", not "\u003c"). What else the ledger encodes from
// stored data (a sealed profile's plaintext, a pseudonymised copy) uses it
// too, so that the same value always gives the same bytes.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
