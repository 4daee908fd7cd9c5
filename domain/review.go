package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Practice reviews: the school's "trust to doubt". The staff name a
// practice they keep or try, the result it should move, the learners and
// standards it touches and a date to look again; on that date they keep,
// adjust or drop it, in view of figures computed from the ledger.

// Type names of the practice review events (DOMAIN.md, "The school's
// cycle"); both are events of the school's stream.
const (
	TypePracticeReviewStarted   = "PracticeReviewStarted"
	TypePracticeReviewConcluded = "PracticeReviewConcluded"
)

// ReviewScope names learners by cohort, by id, or both: a learner is in
// the scope if enrolled in one of Cohorts or listed in LearnerIDs.
type ReviewScope struct {
	Cohorts    []string `json:"cohorts"`
	LearnerIDs []string `json:"learnerIds"`
}

// Empty reports whether the scope names nobody.
func (s ReviewScope) Empty() bool { return len(s.Cohorts) == 0 && len(s.LearnerIDs) == 0 }

// PracticeReviewStarted opens the review of one practice. Practice and
// IntendedResult are free text (what the practice is, the result it
// should move). The review looks at StandardIDs, for the learners of
// Scope, beside those of Comparison if any, from StartDate to ReviewDate.
type PracticeReviewStarted struct {
	ReviewID       string       `json:"reviewId"`
	Practice       string       `json:"practice"`
	IntendedResult string       `json:"intendedResult"`
	StandardIDs    []string     `json:"standardIds"`
	Scope          ReviewScope  `json:"scope"`
	Comparison     *ReviewScope `json:"comparison,omitempty"`
	StartDate      string       `json:"startDate"`
	ReviewDate     string       `json:"reviewDate"`
}

// Decisions of a practice review.
const (
	ReviewKeep   = "keep"
	ReviewAdjust = "adjust"
	ReviewDrop   = "drop"
)

// ReviewFigures are a review's figures as computed from the ledger at one
// log position (projections/review). A conclusion records the figures the
// staff looked at, so a later replay shows what they saw even when later
// events (a retraction, a late attempt) move the live figures.
type ReviewFigures struct {
	// AsOfPosition is the last global position the figures include.
	AsOfPosition uint64 `json:"asOfPosition"`
	// ScopeLearners and ComparisonLearners count the learners of each
	// group.
	ScopeLearners      int `json:"scopeLearners"`
	ComparisonLearners int `json:"comparisonLearners"`
	// Resamples is the number of bootstrap resamples behind every
	// interval; Level is the interval's confidence (0.95).
	Resamples int            `json:"resamples"`
	Level     float64        `json:"level"`
	Figures   []ReviewFigure `json:"figures"`
}

// ReviewFigure is one figure for both groups, before and during the
// review. A value is nil where it has no denominator (no evidence, no
// not-yet attempt, no learner). Difference is (scope during - before)
// minus (comparison during - before) with a comparison, the scope's
// change alone without; Low and High bound its bootstrap interval.
type ReviewFigure struct {
	Name             string   `json:"name"`
	ScopeBefore      *float64 `json:"scopeBefore"`
	ScopeDuring      *float64 `json:"scopeDuring"`
	ComparisonBefore *float64 `json:"comparisonBefore,omitempty"`
	ComparisonDuring *float64 `json:"comparisonDuring,omitempty"`
	Difference       *float64 `json:"difference"`
	Low              *float64 `json:"low"`
	High             *float64 `json:"high"`
	// Observational is true for every figure the ledger computes: the
	// groups were not assigned at random, so a difference is not an
	// effect of the practice.
	Observational bool `json:"observational"`
}

// PracticeReviewConcluded closes a review with the staff's decision, what
// they learned (free text) and the figures they looked at.
type PracticeReviewConcluded struct {
	ReviewID string        `json:"reviewId"`
	Decision string        `json:"decision"`
	Learned  string        `json:"learned"`
	Figures  ReviewFigures `json:"figures"`
}

func (PracticeReviewStarted) EventType() string   { return TypePracticeReviewStarted }
func (PracticeReviewConcluded) EventType() string { return TypePracticeReviewConcluded }

// PracticeReview is a review folded from the school's stream.
type PracticeReview struct {
	Started PracticeReviewStarted
	// StartedID and ConcludedID are the ids of the two events;
	// ConcludedID is uuid.Nil while the review is open.
	StartedID   uuid.UUID
	Concluded   *PracticeReviewConcluded
	ConcludedID uuid.UUID
}

