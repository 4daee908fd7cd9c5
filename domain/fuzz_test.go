package domain_test

// FuzzDecodeStoredEvent reads arbitrary stored events: whatever the type and
// the bytes of the data, DecodeEvent and the three folds must not panic, a
// payload DecodeEvent accepts must survive a round trip through
// NewEventData, and a fold that refuses an event must leave its state as it
// was. The corpus it found is kept in testdata/fuzz/FuzzDecodeStoredEvent, so
// that `go test` replays it.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

var (
	fzT0           = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	fzTeacher      = domain.Actor{Role: domain.RoleTeacher, Name: "Ms Rivera"}
	fzAdmin        = domain.Actor{Role: domain.RoleAdmin, Name: "Office"}
	fzLearnerActor = domain.Actor{Role: domain.RoleLearner, Name: fzLearner}
)

const (
	fzStandard = "math-6-rp-1"
	fzSchool   = "north"
	fzLearner  = "l-0001"
)

// fzID returns the n-th fixed UUID. The base histories use 1 to 9, so that
// the corpus can name their evidence, agreement and goal; the fuzzed event
// is 100 and up.
func fzID(n int) uuid.UUID {
	return uuid.MustParse(fmt.Sprintf("00000000-0000-4000-8000-%012d", n))
}

// fzSamples holds one valid event of every catalog type, every field set,
// naming what the base histories hold.
func fzSamples() []domain.Event {
	art := &domain.Artifact{URI: "https://files.example/l-0001/ratio.pdf", SHA256: strings.Repeat("ab", 32), MediaType: "application/pdf"}
	comps := []domain.Component{{ID: "c1", Statement: "Describe a ratio"}, {ID: "c2", Statement: "Use ratio language"}}
	return []domain.Event{
		domain.StandardPublished{StandardID: fzStandard, Framework: "CCSS-M", Code: "6.RP.A.1", Title: "Ratios",
			Statement: "Understand ratio concepts.", Components: comps, Scale: domain.DefaultScale()},
		domain.StandardRevised{StandardID: fzStandard, StandardRevision: 2, Statement: "Understand ratios, revised.",
			Components: []domain.Component{{ID: "c1", Statement: "Describe"}, {ID: "c3", Statement: "Solve"}}, Reason: "framework update"},
		domain.StandardRetired{StandardID: fzStandard, Reason: "replaced"},
		domain.SchoolRegistered{SchoolID: fzSchool, Name: "North Middle School"},
		domain.LearnerEnrolled{LearnerID: fzLearner, SchoolID: fzSchool, Cohort: "grade-6"},
		domain.LearnerWithdrawn{Reason: "moved school"},
		domain.EfficacySurveyRecorded{RoundID: "2026-autumn", Respondent: domain.RespondentStaff, Cohort: "grade-6", ScaleMin: 1, ScaleMax: 5,
			Items: []domain.SurveyItem{{ItemID: "q1", Score: 4}, {ItemID: "q2", Score: 2}}},
		domain.PreAssessmentRecorded{StandardID: fzStandard, StandardRevision: 1, Demonstrated: []string{"c1"}, Note: "knows ratios from cooking"},
		domain.EvidenceRecorded{StandardID: fzStandard, StandardRevision: 1, ComponentID: "c2", Level: 3, Source: domain.SourcePeer,
			Assessor: "table 3", Artifact: art, Note: "explained to a peer"},
		domain.EvidenceRetracted{EvidenceID: fzID(2), StandardID: fzStandard, ComponentID: "c1", Reason: "scored the wrong rubric"},
		domain.FeedbackGiven{StandardID: fzStandard, EvidenceIDs: []uuid.UUID{fzID(2)}, Strengths: "clear tables", NextSteps: "use a:b", Causes: "rushed"},
		domain.GoalSet{GoalID: "g2", Specific: "s", Measurable: "m", Achievable: "a", Relevant: "r", TargetDate: "2026-10-15",
			Evaluate: "e", Review: "rv", StandardIDs: []string{fzStandard}},
		domain.PlanDrafted{PlanID: "p2", GoalID: "g1", Plan: "p", Learn: "l", Check: "c", Adjust: "a"},
		domain.PlanAdjusted{PlanID: "p1", GoalID: "g1", Change: "more practice", Reason: "a summative attempt did not meet"},
		domain.GoalEvaluated{GoalID: "g1", Result: domain.GoalNotYet, EvidenceIDs: []uuid.UUID{fzID(2)}, Note: "close"},
		domain.GoalReviewed{GoalID: "g1", Reflection: "needed more time", NextGoal: "rates"},
		domain.LearnerProfileUpdated{Personal: &domain.Profile{DisplayName: "Sam", Interests: []string{"cooking"}, LearningPreferences: []string{"visual"},
			BackgroundKnowledge: "fractions", CollegeCareerGoals: "chef"}},
		domain.ReadinessAgreed{StandardID: "math-6-rp-2", StandardRevision: 1, Teacher: "Ms Rivera", LearnerConfirmed: true, Note: "ready",
			Components: []domain.AgreedComponent{{ID: "c1", EvidenceIDs: []uuid.UUID{}, PreAssessed: true}, {ID: "c2", EvidenceIDs: []uuid.UUID{fzID(2)}}}},
		domain.ReadinessRequested{StandardID: fzStandard, StandardRevision: 1, EvidenceIDs: []uuid.UUID{fzID(2)}, Note: "ready to show it"},
		domain.ReadinessAgreed{StandardID: "math-6-rp-2", StandardRevision: 1, Teacher: "Ms Rivera", LearnerConfirmed: true, RequestID: fzID(8),
			Components: []domain.AgreedComponent{{ID: "c1", EvidenceIDs: []uuid.UUID{fzID(2)}}}},
		domain.SummativeAttemptRecorded{StandardID: fzStandard, StandardRevision: 1, AgreementID: fzID(3), Level: 3, Proficient: 3, Meets: true,
			Assessor: "Mr Okafor", Artifact: art, Note: "solid"},
		domain.LearnerProfileUpdated{Sealed: &domain.SealedProfile{Alg: domain.SealAlgA256GCM,
			Nonce: []byte("0123456789ab"), Ciphertext: []byte("ciphertext and a 16-byte tag")}},
		domain.LearnerPersonalDataErased{Reason: domain.ErasureGuardianRequest},
	}
}

