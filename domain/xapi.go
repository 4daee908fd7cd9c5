package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
)

// The xAPI statement resource (DOMAIN.md, "xAPI"). A learning tool's
// statement is kept whole, as the event StatementRecorded, in the stream of
// the learner it is about or, when its actor is no enrolled learner, in the
// school's stream. Checking a statement against the xAPI specification is
// the adapter's (adapters/xapi): the domain keeps what was accepted, who
// sent it and for which school, and derives evidence from it only through
// the alignments an admin recorded.

// RuleUnknownLearner refuses a link of an xAPI agent to a learner who is
// not enrolled at the school.
const RuleUnknownLearner = "unknown-learner"

// StatementAttachment is the raw content of one attachment a statement
// declares (its sha2), sent beside it in a multipart/mixed request. It is
// kept in the event, so that the attachment is as immutable as the
// statement.
type StatementAttachment struct {
	SHA2        string `json:"sha2"`
	ContentType string `json:"contentType"`
	Content     []byte `json:"content"`
}

// StatementRecorded is one xAPI statement accepted by the ledger. The
// event's id is the statement's id, so that a statement id names one event
// in the whole log. Statement is the statement as stored and returned by
// the statement resource (with its id, stored, timestamp, authority and
// version set), compact JSON. Voids, on a voiding statement, is the id of
// the statement it voids; a voided statement is never changed or removed,
// only marked voided by the fold.
type StatementRecorded struct {
	StatementID string                `json:"statementId"`
	SchoolID    string                `json:"schoolId"`
	Statement   json.RawMessage       `json:"statement"`
	Voids       string                `json:"voids,omitempty"`
	Attachments []StatementAttachment `json:"attachments,omitempty"`
}

// CutScore is the lowest result.score.scaled that gives Level.
type CutScore struct {
	Level     int     `json:"level"`
	MinScaled float64 `json:"minScaled"`
}

// XAPIActivityAligned maps an xAPI activity id (an IRI) to one component of
// a standard, in one school's stream. CutScores, ascending by level, turn a
// scaled score into a rubric level; empty means DefaultCutScores of the
// standard's scale.
type XAPIActivityAligned struct {
	ActivityID  string     `json:"activityId"`
	StandardID  string     `json:"standardId"`
	ComponentID string     `json:"componentId"`
	CutScores   []CutScore `json:"cutScores,omitempty"`
}

// XAPIAgent is how an xAPI actor is recognised: by mbox, or by account
// (homePage and name).
type XAPIAgent struct {
	Mbox            string `json:"mbox,omitempty"`
	AccountHomePage string `json:"accountHomePage,omitempty"`
	AccountName     string `json:"accountName,omitempty"`
}

// Key is the agent's identity as one string: "mbox:<mailto IRI>" or
// "account:<homePage> <name>".
func (a XAPIAgent) Key() string {
	if a.Mbox != "" {
		return "mbox:" + a.Mbox
	}
	return "account:" + a.AccountHomePage + " " + a.AccountName
}

// XAPIAgentLinked says which enrolled learner of the school an xAPI agent
// is. It holds personal data (an e-mail address, an account name): the
// research copy leaves the agent out.
type XAPIAgentLinked struct {
	Agent     XAPIAgent `json:"agent"`
	LearnerID string    `json:"learnerId"`
}

func (StatementRecorded) EventType() string   { return TypeStatementRecorded }
func (XAPIActivityAligned) EventType() string { return TypeXAPIActivityAligned }
func (XAPIAgentLinked) EventType() string     { return TypeXAPIAgentLinked }

// DefaultCutScores are the cut scores of a scale for an alignment that sets
// none: the proficient level from a scaled score of 0.7, the levels above
// it evenly up to 0.9 for the top one, the levels below it evenly from 0
// (the lowest level takes everything under its next). On the default scale:
// 1 below 0.35, 2 from 0.35, 3 from 0.7, 4 from 0.9.
func DefaultCutScores(s Scale) []CutScore {
	n := len(s.Levels)
	p := -1
	for i, l := range s.Levels {
		if l.Level == s.Proficient {
			p = i
		}
	}
	if n == 0 || p < 0 {
		return nil
	}
	cuts := make([]CutScore, n)
	for i, l := range s.Levels {
		var min float64
		switch {
		case i == 0:
			min = -1
		case i < p:
			min = 0.7 * float64(i) / float64(p)
		case i == p:
			min = 0.7
		default:
			min = 0.7 + 0.2*float64(i-p)/float64(n-1-p)
		}
		cuts[i] = CutScore{Level: l.Level, MinScaled: math.Round(min*1000) / 1000}
	}
	return cuts
}

