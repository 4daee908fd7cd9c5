package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// sampleEvents holds one event of every catalog type, every field set, so
// that a round trip exercises every JSON tag.
func sampleEvents() []Event {
	art := &Artifact{URI: "https://files.example/l-0001/ratio.pdf", SHA256: strings.Repeat("ab", 32), MediaType: "application/pdf"}
	return []Event{
		StandardPublished{StandardID: stdID, Framework: "CCSS-M", Code: "6.RP.A.1", Title: "Ratios", Statement: "Understand ratios.",
			Components: componentsOf("c1", "c2"), Scale: DefaultScale()},
		StandardRevised{StandardID: stdID, StandardRevision: 2, Statement: "Understand ratios, revised.", Components: componentsOf("c1", "c3"), Reason: "framework update"},
		StandardRetired{StandardID: stdID, Reason: "replaced"},
		SchoolRegistered{SchoolID: schoolID, Name: "North Middle School"},
		LearnerEnrolled{LearnerID: learnerID, SchoolID: schoolID, Cohort: "grade-6"},
		LearnerWithdrawn{Reason: "moved school"},
		EfficacySurveyRecorded{RoundID: "2026-autumn", Respondent: RespondentStaff, Cohort: "grade-6", ScaleMin: 1, ScaleMax: 6,
			Items: []SurveyItem{{ItemID: "q1", Score: 4}, {ItemID: "q2", Score: 2}}, InstrumentID: "staff-efficacy", InstrumentVersion: 2},
		PreAssessmentRecorded{StandardID: stdID, StandardRevision: 1, Demonstrated: []string{"c1"}, Note: "knows ratios from cooking"},
		EvidenceRecorded{StandardID: stdID, StandardRevision: 1, ComponentID: "c2", Level: 3, Source: SourcePeer, Assessor: "table 3",
			Artifact: art, Note: "explained to a peer"},
		EvidenceRetracted{EvidenceID: uid(4), StandardID: stdID, ComponentID: "c2", Reason: "scored the wrong rubric"},
		FeedbackGiven{StandardID: stdID, EvidenceIDs: []uuid.UUID{uid(4)}, Strengths: "clear tables", NextSteps: "use a:b", Causes: "rushed"},
		GoalSet{GoalID: "g1", Specific: "s", Measurable: "m", Achievable: "a", Relevant: "r", TargetDate: "2026-10-15",
			Evaluate: "e", Review: "rv", StandardIDs: []string{stdID}},
		PlanDrafted{PlanID: "p1", GoalID: "g1", Plan: "p", Learn: "l", Check: "c", Adjust: "a"},
		PlanAdjusted{PlanID: "p1", GoalID: "g1", Change: "more practice", Reason: "a summative attempt did not meet"},
		GoalEvaluated{GoalID: "g1", Result: GoalNotYet, EvidenceIDs: []uuid.UUID{uid(4), uid(5)}, Note: "close"},
		GoalReviewed{GoalID: "g1", Reflection: "needed more time", NextGoal: "rates"},
		LearnerProfileUpdated{Personal: &Profile{DisplayName: "Sam", Interests: []string{"cooking"}, LearningPreferences: []string{"visual"},
			BackgroundKnowledge: "fractions", CollegeCareerGoals: "chef"}},
		ReadinessRequested{StandardID: stdID, StandardRevision: 1, EvidenceIDs: []uuid.UUID{uid(4)}, Note: "I can explain ratios now"},
		ReadinessAgreed{StandardID: stdID, StandardRevision: 1, Teacher: "Ms Rivera", LearnerConfirmed: true, RequestID: uid(7), Note: "ready",
			Components: []AgreedComponent{{ID: "c1", EvidenceIDs: []uuid.UUID{}, PreAssessed: true}, {ID: "c2", EvidenceIDs: []uuid.UUID{uid(4)}}}},
		SummativeAttemptRecorded{StandardID: stdID, StandardRevision: 1, AgreementID: uid(6), Level: 3, Proficient: 3, Meets: true,
			Assessor: "Mr Okafor", Artifact: art, Note: "solid"},
		LearnerPersonalDataErased{Reason: ErasureLearnerRequest},
		ResearchSharingSet{IncludeFreeText: true},
		StatementRecorded{StatementID: "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", SchoolID: schoolID,
			Statement:   json.RawMessage(`{"id":"fd41c918-b88b-4b20-a0a5-a4c32391aaa0","verb":{"id":"http://adlnet.gov/expapi/verbs/passed"}}`),
			Attachments: []StatementAttachment{{SHA2: "ab", ContentType: "text/plain", Content: []byte("hi")}}},
		XAPIActivityAligned{ActivityID: "https://tool.example/a/1", StandardID: stdID, ComponentID: "c1", CutScores: []CutScore{{Level: 1, MinScaled: 0}, {Level: 3, MinScaled: 0.8}}},
		XAPIAgentLinked{Agent: XAPIAgent{AccountHomePage: "https://tool.example", AccountName: "u1"}, LearnerID: learnerID},
		XAPIDocumentPut{SchoolID: schoolID, Kind: XAPIDocumentState, ActivityID: "https://tool.example/a/1", Agent: "mbox:mailto:sam@example.org",
			Registration: "fd41c918-b88b-4b20-a0a5-a4c32391aaa1", DocumentID: "bookmark", ContentType: "application/json", Content: []byte(`{"page":3}`)},
		XAPIDocumentDeleted{SchoolID: schoolID, Kind: XAPIDocumentState, ActivityID: "https://tool.example/a/1", Agent: "mbox:mailto:sam@example.org"},
		CredentialIssued{CredentialID: uid(8), StandardID: stdID, StandardRevision: 1, AttemptID: uid(9), Alg: "ES256",
			JWTSHA256: strings.Repeat("ab", 32), CheckpointSize: 12, CheckpointRoot: "cm9vdA==", StatusListIndex: 11, JWT: "e30.e30.c2ln"},
		CredentialRevoked{CredentialID: uid(8), StandardID: stdID, Reason: "issued in error"},
		SurveyInstrumentPublished{InstrumentID: "staff-efficacy", Version: 2, Title: "Staff efficacy", Respondent: RespondentStaff,
			ScaleMin: 1, ScaleMax: 6, Subscales: []SurveySubscale{{ID: "gc", Name: "Group competence"}, {ID: "ta", Name: "Task analysis"}},
			Items: []InstrumentItem{{ItemID: "q1", Text: "We can reach every learner.", Subscale: "gc"},
				{ItemID: "q2", Text: "Learners here come unready.", Subscale: "ta", ReverseKeyed: true}},
			Source: "the school's own items"},
		SurveyRoundOpened{RoundID: "2026-autumn", InstrumentID: "staff-efficacy", InstrumentVersion: 2, Respondent: RespondentStaff,
			Invited: 12, Cohort: "grade-6"},
		samplePracticeReviewStarted(),
		PracticeReviewConcluded{ReviewID: "r1", Decision: ReviewAdjust, Learned: "feedback helps when it comes within a day",
			Figures: ReviewFigures{AsOfPosition: 42, ScopeLearners: 2, ComparisonLearners: 1, Resamples: 2000, Level: 0.95,
				Figures: []ReviewFigure{{Name: "evidence-level", ScopeBefore: ptr(2.5), ScopeDuring: ptr(3.0), ComparisonBefore: ptr(2.0),
					ComparisonDuring: ptr(2.0), Difference: ptr(0.5), Low: ptr(0.0), High: ptr(1.0), Observational: true}}}},
	}
}

