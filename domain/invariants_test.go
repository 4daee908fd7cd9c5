package domain

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
)

// ruleCase is one command decided against a scenario: it passes when rule is
// empty, and is refused with rule (and every part in the message) otherwise.
// A passing event is folded, so the fold accepts what the decision made.
type ruleCase struct {
	name    string
	setup   func(f *fixture)
	decide  func(f *fixture, m Meta) (Event, error)
	rule    string
	parts   []string
	missing []string
	check   func(t *testing.T, f *fixture, e Event)
}

func runRuleCases(t *testing.T, components []string, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, components...)
			if tc.setup != nil {
				tc.setup(f)
			}
			before := f.l.Version
			m := f.meta(teacher)
			ev, err := tc.decide(f, m)
			if f.l.Version != before {
				t.Fatal("a decision changed the state it was given")
			}
			if tc.rule == "" {
				f.ok(err)
				f.appendLearner(m, ev)
				if tc.check != nil {
					tc.check(t, f, ev)
				}
				return
			}
			re := wantRule(t, err, tc.rule, tc.parts...)
			if !slices.Equal(re.MissingComponents, tc.missing) {
				t.Errorf("MissingComponents = %v, want %v", re.MissingComponents, tc.missing)
			}
		})
	}
}

func evidenceCmd(m Meta, component string, level int, src Source) RecordEvidence {
	return RecordEvidence{Meta: m, StandardID: stdID, ComponentID: component, Level: intp(level), Source: src}
}

func agreeCmd(m Meta) AgreeReadiness {
	return AgreeReadiness{Meta: m, StandardID: stdID, LearnerConfirmed: true}
}

func attemptCmd(m Meta, level int) RecordSummativeAttempt {
	return RecordSummativeAttempt{Meta: m, StandardID: stdID, Level: intp(level)}
}