// LevelForScore returns the level a scaled score reaches under cuts (the
// highest level whose minimum it reaches), or ok false if it reaches none.
func LevelForScore(cuts []CutScore, scaled float64) (level int, ok bool) {
	for _, c := range cuts {
		if scaled >= c.MinScaled {
			level, ok = c.Level, true
		}
	}
	return level, ok
}

// LevelForSuccess is the level of a result that reports success without a
// score: the proficient level for success, the highest level below it for
// failure (the lowest level if there is none below).
func LevelForSuccess(s Scale, success bool) int {
	if success {
		return s.Proficient
	}
	below := 0
	for _, l := range s.Levels {
		if l.Level < s.Proficient && l.Level > below {
			below = l.Level
		}
	}
	if below == 0 && len(s.Levels) > 0 {
		below = s.Levels[0].Level
	}
	return below
}

// RecordStatement stores an xAPI statement that the adapter has checked
// against the specification and completed (id, stored, authority).
type RecordStatement struct {
	Meta
	StatementID string
	SchoolID    string
	Statement   json.RawMessage
	Voids       string
	Attachments []StatementAttachment
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c RecordStatement) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	if _, err := uuid.Parse(c.StatementID); err != nil {
		v.add("id", "must be a UUID")
	}
	v.id("schoolId", c.SchoolID)
	if t := bytes.TrimSpace(c.Statement); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		v.add("statement", "must be a JSON object")
	}
	if c.Voids != "" {
		if _, err := uuid.Parse(c.Voids); err != nil {
			v.add("object.id", "a voiding statement's target must be a statement id (a UUID)")
		}
	}
	for i, a := range c.Attachments {
		if a.SHA2 == "" || a.ContentType == "" {
			v.add(fmt.Sprintf("attachments[%d]", i), "needs its sha2 and content type")
		}
	}
	return v.err()
}

func (c RecordStatement) event() StatementRecorded {
	return StatementRecorded{StatementID: c.StatementID, SchoolID: c.SchoolID, Statement: c.Statement, Voids: c.Voids, Attachments: c.Attachments}
}

// DecideForSchool turns the command into a statement of the school's
// stream: one whose actor is no enrolled learner of the school.
//
// Returns *ValidationError (ErrInvalid), *RuleError with
// RuleRoleNotPermitted unless the actor is a tool, and an error wrapping
// ErrNotFound if the school is not registered.
func (c RecordStatement) DecideForSchool(school *SchoolState, now time.Time) (StatementRecorded, error) {
	if err := c.Validate(now); err != nil {
		return StatementRecorded{}, err
	}
	if err := requireRole(c.Actor, "record an xAPI statement", RoleTool); err != nil {
		return StatementRecorded{}, err
	}
	if !school.Registered() || school.ID != c.SchoolID {
		return StatementRecorded{}, fmt.Errorf("school %q is not registered: %w", c.SchoolID, ErrNotFound)
	}
	return c.event(), nil
}

// DecideForLearner turns the command into a statement of the learner's
// stream.
//
// Returns *ValidationError (ErrInvalid), *RuleError with
// RuleRoleNotPermitted unless the actor is a tool, RuleLearnerWithdrawn for
// a withdrawn learner, and an error wrapping ErrNotFound if the learner is
// not enrolled at the statement's school.
func (c RecordStatement) DecideForLearner(l *LearnerState, now time.Time) (StatementRecorded, error) {
	if err := c.Validate(now); err != nil {
		return StatementRecorded{}, err
	}
	if err := requireRole(c.Actor, "record an xAPI statement", RoleTool); err != nil {
		return StatementRecorded{}, err
	}
	if err := l.writable(); err != nil {
		return StatementRecorded{}, err
	}
	if l.SchoolID != c.SchoolID {
		return StatementRecorded{}, fmt.Errorf("learner %q is not enrolled at school %q: %w", l.ID, c.SchoolID, ErrNotFound)
	}
	return c.event(), nil
}

// AlignXAPIActivity maps an activity to a component of a standard for one
// school.
type AlignXAPIActivity struct {
	Meta
	ActivityID  string     `json:"activityId"`
	StandardID  string     `json:"standardId"`
	ComponentID string     `json:"componentId"`
	CutScores   []CutScore `json:"cutScores,omitempty"`
}

// Validate checks the command's fields without state.
func (c AlignXAPIActivity) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.text("activityId", c.ActivityID, MaxNameLen)
	v.id("standardId", c.StandardID)
	v.id("componentId", c.ComponentID)
	for i, cut := range c.CutScores {
		if cut.MinScaled < -1 || cut.MinScaled > 1 {
			v.add(fmt.Sprintf("cutScores[%d].minScaled", i), "must lie in [-1, 1], as a scaled score does")
		}
		if i > 0 && (cut.Level <= c.CutScores[i-1].Level || cut.MinScaled <= c.CutScores[i-1].MinScaled) {
			v.add(fmt.Sprintf("cutScores[%d]", i), "must rise in both level and minScaled")
		}
	}
	return v.err()
}

