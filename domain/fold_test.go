package domain

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// foldLearner folds events into a fresh learner state.
func foldLearner(t *testing.T, events []RecordedEvent) *LearnerState {
	t.Helper()
	s := &LearnerState{}
	for _, e := range events {
		if err := s.Apply(e); err != nil {
			t.Fatalf("fold: %v", err)
		}
	}
	return s
}

func TestMasteryStatusTransitions(t *testing.T) {
	f := newFixture(t, "c1", "c2")
	var statuses []Status
	step := func() { statuses = append(statuses, f.mastery().Status) }

	step()
	f.preAssess("c1")
	step()
	f.evidence("c2", 3)
	step()
	f.agree()
	step()
	f.attempt(2)
	step()
	f.agree()
	step()
	metID := f.attempt(3)
	step()

	want := []Status{StatusNotStarted, StatusInProgress, StatusInProgress, StatusReady, StatusInProgress, StatusReady, StatusMet}
	if !slices.Equal(statuses, want) {
		t.Fatalf("statuses = %v, want %v", statuses, want)
	}

	m := f.mastery()
	if len(m.Attempts) != 2 || m.Attempts[0].Meets || !m.Attempts[1].Meets || m.Attempts[1].ID != metID {
		t.Errorf("attempts = %+v", m.Attempts)
	}
	last := f.events[len(f.events)-1]
	if m.MetAt == nil || !m.MetAt.Equal(last.OccurredAt) || m.RecordedAt == nil || !m.RecordedAt.Equal(last.RecordedAt) {
		t.Errorf("metAt = %v, recordedAt = %v, want the attempt's %v and %v", m.MetAt, m.RecordedAt, last.OccurredAt, last.RecordedAt)
	}
	met := f.l.Progress(stdID).Met
	if met.AttemptID != metID || met.StandardRevision != 1 || met.AgreementID != f.l.Progress(stdID).Agreements[1].ID {
		t.Errorf("met = %+v", met)
	}

	// The stream the fixture wrote is a valid hash chain, and every prefix of
	// it folds to the status the ledger showed then: the "as of" view.
	var v ChainVerifier
	for _, e := range f.events {
		if err := v.Next(e); err != nil {
			t.Fatal(err)
		}
	}
	prefix := map[int]Status{1: StatusNotStarted, 2: StatusInProgress, 4: StatusReady, 5: StatusInProgress, 7: StatusMet}
	for n, want := range prefix {
		if got := foldLearner(t, f.events[:n]).Mastery(f.std).Status; got != want {
			t.Errorf("as of event %d: status %s, want %s", n, got, want)
		}
	}
}

func TestMetIsPermanent(t *testing.T) {
	f := newFixture(t, "c1", "c2")
	e1 := f.evidence("c1", 4)
	e2 := f.evidence("c2", 3)
	f.agree()
	f.attempt(3)
	r := f.retract(e2)

	m := f.mastery()
	if m.Status != StatusMet {
		t.Fatalf("status after retraction = %s, want met", m.Status)
	}
	want := []ComponentMastery{
		{ID: "c1", Covered: true, Level: intp(4), EvidenceIDs: []uuid.UUID{e1}},
		{ID: "c2", Covered: false, Level: nil, EvidenceIDs: []uuid.UUID{}},
	}
	assertEqual(t, m.Components, want)
	if ev := f.l.Evidence[e2]; ev.Current() || ev.RetractedBy != r {
		t.Errorf("retracted evidence = %+v, want retracted by %s", ev, r)
	}
}

func TestClaimKeepsTheRevisionMet(t *testing.T) {
	f := newFixture(t, "c1", "c2")
	f.evidence("c1", 3)
	f.evidence("c2", 3)
	f.agree()
	f.attempt(4)
	f.revise("c1", "c2", "c3")

	m := f.mastery()
	if m.Status != StatusMet || m.StandardRevision != 1 {
		t.Fatalf("mastery = %s at revision %d, want met at revision 1", m.Status, m.StandardRevision)
	}
	if len(m.Components) != 2 {
		t.Errorf("components = %+v, want revision 1's c1 and c2", m.Components)
	}
	if f.std.Revision != 2 || len(f.std.ComponentsAt(1)) != 2 || len(f.std.ComponentsAt(2)) != 3 {
		t.Errorf("standard history = %+v", f.std.Revisions)
	}

	// A learner who has not met sees the current revision, and evidence
	// recorded against revision 1 still counts for its components.
	g := newFixture(t, "c1", "c2")
	g.evidence("c1", 3)
	g.revise("c1", "c3")
	m = g.mastery()
	if m.Status != StatusInProgress || m.StandardRevision != 2 {
		t.Fatalf("mastery = %s at revision %d, want in-progress at 2", m.Status, m.StandardRevision)
	}
	if !m.Components[0].Covered || m.Components[1].Covered || m.Components[1].ID != "c3" {
		t.Errorf("components = %+v", m.Components)
	}
}