func samplePracticeReviewStarted() PracticeReviewStarted {
	return PracticeReviewStarted{ReviewID: "r1", Practice: "feedback within a day", IntendedResult: "more not-yet attempts followed by met",
		StandardIDs: []string{stdID}, Scope: ReviewScope{Cohorts: []string{"grade-6"}, LearnerIDs: []string{learnerID}},
		Comparison: &ReviewScope{Cohorts: []string{"grade-7"}, LearnerIDs: []string{}}, StartDate: "2026-09-01", ReviewDate: "2026-10-01"}
}

func ptr[T any](v T) *T { return &v }

// sealedSample is a LearnerProfileUpdated in the shape the ledger stores.
func sealedSample() LearnerProfileUpdated {
	return LearnerProfileUpdated{Sealed: &SealedProfile{Alg: SealAlgA256GCM,
		Nonce: []byte("0123456789ab"), Ciphertext: []byte("ciphertext and a 16-byte tag")}}
}

func sampleRecorded(t testing.TB, e Event) RecordedEvent {
	t.Helper()
	return recorded(t, LearnerStream(learnerID), nil, 1, t0, Meta{EventID: uid(1), OccurredAt: t0, Actor: teacher}, e)
}

func TestDecodeEventRoundTrip(t *testing.T) {
	var types []string
	for _, e := range sampleEvents() {
		types = append(types, e.EventType())
		t.Run(e.EventType(), func(t *testing.T) {
			if name := reflect.TypeOf(e).Name(); name != e.EventType() {
				t.Errorf("struct %s has type name %s", name, e.EventType())
			}
			got, err := DecodeEvent(sampleRecorded(t, e))
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, got, e)
		})
	}
	slices.Sort(types)
	if !slices.Equal(types, EventTypes()) {
		t.Errorf("samples cover %v, the catalog is %v", types, EventTypes())
	}
	if len(EventTypes()) != 33 {
		t.Errorf("the catalog has %d types, DOMAIN.md's 19, the erasure, the research sharing setting, the readiness request, the three of xAPI and its document write and tombstone, the credential's issue and revocation, the survey instrument and round, and the practice review's start and conclusion", len(EventTypes()))
	}
	t.Run("sealed profile", func(t *testing.T) {
		got, err := DecodeEvent(sampleRecorded(t, sealedSample()))
		if err != nil {
			t.Fatal(err)
		}
		assertEqual[Event](t, got, sealedSample())
	})
}