// Invariant 1: a published, non-retired standard, an existing component, a
// level on the scale.
func TestInvariant1StandardComponentScale(t *testing.T) {
	runRuleCases(t, []string{"c1", "c2"}, []ruleCase{
		{
			name: "evidence on a component of the current revision",
			decide: func(f *fixture, m Meta) (Event, error) {
				return evidenceCmd(m, "c2", 4, SourceExpert).Decide(f.l, f.std, f.now)
			},
			check: func(t *testing.T, f *fixture, e Event) {
				if got := e.(EvidenceRecorded).StandardRevision; got != 1 {
					t.Errorf("standardRevision = %d, want 1", got)
				}
			},
		},
		{
			name: "unknown standard",
			decide: func(f *fixture, m Meta) (Event, error) {
				c := evidenceCmd(m, "c1", 3, SourceTeacher)
				c.StandardID = "sci-7-1"
				return c.Decide(f.l, nil, f.now)
			},
			rule:  RuleUnknownStandard,
			parts: []string{`"sci-7-1"`},
		},
		{
			name:  "retired standard takes no evidence",
			setup: func(f *fixture) { f.retire() },
			decide: func(f *fixture, m Meta) (Event, error) {
				return evidenceCmd(m, "c1", 3, SourceTeacher).Decide(f.l, f.std, f.now)
			},
			rule:  RuleStandardRetired,
			parts: []string{stdID, "evidence"},
		},
		{
			name: "unknown component",
			decide: func(f *fixture, m Meta) (Event, error) {
				return evidenceCmd(m, "c9", 3, SourceTeacher).Decide(f.l, f.std, f.now)
			},
			rule:  RuleUnknownComponent,
			parts: []string{"c9", "revision 1"},
		},
		{
			name:  "component removed by a revision",
			setup: func(f *fixture) { f.revise("c1", "c3") },
			decide: func(f *fixture, m Meta) (Event, error) {
				return evidenceCmd(m, "c2", 3, SourceTeacher).Decide(f.l, f.std, f.now)
			},
			rule:  RuleUnknownComponent,
			parts: []string{"c2", "revision 2"},
		},
		{
			name: "level off the scale",
			decide: func(f *fixture, m Meta) (Event, error) {
				return evidenceCmd(m, "c1", 5, SourceTeacher).Decide(f.l, f.std, f.now)
			},
			rule:  RuleLevelOffScale,
			parts: []string{"level 5", "1, 2, 3, 4"},
		},
		{
			name: "pre-assessment of unknown components lists them sorted",
			decide: func(f *fixture, m Meta) (Event, error) {
				return RecordPreAssessment{Meta: m, StandardID: stdID, Demonstrated: []string{"c1", "z9", "a0"}}.Decide(f.l, f.std, f.now)
			},
			rule:  RuleUnknownComponent,
			parts: []string{"a0, z9"},
		},
		{
			name: "pre-assessment that finds nothing demonstrated",
			decide: func(f *fixture, m Meta) (Event, error) {
				return RecordPreAssessment{Meta: m, StandardID: stdID}.Decide(f.l, f.std, f.now)
			},
			check: func(t *testing.T, f *fixture, e Event) {
				if d := e.(PreAssessmentRecorded).Demonstrated; d == nil || len(d) != 0 {
					t.Errorf("demonstrated = %#v, want an empty list", d)
				}
				if got := f.mastery().Status; got != StatusInProgress {
					t.Errorf("status = %s, want in-progress", got)
				}
			},
		},
		{
			name: "agreement on a retired standard",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.evidence("c2", 3)
				f.retire()
			},
			decide: func(f *fixture, m Meta) (Event, error) { return agreeCmd(m).Decide(f.l, f.std, f.now) },
			rule:   RuleStandardRetired,
			parts:  []string{"agreements"},
		},
		{
			name: "attempt on a standard retired after the agreement",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.evidence("c2", 3)
				f.agree()
				f.retire()
			},
			decide: func(f *fixture, m Meta) (Event, error) { return attemptCmd(m, 3).Decide(f.l, f.std, f.now) },
			rule:   RuleStandardRetired,
			parts:  []string{"summative attempts"},
		},
		{
			name: "attempt level off the scale",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.evidence("c2", 3)
				f.agree()
			},
			decide: func(f *fixture, m Meta) (Event, error) { return attemptCmd(m, 0).Decide(f.l, f.std, f.now) },
			rule:   RuleLevelOffScale,
			parts:  []string{"level 0"},
		},
	})
}