// fzRecord is e as a store holds it at revision rev of stream.
func fzRecord(tb testing.TB, stream string, rev uint64, id uuid.UUID, actor domain.Actor, e domain.Event) domain.RecordedEvent {
	tb.Helper()
	d, err := domain.NewEventData(domain.Meta{EventID: id, OccurredAt: fzT0, Actor: actor}, e)
	if err != nil {
		tb.Fatal(err)
	}
	return domain.RecordedEvent{ID: id, Type: d.Type, Stream: stream, Revision: rev, Position: rev + 1,
		RecordedAt: fzT0, OccurredAt: fzT0, Actor: actor, PrevHash: domain.ZeroHash, Data: d.Data}
}

// folder is what the three states have in common.
type folder interface {
	Apply(domain.RecordedEvent) error
}

// base is a state and the history it is folded from: the fuzzed event comes
// next.
type base struct {
	name    string
	stream  string
	newS    func() folder
	history func(testing.TB) []domain.RecordedEvent
}

func fzBases() []base {
	ls, ss, cs := domain.LearnerStream(fzLearner), domain.StandardStream(fzStandard), domain.SchoolStream(fzSchool)
	none := func(testing.TB) []domain.RecordedEvent { return nil }
	return []base{
		{"new learner", ls, func() folder { return &domain.LearnerState{} }, none},
		// A learner with evidence (id 2), an open agreement (id 3) on
		// fzStandard, goal g1, plan p1 and an open readiness request (id 8)
		// on math-6-rp-2, so that retractions, attempts, plan events and an
		// agreement naming a request can resolve.
		{"learner", ls, func() folder { return &domain.LearnerState{} }, func(tb testing.TB) []domain.RecordedEvent {
			return []domain.RecordedEvent{
				fzRecord(tb, ls, 0, fzID(1), fzAdmin, domain.LearnerEnrolled{LearnerID: fzLearner, SchoolID: fzSchool, Cohort: "grade-6"}),
				fzRecord(tb, ls, 1, fzID(2), fzTeacher, domain.EvidenceRecorded{StandardID: fzStandard, StandardRevision: 1, ComponentID: "c1", Level: 3, Source: domain.SourceTeacher}),
				fzRecord(tb, ls, 2, fzID(3), fzTeacher, domain.ReadinessAgreed{StandardID: fzStandard, StandardRevision: 1, Teacher: "Ms Rivera", LearnerConfirmed: true,
					Components: []domain.AgreedComponent{{ID: "c1", EvidenceIDs: []uuid.UUID{fzID(2)}}}}),
				fzRecord(tb, ls, 3, fzID(4), fzTeacher, domain.GoalSet{GoalID: "g1", Specific: "s", Measurable: "m", Achievable: "a", Relevant: "r",
					TargetDate: "2026-10-15", Evaluate: "e", Review: "rv", StandardIDs: []string{fzStandard}}),
				fzRecord(tb, ls, 4, fzID(5), fzTeacher, domain.PlanDrafted{PlanID: "p1", GoalID: "g1", Plan: "p", Learn: "l", Check: "c", Adjust: "a"}),
				fzRecord(tb, ls, 5, fzID(8), fzLearnerActor, domain.ReadinessRequested{StandardID: "math-6-rp-2", StandardRevision: 1, EvidenceIDs: []uuid.UUID{fzID(2)}}),
			}
		}},
		{"new standard", ss, func() folder { return &domain.StandardState{} }, none},
		{"standard", ss, func() folder { return &domain.StandardState{} }, func(tb testing.TB) []domain.RecordedEvent {
			return []domain.RecordedEvent{fzRecord(tb, ss, 0, fzID(6), fzAdmin, fzSamples()[0])}
		}},
		{"new school", cs, func() folder { return &domain.SchoolState{} }, none},
		{"school", cs, func() folder { return &domain.SchoolState{} }, func(tb testing.TB) []domain.RecordedEvent {
			return []domain.RecordedEvent{fzRecord(tb, cs, 0, fzID(7), fzAdmin, domain.SchoolRegistered{SchoolID: fzSchool, Name: "North"})}
		}},
	}
}

