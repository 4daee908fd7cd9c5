package domain

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Meta is what every command carries besides its own fields: the envelope of
// the event it will record.
//
// Commands' JSON tags spell the HTTP bodies of DOMAIN.md, so an adapter may
// decode a body straight into a command (with unknown fields disallowed) and
// the field paths of a *ValidationError name the body's fields. Ids that an
// HTTP route carries in its path are tagged "-", and so is the Actor, which
// comes from the credentials.
type Meta struct {
	// EventID is the id of the event the command records; it becomes the id
	// of the evidence, agreement or attempt. Zero means "none supplied": the
	// caller generates one before appending. Decisions ignore it.
	EventID uuid.UUID `json:"eventId"`
	// OccurredAt is when it happened in the classroom. Zero means now; the
	// caller may fill it from its clock before deciding or leave it to the
	// store.
	OccurredAt time.Time `json:"occurredAt"`
	// Actor is who records the command, and in what role.
	Actor Actor `json:"-"`
}

// Standards catalog. Publishing is the admin's.

// PublishStandard publishes revision 1 of a standard. A nil Scale means
// DefaultScale.
type PublishStandard struct {
	Meta
	StandardID string      `json:"standardId"`
	Framework  string      `json:"framework"`
	Code       string      `json:"code"`
	Title      string      `json:"title"`
	Statement  string      `json:"statement"`
	Components []Component `json:"components"`
	Scale      *Scale      `json:"scale,omitempty"`
	// Case, if set, names the CASE item the standard is imported from.
	Case *CaseRef `json:"case,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c PublishStandard) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("standardId", c.StandardID)
	v.text("framework", c.Framework, MaxNameLen)
	v.text("code", c.Code, MaxNameLen)
	v.text("title", c.Title, MaxNameLen)
	v.text("statement", c.Statement, MaxTextLen)
	v.components("components", c.Components)
	v.scale("scale", c.Scale)
	v.caseRef("case", c.Case)
	return v.err()
}

// ReviseStandard replaces the statement and the whole list of components of
// the standard it is decided against.
type ReviseStandard struct {
	Meta
	Statement  string      `json:"statement"`
	Components []Component `json:"components"`
	Reason     string      `json:"reason,omitempty"`
	// Case, if set, names the CASE item the revision is imported from.
	Case *CaseRef `json:"case,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c ReviseStandard) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.text("statement", c.Statement, MaxTextLen)
	v.components("components", c.Components)
	v.optionalText("reason", c.Reason, MaxTextLen)
	v.caseRef("case", c.Case)
	return v.err()
}

// RetireStandard retires the standard it is decided against.
type RetireStandard struct {
	Meta
	Reason string `json:"reason,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c RetireStandard) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.optionalText("reason", c.Reason, MaxTextLen)
	return v.err()
}

// School.

// RegisterSchool registers a school.
type RegisterSchool struct {
	Meta
	SchoolID string `json:"schoolId"`
	Name     string `json:"name"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c RegisterSchool) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("schoolId", c.SchoolID)
	v.text("name", c.Name, MaxNameLen)
	return v.err()
}