// Decide turns the command into an alignment in school's stream.
//
// Returns *ValidationError (ErrInvalid); *RuleError with
// RuleRoleNotPermitted unless the actor is an admin, RuleUnknownStandard,
// RuleStandardRetired, RuleUnknownComponent or RuleLevelOffScale; an error
// wrapping ErrNotFound if the school is not registered.
func (c AlignXAPIActivity) Decide(school *SchoolState, std *StandardState, now time.Time) (XAPIActivityAligned, error) {
	if err := c.Validate(now); err != nil {
		return XAPIActivityAligned{}, err
	}
	if err := requireRole(c.Actor, "align an xAPI activity", RoleAdmin); err != nil {
		return XAPIActivityAligned{}, err
	}
	if !school.Registered() {
		return XAPIActivityAligned{}, fmt.Errorf("school is not registered: %w", ErrNotFound)
	}
	if err := openStandard(std, c.StandardID, "alignment"); err != nil {
		return XAPIActivityAligned{}, err
	}
	if _, ok := std.Component(c.ComponentID); !ok {
		return XAPIActivityAligned{}, ruleErr(RuleUnknownComponent, "standard %q revision %d has no component %s", std.ID, std.Revision, c.ComponentID)
	}
	for _, cut := range c.CutScores {
		if err := onScale(std, cut.Level); err != nil {
			return XAPIActivityAligned{}, err
		}
	}
	return XAPIActivityAligned{ActivityID: c.ActivityID, StandardID: c.StandardID, ComponentID: c.ComponentID, CutScores: c.CutScores}, nil
}

// LinkXAPIAgent says which enrolled learner an xAPI agent is.
type LinkXAPIAgent struct {
	Meta
	Agent     XAPIAgent `json:"agent"`
	LearnerID string    `json:"learnerId"`
}

// Validate checks the command's fields without state.
func (c LinkXAPIAgent) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("learnerId", c.LearnerID)
	switch a := c.Agent; {
	case a.Mbox != "" && (a.AccountHomePage != "" || a.AccountName != ""):
		v.add("agent", "names an mbox or an account, not both")
	case a.Mbox != "":
		if len(a.Mbox) < 8 || a.Mbox[:7] != "mailto:" {
			v.add("agent.mbox", "must be a mailto: IRI")
		}
	case a.AccountHomePage == "" || a.AccountName == "":
		v.add("agent", "needs an mbox, or an account's homePage and name")
	}
	return v.err()
}

// Decide turns the command into a link in school's stream; learner is the
// linked learner's state.
//
// Returns *ValidationError (ErrInvalid); *RuleError with
// RuleRoleNotPermitted unless the actor is an admin; an error wrapping
// ErrNotFound if the school is not registered; a *RuleError with
// RuleUnknownLearner if the learner is not enrolled at the school.
func (c LinkXAPIAgent) Decide(school *SchoolState, learner *LearnerState, now time.Time) (XAPIAgentLinked, error) {
	if err := c.Validate(now); err != nil {
		return XAPIAgentLinked{}, err
	}
	if err := requireRole(c.Actor, "link an xAPI agent", RoleAdmin); err != nil {
		return XAPIAgentLinked{}, err
	}
	if !school.Registered() {
		return XAPIAgentLinked{}, fmt.Errorf("school is not registered: %w", ErrNotFound)
	}
	if !learner.Enrolled() || learner.SchoolID != school.ID {
		return XAPIAgentLinked{}, ruleErr(RuleUnknownLearner, "learner %q is not enrolled at school %q", c.LearnerID, school.ID)
	}
	return XAPIAgentLinked{Agent: c.Agent, LearnerID: c.LearnerID}, nil
}

// RecordStatementEvidence derives evidence, source technology, from an
// aligned statement. Its event id is derived from the statement and the
// component (StatementEvidenceID), so that deriving it again records
// nothing new.
type RecordStatementEvidence struct {
	Meta
	StatementID string
	StandardID  string
	ComponentID string
	Level       int
}