func FuzzDecodeStoredEvent(f *testing.F) {
	for _, e := range fzSamples() {
		r := fzRecord(f, "learner-x", 0, fzID(1), fzTeacher, e)
		f.Add(r.Type, []byte(r.Data))
		// The same payload with a neighbour's type, and as a store might
		// hold an event written by hand: indented.
		f.Add(domain.TypeEvidenceRecorded, []byte(r.Data))
		var ind bytes.Buffer
		if err := json.Indent(&ind, r.Data, "", "  "); err == nil {
			f.Add(r.Type, ind.Bytes())
		}
	}
	// What a damaged or hand-written store might hold.
	for _, s := range []struct{ typ, data string }{
		{"", `{}`},
		{"EvidenceInvented", `{"standardId":"s"}`},
		{domain.TypeEvidenceRecorded, ``},
		{domain.TypeEvidenceRecorded, `null`},
		{domain.TypeEvidenceRecorded, `[]`},
		{domain.TypeEvidenceRecorded, `"{}"`},
		{domain.TypeEvidenceRecorded, `{}`},
		{domain.TypeEvidenceRecorded, `{} {}`},
		{domain.TypeEvidenceRecorded, `{}x`},
		{domain.TypeEvidenceRecorded, "\u00a0{}"},
		{domain.TypeEvidenceRecorded, "\ufeff{}"},
		{domain.TypeEvidenceRecorded, `{"standardId":"a","standardId":"b","StandardID":"c","STANDARDID":"d"}`},
		{domain.TypeEvidenceRecorded, `{"level":1e400}`},
		{domain.TypeEvidenceRecorded, `{"level":99999999999999999999999}`},
		{domain.TypeEvidenceRecorded, `{"level":-9223372036854775808}`},
		{domain.TypeEvidenceRecorded, `{"level":3.0}`},
		{domain.TypeEvidenceRecorded, `{"level":"3"}`},
		{domain.TypeEvidenceRecorded, `{"standardId":"\ud800\udc00\u0000\u2028","note":"\xff\xfe"}`},
		{domain.TypeEvidenceRecorded, "{\"standardId\":\"math-6-rp-1\",\"note\":\"\xff\xfe\xc0\x80\"}"},
		{domain.TypeEvidenceRecorded, `{"artifact":null,"note":null}`},
		{domain.TypeEvidenceRecorded, `{"artifact":{"uri":"https://x","extra":1}}`},
		{domain.TypeEvidenceRecorded, `{"standardId":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`},
		{domain.TypeEvidenceRecorded, `{"standardId":"s"`},
		{domain.TypeEvidenceRetracted, `{"evidenceId":"urn:uuid:00000000-0000-4000-8000-000000000002","standardId":"math-6-rp-1","componentId":"c1","reason":"r"}`},
		{domain.TypeEvidenceRetracted, `{"evidenceId":"{00000000-0000-4000-8000-000000000002}","reason":"r"}`},
		{domain.TypeEvidenceRetracted, `{"evidenceId":"00000000000040008000000000000002","reason":"r"}`},
		{domain.TypeEvidenceRetracted, `{"evidenceId":"not-a-uuid"}`},
		{domain.TypeEvidenceRetracted, `{"evidenceId":"00000000-0000-4000-8000-000000000099","reason":"r"}`},
		{domain.TypeSummativeAttemptRecorded, `{"standardId":"math-6-rp-1","agreementId":"00000000-0000-4000-8000-000000000003","level":2,"meets":false}`},
		{domain.TypeReadinessAgreed, `{"standardId":"math-6-rp-1","components":null}`},
		{domain.TypeReadinessAgreed, `{"standardId":"math-6-rp-2","requestId":"00000000-0000-0000-0000-000000000000"}`},
		{domain.TypeReadinessAgreed, `{"standardId":"math-6-rp-2","requestId":null}`},
		{domain.TypeReadinessRequested, `{"standardId":"math-6-rp-1","evidenceIds":null}`},
		{domain.TypeReadinessRequested, `{"standardId":"math-6-rp-1","evidenceIds":["00000000-0000-4000-8000-000000000099"]}`},
		{domain.TypeLearnerProfileUpdated, `{"personal":null}`},
		{domain.TypeLearnerProfileUpdated, `{"personal":{"displayName":"","interests":[],"learningPreferences":null}}`},
		{domain.TypeLearnerProfileUpdated, `{"personal":null,"sealed":{"alg":"A256GCM","nonce":"MDEyMzQ1Njc4OWFi","ciphertext":"MDEyMzQ1Njc4OWFiY2RlZg=="}}`},
		{domain.TypeLearnerProfileUpdated, `{"sealed":{"alg":"A256GCM","nonce":"MDEy\nMzQ1Njc4OWFi","ciphertext":"MDEyMzQ1Njc4OWFiY2RlZg"}}`},
		{domain.TypeLearnerPersonalDataErased, `{"reason":"because"}`},
		{domain.TypeLearnerPersonalDataErased, `{}`},
		{domain.TypeStandardPublished, `{"standardId":"other","scale":{"levels":null,"proficient":0}}`},
		{domain.TypeStandardRevised, `{"standardId":"math-6-rp-1","standardRevision":2,"components":[]}`},
		{domain.TypeStandardRevised, `{"standardRevision":9223372036854775807}`},
		{domain.TypeSchoolRegistered, `{"schoolId":"south","name":"South"}`},
		{domain.TypeLearnerEnrolled, `{"learnerId":"l-0002","schoolId":"north","cohort":"grade-6"}`},
		{domain.TypeGoalSet, `{"goalId":"g1","standardIds":["a","a"]}`},
	} {
		f.Add(s.typ, []byte(s.data))
	}

	bases := fzBases()
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		probe := domain.RecordedEvent{ID: fzID(100), Type: typ, Stream: "learner-x", Data: data}
		ev, err := domain.DecodeEvent(probe)
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("DecodeEvent refused with %v, which is not ErrInvalid", err)
			}
		} else {
			roundTrip(t, ev)
		}
		for _, b := range bases {
			foldFuzzed(t, b, typ, data, ev, err == nil)
		}
	})
}

