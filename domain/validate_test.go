package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

type validatable interface{ Validate(now time.Time) error }

// validCommands holds one well-formed command of every kind.
func validCommands() map[string]validatable {
	m := Meta{EventID: uid(1), OccurredAt: t0, Actor: teacher}
	art := &Artifact{URI: "https://files.example/a.pdf", SHA256: strings.Repeat("0f", 32), MediaType: "application/pdf"}
	return map[string]validatable{
		"PublishStandard": PublishStandard{Meta: m, StandardID: stdID, Framework: "CCSS-M", Code: "6.RP.A.1", Title: "Ratios",
			Statement: "s", Components: componentsOf("c1")},
		"ReviseStandard":         ReviseStandard{Meta: m, Statement: "s", Components: componentsOf("c1")},
		"RetireStandard":         RetireStandard{Meta: m},
		"RegisterSchool":         RegisterSchool{Meta: m, SchoolID: schoolID, Name: "North"},
		"RecordEfficacySurvey":   RecordEfficacySurvey{Meta: m, RoundID: "r1", Respondent: RespondentLearner, Items: []SurveyItem{{ItemID: "q1", Score: 5}}},
		"EnrollLearner":          EnrollLearner{Meta: m, LearnerID: learnerID, Cohort: "grade-6"},
		"WithdrawLearner":        WithdrawLearner{Meta: m},
		"RecordPreAssessment":    RecordPreAssessment{Meta: m, StandardID: stdID},
		"RecordEvidence":         RecordEvidence{Meta: m, StandardID: stdID, ComponentID: "c1", Level: intp(0), Source: SourceAuthenticAudience, Artifact: art},
		"RetractEvidence":        RetractEvidence{Meta: m, EvidenceID: uid(2), Reason: "r"},
		"GiveFeedback":           GiveFeedback{Meta: m, StandardID: stdID, Strengths: "s", NextSteps: "n", Causes: "c"},
		"SetGoal":                goalCmd(m, "g1"),
		"DraftPlan":              DraftPlan{Meta: m, PlanID: "p1", GoalID: "g1", Plan: "p", Learn: "l", Check: "c", Adjust: "a"},
		"AdjustPlan":             AdjustPlan{Meta: m, PlanID: "p1", Change: "c", Reason: "r"},
		"EvaluateGoal":           EvaluateGoal{Meta: m, GoalID: "g1", Result: GoalMet},
		"ReviewGoal":             ReviewGoal{Meta: m, GoalID: "g1", Reflection: "r"},
		"UpdateProfile":          UpdateProfile{Meta: m},
		"AgreeReadiness":         AgreeReadiness{Meta: m, StandardID: stdID},
		"RecordSummativeAttempt": RecordSummativeAttempt{Meta: m, StandardID: stdID, Level: intp(3), Artifact: art},
		"ErasePersonalData":      ErasePersonalData{Meta: m, Reason: ErasureRetentionEnded},
	}
}

func TestValidCommands(t *testing.T) {
	cmds := validCommands()
	if len(cmds) != 20 {
		t.Errorf("%d commands, want one per write (20)", len(cmds))
	}
	for name, c := range cmds {
		t.Run(name, func(t *testing.T) { wantFields(t, c.Validate(t0)) })
	}
}

