package projections_test

import (
	"errors"
	"testing"
	"time"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// TestPageReads: goals in their words with their plans, evaluation and
// review; the latest current evidence per standard, a retracted piece
// left out; a school's learners by cohort and no other school's; and
// ErrNotFound for a learner or school that is not there.
func TestPageReads(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	must := func(_ domain.RecordedEvent, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	adm, tch := domain.Meta{Actor: admin}, domain.Meta{Actor: teacher}
	must(w.svc.PublishStandard(ctx, domain.PublishStandard{Meta: adm, StandardID: "s1", Framework: "F", Code: "C1", Title: "T", Statement: "S",
		Components: []domain.Component{{ID: "c1", Statement: "one"}, {ID: "c2", Statement: "two"}}}))
	must(w.svc.RegisterSchool(ctx, domain.RegisterSchool{Meta: adm, SchoolID: "north", Name: "North"}))
	must(w.svc.RegisterSchool(ctx, domain.RegisterSchool{Meta: adm, SchoolID: "east", Name: "East"}))
	for _, l := range []struct{ school, id, cohort string }{
		{"north", "l-b", "grade-7"}, {"north", "l-c", "grade-6"}, {"north", "l-a", "grade-6"}, {"east", "l-e", "grade-6"},
	} {
		must(w.svc.EnrollLearner(ctx, l.school, domain.EnrollLearner{Meta: adm, LearnerID: l.id, Cohort: l.cohort}))
	}
	first, err := w.svc.RecordEvidence(ctx, "l-a", domain.RecordEvidence{Meta: tch, StandardID: "s1", ComponentID: "c1", Level: lvl(2), Source: domain.SourceTeacher}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.advance(time.Hour)
	later, err := w.svc.RecordEvidence(ctx, "l-a", domain.RecordEvidence{Meta: tch, StandardID: "s1", ComponentID: "c2", Level: lvl(3), Source: domain.SourcePeer}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.advance(time.Hour)
	must(w.svc.RetractEvidence(ctx, "l-a", domain.RetractEvidence{Meta: tch, EvidenceID: later.ID, Reason: "wrong rubric"}, nil))
	goal := func(id string) domain.SetGoal {
		return domain.SetGoal{Meta: tch, GoalID: id, Specific: "explain " + id, Measurable: "m", Achievable: "a", Relevant: "r",
			TargetDate: "2026-10-15", Evaluate: "e", Review: "v", StandardIDs: []string{"s1"}}
	}
	must(w.svc.SetGoal(ctx, "l-a", goal("g1"), nil))
	must(w.svc.DraftPlan(ctx, "l-a", domain.DraftPlan{Meta: tch, PlanID: "p1", GoalID: "g1", Plan: "tables", Learn: "l", Check: "c", Adjust: "a"}, nil))
	must(w.svc.AdjustPlan(ctx, "l-a", domain.AdjustPlan{Meta: tch, PlanID: "p1", Change: "more tables", Reason: "not yet"}, nil))
	must(w.svc.EvaluateGoal(ctx, "l-a", domain.EvaluateGoal{Meta: tch, GoalID: "g1", Result: domain.GoalNotYet, EvidenceIDs: nil}, nil))
	must(w.svc.SetGoal(ctx, "l-a", goal("g2"), nil))
	must(w.svc.ReviewGoal(ctx, "l-a", domain.ReviewGoal{Meta: tch, GoalID: "g2", Reflection: "done"}, nil))
	w.caughtUp(t)

	goals, err := w.view.Goals("l-a")
	if err != nil {
		t.Fatal(err)
	}
	if len(goals) != 2 || goals[0].ID != "g1" || goals[0].Specific != "explain g1" || goals[0].Result != domain.GoalNotYet || goals[0].Reviewed ||
		goals[1].ID != "g2" || !goals[1].Reviewed {
		t.Fatalf("goals: %+v", goals)
	}
	if p := goals[0].Plans; len(p) != 1 || p[0].Plan != "tables" || len(p[0].Adjustments) != 1 || p[0].Adjustments[0].Change != "more tables" {
		t.Errorf("plans: %+v", p)
	}

	latest, err := w.view.LatestEvidence("l-a")
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := latest["s1"]; !ok || e.ID != first.ID || e.Level != 2 {
		t.Errorf("latest evidence (the later piece is retracted): %+v", latest)
	}

	learners, err := w.view.SchoolLearners("north")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range learners {
		got = append(got, l.Cohort+"/"+l.ID)
	}
	if want := []string{"grade-6/l-a", "grade-6/l-c", "grade-7/l-b"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("north's learners: %v, want %v", got, want)
	}
	if s := w.view.Schools(); len(s) != 2 || s[0] != (projections.SchoolRecord{ID: "east", Name: "East"}) || s[1].ID != "north" {
		t.Errorf("schools: %+v", s)
	}

	if _, err := w.view.Goals("nobody"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("goals of no one: %v", err)
	}
	if _, err := w.view.LatestEvidence("nobody"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("evidence of no one: %v", err)
	}
	if _, err := w.view.SchoolLearners("nowhere"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("learners of no school: %v", err)
	}
}
