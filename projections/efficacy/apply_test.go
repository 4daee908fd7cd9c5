package efficacy_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

var tool = domain.Actor{Role: domain.RoleTool, Name: "Quiz tool"}

// Every type of the catalog is folded (or ignored by name), none refused.
func TestEveryCatalogType(t *testing.T) {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.school("north")
	hs.survey("north", "r1", domain.RespondentStaff, "", day(0), 4)
	hs.instrument("north", demoInstrument(1))
	hs.openRound("north", "r2", "staff-ce", 1, 10, "", day(0))
	hs.answer("north", "r2", "staff-ce", 1, "", day(0), 6, 1)
	hs.add(domain.SchoolStream("north"), day(0), admin, domain.ResearchSharingSet{IncludeFreeText: true})
	hs.add(domain.SchoolStream("north"), day(0), admin, domain.XAPIActivityAligned{ActivityID: "https://tool.example/a", StandardID: "A", ComponentID: "c1"})
	hs.enroll("l1", "north", "grade-6", day(0))
	hs.profile("l1", day(0))
	// A practice review is read by projections/review: no figure here
	// changes with it.
	hs.add(domain.SchoolStream("north"), day(0), teacher, domain.PracticeReviewStarted{ReviewID: "r1", Practice: "p", IntendedResult: "i",
		StandardIDs: []string{"A"}, Scope: domain.ReviewScope{Cohorts: []string{"grade-6"}}, StartDate: "2026-09-01", ReviewDate: "2026-10-01"})
	hs.add(domain.SchoolStream("north"), day(0), teacher, domain.PracticeReviewConcluded{ReviewID: "r1", Decision: domain.ReviewKeep,
		Learned: "l", Figures: domain.ReviewFigures{Figures: []domain.ReviewFigure{}}})
	hs.add(domain.SchoolStream("north"), day(0), admin, domain.XAPIAgentLinked{Agent: domain.XAPIAgent{Mbox: "mailto:l1@example.org"}, LearnerID: "l1"})
	hs.add(domain.LearnerStream("l1"), day(0), tool, domain.StatementRecorded{StatementID: "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", SchoolID: "north",
		Statement: json.RawMessage(`{"id":"fd41c918-b88b-4b20-a0a5-a4c32391aaa0"}`)})
	hs.add(domain.LearnerStream("l1"), day(0), tool, domain.XAPIDocumentPut{SchoolID: "north", Kind: domain.XAPIDocumentState,
		ActivityID: "https://tool.example/a/1", Agent: "mbox:mailto:l1@example.org", DocumentID: "s", ContentType: "text/plain", Content: []byte("x")})
	hs.add(domain.SchoolStream("north"), day(0), tool, domain.XAPIDocumentDeleted{SchoolID: "north", Kind: domain.XAPIDocumentActivityProfile,
		ActivityID: "https://tool.example/a/1", DocumentID: "p"})
	hs.preAssess("l1", "A", day(0), "c1")
	e := hs.evidence("l1", "A", day(1))
	hs.retract("l1", "A", e, day(1))
	hs.feedback("l1", "A", day(1))
	hs.goal("l1", "g1", day(1), "A")
	hs.plan("l1", "p1", "g1", day(1))
	hs.notYet("l1", "A", day(2))
	hs.adjust("l1", "p1", "g1", day(2))
	hs.revise("A", day(2))
	hs.add(domain.LearnerStream("l1"), day(3), teacher, domain.ReadinessRequested{StandardID: "A", StandardRevision: 2, EvidenceIDs: []uuid.UUID{e}})
	hs.meet("l1", "A", day(3), day(4))
	// A credential restates the claim: no figure changes with it.
	cred := uuid.New()
	hs.add(domain.LearnerStream("l1"), day(4), teacher, domain.CredentialIssued{CredentialID: cred, StandardID: "A", StandardRevision: 2,
		AttemptID: uuid.New(), Alg: "ES256", JWTSHA256: strings.Repeat("ab", 32), CheckpointSize: 9, CheckpointRoot: "cm9vdA==", JWT: "e30.e30.c2ln"})
	hs.add(domain.LearnerStream("l1"), day(4), admin, domain.CredentialRevoked{CredentialID: cred, StandardID: "A", Reason: "issued in error"})
	hs.evaluate("l1", "g1", domain.GoalMet, day(4))
	hs.review("l1", "g1", day(4))
	hs.retire("A", day(5))
	hs.withdraw("l1", day(6))
	hs.erase("l1", day(7))

	var types []string
	for _, e := range hs.events {
		if !slices.Contains(types, e.Type) {
			types = append(types, e.Type)
		}
	}
	slices.Sort(types)
	if !slices.Equal(types, domain.EventTypes()) {
		t.Fatalf("the history has types %v, the catalog %v", types, domain.EventTypes())
	}
	p := hs.project()
	if p.Position() != uint64(len(hs.events)) {
		t.Errorf("position %d, want %d", p.Position(), len(hs.events))
	}
	r := report(t, p, "north", Query{})
	if r.Persistence.Persisted != 1 || len(r.Wins) != 1 || r.Enrolled.Withdrawn != 1 {
		t.Errorf("report %s", toJSON(t, r))
	}
}