func TestMasteryComponents(t *testing.T) {
	f := newFixture(t, "c1", "c2", "c3")
	f.preAssess("c1")
	low := f.evidence("c2", 2)
	high := f.evidence("c2", 4)
	f.retract(f.evidence("c2", 3))
	self := f.evidenceBy(learnerAct, "c3", 3, SourceSelf)
	f.evidence("c3", 1)

	want := []ComponentMastery{
		{ID: "c1", Covered: true, Level: nil, EvidenceIDs: []uuid.UUID{}, PreAssessed: true},
		{ID: "c2", Covered: true, Level: intp(4), EvidenceIDs: []uuid.UUID{low, high}},
		{ID: "c3", Covered: true, Level: intp(3), EvidenceIDs: []uuid.UUID{self, uid(10)}, SelfOnly: true},
	}
	assertEqual(t, f.mastery().Components, want)
}

// The mastery view's JSON is the shape DOMAIN.md gives the API.
func TestMasteryJSON(t *testing.T) {
	f := newFixture(t, "c1")
	f.evidence("c1", 3)
	f.agree()
	b, err := json.Marshal(f.mastery())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"learnerId", "standardId", "status", "components", "openAgreement", "openRequests", "attempts", "standardRevision", "metAt", "recordedAt"} {
		if _, ok := got[k]; !ok {
			t.Errorf("mastery JSON lacks %q: %s", k, b)
		}
	}
	comp := got["components"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "covered", "level", "evidenceIds"} {
		if _, ok := comp[k]; !ok {
			t.Errorf("component JSON lacks %q: %s", k, b)
		}
	}
	if got["status"] != "ready" || got["metAt"] != nil || got["openAgreement"].(map[string]any)["agreementId"] != uid(5).String() {
		t.Errorf("mastery JSON = %s", b)
	}
}

func TestStandardsOf(t *testing.T) {
	f := newFixture(t, "c1")
	f.goal("g1", stdID)
	f.plan("p1", "g1")
	for _, tc := range []struct {
		e    Event
		want []string
	}{
		{EvidenceRetracted{StandardID: stdID}, []string{stdID}},
		{FeedbackGiven{StandardID: stdID}, []string{stdID}},
		{ReadinessRequested{StandardID: stdID}, []string{stdID}},
		{PlanAdjusted{PlanID: "p1", GoalID: "g1"}, []string{stdID}},
		{GoalReviewed{GoalID: "g1"}, []string{stdID}},
		{GoalSet{StandardIDs: []string{"a", "b"}}, []string{"a", "b"}},
		{LearnerProfileUpdated{}, nil},
	} {
		if got := f.l.StandardsOf(tc.e); !slices.Equal(got, tc.want) {
			t.Errorf("StandardsOf(%s) = %v, want %v", tc.e.EventType(), got, tc.want)
		}
	}
}

