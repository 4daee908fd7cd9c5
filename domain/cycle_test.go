package domain

import (
	"reflect"
	"testing"

	"github.com/google/uuid"
)

// A whole Learner Improvement Cycle, as the articles tell it: profile, goal
// and plan, pre-assessment, self-assessment and feedback, agreement, a
// not-yet attempt, check and adjust, a new agreement, an attempt that meets,
// the goal evaluated and reviewed.
func TestWholeImprovementCycle(t *testing.T) {
	f := newFixture(t, "c1", "c2")
	do := func(a Actor, decide func(m Meta) (Event, error)) uuid.UUID {
		t.Helper()
		m := f.meta(a)
		ev, err := decide(m)
		f.ok(err)
		return f.appendLearner(m, ev)
	}

	do(learnerAct, func(m Meta) (Event, error) {
		return UpdateProfile{Meta: m, Profile: Profile{Interests: []string{"cooking"}, CollegeCareerGoals: "chef"}}.Decide(f.l, f.now)
	})
	f.goal("g1", stdID)
	f.plan("p1", "g1")
	f.preAssess("c1")
	self := f.evidenceBy(learnerAct, "c2", 2, SourceSelf)
	do(teacher, func(m Meta) (Event, error) {
		return GiveFeedback{Meta: m, StandardID: stdID, EvidenceIDs: []uuid.UUID{self}, Strengths: "tables",
			NextSteps: "explain a:b", Causes: "skipped the language part"}.Decide(f.l, f.std, f.now)
	})
	proof := f.evidence("c2", 3)
	f.agree()
	f.attempt(2)
	do(learnerAct, func(m Meta) (Event, error) {
		return AdjustPlan{Meta: m, PlanID: "p1", Change: "practise explaining aloud", Reason: "the summative attempt did not meet"}.Decide(f.l, f.now)
	})
	f.agree()
	f.attempt(3)
	do(learnerAct, func(m Meta) (Event, error) {
		return EvaluateGoal{Meta: m, GoalID: "g1", Result: GoalMet, EvidenceIDs: []uuid.UUID{proof}}.Decide(f.l, f.now)
	})
	do(learnerAct, func(m Meta) (Event, error) {
		return ReviewGoal{Meta: m, GoalID: "g1", Reflection: "explaining aloud helped", NextGoal: "rates"}.Decide(f.l, f.now)
	})

	if m := f.mastery(); m.Status != StatusMet || len(m.Attempts) != 2 {
		t.Errorf("mastery = %+v", m)
	}
	g := f.l.Goals["g1"]
	if !f.l.HasProfile || g.Result != GoalMet || !g.Reviewed || f.l.Plans["p1"].Adjustments != 1 {
		t.Errorf("learner = %+v, goal = %+v", f.l, g)
	}

	// The replay of the claim is every event but the enrolment and the
	// profile: all of them concern the standard.
	replay := &LearnerState{}
	var trail []string
	for _, r := range f.events {
		f.ok(replay.Apply(r))
		ev, err := DecodeEvent(r)
		f.ok(err)
		for _, s := range replay.StandardsOf(ev) {
			if s == stdID {
				trail = append(trail, r.Type)
			}
		}
	}
	if len(trail) != len(f.events)-2 {
		t.Errorf("replay trail = %v (%d of %d events)", trail, len(trail), len(f.events))
	}
}

