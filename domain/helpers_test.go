package domain

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Every time and id in these tests is fixed, so failures reproduce exactly.
var t0 = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

var (
	admin      = Actor{Role: RoleAdmin, Name: "Ada Admin"}
	teacher    = Actor{Role: RoleTeacher, Name: "Ms Rivera"}
	learnerAct = Actor{Role: RoleLearner, Name: "l-0001"}
	auditor    = Actor{Role: RoleAuditor, Name: "Audra Auditor"}
)

const (
	stdID     = "math-6-rp-1"
	schoolID  = "north"
	learnerID = "l-0001"
)

// uid returns the n-th fixed UUID.
func uid(n int) uuid.UUID {
	return uuid.MustParse(fmt.Sprintf("00000000-0000-4000-8000-%012d", n))
}

func intp(n int) *int { return &n }

// recorded returns e as a store records it: the envelope around the JSON
// that NewEventData produces, hash-chained after prev (nil for the first).
func recorded(t testing.TB, stream string, prev *RecordedEvent, position uint64, recordedAt time.Time, m Meta, e Event) RecordedEvent {
	t.Helper()
	data, err := NewEventData(m, e)
	if err != nil {
		t.Fatalf("NewEventData: %v", err)
	}
	data, err = data.Normalize()
	if err != nil {
		t.Fatalf("Normalize %s: %v", e.EventType(), err)
	}
	r := RecordedEvent{
		ID:         data.ID,
		Type:       data.Type,
		Stream:     stream,
		Position:   position,
		RecordedAt: CanonicalTime(recordedAt),
		OccurredAt: data.OccurredAt,
		Actor:      data.Actor,
		PrevHash:   ZeroHash,
		Data:       data.Data,
	}
	if r.OccurredAt.IsZero() {
		r.OccurredAt = r.RecordedAt
	}
	if prev != nil {
		r.Revision = prev.Revision + 1
		r.PrevHash = prev.Hash
	}
	r.Hash = EventHash(r)
	return r
}

// fixture is a small ledger in memory: one standard, one school, one learner,
// and a clock that moves an hour per write. Its helpers run the real
// decisions and fold their events, so every scenario is one the domain
// itself would produce.
type fixture struct {
	t      *testing.T
	now    time.Time
	nextID int
	pos    uint64

	std       *StandardState
	stdEvents []RecordedEvent
	school    *SchoolState
	l         *LearnerState
	events    []RecordedEvent
}

// newFixture publishes standard stdID with the given components (default
// scale), registers school north and enrolls learner l-0001.
func newFixture(t *testing.T, components ...string) *fixture {
	t.Helper()
	f := &fixture{t: t, now: t0, std: &StandardState{}, school: &SchoolState{}, l: &LearnerState{}}
	f.publish(components...)

	m := f.meta(admin)
	reg, err := RegisterSchool{Meta: m, SchoolID: schoolID, Name: "North Middle School"}.Decide(f.now)
	f.ok(err)
	r := recorded(t, SchoolStream(schoolID), nil, f.position(), f.now, m, reg)
	f.ok(f.school.Apply(r))

	m = f.meta(admin)
	enr, err := EnrollLearner{Meta: m, LearnerID: learnerID, Cohort: "grade-6"}.Decide(f.school, f.now)
	f.ok(err)
	f.appendLearner(m, enr)
	return f
}

func (f *fixture) ok(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("unexpected error: %v", err)
	}
}

func (f *fixture) position() uint64 { f.pos++; return f.pos }

// meta advances the clock and returns the envelope of the next command.
func (f *fixture) meta(a Actor) Meta {
	f.now = f.now.Add(time.Hour)
	f.nextID++
	return Meta{EventID: uid(f.nextID), OccurredAt: f.now, Actor: a}
}

func (f *fixture) appendLearner(m Meta, e Event) uuid.UUID {
	f.t.Helper()
	var prev *RecordedEvent
	if n := len(f.events); n > 0 {
		prev = &f.events[n-1]
	}
	r := recorded(f.t, LearnerStream(learnerID), prev, f.position(), f.now, m, e)
	if err := f.l.Apply(r); err != nil {
		f.t.Fatalf("fold %s: %v", e.EventType(), err)
	}
	f.events = append(f.events, r)
	return r.ID
}

