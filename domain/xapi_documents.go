package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// The xAPI document resources (IEEE 9274.1.1 Communication 2.3 State, 2.6
// Activity Profile, 2.7 Agent Profile). A document is a tool's scratch data
// (a bookmark, a saved answer, preferences), not evidence: the ledger keeps
// every write as an event, so that the document's history is as immutable
// as the rest of the log, and a delete as a tombstone that hides the
// document from the resource. Checking a request against the specification
// (concurrency, merging JSON, the keys' syntax) is the adapter's.

// The kinds of xAPI document.
const (
	XAPIDocumentState           = "state"
	XAPIDocumentActivityProfile = "activityProfile"
	XAPIDocumentAgentProfile    = "agentProfile"
)

// XAPIDocumentPut is one write of an xAPI document of a school: its whole
// content after the write (a POST that merges JSON objects records the
// merged object). Kind names the resource; the keys it uses are
// ActivityID and Agent (an agent's identifier as one string, Agent of
// state and agent profile), Registration (state, optional) and DocumentID
// (the stateId or profileId).
type XAPIDocumentPut struct {
	SchoolID     string `json:"schoolId"`
	Kind         string `json:"kind"`
	ActivityID   string `json:"activityId,omitempty"`
	Agent        string `json:"agent,omitempty"`
	Registration string `json:"registration,omitempty"`
	DocumentID   string `json:"documentId"`
	ContentType  string `json:"contentType"`
	Content      []byte `json:"content"`
}

// XAPIDocumentDeleted is the tombstone of xAPI documents of a school: the
// document DocumentID, or, when DocumentID is empty (state only), every
// state document of the activity, agent and registration. The writes
// before it stay in the log.
type XAPIDocumentDeleted struct {
	SchoolID     string `json:"schoolId"`
	Kind         string `json:"kind"`
	ActivityID   string `json:"activityId,omitempty"`
	Agent        string `json:"agent,omitempty"`
	Registration string `json:"registration,omitempty"`
	DocumentID   string `json:"documentId,omitempty"`
}

func (XAPIDocumentPut) EventType() string     { return TypeXAPIDocumentPut }
func (XAPIDocumentDeleted) EventType() string { return TypeXAPIDocumentDeleted }

// XAPIDocumentKeys are the keys that name xAPI documents.
type XAPIDocumentKeys struct {
	SchoolID     string
	Kind         string
	ActivityID   string
	Agent        string
	Registration string
	DocumentID   string
}

// validate checks the keys the kind needs and no others; all says whether
// an empty DocumentID (every state document) is allowed.
func (k XAPIDocumentKeys) validate(v *validator, all bool) {
	v.id("schoolId", k.SchoolID)
	needActivity, needAgent := true, true
	switch k.Kind {
	case XAPIDocumentState:
	case XAPIDocumentActivityProfile:
		needAgent = false
	case XAPIDocumentAgentProfile:
		needActivity = false
	default:
		v.add("kind", "must be state, activityProfile or agentProfile")
		return
	}
	if needActivity != (k.ActivityID != "") {
		v.add("activityId", "is needed by a state or an activity profile, and only by them")
	}
	if needAgent != (k.Agent != "") {
		v.add("agent", "is needed by a state or an agent profile, and only by them")
	}
	if k.Registration != "" {
		if _, err := uuid.Parse(k.Registration); err != nil || k.Kind != XAPIDocumentState {
			v.add("registration", "must be a UUID, of a state document")
		}
	}
	if k.DocumentID == "" && !(all && k.Kind == XAPIDocumentState) {
		v.add("documentId", "is required")
	}
	for _, f := range []struct{ name, val string }{{"activityId", k.ActivityID}, {"agent", k.Agent}, {"documentId", k.DocumentID}} {
		if len(f.val) > MaxNameLen*4 {
			v.add(f.name, "is longer than %d bytes", MaxNameLen*4)
		}
	}
}

// RecordXAPIDocument stores the content of an xAPI document after a write.
type RecordXAPIDocument struct {
	Meta
	XAPIDocumentKeys
	ContentType string
	Content     []byte
}

// Validate checks the command's fields without state.
func (c RecordXAPIDocument) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	c.XAPIDocumentKeys.validate(&v, false)
	if c.ContentType == "" {
		v.add("contentType", "is required")
	}
	return v.err()
}

