package projections_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
	"github.com/masteryledger/ledger/projections/policy"
)

// The Learner Improvement Cycle of the second seed article, walked through
// the service on the embedded store: pre-assessment, formative evidence, a
// premature agreement refused, feedback with causes, a SMARTER goal and a
// PLCA plan, agreement, a not-yet summative attempt, the plan adjusted, a
// new agreement, met. Then the transcript and the replay.
func TestSeedImprovementCycle(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	// step(what)(svc.X(...)) fails the test on a refusal and moves the
	// clock a day on.
	step := func(what string) func(domain.RecordedEvent, error) domain.RecordedEvent {
		return func(rec domain.RecordedEvent, err error) domain.RecordedEvent {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			w.advance(24 * time.Hour)
			return rec
		}
	}
	as := func(a domain.Actor) domain.Meta { return domain.Meta{Actor: a} }
	student := domain.Actor{Role: domain.RoleLearner, Name: "l-0001"}
	const std, l = "math-6-rp-1", "l-0001"

	step("publish")(w.svc.PublishStandard(ctx, domain.PublishStandard{Meta: as(admin), StandardID: std, Framework: "CCSS-M", Code: "6.RP.A.1", Title: "Ratios",
		Statement:  "Understand ratio concepts and use ratio language.",
		Components: []domain.Component{{ID: "c1", Statement: "Describe a ratio"}, {ID: "c2", Statement: "Use ratio language"}, {ID: "c3", Statement: "Solve ratio problems"}}}))
	step("register")(w.svc.RegisterSchool(ctx, domain.RegisterSchool{Meta: as(admin), SchoolID: "north", Name: "North Middle School"}))
	step("enroll")(w.svc.EnrollLearner(ctx, "north", domain.EnrollLearner{Meta: as(admin), LearnerID: l, Cohort: "grade-6"}))

	// Assessing: learning begins where the pre-assessment says.
	step("pre-assessment")(w.svc.RecordPreAssessment(ctx, l, domain.RecordPreAssessment{Meta: as(teacher), StandardID: std, Demonstrated: []string{"c1"}}, nil))
	ev2 := step("evidence c2")(w.svc.RecordEvidence(ctx, l, domain.RecordEvidence{Meta: as(teacher), StandardID: std, ComponentID: "c2", Level: lvl(3), Source: "teacher"}, nil))
	step("evidence c3")(w.svc.RecordEvidence(ctx, l, domain.RecordEvidence{Meta: as(teacher), StandardID: std, ComponentID: "c3", Level: lvl(2), Source: "peer"}, nil))

	// "I'm ready!" — not yet: the refusal names what is missing.
	_, err := w.svc.AgreeReadiness(ctx, l, domain.AgreeReadiness{Meta: as(teacher), StandardID: std, LearnerConfirmed: true}, nil)
	var rule *domain.RuleError
	if !errors.As(err, &rule) || !slices.Equal(rule.MissingComponents, []string{"c3"}) {
		t.Fatalf("premature agreement: got %v, want a RuleError missing [c3]", err)
	}

	// Evaluating and planning: a dialogue with causes, a SMARTER goal, a PLCA plan.
	step("feedback")(w.svc.GiveFeedback(ctx, l, domain.GiveFeedback{Meta: as(teacher), StandardID: std, EvidenceIDs: []uuid.UUID{ev2.ID},
		Strengths: "Uses ratio language precisely", NextSteps: "Multi-step problems", Causes: "Skipped unit conversion"}, nil))
	step("goal")(w.svc.SetGoal(ctx, l, domain.SetGoal{Meta: as(student), GoalID: "g1", Specific: "Solve ratio word problems", Measurable: "3 of 3 correct",
		Achievable: "with the tape diagram", Relevant: "science lab", TargetDate: "2026-10-15", Evaluate: "weekly check", Review: "after the summative",
		StandardIDs: []string{std}}, nil))
	step("plan")(w.svc.DraftPlan(ctx, l, domain.DraftPlan{Meta: as(student), PlanID: "p1", GoalID: "g1", Plan: "Khan unit 3", Learn: "practice set",
		Check: "rubric row 3", Adjust: "ask a peer tutor"}, nil))
	ev3 := step("self evidence c3")(w.svc.RecordEvidence(ctx, l, domain.RecordEvidence{Meta: as(student), StandardID: std, ComponentID: "c3", Level: lvl(3), Source: "self"}, nil))

	// Agree, sign up, not yet.
	a1 := step("agreement")(w.svc.AgreeReadiness(ctx, l, domain.AgreeReadiness{Meta: as(teacher), StandardID: std, LearnerConfirmed: true}, nil))
	step("not-yet attempt")(w.svc.RecordSummativeAttempt(ctx, l, domain.RecordSummativeAttempt{Meta: as(teacher), StandardID: std, Level: lvl(2)}, nil))
	w.caughtUp(t)
	m, err := w.view.StandardMastery(ctx, l, std, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != domain.StatusInProgress || m.OpenAgreement != nil || len(m.Attempts) != 1 {
		t.Fatalf("after a not-yet attempt: status %s, open agreement %v, %d attempts", m.Status, m.OpenAgreement, len(m.Attempts))
	}
	_, err = w.svc.RecordSummativeAttempt(ctx, l, domain.RecordSummativeAttempt{Meta: as(teacher), StandardID: std, Level: lvl(3)}, nil)
	if !errors.As(err, &rule) {
		t.Fatalf("an attempt without a new agreement: got %v, want a RuleError", err)
	}

	// Check and adjust, agree again (the earlier evidence still counts), met.
	step("plan adjusted")(w.svc.AdjustPlan(ctx, l, domain.AdjustPlan{Meta: as(student), PlanID: "p1", Change: "peer tutoring twice a week", Reason: "the summative did not meet"}, nil))
	a2 := step("agreement again")(w.svc.AgreeReadiness(ctx, l, domain.AgreeReadiness{Meta: as(teacher), StandardID: std, LearnerConfirmed: true}, nil))
	met := step("meeting attempt")(w.svc.RecordSummativeAttempt(ctx, l, domain.RecordSummativeAttempt{Meta: as(teacher), StandardID: std, Level: lvl(3)}, nil))
	w.caughtUp(t)

	m, err = w.view.StandardMastery(ctx, l, std, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != domain.StatusMet || m.MetAt == nil || !m.MetAt.Equal(met.OccurredAt) || m.StandardRevision != 1 || len(m.Attempts) != 2 {
		t.Fatalf("after the meeting attempt: %+v", m)
	}

	tr, err := w.view.Transcript(l)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Standards) != 1 {
		t.Fatalf("transcript: %+v", tr)
	}
	e := tr.Standards[0]
	if e.StandardID != std || e.Code != "6.RP.A.1" || e.AttemptID != met.ID || e.AgreementID != a2.ID || e.AgreementID == a1.ID ||
		!slices.Equal(e.EvidenceIDs, []uuid.UUID{ev2.ID, ev3.ID}) || !slices.Equal(e.PreAssessed, []string{"c1"}) {
		t.Fatalf("transcript entry: %+v (want attempt %s, agreement %s, evidence %s %s)", e, met.ID, a2.ID, ev2.ID, ev3.ID)
	}

	r, err := w.view.Replay(ctx, l, std)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range r.Events {
		types = append(types, e.Type)
	}
	want := []string{"PreAssessmentRecorded", "EvidenceRecorded", "EvidenceRecorded", "FeedbackGiven", "GoalSet", "PlanDrafted", "EvidenceRecorded",
		"ReadinessAgreed", "SummativeAttemptRecorded", "PlanAdjusted", "ReadinessAgreed", "SummativeAttemptRecorded"}
	if r.Status != domain.StatusMet || !slices.Equal(types, want) {
		t.Fatalf("replay: status %s, events %v\nwant %v", r.Status, types, want)
	}
	var v domain.ChainVerifier
	all, _ := w.store.ReadStream(ctx, domain.LearnerStream(l), 0, 0)
	for _, e := range all {
		if err := v.Next(e); err != nil {
			t.Fatal(err)
		}
	}

	// The school's collective-efficacy figures count the cycle.
	rep, err := w.eff.School("north", efficacy.Query{})
	if err != nil {
		t.Fatal(err)
	}
	days := func(from, to time.Time) float64 { return to.Sub(from).Hours() / 24 }
	switch {
	case len(rep.Proficiency.Standards) != 1 || rep.Proficiency.Standards[0].Met != 1 || rep.Proficiency.Standards[0].Learners != 1:
		t.Errorf("proficiency: %+v", rep.Proficiency)
	case rep.Persistence.Pairs != 1 || rep.Persistence.Persisted != 1 || rep.Persistence.Rate == nil || *rep.Persistence.Rate != 1:
		t.Errorf("persistence (met after a not-yet attempt and a plan adjustment): %+v", rep.Persistence)
	case rep.TimeToMastery.AgreementToMet.N != 1 || *rep.TimeToMastery.AgreementToMet.MedianDays != days(a2.OccurredAt, met.OccurredAt):
		t.Errorf("agreement to met: %+v, want %v days", rep.TimeToMastery.AgreementToMet, days(a2.OccurredAt, met.OccurredAt))
	case rep.TimeToMastery.FirstEvidenceToMet.N != 1 || *rep.TimeToMastery.FirstEvidenceToMet.MedianDays != days(ev2.OccurredAt, met.OccurredAt):
		t.Errorf("first evidence to met: %+v, want %v days", rep.TimeToMastery.FirstEvidenceToMet, days(ev2.OccurredAt, met.OccurredAt))
	case rep.Goals.Set != 1:
		t.Errorf("goals: %+v", rep.Goals)
	case len(rep.Wins) != 1 || rep.Wins[0].LearnerID != l || rep.Wins[0].AttemptID != met.ID:
		t.Errorf("wins: %+v", rep.Wins)
	}

	// Research policies replay the same evidence beside the official rule:
	// c3's evidence is 2 (peer) then 3 (self), so "latest" says mastered and
	// "mean" (2.5) does not, while the official claim stays met.
	cmp, err := w.view.ComparePolicies(l, std, policy.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Official.Status != domain.StatusMet || cmp.Official.AttemptID == nil || *cmp.Official.AttemptID != met.ID || len(cmp.Components) != 3 {
		t.Fatalf("comparison: %+v", cmp)
	}
	results := map[string]policy.Result{}
	for _, r := range cmp.Components[2].Results {
		results[r.Policy] = r
	}
	if r := results["latest"]; !r.Mastered || *r.Value != 3 || len(r.EvidenceIDs) != 1 || r.EvidenceIDs[0] != ev3.ID.String() {
		t.Errorf("latest over c3: %+v", r)
	}
	if r := results["mean"]; r.Mastered || *r.Value != 2.5 || len(r.EvidenceIDs) != 2 {
		t.Errorf("mean over c3: %+v", r)
	}
	if r := cmp.Components[0].Results[0]; r.Value != nil || r.Mastered {
		t.Errorf("c1 was pre-assessed, with no evidence: %+v", r)
	}
	// Over the whole standard, the policies see every component's current
	// evidence at once.
	perComponent := 0
	for _, c := range cmp.Components {
		perComponent += len(c.Results[2].EvidenceIDs) // mean uses every score
	}
	if n := len(cmp.Standard.Scores); n == 0 || n != perComponent || len(cmp.Standard.Results) != len(policy.Defaults()) ||
		len(cmp.Standard.Results[2].EvidenceIDs) != n {
		t.Errorf("the standard's run has %d scores, the components' %d: %+v", n, perComponent, cmp.Standard)
	}

	// Without the components, the same comparison of the standard.
	only, err := w.view.CompareStandardPolicies(l, std, policy.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	whole := cmp
	whole.Components = []projections.ComponentRun{}
	if !reflect.DeepEqual(only, whole) {
		t.Errorf("CompareStandardPolicies = %+v\nwant ComparePolicies without components: %+v", only, whole)
	}

	// As of just before the meeting attempt was recorded, it was not met.
	before := met.RecordedAt.Add(-time.Second)
	past, err := w.view.StandardMastery(ctx, l, std, &before)
	if err != nil {
		t.Fatal(err)
	}
	if past.Status != domain.StatusReady {
		t.Fatalf("as of %s: status %s, want ready", before, past.Status)
	}
}