func (f *fixture) appendStandard(m Meta, e Event) {
	f.t.Helper()
	var prev *RecordedEvent
	if n := len(f.stdEvents); n > 0 {
		prev = &f.stdEvents[n-1]
	}
	r := recorded(f.t, StandardStream(stdID), prev, f.position(), f.now, m, e)
	if err := f.std.Apply(r); err != nil {
		f.t.Fatalf("fold %s: %v", e.EventType(), err)
	}
	f.stdEvents = append(f.stdEvents, r)
}

func componentsOf(ids ...string) []Component {
	cs := make([]Component, len(ids))
	for i, id := range ids {
		cs[i] = Component{ID: id, Statement: "Can do " + id}
	}
	return cs
}

func (f *fixture) publish(components ...string) {
	f.t.Helper()
	m := f.meta(admin)
	ev, err := PublishStandard{
		Meta: m, StandardID: stdID, Framework: "CCSS-M", Code: "6.RP.A.1", Title: "Ratios",
		Statement: "Understand ratio concepts and use ratio language.", Components: componentsOf(components...),
	}.Decide(f.now)
	f.ok(err)
	f.appendStandard(m, ev)
}

func (f *fixture) revise(components ...string) {
	f.t.Helper()
	m := f.meta(admin)
	ev, err := ReviseStandard{Meta: m, Statement: "Revised statement.", Components: componentsOf(components...)}.Decide(f.std, f.now)
	f.ok(err)
	f.appendStandard(m, ev)
}

func (f *fixture) retire() {
	f.t.Helper()
	m := f.meta(admin)
	ev, err := RetireStandard{Meta: m}.Decide(f.std, f.now)
	f.ok(err)
	f.appendStandard(m, ev)
}

func (f *fixture) preAssess(components ...string) uuid.UUID {
	f.t.Helper()
	m := f.meta(teacher)
	ev, err := RecordPreAssessment{Meta: m, StandardID: stdID, Demonstrated: components}.Decide(f.l, f.std, f.now)
	f.ok(err)
	return f.appendLearner(m, ev)
}

func (f *fixture) evidenceBy(a Actor, component string, level int, src Source) uuid.UUID {
	f.t.Helper()
	m := f.meta(a)
	ev, err := RecordEvidence{Meta: m, StandardID: stdID, ComponentID: component, Level: intp(level), Source: src}.Decide(f.l, f.std, f.now)
	f.ok(err)
	return f.appendLearner(m, ev)
}

func (f *fixture) evidence(component string, level int) uuid.UUID {
	f.t.Helper()
	return f.evidenceBy(teacher, component, level, SourceTeacher)
}

func (f *fixture) retract(id uuid.UUID) uuid.UUID {
	f.t.Helper()
	m := f.meta(teacher)
	ev, err := RetractEvidence{Meta: m, EvidenceID: id, Reason: "scored the wrong rubric"}.Decide(f.l, f.now)
	f.ok(err)
	return f.appendLearner(m, ev)
}

func (f *fixture) agree() uuid.UUID {
	f.t.Helper()
	m := f.meta(teacher)
	ev, err := AgreeReadiness{Meta: m, StandardID: stdID, LearnerConfirmed: true}.Decide(f.l, f.std, f.now)
	f.ok(err)
	return f.appendLearner(m, ev)
}

// request records a readiness request by a, citing evidence.
func (f *fixture) request(a Actor, evidence ...uuid.UUID) uuid.UUID {
	f.t.Helper()
	m := f.meta(a)
	ev, err := RequestReadiness{Meta: m, StandardID: stdID, EvidenceIDs: evidence}.Decide(f.l, f.std, f.now)
	f.ok(err)
	return f.appendLearner(m, ev)
}

