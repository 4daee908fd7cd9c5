package domain

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Sentinel errors. Callers test for them with errors.Is; the HTTP adapter maps
// each to one status code.
var (
	// ErrNotFound reports that a named stream, standard, learner or event
	// does not exist.
	ErrNotFound = errors.New("not found")

	// ErrConflict reports a clash with what is already stored: a stale
	// expected revision, an event id reused with other content, or an id
	// that is already taken.
	ErrConflict = errors.New("conflict")

	// ErrInvalid reports input that is malformed or breaks a rule before any
	// state is consulted (a missing field, an id of the wrong syntax, an
	// event over the size limit).
	ErrInvalid = errors.New("invalid")

	// ErrClosed reports use of a store after Close.
	ErrClosed = errors.New("store closed")

	// ErrUnavailable reports a store that cannot be reached for now (a
	// server down, a leader change): the request may be retried with the
	// same event ids.
	ErrUnavailable = errors.New("store unavailable")

	// ErrStorageFull reports that the store's disk is full: the append
	// wrote nothing, reads still work, and it may be retried with the same
	// event ids once space is freed.
	ErrStorageFull = errors.New("the disk holding the ledger's data is full")
)

// WrongExpectedRevisionError reports that an append's expected revision did
// not match the stream. It matches ErrConflict under errors.Is.
type WrongExpectedRevisionError struct {
	Stream   string
	Expected ExpectedRevision
	// Actual is the stream's last revision, or NoRevision if the stream
	// does not exist.
	Actual int64
}

// NoRevision is the Actual revision of a stream that does not exist.
const NoRevision int64 = -1

func (e *WrongExpectedRevisionError) Error() string {
	actual := "no stream"
	if e.Actual != NoRevision {
		actual = fmt.Sprintf("revision %d", e.Actual)
	}
	return fmt.Sprintf("stream %q: expected %s, found %s", e.Stream, e.Expected, actual)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *WrongExpectedRevisionError) Is(target error) bool { return target == ErrConflict }

// EventIDConflictError reports that an event id is already stored with
// different content or at a different place. Retrying with the same id and the
// same content is idempotent; reusing an id for something else is refused. It
// matches ErrConflict under errors.Is.
type EventIDConflictError struct {
	EventID string
	// Stream and Revision locate the event already stored under the id.
	Stream   string
	Revision uint64
	Reason   string
}

func (e *EventIDConflictError) Error() string {
	return fmt.Sprintf("event id %s is already stored as %s@%d: %s", e.EventID, e.Stream, e.Revision, e.Reason)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *EventIDConflictError) Is(target error) bool { return target == ErrConflict }

// EventTooLargeError reports an event whose data exceeds MaxEventDataSize. It
// matches ErrInvalid under errors.Is.
type EventTooLargeError struct {
	EventID string
	Size    int
}

func (e *EventTooLargeError) Error() string {
	return fmt.Sprintf("event %s: data is %d bytes, over the limit of %d", e.EventID, e.Size, MaxEventDataSize)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *EventTooLargeError) Is(target error) bool { return target == ErrInvalid }

// ErrRuleBroken reports a command that is well formed but would break an
// invariant of DOMAIN.md given what is already recorded (evidence missing for
// an agreement, an attempt without an open agreement, a retired standard, an
// id in the body that does not resolve, …). Nothing is written. HTTP 422.
var ErrRuleBroken = errors.New("rule broken")

// FieldError names one field at fault and what is wrong with it. Field is a
// JSON path into the command's body, such as "components[1].id" or
// "artifact.sha256".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError reports every malformed field of a command at once, so a
// client can fix them in one round trip. It matches ErrInvalid under
// errors.Is (HTTP 400).
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid input")
	for i, f := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field)
		b.WriteString(" ")
		b.WriteString(f.Message)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// RuleError reports a command refused because it would break an invariant.
// Rule is a stable code (one of the Rule constants) that clients and tests
// branch on; Message says exactly what is wrong in words. It matches
// ErrRuleBroken under errors.Is (HTTP 422).
type RuleError struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
	// MissingComponents lists, sorted, the components of a standard that
	// an agreement still lacks evidence for (Rule RuleMissingComponents).
	MissingComponents []string `json:"missingComponents,omitempty"`
}