func TestValidationNamesEveryField(t *testing.T) {
	long := strings.Repeat("é", MaxTextLen+1)
	m := Meta{OccurredAt: t0, Actor: teacher}
	cases := []struct {
		name   string
		cmd    validatable
		fields []string
	}{
		{
			name:   "envelope: future occurredAt, unknown role, no actor name",
			cmd:    RetireStandard{Meta: Meta{OccurredAt: t0.Add(MaxClockSkew + time.Second), Actor: Actor{Role: "principal"}}},
			fields: []string{"actor.role", "actor.name", "occurredAt"},
		},
		{
			name:   "occurredAt within the clock skew, and long past, are fine",
			cmd:    RetireStandard{Meta: Meta{OccurredAt: t0.Add(MaxClockSkew), Actor: teacher}},
			fields: nil,
		},
		{
			name: "standard: ids, texts, components, scale",
			cmd: PublishStandard{Meta: m, StandardID: "math/6", Code: "6.RP", Title: " ", Statement: long,
				Components: []Component{{ID: "c1", Statement: "a"}, {ID: "c1", Statement: ""}, {ID: "..", Statement: "b"}},
				Scale:      &Scale{Levels: []Level{{Level: 1, Label: "B"}, {Level: 1, Label: ""}, {Level: 3, Label: "P"}}, Proficient: 2}},
			fields: []string{"standardId", "framework", "title", "statement",
				"components[1].id", "components[1].statement", "components[2].id",
				"scale.levels[1].level", "scale.levels[1].label", "scale.proficient"},
		},
		{
			name:   "standard: no components, proficient at the lowest level",
			cmd:    PublishStandard{Meta: m, StandardID: "s", Framework: "f", Code: "c", Title: "t", Statement: "s", Scale: &Scale{Levels: []Level{{0, "no"}, {1, "yes"}}, Proficient: 0}},
			fields: []string{"components", "scale.proficient"},
		},
		{
			name: "evidence: level, source, artifact, note",
			cmd: RecordEvidence{Meta: m, StandardID: stdID, ComponentID: "c 1", Source: "parent", Note: long,
				Artifact: &Artifact{URI: "/relative/a.pdf", SHA256: strings.Repeat("AB", 32), MediaType: "pdf"}},
			fields: []string{"componentId", "level", "source", "artifact.uri", "artifact.sha256", "artifact.mediaType", "note"},
		},
		{
			name:   "evidence: empty artifact",
			cmd:    RecordEvidence{Meta: m, StandardID: stdID, ComponentID: "c1", Level: intp(3), Source: SourceSelf, Artifact: &Artifact{}},
			fields: []string{"artifact.uri", "artifact.sha256", "artifact.mediaType"},
		},
		{
			name:   "pre-assessment: repeated and malformed components",
			cmd:    RecordPreAssessment{Meta: m, StandardID: stdID, Demonstrated: []string{"c1", "c1", ""}},
			fields: []string{"demonstrated[1]", "demonstrated[2]"},
		},
		{
			name:   "retraction: nil evidence id, no reason",
			cmd:    RetractEvidence{Meta: m},
			fields: []string{"evidenceId", "reason"},
		},
		{
			name:   "feedback: nil and repeated evidence ids, missing texts",
			cmd:    GiveFeedback{Meta: m, StandardID: stdID, EvidenceIDs: []uuid.UUID{uuid.Nil, uid(1), uid(1)}},
			fields: []string{"evidenceIds[0]", "evidenceIds[2]", "strengths", "nextSteps", "causes"},
		},
		{
			name: "goal: every SMARTER part, date, standards",
			cmd:  SetGoal{Meta: m, GoalID: "g1", TargetDate: "15/10/2026", StandardIDs: []string{stdID, stdID}},
			fields: []string{"specific", "measurable", "achievable", "relevant", "targetDate", "evaluate", "review",
				"standardIds[1]"},
		},
		{
			name:   "plan: ids and parts",
			cmd:    DraftPlan{Meta: m, PlanID: "p 1", Plan: "p", Learn: "l", Check: "c"},
			fields: []string{"planId", "goalId", "adjust"},
		},
		{
			name:   "adjustment",
			cmd:    AdjustPlan{Meta: m, PlanID: "p1"},
			fields: []string{"change", "reason"},
		},
		{
			name:   "goal evaluation: result",
			cmd:    EvaluateGoal{Meta: m, GoalID: "g1", Result: "almost"},
			fields: []string{"result"},
		},
		{
			name:   "goal review",
			cmd:    ReviewGoal{Meta: m},
			fields: []string{"goalId", "reflection"},
		},
		{
			name:   "profile: list items and lengths",
			cmd:    UpdateProfile{Meta: m, Profile: Profile{DisplayName: strings.Repeat("x", MaxNameLen+1), Interests: []string{"chess", ""}}},
			fields: []string{"displayName", "interests[1]"},
		},
		{
			name:   "erasure: a reason off the list",
			cmd:    ErasePersonalData{Meta: m, Reason: "Ana's mother asked"},
			fields: []string{"reason"},
		},
		{
			name:   "erasure: no reason is fine",
			cmd:    ErasePersonalData{Meta: m},
			fields: nil,
		},
		{
			name:   "survey: round, respondent, items",
			cmd:    RecordEfficacySurvey{Meta: m, Respondent: "parent", Cohort: "grade 6", Items: []SurveyItem{{ItemID: "q1", Score: 6}, {ItemID: "q1", Score: 0}}},
			fields: []string{"roundId", "respondent", "cohort", "items[0].score", "items[1].itemId", "items[1].score"},
		},
		{
			name:   "survey: no items",
			cmd:    RecordEfficacySurvey{Meta: m, RoundID: "r1", Respondent: RespondentStaff},
			fields: []string{"items"},
		},
		{
			name:   "enrolment",
			cmd:    EnrollLearner{Meta: m, LearnerID: strings.Repeat("l", MaxIDLen+1)},
			fields: []string{"learnerId", "cohort"},
		},
		{
			name:   "school",
			cmd:    RegisterSchool{Meta: m, SchoolID: "north"},
			fields: []string{"name"},
		},
		{
			name:   "agreement",
			cmd:    AgreeReadiness{Meta: m},
			fields: []string{"standardId"},
		},
		{
			name:   "attempt: level required",
			cmd:    RecordSummativeAttempt{Meta: m, StandardID: stdID},
			fields: []string{"level"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantFields(t, tc.cmd.Validate(t0), tc.fields...) })
	}
}