// applyReview folds one practice review event into s.
func (s *SchoolState) applyReview(e RecordedEvent, ev Event) error {
	switch ev := ev.(type) {
	case PracticeReviewStarted:
		if s.Reviews[ev.ReviewID] != nil {
			return foldErr(e, "practice review %q started twice", ev.ReviewID)
		}
		if s.Reviews == nil {
			s.Reviews = make(map[string]*PracticeReview)
		}
		s.Reviews[ev.ReviewID] = &PracticeReview{Started: ev, StartedID: e.ID}
	case PracticeReviewConcluded:
		r := s.Reviews[ev.ReviewID]
		switch {
		case r == nil:
			return foldErr(e, "conclusion of practice review %q, which was never started", ev.ReviewID)
		case r.Concluded != nil:
			return foldErr(e, "practice review %q concluded twice", ev.ReviewID)
		}
		r.Concluded, r.ConcludedID = &ev, e.ID
	}
	return nil
}

// SchoolRoster is what a review's scope is checked against: the school's
// enrolled learners (withdrawn ones included: a review may look back at
// them) by id, each with their cohort. Enrolment lives in the learners'
// own streams, so the caller reads it from a projection and passes it in.
type SchoolRoster struct {
	Learners map[string]string
}

// HasCohort reports whether any learner of the roster is in cohort.
func (r SchoolRoster) HasCohort(cohort string) bool {
	for _, c := range r.Learners {
		if c == cohort {
			return true
		}
	}
	return false
}

// StartPracticeReview starts the review of a practice at the school it is
// decided against.
type StartPracticeReview struct {
	Meta
	ReviewID       string       `json:"reviewId"`
	Practice       string       `json:"practice"`
	IntendedResult string       `json:"intendedResult"`
	StandardIDs    []string     `json:"standardIds"`
	Scope          ReviewScope  `json:"scope"`
	Comparison     *ReviewScope `json:"comparison,omitempty"`
	StartDate      string       `json:"startDate"`
	ReviewDate     string       `json:"reviewDate"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c StartPracticeReview) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("reviewId", c.ReviewID)
	v.text("practice", c.Practice, MaxTextLen)
	v.text("intendedResult", c.IntendedResult, MaxTextLen)
	if len(c.StandardIDs) == 0 {
		v.add("standardIds", "must list at least one standard")
	}
	v.ids("standardIds", c.StandardIDs)
	v.scope("scope", c.Scope, true)
	if c.Comparison != nil {
		v.scope("comparison", *c.Comparison, true)
	}
	v.date("startDate", c.StartDate)
	v.date("reviewDate", c.ReviewDate)
	start, err1 := time.Parse(time.DateOnly, c.StartDate)
	review, err2 := time.Parse(time.DateOnly, c.ReviewDate)
	if err1 == nil && err2 == nil && !review.After(start) {
		v.add("reviewDate", "must come after startDate")
	}
	return v.err()
}

func (v *validator) scope(field string, s ReviewScope, required bool) {
	if required && s.Empty() {
		v.add(field, "must name at least one cohort or learner")
	}
	v.ids(field+".cohorts", s.Cohorts)
	v.ids(field+".learnerIds", s.LearnerIDs)
}

// ConcludePracticeReview closes a review. ReviewID comes from the route's
// path; Figures are not the client's: the adapter computes them from its
// projection when the command arrives and passes them in.
type ConcludePracticeReview struct {
	Meta
	ReviewID string        `json:"-"`
	Decision string        `json:"decision"`
	Learned  string        `json:"learned"`
	Figures  ReviewFigures `json:"-"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c ConcludePracticeReview) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("reviewId", c.ReviewID)
	switch c.Decision {
	case ReviewKeep, ReviewAdjust, ReviewDrop:
	case "":
		v.add("decision", "is required")
	default:
		v.add("decision", "must be keep, adjust or drop")
	}
	v.text("learned", c.Learned, MaxTextLen)
	return v.err()
}