// agreeTo records an agreement that names the request it answers.
func (f *fixture) agreeTo(request uuid.UUID) uuid.UUID {
	f.t.Helper()
	m := f.meta(teacher)
	ev, err := AgreeReadiness{Meta: m, StandardID: stdID, LearnerConfirmed: true, RequestID: request}.Decide(f.l, f.std, f.now)
	f.ok(err)
	return f.appendLearner(m, ev)
}

func (f *fixture) attempt(level int) uuid.UUID {
	f.t.Helper()
	m := f.meta(teacher)
	ev, err := RecordSummativeAttempt{Meta: m, StandardID: stdID, Level: intp(level)}.Decide(f.l, f.std, f.now)
	f.ok(err)
	return f.appendLearner(m, ev)
}

func (f *fixture) goal(id string, standards ...string) {
	f.t.Helper()
	m := f.meta(learnerAct)
	ev, err := goalCmd(m, id, standards...).Decide(f.l, map[string]*StandardState{stdID: f.std}, f.now)
	f.ok(err)
	f.appendLearner(m, ev)
}

func goalCmd(m Meta, id string, standards ...string) SetGoal {
	return SetGoal{
		Meta: m, GoalID: id, Specific: "Use ratio language", Measurable: "Three correct explanations",
		Achievable: "With the ratio tables", Relevant: "Cooking project", TargetDate: "2026-10-15",
		Evaluate: "Teacher conference", Review: "Friday", StandardIDs: standards,
	}
}

func (f *fixture) plan(id, goalID string) {
	f.t.Helper()
	m := f.meta(learnerAct)
	ev, err := DraftPlan{Meta: m, PlanID: id, GoalID: goalID, Plan: "Khan videos", Learn: "Recipes", Check: "Rubric", Adjust: "Ask a peer"}.Decide(f.l, f.now)
	f.ok(err)
	f.appendLearner(m, ev)
}

func (f *fixture) withdraw() {
	f.t.Helper()
	m := f.meta(admin)
	ev, err := WithdrawLearner{Meta: m}.Decide(f.l, f.now)
	f.ok(err)
	f.appendLearner(m, ev)
}

func (f *fixture) profile() {
	f.t.Helper()
	m := f.meta(teacher)
	ev, err := UpdateProfile{Meta: m, Profile: Profile{DisplayName: "Sam", Interests: []string{"cooking"}}}.Decide(f.l, f.now)
	f.ok(err)
	f.appendLearner(m, ev)
}

func (f *fixture) erase() {
	f.t.Helper()
	m := f.meta(admin)
	ev, err := ErasePersonalData{Meta: m}.Decide(f.l, f.now)
	f.ok(err)
	f.appendLearner(m, ev)
}

func (f *fixture) mastery() Mastery { return f.l.Mastery(f.std) }

// wantRule fails unless err is a *RuleError with the rule, matching
// ErrRuleBroken and no other sentinel, whose message holds every part.
func wantRule(t *testing.T, err error, rule string, parts ...string) *RuleError {
	t.Helper()
	var re *RuleError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want *RuleError %s", err, rule)
	}
	if re.Rule != rule {
		t.Fatalf("rule = %q (%s), want %q", re.Rule, re.Message, rule)
	}
	if !errors.Is(err, ErrRuleBroken) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		t.Fatalf("%v: must match ErrRuleBroken and only it", err)
	}
	for _, p := range parts {
		if !strings.Contains(re.Message, p) {
			t.Errorf("message %q lacks %q", re.Message, p)
		}
	}
	return re
}

// wantFields fails unless err is a *ValidationError naming exactly fields, in
// order.
func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	if len(fields) == 0 {
		if err != nil {
			t.Fatalf("got %v, want no error", err)
		}
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want *ValidationError on %v", err, fields)
	}
	if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrRuleBroken) {
		t.Fatalf("%v: must match ErrInvalid and not ErrRuleBroken", err)
	}
	var got []string
	for _, fe := range ve.Errors {
		if fe.Message == "" {
			t.Errorf("field %s has no message", fe.Field)
		}
		got = append(got, fe.Field)
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("fields = %v, want %v (%v)", got, fields, err)
	}
}

func assertEqual[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}