// roundTrip checks that an accepted payload encodes as an event a decision
// could have written: one that decodes to the same event, in compact form,
// whose encoding is a fixed point.
func roundTrip(t *testing.T, ev domain.Event) {
	t.Helper()
	d, err := domain.NewEventData(domain.Meta{EventID: fzID(101), Actor: fzTeacher}, ev)
	if err != nil {
		t.Fatalf("NewEventData(%#v): %v", ev, err)
	}
	if d.Type != ev.EventType() {
		t.Fatalf("NewEventData type %q, want %q", d.Type, ev.EventType())
	}
	n, err := d.Normalize()
	if err != nil {
		t.Fatalf("the re-encoded event does not normalise: %v\n%s", err, d.Data)
	}
	if !bytes.Equal(n.Data, d.Data) {
		t.Fatalf("NewEventData is not compact:\n%s\nnormalised:\n%s", d.Data, n.Data)
	}
	again, err := domain.DecodeEvent(domain.RecordedEvent{ID: d.ID, Type: d.Type, Data: d.Data})
	if err != nil {
		t.Fatalf("the re-encoded event does not decode: %v\n%s", err, d.Data)
	}
	if !reflect.DeepEqual(again, ev) {
		t.Fatalf("round trip changed the event:\nfirst  %#v\nsecond %#v\nvia %s", ev, again, d.Data)
	}
	d2, err := domain.NewEventData(domain.Meta{EventID: fzID(101), Actor: fzTeacher}, again)
	if err != nil || !bytes.Equal(d2.Data, d.Data) {
		t.Fatalf("re-encoding is not a fixed point (%v):\n%s\n%s", err, d.Data, d2.Data)
	}
}