// Decide turns the command into evidence of the learner.
//
// Returns *RuleError with RuleRoleNotPermitted unless the actor is a tool
// or an admin, RuleLearnerWithdrawn, RuleUnknownStandard,
// RuleStandardRetired, RuleUnknownComponent or RuleLevelOffScale; an error
// wrapping ErrNotFound if the learner is not enrolled.
func (c RecordStatementEvidence) Decide(l *LearnerState, std *StandardState, now time.Time) (EvidenceRecorded, error) {
	var v validator
	v.meta(c.Meta, now)
	if _, err := uuid.Parse(c.StatementID); err != nil {
		v.add("statementId", "must be a UUID")
	}
	v.id("standardId", c.StandardID)
	v.id("componentId", c.ComponentID)
	if err := v.err(); err != nil {
		return EvidenceRecorded{}, err
	}
	if err := requireRole(c.Actor, "derive evidence from a statement", RoleTool, RoleAdmin); err != nil {
		return EvidenceRecorded{}, err
	}
	if err := l.writable(); err != nil {
		return EvidenceRecorded{}, err
	}
	if err := openStandard(std, c.StandardID, "evidence"); err != nil {
		return EvidenceRecorded{}, err
	}
	if _, ok := std.Component(c.ComponentID); !ok {
		return EvidenceRecorded{}, ruleErr(RuleUnknownComponent, "standard %q revision %d has no component %s", std.ID, std.Revision, c.ComponentID)
	}
	if err := onScale(std, c.Level); err != nil {
		return EvidenceRecorded{}, err
	}
	return EvidenceRecorded{StandardID: std.ID, StandardRevision: std.Revision, ComponentID: c.ComponentID, Level: c.Level,
		Source: SourceTechnology, StatementID: c.StatementID}, nil
}

// RetractStatementEvidence retracts evidence derived from a statement that
// was voided.
type RetractStatementEvidence struct {
	Meta
	EvidenceID uuid.UUID
	Reason     string
}

// Decide turns the command into a retraction.
//
// Returns *RuleError with RuleRoleNotPermitted unless the actor is a tool
// or an admin, RuleUnknownEvidence for evidence the learner's stream does
// not hold or that no statement gave, RuleEvidenceRetracted if it is
// retracted already.
func (c RetractStatementEvidence) Decide(l *LearnerState, now time.Time) (EvidenceRetracted, error) {
	var v validator
	v.meta(c.Meta, now)
	v.text("reason", c.Reason, MaxTextLen)
	if err := v.err(); err != nil {
		return EvidenceRetracted{}, err
	}
	if err := requireRole(c.Actor, "retract evidence derived from a statement", RoleTool, RoleAdmin); err != nil {
		return EvidenceRetracted{}, err
	}
	if !l.Enrolled() {
		return EvidenceRetracted{}, fmt.Errorf("learner is not enrolled: %w", ErrNotFound)
	}
	ev := l.Evidence[c.EvidenceID]
	switch {
	case ev == nil || ev.StatementID == "":
		return EvidenceRetracted{}, ruleErr(RuleUnknownEvidence, "learner %q has no evidence %s derived from a statement", l.ID, c.EvidenceID)
	case !ev.Current():
		return EvidenceRetracted{}, ruleErr(RuleEvidenceRetracted, "evidence %s is already retracted by %s", c.EvidenceID, ev.RetractedBy)
	}
	return EvidenceRetracted{EvidenceID: c.EvidenceID, StandardID: ev.StandardID, ComponentID: ev.ComponentID, Reason: c.Reason}, nil
}

// xapiNamespace is the name space of the ids derived from statements
// (UUID version 5): fixed, so that the same statement and component give
// the same evidence id in every ledger and every replay.
var xapiNamespace = uuid.MustParse("6f1d3c2e-9a41-5b7e-8c0d-2a4b6e8f1a3c")

// StatementEvidenceID is the id of the evidence a statement gives for one
// component of a standard.
func StatementEvidenceID(statementID, standardID, componentID string) uuid.UUID {
	return uuid.NewSHA1(xapiNamespace, []byte("evidence\x00"+statementID+"\x00"+standardID+"\x00"+componentID))
}

// StatementRetractionID is the id of the retraction of evidenceID when its
// statement is voided.
func StatementRetractionID(evidenceID uuid.UUID) uuid.UUID {
	return uuid.NewSHA1(xapiNamespace, []byte("retraction\x00"+evidenceID.String()))
}

// applyXAPI folds an xAPI event of the school's stream. An alignment of an
// activity to a component it is aligned to already replaces the earlier
// one (new cut scores); a link of an agent replaces its earlier link.
func (s *SchoolState) applyXAPI(ev Event) {
	switch ev := ev.(type) {
	case StatementRecorded:
		s.Statements++
	case XAPIActivityAligned:
		if s.Alignments == nil {
			s.Alignments = make(map[string][]XAPIActivityAligned)
		}
		list := s.Alignments[ev.ActivityID]
		for i, a := range list {
			if a.StandardID == ev.StandardID && a.ComponentID == ev.ComponentID {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		s.Alignments[ev.ActivityID] = append(list, ev)
	case XAPIAgentLinked:
		if s.Agents == nil {
			s.Agents = make(map[string]string)
		}
		s.Agents[ev.Agent.Key()] = ev.LearnerID
	}
}
