package domain

import (
	"errors"
	"testing"
)

// reviewFixture is newFixture's school with a review's scope to check
// against: learner l-0001 in grade-6 and l-0002 in grade-7.
func reviewFixture(t *testing.T) (*fixture, SchoolRoster, map[string]*StandardState) {
	t.Helper()
	f := newFixture(t, "c1")
	roster := SchoolRoster{Learners: map[string]string{learnerID: "grade-6", "l-0002": "grade-7"}}
	return f, roster, map[string]*StandardState{stdID: f.std}
}

func startCmd(m Meta) StartPracticeReview {
	s := samplePracticeReviewStarted()
	return StartPracticeReview{Meta: m, ReviewID: s.ReviewID, Practice: s.Practice, IntendedResult: s.IntendedResult,
		StandardIDs: s.StandardIDs, Scope: s.Scope, Comparison: s.Comparison, StartDate: s.StartDate, ReviewDate: s.ReviewDate}
}

func TestStartPracticeReview(t *testing.T) {
	f, roster, stds := reviewFixture(t)
	m := f.meta(teacher)
	ev, err := startCmd(m).Decide(f.school, stds, roster, f.now)
	f.ok(err)
	assertEqual(t, ev, samplePracticeReviewStarted())
	f.appendSchool(m, ev)
	r := f.school.Reviews["r1"]
	if r == nil || r.StartedID != m.EventID || r.Concluded != nil {
		t.Fatalf("folded review = %+v", r)
	}

	// An admin may start one too; a learner, an auditor may not.
	c := startCmd(f.meta(admin))
	c.ReviewID = "r2"
	_, err = c.Decide(f.school, stds, roster, f.now)
	f.ok(err)
	for _, a := range []Actor{learnerAct, auditor} {
		c.Actor = a
		_, err = c.Decide(f.school, stds, roster, f.now)
		wantRule(t, err, RuleRoleNotPermitted)
	}
}

func TestStartPracticeReviewRefusals(t *testing.T) {
	f, roster, stds := reviewFixture(t)
	m := f.meta(teacher)
	ev, err := startCmd(m).Decide(f.school, stds, roster, f.now)
	f.ok(err)
	f.appendSchool(m, ev)

	for _, tc := range []struct {
		name  string
		edit  func(*StartPracticeReview)
		rule  string
		parts []string
	}{
		{"id taken", func(c *StartPracticeReview) {}, RuleDuplicateReview, []string{`"r1"`}},
		{"unknown standard", func(c *StartPracticeReview) { c.StandardIDs = []string{stdID, "zz", "aa"} }, RuleUnknownStandard, []string{"aa, zz"}},
		{"unknown cohort", func(c *StartPracticeReview) { c.Comparison.Cohorts = []string{"grade-9"} }, RuleUnknownCohort, []string{"grade-9"}},
		{"unknown learner", func(c *StartPracticeReview) { c.Scope.LearnerIDs = []string{"l-0009"} }, RuleUnknownLearner, []string{"l-0009"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startCmd(f.meta(teacher))
			c.Comparison = &ReviewScope{Cohorts: []string{"grade-7"}}
			if tc.name != "id taken" {
				c.ReviewID = "r2"
			}
			tc.edit(&c)
			_, err := c.Decide(f.school, stds, roster, f.now)
			wantRule(t, err, tc.rule, tc.parts...)
		})
	}

	t.Run("retired standard", func(t *testing.T) {
		f, roster, stds := reviewFixture(t)
		f.retire()
		_, err := startCmd(f.meta(teacher)).Decide(f.school, stds, roster, f.now)
		wantRule(t, err, RuleStandardRetired)
	})
	t.Run("unregistered school", func(t *testing.T) {
		_, err := startCmd(f.meta(teacher)).Decide(&SchoolState{}, stds, roster, f.now)
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})
}

func TestStartPracticeReviewFields(t *testing.T) {
	f, roster, stds := reviewFixture(t)
	for _, tc := range []struct {
		name   string
		edit   func(*StartPracticeReview)
		fields []string
	}{
		{"review before start", func(c *StartPracticeReview) { c.ReviewDate = "2026-08-01" }, []string{"reviewDate"}},
		{"review on start", func(c *StartPracticeReview) { c.ReviewDate = c.StartDate }, []string{"reviewDate"}},
		{"empty scope", func(c *StartPracticeReview) { c.Scope = ReviewScope{} }, []string{"scope"}},
		{"empty comparison", func(c *StartPracticeReview) { c.Comparison = &ReviewScope{} }, []string{"comparison"}},
		{"no standard", func(c *StartPracticeReview) { c.StandardIDs = nil }, []string{"standardIds"}},
		{"bad date", func(c *StartPracticeReview) { c.StartDate = "1 Sept" }, []string{"startDate"}},
		{"no practice", func(c *StartPracticeReview) { c.Practice = " " }, []string{"practice"}},
		{"bad cohort id", func(c *StartPracticeReview) { c.Scope.Cohorts = []string{"a b"} }, []string{"scope.cohorts[0]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startCmd(f.meta(teacher))
			tc.edit(&c)
			_, err := c.Decide(f.school, stds, roster, f.now)
			wantFields(t, err, tc.fields...)
		})
	}
}

func TestConcludePracticeReview(t *testing.T) {
	f, roster, stds := reviewFixture(t)
	m := f.meta(teacher)
	ev, err := startCmd(m).Decide(f.school, stds, roster, f.now)
	f.ok(err)
	f.appendSchool(m, ev)

	figs := ReviewFigures{AsOfPosition: 7, ScopeLearners: 1, Resamples: 2000, Level: 0.95,
		Figures: []ReviewFigure{{Name: "standards-met", ScopeBefore: ptr(0.0), ScopeDuring: ptr(1.0), Difference: ptr(1.0), Observational: true}}}
	conclude := func(a Actor, decision string) ConcludePracticeReview {
		return ConcludePracticeReview{Meta: f.meta(a), ReviewID: "r1", Decision: decision, Learned: "it helps", Figures: figs}
	}

	_, err = conclude(teacher, "maybe").Decide(f.school, f.now)
	wantFields(t, err, "decision")
	_, err = conclude(learnerAct, ReviewKeep).Decide(f.school, f.now)
	wantRule(t, err, RuleRoleNotPermitted)
	c := conclude(teacher, ReviewKeep)
	c.ReviewID = "r9"
	if _, err = c.Decide(f.school, f.now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown review: got %v, want ErrNotFound", err)
	}

	c = conclude(admin, ReviewAdjust)
	got, err := c.Decide(f.school, f.now)
	f.ok(err)
	assertEqual(t, got, PracticeReviewConcluded{ReviewID: "r1", Decision: ReviewAdjust, Learned: "it helps", Figures: figs})
	f.appendSchool(c.Meta, got)
	if r := f.school.Reviews["r1"]; r.Concluded == nil || r.ConcludedID != c.EventID {
		t.Fatalf("folded review = %+v", r)
	}

	_, err = conclude(teacher, ReviewDrop).Decide(f.school, f.now)
	wantRule(t, err, RuleReviewConcluded, `"r1"`, "adjust")
}