// Invariant 2: an agreement needs every current component covered, and only
// one agreement is open at a time.
func TestInvariant2Agreement(t *testing.T) {
	agree := func(f *fixture, m Meta) (Event, error) { return agreeCmd(m).Decide(f.l, f.std, f.now) }
	runRuleCases(t, []string{"c1", "c3", "c2"}, []ruleCase{
		{
			name: "every component covered, by evidence, self-assessment or pre-assessment",
			setup: func(f *fixture) {
				f.preAssess("c1")
				f.evidence("c3", 2)                           // below proficient: not cited
				f.evidence("c3", 4)                           // uid(6)
				f.evidence("c3", 3)                           // uid(7)
				f.evidenceBy(learnerAct, "c2", 3, SourceSelf) // uid(8)
			},
			decide: agree,
			check: func(t *testing.T, f *fixture, e Event) {
				got := e.(ReadinessAgreed)
				want := ReadinessAgreed{
					StandardID: stdID, StandardRevision: 1, Teacher: "Ms Rivera", LearnerConfirmed: true,
					Components: []AgreedComponent{
						{ID: "c1", EvidenceIDs: []uuid.UUID{}, PreAssessed: true},
						{ID: "c3", EvidenceIDs: []uuid.UUID{uid(6), uid(7)}},
						{ID: "c2", EvidenceIDs: []uuid.UUID{uid(8)}},
					},
				}
				assertEqual(t, got, want)
				if ids := got.EvidenceIDs(); !slices.Equal(ids, []uuid.UUID{uid(6), uid(7), uid(8)}) {
					t.Errorf("EvidenceIDs() = %v", ids)
				}
				if st := f.mastery().Status; st != StatusReady {
					t.Errorf("status = %s, want ready", st)
				}
			},
		},
		{
			name:    "missing components are listed sorted, not in progression order",
			setup:   func(f *fixture) { f.evidence("c1", 3) },
			decide:  agree,
			rule:    RuleMissingComponents,
			parts:   []string{"c2, c3", "level 3"},
			missing: []string{"c2", "c3"},
		},
		{
			name: "evidence below proficient does not cover",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.evidence("c2", 3)
				f.evidence("c3", 2)
			},
			decide:  agree,
			rule:    RuleMissingComponents,
			missing: []string{"c3"},
		},
		{
			name: "retracted evidence does not cover",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.evidence("c2", 3)
				f.retract(f.evidence("c3", 4))
			},
			decide:  agree,
			rule:    RuleMissingComponents,
			missing: []string{"c3"},
		},
		{
			name: "evidence from before a not-yet attempt still counts",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.evidence("c2", 3)
				f.evidence("c3", 3)
				f.agree()
				f.attempt(2)
			},
			decide: agree,
		},
		{
			name: "a second agreement while one is open",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.evidence("c2", 3)
				f.evidence("c3", 3)
				f.agree() // uid(7)
			},
			decide: agree,
			rule:   RuleAgreementOpen,
			parts:  []string{uid(7).String(), stdID},
		},
		{
			name: "no agreement on a standard already met",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.evidence("c2", 3)
				f.evidence("c3", 3)
				f.agree()
				f.attempt(3) // uid(8)
			},
			decide: agree,
			rule:   RuleAlreadyMet,
			parts:  []string{uid(8).String(), "revision 1"},
		},
		{
			name: "a revision adds a component the learner has not shown",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.evidence("c2", 3)
				f.evidence("c3", 3)
				f.revise("c1", "c2", "c3", "c4")
			},
			decide:  agree,
			rule:    RuleMissingComponents,
			parts:   []string{"revision 2", "c4"},
			missing: []string{"c4"},
		},
		{
			name: "evidence recorded against revision 1 counts for a component revision 2 keeps",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.evidence("c2", 3)
				f.revise("c1", "c2")
			},
			decide: agree,
			check: func(t *testing.T, f *fixture, e Event) {
				if got := e.(ReadinessAgreed).StandardRevision; got != 2 {
					t.Errorf("standardRevision = %d, want 2", got)
				}
			},
		},
	})
}