// RecordEfficacySurvey records one anonymous survey response for the school
// it is decided against. Without an instrument, scores lie on
// LikertMin..LikertMax; with one, on the instrument's scale.
type RecordEfficacySurvey struct {
	Meta
	RoundID    string       `json:"roundId"`
	Respondent Respondent   `json:"respondent"`
	Cohort     string       `json:"cohort,omitempty"`
	Items      []SurveyItem `json:"items"`
	// InstrumentID and InstrumentVersion name the instrument version
	// answered, both or neither.
	InstrumentID      string `json:"instrumentId,omitempty"`
	InstrumentVersion int    `json:"instrumentVersion,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c RecordEfficacySurvey) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("roundId", c.RoundID)
	v.respondent(c.Respondent)
	v.optionalID("cohort", c.Cohort)
	instrument := c.InstrumentID != ""
	if instrument {
		v.id("instrumentId", c.InstrumentID)
		if c.InstrumentVersion < 1 {
			v.add("instrumentVersion", "must be 1 or more")
		}
	} else if c.InstrumentVersion != 0 {
		v.add("instrumentVersion", "is set only with instrumentId")
	}
	switch {
	case len(c.Items) == 0:
		v.add("items", "must list at least one item")
	case len(c.Items) > MaxListLen:
		v.add("items", "must have at most %d entries", MaxListLen)
	default:
		seen := make(map[string]bool, len(c.Items))
		for i, it := range c.Items {
			f := fmt.Sprintf("items[%d]", i)
			v.id(f+".itemId", it.ItemID)
			if seen[it.ItemID] {
				v.add(f+".itemId", "repeats %q", it.ItemID)
			}
			seen[it.ItemID] = true
			// An instrument's scale is checked against the instrument
			// (RuleScoreOffScale).
			if !instrument && (it.Score < LikertMin || it.Score > LikertMax) {
				v.add(f+".score", "must be %d to %d", LikertMin, LikertMax)
			}
		}
	}
	return v.err()
}

// SetResearchSharing chooses what the research copy of the school's
// learners' events holds. IncludeFreeText is required: sharing free text
// is never a default a client falls into by leaving a field out.
type SetResearchSharing struct {
	Meta
	IncludeFreeText *bool `json:"includeFreeText"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c SetResearchSharing) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	if c.IncludeFreeText == nil {
		v.add("includeFreeText", "is required: true or false")
	}
	return v.err()
}

// EnrollLearner enrolls a learner in the school it is decided against.
type EnrollLearner struct {
	Meta
	LearnerID string `json:"learnerId"`
	Cohort    string `json:"cohort"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c EnrollLearner) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("learnerId", c.LearnerID)
	v.id("cohort", c.Cohort)
	return v.err()
}

// WithdrawLearner withdraws the learner it is decided against.
type WithdrawLearner struct {
	Meta
	Reason string `json:"reason,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c WithdrawLearner) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.optionalText("reason", c.Reason, MaxTextLen)
	return v.err()
}

// Assessing.

// RecordPreAssessment records which components a learner already
// demonstrates. Demonstrated may be empty.
type RecordPreAssessment struct {
	Meta
	StandardID   string   `json:"standardId"`
	Demonstrated []string `json:"demonstrated"`
	Note         string   `json:"note,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c RecordPreAssessment) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("standardId", c.StandardID)
	v.ids("demonstrated", c.Demonstrated)
	v.optionalText("note", c.Note, MaxTextLen)
	return v.err()
}

// RecordEvidence records formative evidence for one component. Level is a
// pointer so that a missing level is told from level 0.
type RecordEvidence struct {
	Meta
	StandardID  string    `json:"standardId"`
	ComponentID string    `json:"componentId"`
	Level       *int      `json:"level"`
	Source      Source    `json:"source"`
	Assessor    string    `json:"assessor,omitempty"`
	Artifact    *Artifact `json:"artifact,omitempty"`
	Note        string    `json:"note,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c RecordEvidence) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("standardId", c.StandardID)
	v.id("componentId", c.ComponentID)
	v.level("level", c.Level)
	switch {
	case c.Source == "":
		v.add("source", "is required")
	case !c.Source.Valid():
		v.add("source", "must be one of technology, peer, teacher, expert, authentic-audience, self")
	}
	v.optionalText("assessor", c.Assessor, MaxNameLen)
	v.artifact("artifact", c.Artifact)
	v.optionalText("note", c.Note, MaxTextLen)
	return v.err()
}

// RetractEvidence retracts a piece of evidence of the learner it is decided
// against. EvidenceID comes from the route's path.
type RetractEvidence struct {
	Meta
	EvidenceID uuid.UUID `json:"-"`
	Reason     string    `json:"reason"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c RetractEvidence) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	if c.EvidenceID == uuid.Nil {
		v.add("evidenceId", "must not be the nil UUID")
	}
	v.text("reason", c.Reason, MaxTextLen)
	return v.err()
}

// Evaluating.

// GiveFeedback records a data-driven dialogue about a standard and,
// optionally, particular evidence of it.
type GiveFeedback struct {
	Meta
	StandardID  string      `json:"standardId"`
	EvidenceIDs []uuid.UUID `json:"evidenceIds"`
	Strengths   string      `json:"strengths"`
	NextSteps   string      `json:"nextSteps"`
	Causes      string      `json:"causes"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c GiveFeedback) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("standardId", c.StandardID)
	v.uuids("evidenceIds", c.EvidenceIDs)
	v.text("strengths", c.Strengths, MaxTextLen)
	v.text("nextSteps", c.NextSteps, MaxTextLen)
	v.text("causes", c.Causes, MaxTextLen)
	return v.err()
}