// A profile update holds exactly one of its two shapes, and a sealed one
// only what A256GCM can have written.
func TestDecodeProfileShapes(t *testing.T) {
	nonce := `"MDEyMzQ1Njc4OWFi"`       // 12 bytes
	tag := `"MDEyMzQ1Njc4OWFiY2RlZg=="` // 16 bytes
	for _, tc := range []struct {
		name, data string
		ok         bool
	}{
		{"plain", `{"personal":{"interests":[],"learningPreferences":[]}}`, true},
		{"sealed", `{"sealed":{"alg":"A256GCM","nonce":` + nonce + `,"ciphertext":` + tag + `}}`, true},
		{"neither", `{}`, false},
		{"null personal", `{"personal":null}`, false},
		{"both", `{"personal":{"interests":[]},"sealed":{"alg":"A256GCM","nonce":` + nonce + `,"ciphertext":` + tag + `}}`, false},
		{"other alg", `{"sealed":{"alg":"A128GCM","nonce":` + nonce + `,"ciphertext":` + tag + `}}`, false},
		{"short nonce", `{"sealed":{"alg":"A256GCM","nonce":"AAAA","ciphertext":` + tag + `}}`, false},
		{"no tag", `{"sealed":{"alg":"A256GCM","nonce":` + nonce + `,"ciphertext":"AAAA"}}`, false},
		{"not base64", `{"sealed":{"alg":"A256GCM","nonce":"%%%","ciphertext":` + tag + `}}`, false},
		{"unknown member", `{"sealed":{"alg":"A256GCM","nonce":` + nonce + `,"ciphertext":` + tag + `,"kid":"k"}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := RecordedEvent{ID: uid(1), Type: TypeLearnerProfileUpdated, Data: json.RawMessage(tc.data)}
			_, err := DecodeEvent(r)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestDecodeEventIsStrict(t *testing.T) {
	for _, e := range sampleEvents() {
		t.Run(e.EventType(), func(t *testing.T) {
			r := sampleRecorded(t, e)
			r.Data = json.RawMessage(`{"unexpected":1,` + string(r.Data[1:]))
			if _, err := DecodeEvent(r); !errors.Is(err, ErrInvalid) {
				t.Fatalf("unknown field: got %v, want ErrInvalid", err)
			}
		})
	}

	good := sampleRecorded(t, EvidenceRecorded{StandardID: stdID, StandardRevision: 1, ComponentID: "c1", Level: 3, Source: SourceSelf})
	cases := map[string]RecordedEvent{}
	unknown := good
	unknown.Type = "EvidenceInvented"
	cases["unknown type"] = unknown
	wrongType := good
	wrongType.Data = json.RawMessage(`{"standardId":"s","level":"three"}`)
	cases["wrong JSON type"] = wrongType
	trailing := good
	trailing.Data = json.RawMessage(string(good.Data) + `{}`)
	cases["trailing data"] = trailing
	notObject := good
	notObject.Data = json.RawMessage(`null`)
	cases["not an object"] = notObject
	badUUID := sampleRecorded(t, EvidenceRetracted{EvidenceID: uid(1), StandardID: stdID, ComponentID: "c1", Reason: "r"})
	badUUID.Data = json.RawMessage(`{"evidenceId":"not-a-uuid","standardId":"s","componentId":"c","reason":"r"}`)
	cases["malformed uuid"] = badUUID
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeEvent(r); !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestNewEventData(t *testing.T) {
	m := Meta{EventID: uid(7), OccurredAt: t0, Actor: teacher}
	e := GoalReviewed{GoalID: "g1", Reflection: "r"}
	d, err := NewEventData(m, e)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != uid(7) || d.Type != TypeGoalReviewed || !d.OccurredAt.Equal(t0) || d.Actor != teacher {
		t.Errorf("envelope = %+v", d)
	}
	if string(d.Data) != `{"goalId":"g1","reflection":"r"}` {
		t.Errorf("data = %s", d.Data)
	}
}

// The JSON shapes of DOMAIN.md are the contract: spot-check the names.
func TestEventJSONNames(t *testing.T) {
	for _, tc := range []struct {
		e    Event
		want []string
	}{
		{LearnerProfileUpdated{Personal: &Profile{}}, []string{`"personal":{`}},
		{sealedSample(), []string{`"sealed":{"alg":"A256GCM","nonce":"`, `"ciphertext":"`}},
		{LearnerPersonalDataErased{Reason: ErasureOther}, []string{`"reason":"other"`}},
		{ReadinessAgreed{}, []string{`"standardRevision"`, `"components"`, `"teacher"`, `"learnerConfirmed"`}},
		{ReadinessAgreed{RequestID: uid(7)}, []string{`"requestId":"` + uid(7).String() + `"`}},
		{ReadinessRequested{}, []string{`"standardId"`, `"standardRevision"`, `"evidenceIds"`}},
		{SummativeAttemptRecorded{}, []string{`"agreementId"`, `"meets"`, `"proficient"`, `"standardRevision"`}},
		{EvidenceRecorded{}, []string{`"standardId"`, `"componentId"`, `"level"`, `"source"`, `"standardRevision"`}},
		{GoalSet{}, []string{`"goalId"`, `"targetDate"`, `"standardIds"`}},
	} {
		b, _ := json.Marshal(tc.e)
		for _, w := range tc.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s: %s lacks %s", tc.e.EventType(), b, w)
			}
		}
	}
}

// An agreement that names no request encodes to exactly the bytes it did
// before requests existed, so the hashes of stored agreements still verify
// when they are encoded again.
func TestAgreementWithoutRequestKeepsItsBytes(t *testing.T) {
	e := ReadinessAgreed{StandardID: stdID, StandardRevision: 1, Teacher: "Ms Rivera", LearnerConfirmed: true,
		Components: []AgreedComponent{{ID: "c1", EvidenceIDs: []uuid.UUID{uid(4)}}}}
	b, err := EncodeJSON(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"standardId":"math-6-rp-1","standardRevision":1,"components":[{"id":"c1","evidenceIds":["` + uid(4).String() +
		`"],"preAssessed":false}],"teacher":"Ms Rivera","learnerConfirmed":true}`
	if string(b) != want {
		t.Errorf("encoded\n%s\nwant\n%s", b, want)
	}
}

// The process that decides an event folds it as decided, without decoding
// the JSON it just encoded, but only while the event's data are the very
// bytes that encoding made: data replaced (sealed, pseudonymised) or merely
// equal are decoded. The decided note is "aaaa"; the cases change the bytes
// to say "bbbb" so the answer shows which was used.
func TestDecodedPayloadFollowsItsBytes(t *testing.T) {
	decided := EvidenceRecorded{StandardID: stdID, StandardRevision: 1, ComponentID: "c1", Level: 3, Source: SourcePeer, Note: "aaaa"}
	rewrite := func(data []byte) {
		copy(data[bytes.Index(data, []byte("aaaa")):], "bbbb")
	}
	for _, tc := range []struct {
		name string
		// make returns the recorded event built from data (normalized, as
		// a store has it).
		make     func(data EventData) RecordedEvent
		wantNote string
		wantErr  bool
	}{
		{"carried, bytes changed in place", func(data EventData) RecordedEvent {
			r := RecordedEvent{ID: data.ID, Type: data.Type, Data: data.Data}.WithDecodedOf(data)
			rewrite(r.Data)
			return r
		}, "aaaa", false},
		{"not carried", func(data EventData) RecordedEvent {
			r := RecordedEvent{ID: data.ID, Type: data.Type, Data: data.Data}
			rewrite(r.Data)
			return r
		}, "bbbb", false},
		{"data replaced", func(data EventData) RecordedEvent {
			r := RecordedEvent{ID: data.ID, Type: data.Type, Data: data.Data}.WithDecodedOf(data)
			r.Data = bytes.Clone(r.Data)
			rewrite(r.Data)
			return r
		}, "bbbb", false},
		{"carried onto other bytes", func(data EventData) RecordedEvent {
			other := bytes.Clone(data.Data)
			rewrite(other)
			return RecordedEvent{ID: data.ID, Type: data.Type, Data: other}.WithDecodedOf(data)
		}, "bbbb", false},
		{"carried, another type named", func(data EventData) RecordedEvent {
			return RecordedEvent{ID: data.ID, Type: TypeFeedbackGiven, Data: data.Data}.WithDecodedOf(data)
		}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := NewEventData(Meta{EventID: uid(1), Actor: teacher}, decided)
			if err != nil {
				t.Fatal(err)
			}
			if data, err = data.Normalize(); err != nil { // a new, compact copy
				t.Fatal(err)
			}
			ev, err := DecodeEvent(tc.make(data))
			if tc.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("got %#v, %v; want ErrInvalid", ev, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ev.(EvidenceRecorded).Note; got != tc.wantNote {
				t.Errorf("note %q, want %q", got, tc.wantNote)
			}
		})
	}
}
