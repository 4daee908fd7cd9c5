package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Decisions about a learner. Each is a pure function of the learner's state
// (and the standards it names), the command and the ledger's clock; none
// changes the state it is given. Each checks, in this order: the command's
// fields (*ValidationError), the actor's role, that the learner is enrolled
// (ErrNotFound) and not withdrawn, then the invariants. Whether a teacher
// belongs to the learner's school, or a learner is acting on themself, is the
// HTTP adapter's check: an Actor carries no scope.
//
// The learner's school is not consulted: enrolment was checked when the
// stream was opened, and a school is never removed.

// writable refuses writes about a learner who is not enrolled or withdrawn.
func (s *LearnerState) writable() error {
	if !s.Enrolled() {
		return fmt.Errorf("learner is not enrolled: %w", ErrNotFound)
	}
	if s.Withdrawn {
		return ruleErr(RuleLearnerWithdrawn, "learner %q is withdrawn: their record accepts no more writes", s.ID)
	}
	return nil
}

// knownStandard refuses a standard that is not published. A state for
// another standard than the command names is the caller's bug.
func knownStandard(std *StandardState, id string) error {
	if !std.Published() {
		return ruleErr(RuleUnknownStandard, "standard %q is not published", id)
	}
	if std.ID != id {
		return fmt.Errorf("domain: the state of standard %q was passed for a command on %q", std.ID, id)
	}
	return nil
}

// openStandard is invariant 1's first half: published and not retired.
func openStandard(std *StandardState, id, what string) error {
	if err := knownStandard(std, id); err != nil {
		return err
	}
	if std.Retired {
		return ruleErr(RuleStandardRetired, "standard %q is retired: it takes no new %s", id, what)
	}
	return nil
}

func onScale(std *StandardState, level int) error {
	if std.Scale.Has(level) {
		return nil
	}
	levels := make([]string, len(std.Scale.Levels))
	for i, l := range std.Scale.Levels {
		levels[i] = strconv.Itoa(l.Level)
	}
	return ruleErr(RuleLevelOffScale, "level %d is not on the scale of standard %q (levels %s)",
		level, std.ID, strings.Join(levels, ", "))
}