// foldFuzzed folds the fuzzed event into b's state twice (as two events with
// different ids), and checks that a refusal is a *FoldError that leaves the
// state as it was.
func foldFuzzed(t *testing.T, b base, typ string, data []byte, ev domain.Event, decoded bool) {
	t.Helper()
	history := b.history(t)
	build := func(fuzzed int) folder {
		s := b.newS()
		for _, e := range history {
			if err := s.Apply(e); err != nil {
				t.Fatalf("%s: base history: %v", b.name, err)
			}
		}
		for k := range fuzzed {
			if err := s.Apply(fuzzedEvent(b.stream, uint64(len(history)+k), k, typ, data)); err != nil {
				t.Fatalf("%s: fuzzed event %d applied once, but not again: %v", b.name, k, err)
			}
		}
		return s
	}
	s := build(0)
	for k := range 2 {
		e := fuzzedEvent(b.stream, uint64(len(history)+k), k, typ, data)
		err := s.Apply(e)
		if err == nil {
			if !decoded {
				t.Fatalf("%s: folded an event DecodeEvent refuses", b.name)
			}
			if l, ok := s.(*domain.LearnerState); ok {
				_ = l.StandardsOf(ev)
				_ = l.Expected()
			}
			continue
		}
		var fe *domain.FoldError
		if !errors.As(err, &fe) {
			t.Fatalf("%s: Apply refused with %T %v, want *FoldError", b.name, err, err)
		}
		if errors.Is(err, domain.ErrInvalid) || errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrConflict) {
			t.Fatalf("%s: a fold error matches a client sentinel: %v", b.name, err)
		}
		if want := build(k); !reflect.DeepEqual(s, want) {
			t.Fatalf("%s: refused event %d changed the state: %v\ngot  %#v\nwant %#v", b.name, k, err, s, want)
		}
		return
	}
}

func fuzzedEvent(stream string, rev uint64, k int, typ string, data []byte) domain.RecordedEvent {
	return domain.RecordedEvent{ID: fzID(100 + k), Type: typ, Stream: stream, Revision: rev, Position: 1000 + rev,
		RecordedAt: fzT0.Add(time.Hour), OccurredAt: fzT0.Add(time.Hour), Actor: fzTeacher, PrevHash: domain.ZeroHash, Data: data}
}