// A refused event changes nothing: not the position, not a figure.
func TestApplyRefuses(t *testing.T) {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.school("north")
	hs.enroll("l1", "north", "grade-6", day(0))
	hs.goal("l1", "g1", day(0), "A")
	hs.plan("l1", "p1", "g1", day(0))
	hs.notYet("l1", "A", day(1))
	open := hs.agree("l1", "A", day(2))
	p := hs.project()
	last := p.Position()
	before := toJSON(t, report(t, p, "north", Query{}))

	data := func(e domain.Event) json.RawMessage {
		d, err := domain.NewEventData(domain.Meta{}, e)
		if err != nil {
			t.Fatal(err)
		}
		return d.Data
	}
	next := last + 1
	ev := func(stream string, e domain.Event) domain.RecordedEvent {
		return domain.RecordedEvent{ID: uid(900), Type: e.EventType(), Stream: stream, Position: next,
			RecordedAt: day(3), OccurredAt: day(3), Actor: teacher, Data: data(e)}
	}
	evidence := domain.EvidenceRecorded{StandardID: "A", StandardRevision: 1, ComponentID: "c1", Level: 3, Source: domain.SourceTeacher}
	withPosition := func(e domain.RecordedEvent, pos uint64) domain.RecordedEvent { e.Position = pos; return e }
	learner := domain.LearnerStream("l1")

	cases := []struct {
		name    string
		e       domain.RecordedEvent
		invalid bool // the error wraps domain.ErrInvalid
	}{
		{"type outside the catalog", domain.RecordedEvent{ID: uid(900), Type: "GradeRecorded", Stream: learner, Position: next, Data: json.RawMessage(`{}`)}, true},
		{"unknown field", domain.RecordedEvent{ID: uid(900), Type: domain.TypeEvidenceRecorded, Stream: learner, Position: next,
			Data: json.RawMessage(`{"standardId":"A","standardRevision":1,"componentId":"c1","level":3,"source":"teacher","grade":"B"}`)}, true},
		{"data not an object", domain.RecordedEvent{ID: uid(900), Type: domain.TypeFeedbackGiven, Stream: learner, Position: next, Data: json.RawMessage(`[]`)}, true},
		{"not a ledger stream", ev("teacher-1", evidence), false},
		{"learner event in a school stream", ev(domain.SchoolStream("north"), evidence), false},
		{"school event in a learner stream", ev(learner, domain.SchoolRegistered{SchoolID: "l1", Name: "x"}), false},
		{"standard event in a school stream", ev(domain.SchoolStream("north"), domain.StandardRetired{StandardID: "north"}), false},
		{"position repeated", withPosition(ev(learner, evidence), last), false},
		{"position going back", withPosition(ev(learner, evidence), 1), false},
		{"before the enrolment", ev(domain.LearnerStream("l9"), evidence), false},
		{"attempt of another agreement", ev(learner, domain.SummativeAttemptRecorded{StandardID: "A", StandardRevision: 1, AgreementID: uid(999), Level: 3, Proficient: 3, Meets: true}), false},
		{"attempt with no agreement open", ev(learner, domain.SummativeAttemptRecorded{StandardID: "B", StandardRevision: 1, AgreementID: open, Level: 3, Proficient: 3, Meets: true}), false},
		{"second open agreement", ev(learner, domain.ReadinessAgreed{StandardID: "A", StandardRevision: 1, Components: []domain.AgreedComponent{}, Teacher: "T", LearnerConfirmed: true}), false},
		{"adjustment for an unknown goal", ev(learner, domain.PlanAdjusted{PlanID: "p1", GoalID: "g9", Change: "c", Reason: "r"}), false},
		{"evaluation of an unknown goal", ev(learner, domain.GoalEvaluated{GoalID: "g9", Result: domain.GoalMet, EvidenceIDs: []uuid.UUID{}}), false},
		{"goal set twice", ev(learner, domain.GoalSet{GoalID: "g1", StandardIDs: []string{}}), false},
		{"enrolled twice", ev(learner, domain.LearnerEnrolled{LearnerID: "l1", SchoolID: "north", Cohort: "grade-6"}), false},
		{"enrolment of another id", ev(domain.LearnerStream("l7"), domain.LearnerEnrolled{LearnerID: "l8", SchoolID: "north", Cohort: "grade-6"}), false},
		{"standard published twice", ev(domain.StandardStream("A"), domain.StandardPublished{StandardID: "A", Components: []domain.Component{}}), false},
		{"publication of another id", ev(domain.StandardStream("B"), domain.StandardPublished{StandardID: "C", Components: []domain.Component{}}), false},
		{"revision of an unknown standard", ev(domain.StandardStream("B"), domain.StandardRevised{StandardID: "B", StandardRevision: 2, Components: []domain.Component{}}), false},
		{"retirement of an unknown standard", ev(domain.StandardStream("B"), domain.StandardRetired{StandardID: "B"}), false},
		{"school registered twice", ev(domain.SchoolStream("north"), domain.SchoolRegistered{SchoolID: "north", Name: "N"}), false},
		{"registration of another id", ev(domain.SchoolStream("west"), domain.SchoolRegistered{SchoolID: "east", Name: "E"}), false},
		{"survey before the registration", ev(domain.SchoolStream("west"), domain.EfficacySurveyRecorded{RoundID: "r", Respondent: domain.RespondentStaff, ScaleMin: 1, ScaleMax: 5, Items: []domain.SurveyItem{{ItemID: "q1", Score: 3}}}), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := p.Apply(c.e)
			if err == nil {
				t.Fatal("accepted")
			}
			if c.invalid != errors.Is(err, domain.ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = %v, want %v: %v", !c.invalid, c.invalid, err)
			}
			if p.Position() != last {
				t.Errorf("position moved to %d", p.Position())
			}
			if after := toJSON(t, report(t, p, "north", Query{})); after != before {
				t.Errorf("report changed:\n%s\n%s", before, after)
			}
		})
	}

	// The model is not corrupted: the next event in order is accepted.
	if err := p.Apply(ev(learner, evidence)); err != nil {
		t.Fatalf("a valid event after the refusals: %v", err)
	}
	if p.Position() != next {
		t.Errorf("position %d, want %d", p.Position(), next)
	}
}