// currentEvidence resolves evidence ids cited by a command: each must be in
// the learner's stream, not retracted and, if standardID is not empty, of
// that standard. Unknown ids are reported all at once, sorted.
func (s *LearnerState) currentEvidence(ids []uuid.UUID, standardID string) error {
	var unknown []string
	for _, id := range ids {
		if s.Evidence[id] == nil {
			unknown = append(unknown, id.String())
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return ruleErr(RuleUnknownEvidence, "no evidence %s in learner %q's record", strings.Join(unknown, ", "), s.ID)
	}
	for _, id := range ids {
		if e := s.Evidence[id]; !e.Current() {
			return ruleErr(RuleEvidenceRetracted, "evidence %s was retracted by event %s and cannot be cited", id, e.RetractedBy)
		}
	}
	for _, id := range ids {
		if e := s.Evidence[id]; standardID != "" && e.StandardID != standardID {
			return ruleErr(RuleEvidenceOtherStandard, "evidence %s is evidence of standard %q, not %q", id, e.StandardID, standardID)
		}
	}
	return nil
}

// Decide turns the command into the learner's withdrawal.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is an admin, an error wrapping
// ErrNotFound if the learner is not enrolled, and *RuleError
// RuleLearnerWithdrawn if they are already withdrawn.
func (c WithdrawLearner) Decide(l *LearnerState, now time.Time) (LearnerWithdrawn, error) {
	if err := c.Validate(now); err != nil {
		return LearnerWithdrawn{}, err
	}
	if err := requireRole(c.Actor, "withdraw a learner", RoleAdmin); err != nil {
		return LearnerWithdrawn{}, err
	}
	if err := l.writable(); err != nil {
		return LearnerWithdrawn{}, err
	}
	return LearnerWithdrawn{Reason: c.Reason}, nil
}

// Decide turns the command into a pre-assessment of std against its current
// revision.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleNotATeacher unless the actor is a teacher, an error wrapping
// ErrNotFound if the learner is not enrolled, and *RuleError
// RuleLearnerWithdrawn, RuleUnknownStandard, RuleStandardRetired, or
// RuleUnknownComponent (listing, sorted, every demonstrated id that is not a
// component of the current revision).
func (c RecordPreAssessment) Decide(l *LearnerState, std *StandardState, now time.Time) (PreAssessmentRecorded, error) {
	if err := c.Validate(now); err != nil {
		return PreAssessmentRecorded{}, err
	}
	if err := requireRole(c.Actor, "record a pre-assessment", RoleTeacher); err != nil {
		return PreAssessmentRecorded{}, err
	}
	if err := l.writable(); err != nil {
		return PreAssessmentRecorded{}, err
	}
	if err := openStandard(std, c.StandardID, "pre-assessments"); err != nil {
		return PreAssessmentRecorded{}, err
	}
	var unknown []string
	for _, id := range c.Demonstrated {
		if _, ok := std.Component(id); !ok {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return PreAssessmentRecorded{}, ruleErr(RuleUnknownComponent, "standard %q revision %d has no component %s",
			std.ID, std.Revision, strings.Join(unknown, ", "))
	}
	demonstrated := slices.Clone(c.Demonstrated)
	if demonstrated == nil {
		demonstrated = []string{}
	}
	return PreAssessmentRecorded{
		StandardID:       std.ID,
		StandardRevision: std.Revision,
		Demonstrated:     demonstrated,
		Note:             c.Note,
	}, nil
}

// Decide turns the command into evidence for a component of std's current
// revision. A learner may record only self-assessment (source self); a
// teacher may record evidence from any source, self included.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is a teacher or a learner,
// RuleSelfEvidenceOnly for a learner recording another source, an error
// wrapping ErrNotFound if the learner is not enrolled, and *RuleError
// RuleLearnerWithdrawn, RuleUnknownStandard, RuleStandardRetired,
// RuleUnknownComponent or RuleLevelOffScale.
func (c RecordEvidence) Decide(l *LearnerState, std *StandardState, now time.Time) (EvidenceRecorded, error) {
	if err := c.Validate(now); err != nil {
		return EvidenceRecorded{}, err
	}
	if err := requireRole(c.Actor, "record evidence", RoleTeacher, RoleLearner); err != nil {
		return EvidenceRecorded{}, err
	}
	if c.Actor.Role == RoleLearner && c.Source != SourceSelf {
		return EvidenceRecorded{}, ruleErr(RuleSelfEvidenceOnly,
			"a learner may record only evidence with source self, not %s", c.Source)
	}
	if err := l.writable(); err != nil {
		return EvidenceRecorded{}, err
	}
	if err := openStandard(std, c.StandardID, "evidence"); err != nil {
		return EvidenceRecorded{}, err
	}
	if _, ok := std.Component(c.ComponentID); !ok {
		return EvidenceRecorded{}, ruleErr(RuleUnknownComponent, "standard %q revision %d has no component %s",
			std.ID, std.Revision, c.ComponentID)
	}
	if err := onScale(std, *c.Level); err != nil {
		return EvidenceRecorded{}, err
	}
	return EvidenceRecorded{
		StandardID:       std.ID,
		StandardRevision: std.Revision,
		ComponentID:      c.ComponentID,
		Level:            *c.Level,
		Source:           c.Source,
		Assessor:         c.Assessor,
		Artifact:         cloneArtifact(c.Artifact),
		Note:             c.Note,
	}, nil
}

func cloneArtifact(a *Artifact) *Artifact {
	if a == nil {
		return nil
	}
	cp := *a
	return &cp
}

// Decide turns the command into the retraction of a piece of the learner's
// evidence (invariant 5). Retraction is allowed on a retired standard and
// after the standard is met: it corrects the record and undoes no claim.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleNotATeacher unless the actor is a teacher, an error wrapping
// ErrNotFound if the learner is not enrolled or the evidence is not in their
// record (the evidence is the subject, named in the route's path), and
// *RuleError RuleLearnerWithdrawn or RuleEvidenceRetracted (naming the
// retraction that came first).
func (c RetractEvidence) Decide(l *LearnerState, now time.Time) (EvidenceRetracted, error) {
	if err := c.Validate(now); err != nil {
		return EvidenceRetracted{}, err
	}
	if err := requireRole(c.Actor, "retract evidence", RoleTeacher); err != nil {
		return EvidenceRetracted{}, err
	}
	if err := l.writable(); err != nil {
		return EvidenceRetracted{}, err
	}
	e := l.Evidence[c.EvidenceID]
	if e == nil {
		return EvidenceRetracted{}, fmt.Errorf("evidence %s is not in learner %q's record: %w", c.EvidenceID, l.ID, ErrNotFound)
	}
	if !e.Current() {
		return EvidenceRetracted{}, ruleErr(RuleEvidenceRetracted, "evidence %s was already retracted by event %s",
			c.EvidenceID, e.RetractedBy)
	}
	return EvidenceRetracted{
		EvidenceID:  c.EvidenceID,
		StandardID:  e.StandardID,
		ComponentID: e.ComponentID,
		Reason:      c.Reason,
	}, nil
}

// Decide turns the command into feedback on std. Feedback on a retired
// standard is allowed: the dialogue about past work goes on.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleNotATeacher unless the actor is a teacher, an error wrapping
// ErrNotFound if the learner is not enrolled, and *RuleError
// RuleLearnerWithdrawn, RuleUnknownStandard, RuleUnknownEvidence,
// RuleEvidenceRetracted or RuleEvidenceOtherStandard for a cited evidence id.
func (c GiveFeedback) Decide(l *LearnerState, std *StandardState, now time.Time) (FeedbackGiven, error) {
	if err := c.Validate(now); err != nil {
		return FeedbackGiven{}, err
	}
	if err := requireRole(c.Actor, "give feedback", RoleTeacher); err != nil {
		return FeedbackGiven{}, err
	}
	if err := l.writable(); err != nil {
		return FeedbackGiven{}, err
	}
	if err := knownStandard(std, c.StandardID); err != nil {
		return FeedbackGiven{}, err
	}
	if err := l.currentEvidence(c.EvidenceIDs, std.ID); err != nil {
		return FeedbackGiven{}, err
	}
	return FeedbackGiven{
		StandardID:  std.ID,
		EvidenceIDs: copyOrEmpty(c.EvidenceIDs),
		Strengths:   c.Strengths,
		NextSteps:   c.NextSteps,
		Causes:      c.Causes,
	}, nil
}

// copyOrEmpty copies a list for an event, where a list is never null: the
// stored JSON then always shows "[]" for "none".
func copyOrEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clone(s)
}

// Decide turns the command into a SMARTER goal. standards holds the state of
// every standard the goal names; a missing or nil entry means the standard
// does not exist. A goal may name no standard (a goal about habits or
// interests), but not a retired one, since no new work can be recorded on it.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is a teacher or a learner, an error
// wrapping ErrNotFound if the learner is not enrolled, and *RuleError
// RuleLearnerWithdrawn, RuleDuplicateGoal, RuleUnknownStandard (listing every
// unknown id, sorted) or RuleStandardRetired.
func (c SetGoal) Decide(l *LearnerState, standards map[string]*StandardState, now time.Time) (GoalSet, error) {
	if err := c.Validate(now); err != nil {
		return GoalSet{}, err
	}
	if err := requireRole(c.Actor, "set a goal", RoleTeacher, RoleLearner); err != nil {
		return GoalSet{}, err
	}
	if err := l.writable(); err != nil {
		return GoalSet{}, err
	}
	if l.Goals[c.GoalID] != nil {
		return GoalSet{}, ruleErr(RuleDuplicateGoal, "learner %q already has a goal %q", l.ID, c.GoalID)
	}
	var unknown []string
	for _, id := range c.StandardIDs {
		if !standards[id].Published() {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return GoalSet{}, ruleErr(RuleUnknownStandard, "standard %s is not published", strings.Join(unknown, ", "))
	}
	for _, id := range c.StandardIDs {
		if err := openStandard(standards[id], id, "goals"); err != nil {
			return GoalSet{}, err
		}
	}
	return GoalSet{
		GoalID:      c.GoalID,
		Specific:    c.Specific,
		Measurable:  c.Measurable,
		Achievable:  c.Achievable,
		Relevant:    c.Relevant,
		TargetDate:  c.TargetDate,
		Evaluate:    c.Evaluate,
		Review:      c.Review,
		StandardIDs: copyOrEmpty(c.StandardIDs),
	}, nil
}

// Decide turns the command into a PLCA plan for one of the learner's goals.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is a teacher or a learner, an error
// wrapping ErrNotFound if the learner is not enrolled, and *RuleError
// RuleLearnerWithdrawn, RuleDuplicatePlan or RuleUnknownGoal.
func (c DraftPlan) Decide(l *LearnerState, now time.Time) (PlanDrafted, error) {
	if err := c.Validate(now); err != nil {
		return PlanDrafted{}, err
	}
	if err := requireRole(c.Actor, "draft a plan", RoleTeacher, RoleLearner); err != nil {
		return PlanDrafted{}, err
	}
	if err := l.writable(); err != nil {
		return PlanDrafted{}, err
	}
	if l.Plans[c.PlanID] != nil {
		return PlanDrafted{}, ruleErr(RuleDuplicatePlan, "learner %q already has a plan %q", l.ID, c.PlanID)
	}
	if l.Goals[c.GoalID] == nil {
		return PlanDrafted{}, ruleErr(RuleUnknownGoal, "learner %q has no goal %q", l.ID, c.GoalID)
	}
	return PlanDrafted{PlanID: c.PlanID, GoalID: c.GoalID, Plan: c.Plan, Learn: c.Learn, Check: c.Check, Adjust: c.Adjust}, nil
}

// Decide turns the command into an adjustment of one of the learner's plans.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is a teacher or a learner, an error
// wrapping ErrNotFound if the learner is not enrolled or has no such plan
// (the plan is the subject, named in the route's path), and *RuleError
// RuleLearnerWithdrawn.
func (c AdjustPlan) Decide(l *LearnerState, now time.Time) (PlanAdjusted, error) {
	if err := c.Validate(now); err != nil {
		return PlanAdjusted{}, err
	}
	if err := requireRole(c.Actor, "adjust a plan", RoleTeacher, RoleLearner); err != nil {
		return PlanAdjusted{}, err
	}
	if err := l.writable(); err != nil {
		return PlanAdjusted{}, err
	}
	p := l.Plans[c.PlanID]
	if p == nil {
		return PlanAdjusted{}, fmt.Errorf("learner %q has no plan %q: %w", l.ID, c.PlanID, ErrNotFound)
	}
	return PlanAdjusted{PlanID: p.ID, GoalID: p.GoalID, Change: c.Change, Reason: c.Reason}, nil
}

// Decide turns the command into an evaluation of one of the learner's goals.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is a teacher or a learner, an error
// wrapping ErrNotFound if the learner is not enrolled or has no such goal
// (the goal is the subject, named in the route's path), and *RuleError
// RuleLearnerWithdrawn, RuleUnknownEvidence or RuleEvidenceRetracted for a
// cited evidence id.
func (c EvaluateGoal) Decide(l *LearnerState, now time.Time) (GoalEvaluated, error) {
	if err := c.Validate(now); err != nil {
		return GoalEvaluated{}, err
	}
	if err := requireRole(c.Actor, "evaluate a goal", RoleTeacher, RoleLearner); err != nil {
		return GoalEvaluated{}, err
	}
	if err := l.writable(); err != nil {
		return GoalEvaluated{}, err
	}
	if l.Goals[c.GoalID] == nil {
		return GoalEvaluated{}, fmt.Errorf("learner %q has no goal %q: %w", l.ID, c.GoalID, ErrNotFound)
	}
	if err := l.currentEvidence(c.EvidenceIDs, ""); err != nil {
		return GoalEvaluated{}, err
	}
	return GoalEvaluated{GoalID: c.GoalID, Result: c.Result, EvidenceIDs: copyOrEmpty(c.EvidenceIDs), Note: c.Note}, nil
}

// Decide turns the command into a review of one of the learner's goals.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is a teacher or a learner, an error
// wrapping ErrNotFound if the learner is not enrolled or has no such goal
// (the goal is the subject, named in the route's path), and *RuleError
// RuleLearnerWithdrawn.
func (c ReviewGoal) Decide(l *LearnerState, now time.Time) (GoalReviewed, error) {
	if err := c.Validate(now); err != nil {
		return GoalReviewed{}, err
	}
	if err := requireRole(c.Actor, "review a goal", RoleTeacher, RoleLearner); err != nil {
		return GoalReviewed{}, err
	}
	if err := l.writable(); err != nil {
		return GoalReviewed{}, err
	}
	if l.Goals[c.GoalID] == nil {
		return GoalReviewed{}, fmt.Errorf("learner %q has no goal %q: %w", l.ID, c.GoalID, ErrNotFound)
	}
	return GoalReviewed{GoalID: c.GoalID, Reflection: c.Reflection, NextGoal: c.NextGoal}, nil
}

// Decide turns the command into a replacement of the learner's profile, in
// plain text: the command service seals it before it is stored.
//
// An admin may record it too: a roster import (adapters/oneroster) brings
// the names the school's information system holds, and enrolment is the
// admin's. The HTTP route for profiles stays the teacher's and the
// learner's; only the import writes profiles as an admin.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is a teacher, a learner or an admin,
// an error wrapping ErrNotFound if the learner is not enrolled, and
// *RuleError RuleLearnerWithdrawn or RulePersonalDataErased (erasure is
// final: a new profile would be sealed under a key that no longer exists).
func (c UpdateProfile) Decide(l *LearnerState, now time.Time) (LearnerProfileUpdated, error) {
	if err := c.Validate(now); err != nil {
		return LearnerProfileUpdated{}, err
	}
	if err := requireRole(c.Actor, "update a profile", RoleTeacher, RoleLearner, RoleAdmin); err != nil {
		return LearnerProfileUpdated{}, err
	}
	if err := l.writable(); err != nil {
		return LearnerProfileUpdated{}, err
	}
	if l.Erased != nil {
		return LearnerProfileUpdated{}, ruleErr(RulePersonalDataErased,
			"learner %q's personal data was erased by event %s: the ledger keeps no profile for them any more", l.ID, l.Erased.EventID)
	}
	p := c.Profile
	p.Interests = copyOrEmpty(p.Interests)
	p.LearningPreferences = copyOrEmpty(p.LearningPreferences)
	return LearnerProfileUpdated{Personal: &p}, nil
}

// Decide turns the command into the erasure of the learner's personal data.
// A withdrawn learner's data may be erased (leaving is a common reason to
// ask), so only enrolment is checked. Erasure happens once: a second one is
// refused, and the HTTP adapter answers a repeated DELETE with the first.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is an admin, an error wrapping
// ErrNotFound if the learner is not enrolled, and *RuleError
// RulePersonalDataErased (naming the first erasure) if it is erased already.
func (c ErasePersonalData) Decide(l *LearnerState, now time.Time) (LearnerPersonalDataErased, error) {
	if err := c.Validate(now); err != nil {
		return LearnerPersonalDataErased{}, err
	}
	if err := requireRole(c.Actor, "erase personal data", RoleAdmin); err != nil {
		return LearnerPersonalDataErased{}, err
	}
	if !l.Enrolled() {
		return LearnerPersonalDataErased{}, fmt.Errorf("learner is not enrolled: %w", ErrNotFound)
	}
	if l.Erased != nil {
		return LearnerPersonalDataErased{}, ruleErr(RulePersonalDataErased,
			"learner %q's personal data was already erased by event %s", l.ID, l.Erased.EventID)
	}
	return LearnerPersonalDataErased{Reason: c.Reason}, nil
}

// Decide turns the command into the learner's request to be assessed on
// std, citing current evidence of it. A learner may ask for themself and a
// teacher on the learner's behalf. A second request on the same standard
// while one is open is allowed: the learner may point at newer evidence, and
// the next agreement closes them all. A request while an agreement is open
// is refused: the learner is already signed up, and the request would stay
// open until an agreement after the attempt.
//
// Returns *ValidationError (ErrInvalid) for a malformed field; *RuleError
// RuleRoleNotPermitted unless the actor is a teacher or a learner; an error
// wrapping ErrNotFound if the learner is not enrolled; *RuleError
// RuleLearnerWithdrawn, RuleUnknownStandard, RuleStandardRetired,
// RuleAlreadyMet (met is final), RuleAgreementOpen (naming the open
// agreement), or RuleUnknownEvidence, RuleEvidenceRetracted or
// RuleEvidenceOtherStandard for a cited evidence id.
func (c RequestReadiness) Decide(l *LearnerState, std *StandardState, now time.Time) (ReadinessRequested, error) {
	if err := c.Validate(now); err != nil {
		return ReadinessRequested{}, err
	}
	if err := requireRole(c.Actor, "request readiness", RoleTeacher, RoleLearner); err != nil {
		return ReadinessRequested{}, err
	}
	if err := l.writable(); err != nil {
		return ReadinessRequested{}, err
	}
	if err := openStandard(std, c.StandardID, "readiness requests"); err != nil {
		return ReadinessRequested{}, err
	}
	p := l.Standards[std.ID]
	if p != nil && p.Met != nil {
		return ReadinessRequested{}, ruleErr(RuleAlreadyMet, "learner %q already met standard %q (revision %d) with attempt %s",
			l.ID, std.ID, p.Met.StandardRevision, p.Met.AttemptID)
	}
	if p != nil && p.OpenAgreement != nil {
		return ReadinessRequested{}, ruleErr(RuleAgreementOpen,
			"agreement %s on standard %q is open: the learner is already signed up for the summative attempt",
			p.OpenAgreement.ID, std.ID)
	}
	if err := l.currentEvidence(c.EvidenceIDs, std.ID); err != nil {
		return ReadinessRequested{}, err
	}
	return ReadinessRequested{
		StandardID:       std.ID,
		StandardRevision: std.Revision,
		EvidenceIDs:      copyOrEmpty(c.EvidenceIDs),
		Note:             c.Note,
	}, nil
}

// openRequest resolves the request an agreement on standardID names.
func (s *LearnerState) openRequest(id uuid.UUID, standardID string) error {
	r := s.Requests[id]
	switch {
	case r == nil:
		return ruleErr(RuleUnknownRequest, "learner %q has no readiness request %s", s.ID, id)
	case r.StandardID != standardID:
		return ruleErr(RuleRequestOtherStandard, "readiness request %s is about standard %q, not %q", id, r.StandardID, standardID)
	case !r.Open():
		return ruleErr(RuleRequestClosed, "readiness request %s was already answered by agreement %s", id, r.ClosedBy)
	}
	return nil
}

// Decide turns the command into an agreement that the learner is ready for
// the summative assessment of std (invariants 2 and 4). Every component of
// std's current revision must be covered: by current evidence at or above
// the proficient level from any source, whichever revision it was recorded
// against, or by a pre-assessment. Evidence recorded before a not-yet attempt
// still counts. The event records, per component, the evidence and
// pre-assessment it rests on, the teacher's name and the learner's
// confirmation.
//
// Returns *ValidationError (ErrInvalid) for a malformed field; *RuleError
// RuleNotATeacher unless the actor is a teacher; an error wrapping
// ErrNotFound if the learner is not enrolled; *RuleError
// RuleLearnerWithdrawn, RuleLearnerNotConfirmed unless LearnerConfirmed,
// RuleUnknownStandard, RuleStandardRetired, RuleAlreadyMet (met is final),
// RuleAgreementOpen (naming the open agreement), RuleUnknownRequest,
// RuleRequestOtherStandard or RuleRequestClosed for a RequestID that is not
// an open request of the learner on std, or RuleMissingComponents with
// MissingComponents sorted. The agreement closes every open request on std.
func (c AgreeReadiness) Decide(l *LearnerState, std *StandardState, now time.Time) (ReadinessAgreed, error) {
	if err := c.Validate(now); err != nil {
		return ReadinessAgreed{}, err
	}
	if err := requireRole(c.Actor, "confirm an agreement", RoleTeacher); err != nil {
		return ReadinessAgreed{}, err
	}
	if err := l.writable(); err != nil {
		return ReadinessAgreed{}, err
	}
	if !c.LearnerConfirmed {
		return ReadinessAgreed{}, ruleErr(RuleLearnerNotConfirmed,
			"the learner has not confirmed: an agreement needs both the teacher and the learner")
	}
	if err := openStandard(std, c.StandardID, "agreements"); err != nil {
		return ReadinessAgreed{}, err
	}
	p := l.Standards[std.ID]
	if p != nil && p.Met != nil {
		return ReadinessAgreed{}, ruleErr(RuleAlreadyMet, "learner %q already met standard %q (revision %d) with attempt %s",
			l.ID, std.ID, p.Met.StandardRevision, p.Met.AttemptID)
	}
	if p != nil && p.OpenAgreement != nil {
		return ReadinessAgreed{}, ruleErr(RuleAgreementOpen,
			"agreement %s on standard %q is still open; a summative attempt must consume it before another agreement",
			p.OpenAgreement.ID, std.ID)
	}
	if c.RequestID != uuid.Nil {
		if err := l.openRequest(c.RequestID, std.ID); err != nil {
			return ReadinessAgreed{}, err
		}
	}
	components := make([]AgreedComponent, 0, len(std.Components))
	var missing []string
	for _, comp := range std.Components {
		cov := p.cover(comp.ID, std.Scale.Proficient)
		if !cov.covered() {
			missing = append(missing, comp.ID)
			continue
		}
		components = append(components, AgreedComponent{ID: comp.ID, EvidenceIDs: cov.proficient, PreAssessed: cov.preAssessed})
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		err := ruleErr(RuleMissingComponents,
			"standard %q revision %d: component %s not yet shown by current evidence at or above level %d or by a pre-assessment",
			std.ID, std.Revision, strings.Join(missing, ", "), std.Scale.Proficient)
		err.MissingComponents = missing
		return ReadinessAgreed{}, err
	}
	return ReadinessAgreed{
		StandardID:       std.ID,
		StandardRevision: std.Revision,
		Components:       components,
		Teacher:          c.Actor.Name,
		LearnerConfirmed: true,
		RequestID:        c.RequestID,
		Note:             c.Note,
	}, nil
}

// Decide turns the command into a summative attempt on std (invariants 3 and
// 4). The attempt consumes the open agreement and is judged against that
// agreement's revision, even if std was revised since: the learner is
// assessed on what they agreed to. It meets when the level reaches the
// proficient level.
//
// Returns *ValidationError (ErrInvalid) for a malformed field; *RuleError
// RuleNotATeacher unless the actor is a teacher; an error wrapping
// ErrNotFound if the learner is not enrolled; *RuleError
// RuleLearnerWithdrawn, RuleUnknownStandard, RuleStandardRetired,
// RuleLevelOffScale, RuleAlreadyMet, or RuleNoOpenAgreement (naming the last
// agreement and the attempt that consumed it).
func (c RecordSummativeAttempt) Decide(l *LearnerState, std *StandardState, now time.Time) (SummativeAttemptRecorded, error) {
	if err := c.Validate(now); err != nil {
		return SummativeAttemptRecorded{}, err
	}
	if err := requireRole(c.Actor, "record a summative attempt", RoleTeacher); err != nil {
		return SummativeAttemptRecorded{}, err
	}
	if err := l.writable(); err != nil {
		return SummativeAttemptRecorded{}, err
	}
	if err := openStandard(std, c.StandardID, "summative attempts"); err != nil {
		return SummativeAttemptRecorded{}, err
	}
	if err := onScale(std, *c.Level); err != nil {
		return SummativeAttemptRecorded{}, err
	}
	p := l.Standards[std.ID]
	if p != nil && p.Met != nil {
		return SummativeAttemptRecorded{}, ruleErr(RuleAlreadyMet, "learner %q already met standard %q (revision %d) with attempt %s",
			l.ID, std.ID, p.Met.StandardRevision, p.Met.AttemptID)
	}
	if p == nil || p.OpenAgreement == nil {
		if p == nil || len(p.Agreements) == 0 {
			return SummativeAttemptRecorded{}, ruleErr(RuleNoOpenAgreement,
				"learner %q has no agreement on standard %q: the learner and a teacher must agree readiness first", l.ID, std.ID)
		}
		last := p.Agreements[len(p.Agreements)-1]
		return SummativeAttemptRecorded{}, ruleErr(RuleNoOpenAgreement,
			"learner %q has no open agreement on standard %q: the last one, %s, was consumed by attempt %s; a new agreement is needed",
			l.ID, std.ID, last.ID, last.ConsumedBy)
	}
	a := p.OpenAgreement
	level := *c.Level
	return SummativeAttemptRecorded{
		StandardID:       std.ID,
		StandardRevision: a.StandardRevision,
		AgreementID:      a.ID,
		Level:            level,
		Proficient:       std.Scale.Proficient,
		Meets:            level >= std.Scale.Proficient,
		Assessor:         c.Assessor,
		Artifact:         cloneArtifact(c.Artifact),
		Note:             c.Note,
	}, nil
}

// Decide turns the command into the record of a credential issued for a met
// standard. Issuing is a consequence of reading a met claim, not a write
// anyone asks for, so every role that may read a transcript may cause it;
// a researcher never reads one. A withdrawn learner keeps what they met, so
// only enrolment is checked. One credential per attempt, ever: a second one
// would be a second document for the same claim, and after a revocation it
// would undo the revocation silently.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted for a researcher, an error wrapping ErrNotFound if
// the learner is not enrolled, *RuleError RuleNotMet unless the attempt met
// the standard, RuleCredentialDigest if jwtSha256 is not the JWT's, and
// RuleCredentialIssued (naming the credential) if the attempt has one.
func (c IssueCredential) Decide(l *LearnerState, now time.Time) (CredentialIssued, error) {
	if err := c.Validate(now); err != nil {
		return CredentialIssued{}, err
	}
	if err := requireRole(c.Actor, "issue a credential", RoleAdmin, RoleTeacher, RoleLearner, RoleAuditor); err != nil {
		return CredentialIssued{}, err
	}
	if !l.Enrolled() {
		return CredentialIssued{}, fmt.Errorf("learner is not enrolled: %w", ErrNotFound)
	}
	p := l.Standards[c.StandardID]
	if p == nil || p.Met == nil || p.Met.AttemptID != c.AttemptID || p.Met.StandardRevision != c.StandardRevision {
		return CredentialIssued{}, ruleErr(RuleNotMet, "attempt %s did not meet standard %q (revision %d) for learner %q",
			c.AttemptID, c.StandardID, c.StandardRevision, l.ID)
	}
	sum := sha256.Sum256([]byte(c.JWT))
	if hex.EncodeToString(sum[:]) != c.JWTSHA256 {
		return CredentialIssued{}, ruleErr(RuleCredentialDigest, "jwtSha256 %s is not the SHA-256 of the JWT", c.JWTSHA256)
	}
	for _, cr := range l.Credentials {
		if cr.AttemptID == c.AttemptID || cr.ID == c.CredentialID {
			return CredentialIssued{}, ruleErr(RuleCredentialIssued, "credential %s was already issued for attempt %s on %q",
				cr.ID, cr.AttemptID, cr.StandardID)
		}
	}
	return CredentialIssued{
		CredentialID: c.CredentialID, StandardID: c.StandardID, StandardRevision: c.StandardRevision,
		AttemptID: c.AttemptID, Alg: c.Alg, JWTSHA256: c.JWTSHA256, CheckpointSize: c.CheckpointSize,
		CheckpointRoot: c.CheckpointRoot, StatusListIndex: c.StatusListIndex, JWT: c.JWT,
	}, nil
}

// Decide turns the command into the revocation of an issued credential.
// Only an admin revokes: a revocation speaks for the school to everyone
// who holds the credential.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is an admin, an error wrapping
// ErrNotFound if the learner is not enrolled, *RuleError
// RuleUnknownCredential if the learner has no such credential and
// RuleCredentialRevoked if it is revoked already.
func (c RevokeCredential) Decide(l *LearnerState, now time.Time) (CredentialRevoked, error) {
	if err := c.Validate(now); err != nil {
		return CredentialRevoked{}, err
	}
	if err := requireRole(c.Actor, "revoke a credential", RoleAdmin); err != nil {
		return CredentialRevoked{}, err
	}
	if !l.Enrolled() {
		return CredentialRevoked{}, fmt.Errorf("learner is not enrolled: %w", ErrNotFound)
	}
	cr := l.Credentials[c.CredentialID]
	switch {
	case cr == nil:
		return CredentialRevoked{}, ruleErr(RuleUnknownCredential, "learner %q has no credential %s", l.ID, c.CredentialID)
	case cr.RevokedBy != uuid.Nil:
		return CredentialRevoked{}, ruleErr(RuleCredentialRevoked, "credential %s was already revoked by %s", cr.ID, cr.RevokedBy)
	}
	return CredentialRevoked{CredentialID: cr.ID, StandardID: cr.StandardID, Reason: c.Reason}, nil
}