// Planning.

// SetGoal sets a SMARTER goal; every one of its seven parts is required.
type SetGoal struct {
	Meta
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

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c SetGoal) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("goalId", c.GoalID)
	v.text("specific", c.Specific, MaxTextLen)
	v.text("measurable", c.Measurable, MaxTextLen)
	v.text("achievable", c.Achievable, MaxTextLen)
	v.text("relevant", c.Relevant, MaxTextLen)
	v.date("targetDate", c.TargetDate)
	v.text("evaluate", c.Evaluate, MaxTextLen)
	v.text("review", c.Review, MaxTextLen)
	v.ids("standardIds", c.StandardIDs)
	return v.err()
}

// DraftPlan drafts a PLCA plan for an existing goal.
type DraftPlan struct {
	Meta
	PlanID string `json:"planId"`
	GoalID string `json:"goalId"`
	Plan   string `json:"plan"`
	Learn  string `json:"learn"`
	Check  string `json:"check"`
	Adjust string `json:"adjust"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c DraftPlan) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("planId", c.PlanID)
	v.id("goalId", c.GoalID)
	v.text("plan", c.Plan, MaxTextLen)
	v.text("learn", c.Learn, MaxTextLen)
	v.text("check", c.Check, MaxTextLen)
	v.text("adjust", c.Adjust, MaxTextLen)
	return v.err()
}

// AdjustPlan records what changed in a plan and why. PlanID comes from the
// route's path.
type AdjustPlan struct {
	Meta
	PlanID string `json:"-"`
	Change string `json:"change"`
	Reason string `json:"reason"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c AdjustPlan) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("planId", c.PlanID)
	v.text("change", c.Change, MaxTextLen)
	v.text("reason", c.Reason, MaxTextLen)
	return v.err()
}

// EvaluateGoal checks a goal against evidence. GoalID comes from the route's
// path.
type EvaluateGoal struct {
	Meta
	GoalID      string      `json:"-"`
	Result      GoalResult  `json:"result"`
	EvidenceIDs []uuid.UUID `json:"evidenceIds"`
	Note        string      `json:"note,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c EvaluateGoal) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("goalId", c.GoalID)
	switch c.Result {
	case GoalMet, GoalNotYet:
	case "":
		v.add("result", "is required")
	default:
		v.add("result", "must be met or not-yet")
	}
	v.uuids("evidenceIds", c.EvidenceIDs)
	v.optionalText("note", c.Note, MaxTextLen)
	return v.err()
}

// ReviewGoal records the reflection that closes a goal's cycle. GoalID comes
// from the route's path.
type ReviewGoal struct {
	Meta
	GoalID     string `json:"-"`
	Reflection string `json:"reflection"`
	NextGoal   string `json:"nextGoal,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c ReviewGoal) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("goalId", c.GoalID)
	v.text("reflection", c.Reflection, MaxTextLen)
	v.optionalText("nextGoal", c.NextGoal, MaxTextLen)
	return v.err()
}

// Learning.

// UpdateProfile replaces the learner's profile. The body is the profile's
// fields at the top level; the event nests them under "personal".
type UpdateProfile struct {
	Meta
	Profile
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c UpdateProfile) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.optionalText("displayName", c.DisplayName, MaxNameLen)
	v.texts("interests", c.Interests, MaxNameLen)
	v.texts("learningPreferences", c.LearningPreferences, MaxNameLen)
	v.optionalText("backgroundKnowledge", c.BackgroundKnowledge, MaxTextLen)
	v.optionalText("collegeAndCareerGoals", c.CollegeCareerGoals, MaxTextLen)
	return v.err()
}