func (c RecordXAPIDocument) event() XAPIDocumentPut {
	return XAPIDocumentPut{SchoolID: c.SchoolID, Kind: c.Kind, ActivityID: c.ActivityID, Agent: c.Agent, Registration: c.Registration,
		DocumentID: c.DocumentID, ContentType: c.ContentType, Content: c.Content}
}

// DecideForSchool turns the command into a document of the school's stream.
//
// Returns *ValidationError (ErrInvalid), *RuleError with
// RuleRoleNotPermitted unless the actor is a tool, and an error wrapping
// ErrNotFound if the school is not registered.
func (c RecordXAPIDocument) DecideForSchool(school *SchoolState, now time.Time) (XAPIDocumentPut, error) {
	if err := c.Validate(now); err != nil {
		return XAPIDocumentPut{}, err
	}
	if err := decideDocumentForSchool(c.Actor, c.SchoolID, school); err != nil {
		return XAPIDocumentPut{}, err
	}
	return c.event(), nil
}

// DecideForLearner turns the command into a document of the learner's
// stream, as DecideForSchool; RuleLearnerWithdrawn for a withdrawn
// learner, ErrNotFound for one not enrolled at the school.
func (c RecordXAPIDocument) DecideForLearner(l *LearnerState, now time.Time) (XAPIDocumentPut, error) {
	if err := c.Validate(now); err != nil {
		return XAPIDocumentPut{}, err
	}
	if err := decideDocumentForLearner(c.Actor, c.SchoolID, l); err != nil {
		return XAPIDocumentPut{}, err
	}
	return c.event(), nil
}

// DeleteXAPIDocuments records the tombstone of xAPI documents.
type DeleteXAPIDocuments struct {
	Meta
	XAPIDocumentKeys
}

// Validate checks the command's fields without state.
func (c DeleteXAPIDocuments) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	c.XAPIDocumentKeys.validate(&v, true)
	return v.err()
}

func (c DeleteXAPIDocuments) event() XAPIDocumentDeleted {
	return XAPIDocumentDeleted{SchoolID: c.SchoolID, Kind: c.Kind, ActivityID: c.ActivityID, Agent: c.Agent, Registration: c.Registration,
		DocumentID: c.DocumentID}
}

// DecideForSchool turns the command into a tombstone of the school's
// stream, with the errors of RecordXAPIDocument.DecideForSchool.
func (c DeleteXAPIDocuments) DecideForSchool(school *SchoolState, now time.Time) (XAPIDocumentDeleted, error) {
	if err := c.Validate(now); err != nil {
		return XAPIDocumentDeleted{}, err
	}
	if err := decideDocumentForSchool(c.Actor, c.SchoolID, school); err != nil {
		return XAPIDocumentDeleted{}, err
	}
	return c.event(), nil
}

// DecideForLearner turns the command into a tombstone of the learner's
// stream, with the errors of RecordXAPIDocument.DecideForLearner.
func (c DeleteXAPIDocuments) DecideForLearner(l *LearnerState, now time.Time) (XAPIDocumentDeleted, error) {
	if err := c.Validate(now); err != nil {
		return XAPIDocumentDeleted{}, err
	}
	if err := decideDocumentForLearner(c.Actor, c.SchoolID, l); err != nil {
		return XAPIDocumentDeleted{}, err
	}
	return c.event(), nil
}

func decideDocumentForSchool(actor Actor, schoolID string, school *SchoolState) error {
	if err := requireRole(actor, "write an xAPI document", RoleTool); err != nil {
		return err
	}
	if !school.Registered() || school.ID != schoolID {
		return fmt.Errorf("school %q is not registered: %w", schoolID, ErrNotFound)
	}
	return nil
}

func decideDocumentForLearner(actor Actor, schoolID string, l *LearnerState) error {
	if err := requireRole(actor, "write an xAPI document", RoleTool); err != nil {
		return err
	}
	if err := l.writable(); err != nil {
		return err
	}
	if l.SchoolID != schoolID {
		return fmt.Errorf("learner %q is not enrolled at school %q: %w", l.ID, schoolID, ErrNotFound)
	}
	return nil
}