// Invariant 3: an attempt consumes the open agreement; met is permanent.
func TestInvariant3Attempt(t *testing.T) {
	ready := func(f *fixture) {
		f.evidence("c1", 3)
		f.evidence("c2", 3)
		f.agree() // uid(6)
	}
	attempt := func(level int) func(f *fixture, m Meta) (Event, error) {
		return func(f *fixture, m Meta) (Event, error) { return attemptCmd(m, level).Decide(f.l, f.std, f.now) }
	}
	runRuleCases(t, []string{"c1", "c2"}, []ruleCase{
		{
			name:   "an attempt that meets consumes the open agreement",
			setup:  ready,
			decide: attempt(4),
			check: func(t *testing.T, f *fixture, e Event) {
				want := SummativeAttemptRecorded{StandardID: stdID, StandardRevision: 1, AgreementID: uid(6), Level: 4, Proficient: 3, Meets: true}
				assertEqual(t, e.(SummativeAttemptRecorded), want)
				m := f.mastery()
				if m.Status != StatusMet || m.OpenAgreement != nil || len(m.Attempts) != 1 {
					t.Errorf("mastery = %+v", m)
				}
			},
		},
		{
			name:   "a not-yet attempt leaves in-progress with no open agreement",
			setup:  ready,
			decide: attempt(2),
			check: func(t *testing.T, f *fixture, e Event) {
				if e.(SummativeAttemptRecorded).Meets {
					t.Error("level 2 meets")
				}
				m := f.mastery()
				if m.Status != StatusInProgress || m.OpenAgreement != nil || m.MetAt != nil {
					t.Errorf("mastery = %+v", m)
				}
			},
		},
		{
			name:   "no agreement ever",
			setup:  func(f *fixture) { f.evidence("c1", 4) },
			decide: attempt(3),
			rule:   RuleNoOpenAgreement,
			parts:  []string{"no agreement", stdID},
		},
		{
			name: "after a not-yet attempt a new agreement is needed",
			setup: func(f *fixture) {
				ready(f)
				f.attempt(1) // uid(7)
			},
			decide: attempt(3),
			rule:   RuleNoOpenAgreement,
			parts:  []string{uid(6).String(), "consumed by attempt " + uid(7).String()},
		},
		{
			name: "met is final: no further attempt",
			setup: func(f *fixture) {
				ready(f)
				f.attempt(3) // uid(7)
			},
			decide: attempt(4),
			rule:   RuleAlreadyMet,
			parts:  []string{uid(7).String()},
		},
		{
			name: "an attempt is judged against its agreement's revision",
			setup: func(f *fixture) {
				ready(f)
				f.revise("c1", "c2", "c3")
			},
			decide: attempt(3),
			check: func(t *testing.T, f *fixture, e Event) {
				if got := e.(SummativeAttemptRecorded).StandardRevision; got != 1 {
					t.Errorf("standardRevision = %d, want the agreement's 1", got)
				}
				if m := f.mastery(); m.StandardRevision != 1 || len(m.Components) != 2 {
					t.Errorf("mastery shows revision %d with %d components, want revision 1's 2", m.StandardRevision, len(m.Components))
				}
			},
		},
	})
}

// Invariant 4: who may confirm, attempt and record what.
func TestInvariant4Roles(t *testing.T) {
	ready := func(f *fixture) {
		f.evidence("c1", 3)
		f.agree()
	}
	runRuleCases(t, []string{"c1"}, []ruleCase{
		{
			name: "a learner records self-assessment",
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = learnerAct
				return evidenceCmd(m, "c1", 3, SourceSelf).Decide(f.l, f.std, f.now)
			},
			check: func(t *testing.T, f *fixture, e Event) {
				if e.(EvidenceRecorded).Source != SourceSelf || !f.mastery().Components[0].SelfOnly {
					t.Error("self-assessment is not marked so")
				}
			},
		},
		{
			name: "a teacher records a learner's self-assessment, marked self",
			decide: func(f *fixture, m Meta) (Event, error) {
				return evidenceCmd(m, "c1", 3, SourceSelf).Decide(f.l, f.std, f.now)
			},
			check: func(t *testing.T, f *fixture, e Event) {
				if e.(EvidenceRecorded).Source != SourceSelf {
					t.Error("source is not self")
				}
			},
		},
		{
			name: "a learner records teacher evidence",
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = learnerAct
				return evidenceCmd(m, "c1", 3, SourceTeacher).Decide(f.l, f.std, f.now)
			},
			rule:  RuleSelfEvidenceOnly,
			parts: []string{"teacher"},
		},
		{
			name: "a learner confirms an agreement",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = learnerAct
				return agreeCmd(m).Decide(f.l, f.std, f.now)
			},
			rule:  RuleNotATeacher,
			parts: []string{"confirm an agreement", "learner"},
		},
		{
			name:  "the learner has not confirmed",
			setup: func(f *fixture) { f.evidence("c1", 3) },
			decide: func(f *fixture, m Meta) (Event, error) {
				c := agreeCmd(m)
				c.LearnerConfirmed = false
				return c.Decide(f.l, f.std, f.now)
			},
			rule:  RuleLearnerNotConfirmed,
			parts: []string{"learner"},
		},
		{
			name:  "a learner records a summative result",
			setup: ready,
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = learnerAct
				return attemptCmd(m, 4).Decide(f.l, f.std, f.now)
			},
			rule:  RuleNotATeacher,
			parts: []string{"summative attempt"},
		},
		{
			name:   "a teacher records a summative result",
			setup:  ready,
			decide: func(f *fixture, m Meta) (Event, error) { return attemptCmd(m, 4).Decide(f.l, f.std, f.now) },
		},
		{
			name: "an admin records evidence",
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = admin
				return evidenceCmd(m, "c1", 3, SourceTeacher).Decide(f.l, f.std, f.now)
			},
			rule:  RuleRoleNotPermitted,
			parts: []string{"admin", "teacher or learner"},
		},
		{
			name: "an auditor sets a goal",
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = auditor
				return goalCmd(m, "g1", stdID).Decide(f.l, map[string]*StandardState{stdID: f.std}, f.now)
			},
			rule: RuleRoleNotPermitted,
		},
		{
			name: "a learner gives feedback",
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = learnerAct
				return GiveFeedback{Meta: m, StandardID: stdID, Strengths: "s", NextSteps: "n", Causes: "c"}.Decide(f.l, f.std, f.now)
			},
			rule: RuleNotATeacher,
		},
		{
			name: "a learner sets a goal",
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = learnerAct
				return goalCmd(m, "g1", stdID).Decide(f.l, map[string]*StandardState{stdID: f.std}, f.now)
			},
		},
	})
}