// A school known only from an enrolment, or a standard known only from a
// learner's events, is not an error: the events are the truth.
func TestReferencesAcrossStreams(t *testing.T) {
	p := efficacy.New()
	evs := []domain.RecordedEvent{}
	add := func(stream string, e domain.Event) {
		d, err := domain.NewEventData(domain.Meta{}, e)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, domain.RecordedEvent{ID: uid(len(evs) + 1), Type: e.EventType(), Stream: stream,
			Position: uint64(len(evs) + 1), OccurredAt: day(len(evs)), RecordedAt: day(len(evs)), Data: d.Data})
	}
	add(domain.LearnerStream("l1"), domain.LearnerEnrolled{LearnerID: "l1", SchoolID: "north", Cohort: "grade-6"})
	add(domain.LearnerStream("l1"), domain.ReadinessAgreed{StandardID: "X", StandardRevision: 1, Components: []domain.AgreedComponent{}, Teacher: "T", LearnerConfirmed: true})
	add(domain.LearnerStream("l1"), domain.SummativeAttemptRecorded{StandardID: "X", StandardRevision: 1, AgreementID: uid(2), Level: 3, Proficient: 3, Meets: true})
	for _, e := range evs {
		if err := p.Apply(e); err != nil {
			t.Fatalf("Apply: %v", err)
		}
	}
	if _, err := p.School("north", Query{}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unregistered school: err = %v, want ErrNotFound", err)
	}
	add(domain.SchoolStream("north"), domain.SchoolRegistered{SchoolID: "north", Name: "North"})
	if err := p.Apply(evs[len(evs)-1]); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	r := report(t, p, "north", Query{})
	if len(r.Wins) != 1 || r.Wins[0].Code != "" || r.Wins[0].Title != "" || r.Proficiency.Standards[0].StandardID != "X" {
		t.Errorf("report %s", toJSON(t, r))
	}
}