// Decisions are pure: deciding every command, accepted or refused, against
// a state leaves it deeply equal to a twin folded from the same events.
func TestDecisionsDoNotMutateState(t *testing.T) {
	f := newFixture(t, "c1", "c2")
	f.preAssess("c1")
	e := f.evidence("c2", 3)
	f.goal("g1", stdID)
	f.plan("p1", "g1")
	req := f.request(learnerAct, e)
	f.request(teacher, e)
	f.agreeTo(req)
	twinL := foldLearner(t, f.events)
	twinS := &StandardState{}
	for _, r := range f.stdEvents {
		f.ok(twinS.Apply(r))
	}

	m := Meta{OccurredAt: f.now, Actor: teacher}
	std := map[string]*StandardState{stdID: f.std}
	_, _ = RecordPreAssessment{Meta: m, StandardID: stdID, Demonstrated: []string{"c2"}}.Decide(f.l, f.std, f.now)
	_, _ = RecordEvidence{Meta: m, StandardID: stdID, ComponentID: "c1", Level: intp(4), Source: SourceSelf}.Decide(f.l, f.std, f.now)
	_, _ = RetractEvidence{Meta: m, EvidenceID: e, Reason: "r"}.Decide(f.l, f.now)
	_, _ = GiveFeedback{Meta: m, StandardID: stdID, EvidenceIDs: []uuid.UUID{e}, Strengths: "s", NextSteps: "n", Causes: "c"}.Decide(f.l, f.std, f.now)
	_, _ = goalCmd(m, "g2", stdID).Decide(f.l, std, f.now)
	_, _ = DraftPlan{Meta: m, PlanID: "p2", GoalID: "g1", Plan: "p", Learn: "l", Check: "c", Adjust: "a"}.Decide(f.l, f.now)
	_, _ = AdjustPlan{Meta: m, PlanID: "p1", Change: "c", Reason: "r"}.Decide(f.l, f.now)
	_, _ = EvaluateGoal{Meta: m, GoalID: "g1", Result: GoalNotYet, EvidenceIDs: []uuid.UUID{e}}.Decide(f.l, f.now)
	_, _ = ReviewGoal{Meta: m, GoalID: "g1", Reflection: "r"}.Decide(f.l, f.now)
	_, _ = UpdateProfile{Meta: m, Profile: Profile{DisplayName: "Sam"}}.Decide(f.l, f.now)
	_, _ = AgreeReadiness{Meta: m, StandardID: stdID, LearnerConfirmed: true}.Decide(f.l, f.std, f.now)
	_, _ = AgreeReadiness{Meta: m, StandardID: stdID, LearnerConfirmed: true, RequestID: req}.Decide(f.l, f.std, f.now)
	_, _ = RequestReadiness{Meta: m, StandardID: stdID, EvidenceIDs: []uuid.UUID{e}}.Decide(f.l, f.std, f.now)
	_, _ = RecordSummativeAttempt{Meta: m, StandardID: stdID, Level: intp(4)}.Decide(f.l, f.std, f.now)
	_, _ = WithdrawLearner{Meta: Meta{Actor: admin}}.Decide(f.l, f.now)
	_, _ = ReviseStandard{Meta: Meta{Actor: admin}, Statement: "s", Components: componentsOf("c9")}.Decide(f.std, f.now)
	_, _ = RetireStandard{Meta: Meta{Actor: admin}}.Decide(f.std, f.now)
	_ = f.l.Mastery(f.std)

	if !reflect.DeepEqual(f.l, twinL) {
		t.Error("a decision changed the learner state")
	}
	if !reflect.DeepEqual(f.std, twinS) {
		t.Error("a decision changed the standard state")
	}

	// With a request open: deciding, and changing the mastery view's copy
	// of the request, leave the state as folded.
	g := newFixture(t, "c1")
	ev := g.evidence("c1", 3)
	open := g.request(learnerAct, ev)
	twinG := foldLearner(t, g.events)
	_, _ = RequestReadiness{Meta: m, StandardID: stdID, EvidenceIDs: []uuid.UUID{ev}}.Decide(g.l, g.std, g.now)
	_, _ = AgreeReadiness{Meta: m, StandardID: stdID, LearnerConfirmed: true, RequestID: open}.Decide(g.l, g.std, g.now)
	view := g.l.Mastery(g.std)
	view.OpenRequests[0].EvidenceIDs[0] = uuid.Nil
	if !reflect.DeepEqual(g.l, twinG) {
		t.Error("a decision, or a change to the mastery view, changed the learner state with a request open")
	}
}