// Invariant 5: a retraction names evidence in the learner's record that is
// not yet retracted.
func TestInvariant5Retraction(t *testing.T) {
	retract := func(id uuid.UUID) func(f *fixture, m Meta) (Event, error) {
		return func(f *fixture, m Meta) (Event, error) {
			return RetractEvidence{Meta: m, EvidenceID: id, Reason: "wrong rubric"}.Decide(f.l, f.now)
		}
	}
	runRuleCases(t, []string{"c1"}, []ruleCase{
		{
			name:   "retract current evidence",
			setup:  func(f *fixture) { f.evidence("c1", 3) }, // uid(4)
			decide: retract(uid(4)),
			check: func(t *testing.T, f *fixture, e Event) {
				want := EvidenceRetracted{EvidenceID: uid(4), StandardID: stdID, ComponentID: "c1", Reason: "wrong rubric"}
				assertEqual(t, e.(EvidenceRetracted), want)
				if f.l.Evidence[uid(4)].Current() {
					t.Error("evidence still current")
				}
			},
		},
		{
			name: "retract evidence already retracted",
			setup: func(f *fixture) {
				f.retract(f.evidence("c1", 3)) // uid(4) retracted by uid(5)
			},
			decide: retract(uid(4)),
			rule:   RuleEvidenceRetracted,
			parts:  []string{uid(4).String(), "retracted by event " + uid(5).String()},
		},
		{
			name: "retraction after met leaves the claim",
			setup: func(f *fixture) {
				f.evidence("c1", 3) // uid(4)
				f.agree()
				f.attempt(3)
			},
			decide: retract(uid(4)),
			check: func(t *testing.T, f *fixture, e Event) {
				if m := f.mastery(); m.Status != StatusMet || m.Components[0].Covered {
					t.Errorf("mastery = %+v, want met with c1 no longer covered", m)
				}
			},
		},
	})

	t.Run("evidence not in the record is not found", func(t *testing.T) {
		f := newFixture(t, "c1")
		_, err := RetractEvidence{Meta: f.meta(teacher), EvidenceID: uid(99), Reason: "r"}.Decide(f.l, f.now)
		if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrRuleBroken) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})
}