// A malformed command is refused before state is consulted: a decision given
// no state at all still answers 400, not 404 or 422.
func TestDecisionsValidateFirst(t *testing.T) {
	_, err := RecordEvidence{Meta: Meta{Actor: teacher}, StandardID: stdID}.Decide(nil, nil, t0)
	wantFields(t, err, "componentId", "level", "source")
}

func TestValidationErrorMessage(t *testing.T) {
	err := (&ValidationError{Errors: []FieldError{{"a", "is required"}, {"b[1].c", "must be x"}}}).Error()
	if err != "invalid input: a is required; b[1].c must be x" {
		t.Errorf("message = %q", err)
	}
}

func TestValidID(t *testing.T) {
	for s, want := range map[string]bool{
		"l-0001": true, "math-6-rp-1": true, "A.b_C-9": true, "...": true, strings.Repeat("x", 64): true,
		"": false, ".": false, "..": false, "a b": false, "a/b": false, "é": false, strings.Repeat("x", 65): false,
	} {
		if got := ValidID(s); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestStreams(t *testing.T) {
	if StandardStream("s-1") != "standard-s-1" || LearnerStream("l-1") != "learner-l-1" || SchoolStream("n") != "school-n" {
		t.Fatal("stream names differ from DOMAIN.md")
	}
	for stream, want := range map[string][2]string{
		"learner-l-0001":       {LearnerCategory, "l-0001"},
		"standard-math-6-rp-1": {StandardCategory, "math-6-rp-1"},
		"school-north":         {SchoolCategory, "north"},
		"teacher-x":            {},
		"learner-":             {},
		"learner":              {},
	} {
		c, id, ok := ParseStream(stream)
		if ok != (want[0] != "") || c != want[0] || id != want[1] {
			t.Errorf("ParseStream(%q) = %q, %q, %v", stream, c, id, ok)
		}
	}
}