func (e *RuleError) Error() string { return e.Rule + ": " + e.Message }

// Is makes errors.Is(err, ErrRuleBroken) true.
func (e *RuleError) Is(target error) bool { return target == ErrRuleBroken }

// Rule codes of RuleError. They are part of the API: the HTTP adapter puts
// them in the problem body, so they never change meaning.
const (
	// Invariant 1: a published, non-retired standard, an existing
	// component, a level on the scale.
	RuleUnknownStandard  = "unknown-standard"
	RuleStandardRetired  = "standard-retired"
	RuleUnknownComponent = "unknown-component"
	RuleLevelOffScale    = "level-off-scale"

	// Invariant 2: the agreement.
	RuleMissingComponents = "missing-components"
	RuleAgreementOpen     = "agreement-open"
	RuleAlreadyMet        = "already-met"

	// Invariant 3: the summative attempt.
	RuleNoOpenAgreement = "no-open-agreement"

	// Invariant 4: who may write what.
	RuleNotATeacher         = "not-a-teacher"
	RuleLearnerNotConfirmed = "learner-not-confirmed"
	RuleSelfEvidenceOnly    = "self-evidence-only"
	RuleRoleNotPermitted    = "role-not-permitted"

	// Invariant 5 and other references to evidence.
	RuleEvidenceRetracted     = "evidence-retracted"
	RuleUnknownEvidence       = "unknown-evidence"
	RuleEvidenceOtherStandard = "evidence-other-standard"

	// Goals and plans.
	RuleUnknownGoal   = "unknown-goal"
	RuleDuplicateGoal = "duplicate-goal"
	RuleDuplicatePlan = "duplicate-plan"

	// Enrolment.
	RuleLearnerWithdrawn = "learner-withdrawn"

	// Personal data: a profile update, or a second erasure, after the
	// learner's personal data was erased.
	RulePersonalDataErased = "personal-data-erased"

	// Readiness requests: an agreement that names a request must name an
	// open request of the same learner on the same standard.
	RuleUnknownRequest       = "unknown-request"
	RuleRequestOtherStandard = "request-other-standard"
	RuleRequestClosed        = "request-closed"

	// Credentials: one per met standard's attempt, issued once; a
	// revocation names an issued credential that is not yet revoked.
	RuleNotMet            = "not-met"
	RuleCredentialIssued  = "credential-issued"
	RuleUnknownCredential = "unknown-credential"
	RuleCredentialRevoked = "credential-revoked"
	RuleCredentialDigest  = "credential-digest"

	// Practice reviews: a review id is used once per school, its scope
	// names the school's cohorts and learners (RuleUnknownLearner, in xapi.go), and it is concluded once.
	RuleDuplicateReview = "duplicate-review"
	RuleUnknownCohort   = "unknown-cohort"
	RuleReviewConcluded = "review-concluded"
)

func ruleErr(rule, format string, args ...any) *RuleError {
	return &RuleError{Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// FoldError reports a stored event that a fold cannot apply: an unknown type,
// an undecodable payload, a gap in the stream, or a reference that the
// stream's own history does not resolve. Decisions never produce such a
// stream, so it means the store or an import is at fault. It deliberately
// matches none of the sentinels: it is an internal error (HTTP 500), never the
// client's, even when the cause is a payload that DecodeEvent refuses with
// ErrInvalid.
type FoldError struct {
	Stream   string
	Revision uint64
	EventID  uuid.UUID
	Type     string
	Reason   string
}

func (e *FoldError) Error() string {
	return fmt.Sprintf("fold %s@%d (%s %s): %s", e.Stream, e.Revision, e.Type, e.EventID, e.Reason)
}

func foldErr(e RecordedEvent, format string, args ...any) *FoldError {
	return &FoldError{Stream: e.Stream, Revision: e.Revision, EventID: e.ID, Type: e.Type, Reason: fmt.Sprintf(format, args...)}
}