// ErasePersonalData erases the learner's personal data: the ledger records
// the erasure, then destroys the key the learner's profiles are sealed
// under. Reason is optional and a code, never free text.
type ErasePersonalData struct {
	Meta
	Reason ErasureReason `json:"reason,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c ErasePersonalData) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	if c.Reason != "" && !c.Reason.Valid() {
		v.add("reason", "must be one of learner-request, guardian-request, retention-ended, other")
	}
	return v.err()
}

// The request, the agreement and the summative attempt.

// RequestReadiness records the learner asking to be assessed on a standard,
// citing current evidence of it. Its event id is the request's id.
type RequestReadiness struct {
	Meta
	StandardID  string      `json:"standardId"`
	EvidenceIDs []uuid.UUID `json:"evidenceIds"`
	Note        string      `json:"note,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field. A request
// must cite at least one piece of evidence: pointing at it is what makes
// it a request rather than a wish.
func (c RequestReadiness) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("standardId", c.StandardID)
	if len(c.EvidenceIDs) == 0 {
		v.add("evidenceIds", "must list at least one evidence id")
	}
	v.uuids("evidenceIds", c.EvidenceIDs)
	v.optionalText("note", c.Note, MaxTextLen)
	return v.err()
}

// AgreeReadiness records that the teacher (the actor) and the learner agree
// the learner is ready for the summative assessment of a standard.
// RequestID, optional, names the learner's open readiness request that the
// agreement answers.
type AgreeReadiness struct {
	Meta
	StandardID       string    `json:"standardId"`
	LearnerConfirmed bool      `json:"learnerConfirmed"`
	RequestID        uuid.UUID `json:"requestId,omitzero"`
	Note             string    `json:"note,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field. A false
// LearnerConfirmed is well formed; the decision refuses it as a rule.
func (c AgreeReadiness) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("standardId", c.StandardID)
	v.optionalText("note", c.Note, MaxTextLen)
	return v.err()
}

// RecordSummativeAttempt records the result of a summative assessment.
type RecordSummativeAttempt struct {
	Meta
	StandardID string    `json:"standardId"`
	Level      *int      `json:"level"`
	Assessor   string    `json:"assessor,omitempty"`
	Artifact   *Artifact `json:"artifact,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c RecordSummativeAttempt) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("standardId", c.StandardID)
	v.level("level", c.Level)
	v.optionalText("assessor", c.Assessor, MaxNameLen)
	v.artifact("artifact", c.Artifact)
	v.optionalText("note", c.Note, MaxTextLen)
	return v.err()
}

// Credentials.

// IssueCredential records the credential of a met standard, signed by the
// adapter that holds the issuing key (the domain signs nothing). The fields
// are CredentialIssued's; see there.
type IssueCredential struct {
	Meta
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

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c IssueCredential) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("standardId", c.StandardID)
	if c.CredentialID == uuid.Nil {
		v.add("credentialId", "is required")
	}
	if c.AttemptID == uuid.Nil {
		v.add("attemptId", "is required")
	}
	if c.StandardRevision < 1 {
		v.add("standardRevision", "must be 1 or more")
	}
	if c.Alg != "ES256" && c.Alg != "RS256" {
		v.add("alg", "must be ES256 or RS256")
	}
	if len(c.JWTSHA256) != 64 || strings.Trim(c.JWTSHA256, "0123456789abcdef") != "" {
		v.add("jwtSha256", "must be 64 lower-case hex digits")
	}
	if c.CheckpointSize == 0 || c.CheckpointRoot == "" {
		v.add("checkpointSize", "a credential carries a checkpoint of at least one leaf")
	}
	if strings.Count(c.JWT, ".") != 2 {
		v.add("jwt", "must be a compact JWS")
	}
	return v.err()
}

// RevokeCredential withdraws an issued credential, with a reason.
type RevokeCredential struct {
	Meta
	CredentialID uuid.UUID `json:"-"`
	Reason       string    `json:"reason"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c RevokeCredential) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	if c.CredentialID == uuid.Nil {
		v.add("credentialId", "is required")
	}
	v.text("reason", c.Reason, MaxTextLen)
	return v.err()
}