// Folds refuse what decisions never produce, and leave the state as it was.
func TestLearnerFoldRefuses(t *testing.T) {
	f := newFixture(t, "c1")
	f.evidence("c1", 3)
	next := func(e Event) RecordedEvent {
		prev := f.events[len(f.events)-1]
		return recorded(t, LearnerStream(learnerID), &prev, 99, t0, Meta{EventID: uid(50), Actor: teacher}, e)
	}
	unknownType := next(LearnerWithdrawn{})
	unknownType.Type = "LearnerPromoted"
	gap := next(LearnerWithdrawn{})
	gap.Revision++
	otherStream := next(LearnerWithdrawn{})
	otherStream.Stream = LearnerStream("l-0002")
	extraField := next(LearnerWithdrawn{})
	extraField.Data = json.RawMessage(`{"reason":"r","by":"x"}`)

	cases := map[string]RecordedEvent{
		"unknown type":             unknownType,
		"undecodable data":         extraField,
		"gap in revisions":         gap,
		"another learner's stream": otherStream,
		"a standard's event":       next(StandardRetired{StandardID: stdID}),
		"second enrolment":         next(LearnerEnrolled{LearnerID: learnerID, SchoolID: schoolID, Cohort: "g"}),
		"retraction of unknown":    next(EvidenceRetracted{EvidenceID: uid(77), StandardID: stdID, ComponentID: "c1", Reason: "r"}),
		"attempt without agreement": next(SummativeAttemptRecorded{StandardID: stdID, StandardRevision: 1, AgreementID: uid(78),
			Level: 3, Proficient: 3, Meets: true}),
		"agreement answering an unknown request": next(ReadinessAgreed{StandardID: stdID, StandardRevision: 1, Teacher: "Ms Rivera",
			LearnerConfirmed: true, RequestID: uid(79), Components: []AgreedComponent{{ID: "c1", EvidenceIDs: []uuid.UUID{f.events[1].ID}}}}),
		"plan of unknown goal":  next(PlanDrafted{PlanID: "p1", GoalID: "g9"}),
		"evaluation of unknown": next(GoalEvaluated{GoalID: "g9", Result: GoalMet}),
		"adjustment of unknown": next(PlanAdjusted{PlanID: "p9", GoalID: "g9"}),
		"evidence recorded twice": func() RecordedEvent {
			r := next(EvidenceRecorded{StandardID: stdID, StandardRevision: 1, ComponentID: "c1", Level: 3, Source: SourceTeacher})
			r.ID = f.events[len(f.events)-1].ID
			return r
		}(),
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			s := foldLearner(t, f.events)
			version := s.Version
			err := s.Apply(e)
			var fe *FoldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want *FoldError", err)
			}
			if errors.Is(err, ErrInvalid) || errors.Is(err, ErrRuleBroken) || errors.Is(err, ErrNotFound) {
				t.Errorf("%v: a fold error must match no sentinel", err)
			}
			if s.Version != version || len(s.Evidence) != 1 || len(s.Goals) != 0 {
				t.Errorf("state changed by a refused event: %+v", s)
			}
		})
	}

	t.Run("a second erasure, and a profile after one", func(t *testing.T) {
		g := newFixture(t, "c1")
		g.profile()
		g.erase()
		s := foldLearner(t, g.events)
		prev := g.events[len(g.events)-1]
		for _, e := range []Event{LearnerPersonalDataErased{}, LearnerProfileUpdated{Personal: &Profile{DisplayName: "Sam"}}} {
			r := recorded(t, LearnerStream(learnerID), &prev, 99, t0, Meta{EventID: uid(60), Actor: admin}, e)
			var fe *FoldError
			if err := s.Apply(r); !errors.As(err, &fe) || !strings.Contains(err.Error(), "erasure") && !strings.Contains(err.Error(), "erased") {
				t.Fatalf("%s after the erasure: got %v, want a *FoldError", e.EventType(), err)
			}
			if s.Version != uint64(len(g.events)) || s.Erased.EventID != prev.ID {
				t.Errorf("state changed by a refused event: %+v", s)
			}
		}
	})

	t.Run("an event before the enrolment", func(t *testing.T) {
		r := recorded(t, LearnerStream(learnerID), nil, 1, t0, Meta{EventID: uid(1), Actor: teacher}, LearnerWithdrawn{})
		var fe *FoldError
		if err := (&LearnerState{}).Apply(r); !errors.As(err, &fe) || !strings.Contains(err.Error(), "before the learner's enrolment") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestStandardDecisionsAndFold(t *testing.T) {
	f := newFixture(t, "c1", "c2")
	if f.std.ID != stdID || f.std.Revision != 1 || f.std.Retired || !f.std.Scale.Has(4) || f.std.Scale.Proficient != 3 {
		t.Fatalf("published = %+v", f.std)
	}
	if _, ok := f.std.Expected().(Revision); !ok || (&StandardState{}).Expected() != (NoStream{}) {
		t.Error("Expected is not the next append's guard")
	}

	m := Meta{OccurredAt: t0, Actor: admin}
	ev, err := ReviseStandard{Meta: m, Statement: "s2", Components: componentsOf("c2", "c3")}.Decide(f.std, t0)
	f.ok(err)
	if ev.StandardRevision != 2 || ev.StandardID != stdID {
		t.Errorf("revision = %+v", ev)
	}

	_, err = ReviseStandard{Meta: m, Statement: "s", Components: componentsOf("c1")}.Decide(&StandardState{}, t0)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("revising nothing: got %v, want ErrNotFound", err)
	}
	_, err = PublishStandard{Meta: Meta{Actor: teacher}, StandardID: "s", Framework: "f", Code: "c", Title: "t", Statement: "s",
		Components: componentsOf("c1")}.Decide(t0)
	wantRule(t, err, RuleRoleNotPermitted, "teacher", "admin")

	custom := &Scale{Levels: []Level{{Level: 0, Label: "Not yet"}, {Level: 1, Label: "Met"}}, Proficient: 1}
	pub, err := PublishStandard{Meta: m, StandardID: "s", Framework: "f", Code: "c", Title: "t", Statement: "s",
		Components: componentsOf("c1"), Scale: custom}.Decide(t0)
	f.ok(err)
	custom.Levels[0].Label = "changed after deciding"
	if pub.Scale.Levels[0].Label != "Not yet" {
		t.Error("the event shares memory with the command")
	}

	f.retire()
	if !f.std.Retired || f.std.Revision != 1 {
		t.Errorf("retired = %+v", f.std)
	}
	_, err = RetireStandard{Meta: m}.Decide(f.std, t0)
	wantRule(t, err, RuleStandardRetired, "already retired")
	_, err = ReviseStandard{Meta: m, Statement: "s", Components: componentsOf("c1")}.Decide(f.std, t0)
	wantRule(t, err, RuleStandardRetired)
}

func TestSchoolDecisionsAndFold(t *testing.T) {
	f := newFixture(t, "c1")
	if !f.school.Registered() || f.school.Name != "North Middle School" {
		t.Fatalf("school = %+v", f.school)
	}
	if f.l.SchoolID != schoolID || f.l.Cohort != "grade-6" || f.l.Expected() != Revision(0) {
		t.Errorf("learner = %+v", f.l)
	}
	m := Meta{EventID: uid(40), OccurredAt: t0, Actor: admin}
	ev, err := RecordEfficacySurvey{Meta: m, RoundID: "r1", Respondent: RespondentLearner, Cohort: "grade-6",
		Items: []SurveyItem{{ItemID: "q1", Score: 5}}}.Decide(f.school, t0)
	f.ok(err)
	if ev.ScaleMin != LikertMin || ev.ScaleMax != LikertMax {
		t.Errorf("survey = %+v", ev)
	}
	prev := recorded(t, SchoolStream(schoolID), nil, 1, t0, m, SchoolRegistered{SchoolID: schoolID, Name: "North Middle School"})
	f.ok(f.school.Apply(recorded(t, SchoolStream(schoolID), &prev, 2, t0.Add(time.Minute), m, ev)))
	if f.school.Rounds["r1"] != 1 || f.school.Version != 2 {
		t.Errorf("school = %+v", f.school)
	}

	_, err = RecordEfficacySurvey{Meta: Meta{Actor: teacher}, RoundID: "r1", Respondent: RespondentStaff,
		Items: []SurveyItem{{ItemID: "q1", Score: 1}}}.Decide(f.school, t0)
	wantRule(t, err, RuleRoleNotPermitted)
}

// The research sharing setting is the admin's, names its field when left
// out, needs a registered school, and the latest one is the school's.
func TestResearchSharingDecisionsAndFold(t *testing.T) {
	f := newFixture(t, "c1")
	yes, no := true, false
	m := Meta{EventID: uid(41), OccurredAt: t0, Actor: admin}
	if f.school.IncludeFreeText {
		t.Fatal("a new school shares free text")
	}
	_, err := SetResearchSharing{Meta: m}.Decide(f.school, t0)
	var invalid *ValidationError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "includeFreeText") {
		t.Errorf("without includeFreeText: %v, want a validation error naming the field", err)
	}
	_, err = SetResearchSharing{Meta: Meta{Actor: teacher}, IncludeFreeText: &yes}.Decide(f.school, t0)
	wantRule(t, err, RuleRoleNotPermitted)
	_, err = SetResearchSharing{Meta: m, IncludeFreeText: &yes}.Decide(&SchoolState{}, t0)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("for an unregistered school: %v, want ErrNotFound", err)
	}

	prev := recorded(t, SchoolStream(schoolID), nil, 1, t0, m, SchoolRegistered{SchoolID: schoolID, Name: "North Middle School"})
	for i, include := range []*bool{&yes, &no} {
		ev, err := SetResearchSharing{Meta: m, IncludeFreeText: include}.Decide(f.school, t0)
		f.ok(err)
		if ev.IncludeFreeText != *include {
			t.Fatalf("decided %+v for %v", ev, *include)
		}
		next := recorded(t, SchoolStream(schoolID), &prev, uint64(2+i), t0.Add(time.Minute), m, ev)
		f.ok(f.school.Apply(next))
		if f.school.IncludeFreeText != *include {
			t.Errorf("after setting %v the school shares free text: %v", *include, f.school.IncludeFreeText)
		}
		prev = next
	}
	var unregistered SchoolState
	if err := unregistered.Apply(recorded(t, SchoolStream(schoolID), nil, 1, t0, m, ResearchSharingSet{IncludeFreeText: true})); err == nil {
		t.Error("a setting before the registration folds")
	}
}