// Decide turns the command into the start of a practice review of school.
// stds holds the state of every standard the command names; roster is the
// school's learners.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is a teacher or an admin, an error
// wrapping ErrNotFound if the school is not registered, and *RuleError
// RuleDuplicateReview, RuleUnknownStandard or RuleStandardRetired,
// RuleUnknownCohort or RuleUnknownLearner (each listing every unknown id,
// sorted).
func (c StartPracticeReview) Decide(school *SchoolState, stds map[string]*StandardState, roster SchoolRoster, now time.Time) (PracticeReviewStarted, error) {
	if err := c.Validate(now); err != nil {
		return PracticeReviewStarted{}, err
	}
	if err := requireRole(c.Actor, "start a practice review", RoleTeacher, RoleAdmin); err != nil {
		return PracticeReviewStarted{}, err
	}
	if !school.Registered() {
		return PracticeReviewStarted{}, fmt.Errorf("school is not registered: %w", ErrNotFound)
	}
	if school.Reviews[c.ReviewID] != nil {
		return PracticeReviewStarted{}, ruleErr(RuleDuplicateReview, "school %q already has a practice review %q", school.ID, c.ReviewID)
	}
	var unknown []string
	for _, id := range c.StandardIDs {
		std := stds[id]
		if !std.Published() {
			unknown = append(unknown, id)
			continue
		}
		if err := openStandard(std, id, "practice review"); err != nil {
			return PracticeReviewStarted{}, err
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return PracticeReviewStarted{}, ruleErr(RuleUnknownStandard, "standard %s is not published", strings.Join(unknown, ", "))
	}
	var cohorts, learners []string
	for _, s := range []*ReviewScope{&c.Scope, c.Comparison} {
		if s == nil {
			continue
		}
		for _, co := range s.Cohorts {
			if !roster.HasCohort(co) {
				cohorts = append(cohorts, co)
			}
		}
		for _, id := range s.LearnerIDs {
			if _, ok := roster.Learners[id]; !ok {
				learners = append(learners, id)
			}
		}
	}
	if len(cohorts) > 0 {
		slices.Sort(cohorts)
		return PracticeReviewStarted{}, ruleErr(RuleUnknownCohort, "school %q has no learner in cohort %s", school.ID, strings.Join(slices.Compact(cohorts), ", "))
	}
	if len(learners) > 0 {
		slices.Sort(learners)
		return PracticeReviewStarted{}, ruleErr(RuleUnknownLearner, "school %q has no learner %s", school.ID, strings.Join(slices.Compact(learners), ", "))
	}
	ev := PracticeReviewStarted{
		ReviewID: c.ReviewID, Practice: c.Practice, IntendedResult: c.IntendedResult,
		StandardIDs: slices.Clone(c.StandardIDs), Scope: cloneScope(c.Scope),
		StartDate: c.StartDate, ReviewDate: c.ReviewDate,
	}
	if c.Comparison != nil {
		cmp := cloneScope(*c.Comparison)
		ev.Comparison = &cmp
	}
	return ev, nil
}

func cloneScope(s ReviewScope) ReviewScope {
	return ReviewScope{Cohorts: copyOrEmpty(s.Cohorts), LearnerIDs: copyOrEmpty(s.LearnerIDs)}
}

// Decide turns the command into the conclusion of a practice review of
// school, recording c.Figures as the figures the staff looked at.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is a teacher or an admin, an error
// wrapping ErrNotFound if the school is not registered or has no such
// review (the review is the subject, named in the route's path), and
// *RuleError RuleReviewConcluded if it is concluded already.
func (c ConcludePracticeReview) Decide(school *SchoolState, now time.Time) (PracticeReviewConcluded, error) {
	if err := c.Validate(now); err != nil {
		return PracticeReviewConcluded{}, err
	}
	if err := requireRole(c.Actor, "conclude a practice review", RoleTeacher, RoleAdmin); err != nil {
		return PracticeReviewConcluded{}, err
	}
	if !school.Registered() {
		return PracticeReviewConcluded{}, fmt.Errorf("school is not registered: %w", ErrNotFound)
	}
	r := school.Reviews[c.ReviewID]
	if r == nil {
		return PracticeReviewConcluded{}, fmt.Errorf("school %q has no practice review %q: %w", school.ID, c.ReviewID, ErrNotFound)
	}
	if r.Concluded != nil {
		return PracticeReviewConcluded{}, ruleErr(RuleReviewConcluded, "practice review %q was concluded already (%s)", c.ReviewID, r.Concluded.Decision)
	}
	figs := c.Figures
	figs.Figures = slices.Clone(figs.Figures)
	if figs.Figures == nil {
		figs.Figures = []ReviewFigure{}
	}
	return PracticeReviewConcluded{ReviewID: c.ReviewID, Decision: c.Decision, Learned: c.Learned, Figures: figs}, nil
}