// The rules around the invariants: enrolment, withdrawal, goals and plans,
// cited evidence.
func TestLearnerRules(t *testing.T) {
	standards := func(f *fixture) map[string]*StandardState { return map[string]*StandardState{stdID: f.std} }
	runRuleCases(t, []string{"c1"}, []ruleCase{
		{
			name:  "no writes about a withdrawn learner",
			setup: func(f *fixture) { f.withdraw() },
			decide: func(f *fixture, m Meta) (Event, error) {
				return evidenceCmd(m, "c1", 3, SourceTeacher).Decide(f.l, f.std, f.now)
			},
			rule:  RuleLearnerWithdrawn,
			parts: []string{learnerID},
		},
		{
			name:  "no second withdrawal",
			setup: func(f *fixture) { f.withdraw() },
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = admin
				return WithdrawLearner{Meta: m}.Decide(f.l, f.now)
			},
			rule: RuleLearnerWithdrawn,
		},
		{
			name:  "a plan for a goal",
			setup: func(f *fixture) { f.goal("g1", stdID) },
			decide: func(f *fixture, m Meta) (Event, error) {
				return DraftPlan{Meta: m, PlanID: "p1", GoalID: "g1", Plan: "p", Learn: "l", Check: "c", Adjust: "a"}.Decide(f.l, f.now)
			},
		},
		{
			name: "a plan for an unknown goal",
			decide: func(f *fixture, m Meta) (Event, error) {
				return DraftPlan{Meta: m, PlanID: "p1", GoalID: "g9", Plan: "p", Learn: "l", Check: "c", Adjust: "a"}.Decide(f.l, f.now)
			},
			rule:  RuleUnknownGoal,
			parts: []string{`"g9"`},
		},
		{
			name: "a plan id used twice",
			setup: func(f *fixture) {
				f.goal("g1", stdID)
				f.plan("p1", "g1")
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				return DraftPlan{Meta: m, PlanID: "p1", GoalID: "g1", Plan: "p", Learn: "l", Check: "c", Adjust: "a"}.Decide(f.l, f.now)
			},
			rule: RuleDuplicatePlan,
		},
		{
			name:  "a goal id used twice",
			setup: func(f *fixture) { f.goal("g1") },
			decide: func(f *fixture, m Meta) (Event, error) {
				return goalCmd(m, "g1").Decide(f.l, standards(f), f.now)
			},
			rule:  RuleDuplicateGoal,
			parts: []string{`"g1"`},
		},
		{
			name: "a goal on unknown standards lists them sorted",
			decide: func(f *fixture, m Meta) (Event, error) {
				return goalCmd(m, "g1", "zz", stdID, "aa").Decide(f.l, standards(f), f.now)
			},
			rule:  RuleUnknownStandard,
			parts: []string{"aa, zz"},
		},
		{
			name:  "a goal on a retired standard",
			setup: func(f *fixture) { f.retire() },
			decide: func(f *fixture, m Meta) (Event, error) {
				return goalCmd(m, "g1", stdID).Decide(f.l, standards(f), f.now)
			},
			rule: RuleStandardRetired,
		},
		{
			name: "an adjustment records the plan's goal",
			setup: func(f *fixture) {
				f.goal("g1", stdID)
				f.plan("p1", "g1")
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				return AdjustPlan{Meta: m, PlanID: "p1", Change: "more practice", Reason: "the check fell short"}.Decide(f.l, f.now)
			},
			check: func(t *testing.T, f *fixture, e Event) {
				if e.(PlanAdjusted).GoalID != "g1" || f.l.Plans["p1"].Adjustments != 1 {
					t.Errorf("adjustment = %+v", e)
				}
			},
		},
		{
			name: "a goal evaluation cites retracted evidence",
			setup: func(f *fixture) {
				f.goal("g1", stdID)
				f.retract(f.evidence("c1", 3)) // uid(5) by uid(6)
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				return EvaluateGoal{Meta: m, GoalID: "g1", Result: GoalMet, EvidenceIDs: []uuid.UUID{uid(5)}}.Decide(f.l, f.now)
			},
			rule:  RuleEvidenceRetracted,
			parts: []string{uid(5).String(), uid(6).String()},
		},
		{
			name: "feedback cites unknown evidence, all listed sorted",
			decide: func(f *fixture, m Meta) (Event, error) {
				return GiveFeedback{Meta: m, StandardID: stdID, EvidenceIDs: []uuid.UUID{uid(98), uid(97)}, Strengths: "s", NextSteps: "n", Causes: "c"}.Decide(f.l, f.std, f.now)
			},
			rule:  RuleUnknownEvidence,
			parts: []string{uid(97).String() + ", " + uid(98).String()},
		},
		{
			name:  "an admin erases a learner's personal data",
			setup: func(f *fixture) { f.profile() },
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = admin
				return ErasePersonalData{Meta: m, Reason: ErasureLearnerRequest}.Decide(f.l, f.now)
			},
			check: func(t *testing.T, f *fixture, e Event) {
				if e.(LearnerPersonalDataErased).Reason != ErasureLearnerRequest || f.l.Erased == nil || f.l.Erased.EventID != uid(5) {
					t.Errorf("erasure = %+v, state %+v", e, f.l.Erased)
				}
			},
		},
		{
			name:  "a withdrawn learner's personal data may be erased",
			setup: func(f *fixture) { f.withdraw() },
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = admin
				return ErasePersonalData{Meta: m}.Decide(f.l, f.now)
			},
		},
		{
			name: "only an admin erases",
			decide: func(f *fixture, m Meta) (Event, error) {
				return ErasePersonalData{Meta: m}.Decide(f.l, f.now)
			},
			rule:  RuleRoleNotPermitted,
			parts: []string{"admin"},
		},
		{
			name:  "no second erasure",
			setup: func(f *fixture) { f.erase() }, // uid(4)
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = admin
				return ErasePersonalData{Meta: m}.Decide(f.l, f.now)
			},
			rule:  RulePersonalDataErased,
			parts: []string{uid(4).String()},
		},
		{
			name: "no profile after the erasure",
			setup: func(f *fixture) {
				f.profile()
				f.erase() // uid(5)
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				return UpdateProfile{Meta: m, Profile: Profile{DisplayName: "Sam"}}.Decide(f.l, f.now)
			},
			rule:  RulePersonalDataErased,
			parts: []string{learnerID, uid(5).String()},
		},
		{
			name:  "feedback on evidence of the standard",
			setup: func(f *fixture) { f.evidence("c1", 2) }, // uid(4)
			decide: func(f *fixture, m Meta) (Event, error) {
				return GiveFeedback{Meta: m, StandardID: stdID, EvidenceIDs: []uuid.UUID{uid(4)}, Strengths: "s", NextSteps: "n", Causes: "c"}.Decide(f.l, f.std, f.now)
			},
		},
	})

	t.Run("subjects named in the path are not found", func(t *testing.T) {
		f := newFixture(t, "c1")
		cases := map[string]error{}
		_, cases["adjust"] = AdjustPlan{Meta: f.meta(teacher), PlanID: "p9", Change: "c", Reason: "r"}.Decide(f.l, f.now)
		_, cases["evaluate"] = EvaluateGoal{Meta: f.meta(teacher), GoalID: "g9", Result: GoalNotYet}.Decide(f.l, f.now)
		_, cases["review"] = ReviewGoal{Meta: f.meta(teacher), GoalID: "g9", Reflection: "r"}.Decide(f.l, f.now)
		_, cases["not enrolled"] = UpdateProfile{Meta: f.meta(teacher)}.Decide(&LearnerState{}, f.now)
		_, cases["erase, not enrolled"] = ErasePersonalData{Meta: f.meta(admin)}.Decide(&LearnerState{}, f.now)
		_, cases["no school"] = EnrollLearner{Meta: f.meta(admin), LearnerID: "l-2", Cohort: "g6"}.Decide(&SchoolState{}, f.now)
		_, cases["no school for survey"] = RecordEfficacySurvey{Meta: f.meta(admin), RoundID: "r1", Respondent: RespondentStaff,
			Items: []SurveyItem{{ItemID: "q1", Score: 3}}}.Decide(nil, f.now)
		for name, err := range cases {
			if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrRuleBroken) {
				t.Errorf("%s: got %v, want ErrNotFound only", name, err)
			}
		}
	})
}
