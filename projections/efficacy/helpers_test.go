package efficacy_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// Every time and id in these tests is fixed, so failures reproduce exactly.
// t0 is Tuesday 2026-09-01 09:00 UTC, in ISO week 2026-W36.
var t0 = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

// day is t0 plus n days (n may be negative); extra durations are added.
func day(n int, extra ...time.Duration) time.Time {
	t := t0.AddDate(0, 0, n)
	for _, d := range extra {
		t = t.Add(d)
	}
	return t
}

// date is midnight UTC of a calendar day.
func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

const h = time.Hour

var (
	admin   = domain.Actor{Role: domain.RoleAdmin, Name: "Ada Admin"}
	teacher = domain.Actor{Role: domain.RoleTeacher, Name: "Ms Rivera"}
)

// uid returns the n-th fixed UUID.
func uid(n int) uuid.UUID {
	return uuid.MustParse(fmt.Sprintf("00000000-0000-4000-8000-%012d", n))
}

// history builds a global order by hand: every event gets the next
// position, the next revision of its stream, a hash chained to the stream's
// previous event, and recordedAt one hour after occurredAt (never before the
// previous event's recordedAt, as a store records them). Builders return
// the event's id.
type history struct {
	t      *testing.T
	events []domain.RecordedEvent
	last   map[string]domain.RecordedEvent
	n      int
	open   map[string]uuid.UUID // learner/standard -> open agreement
	stdRev map[string]int
	// as, if set, records in place of the teacher: see recordedBy.
	as *domain.Actor
}

// recordedBy runs fn with every step it records that a teacher would
// record recorded by actor instead: the learner themself, or a tool.
func (hs *history) recordedBy(actor domain.Actor, fn func()) {
	hs.as = &actor
	defer func() { hs.as = nil }()
	fn()
}

// learnerActor is the learner recording on their own stream.
func learnerActor(id string) domain.Actor { return domain.Actor{Role: domain.RoleLearner, Name: id} }

func newHistory(t *testing.T) *history {
	t.Helper()
	return &history{t: t, last: map[string]domain.RecordedEvent{}, open: map[string]uuid.UUID{}, stdRev: map[string]int{}}
}

func (hs *history) add(stream string, at time.Time, actor domain.Actor, e domain.Event) uuid.UUID {
	hs.t.Helper()
	if hs.as != nil && actor == teacher {
		actor = *hs.as
	}
	hs.n++
	id := uid(hs.n)
	data, err := domain.NewEventData(domain.Meta{EventID: id, OccurredAt: at, Actor: actor}, e)
	if err != nil {
		hs.t.Fatalf("NewEventData: %v", err)
	}
	data, err = data.Normalize()
	if err != nil {
		hs.t.Fatalf("Normalize %s: %v", e.EventType(), err)
	}
	recordedAt := domain.CanonicalTime(at.Add(h))
	if n := len(hs.events); n > 0 && recordedAt.Before(hs.events[n-1].RecordedAt) {
		recordedAt = hs.events[n-1].RecordedAt
	}
	r := domain.RecordedEvent{
		ID:         data.ID,
		Type:       data.Type,
		Stream:     stream,
		Position:   uint64(len(hs.events) + 1),
		RecordedAt: recordedAt,
		OccurredAt: data.OccurredAt,
		Actor:      data.Actor,
		PrevHash:   domain.ZeroHash,
		Data:       data.Data,
	}
	if prev, ok := hs.last[stream]; ok {
		r.Revision = prev.Revision + 1
		r.PrevHash = prev.Hash
	}
	r.Hash = domain.EventHash(r)
	hs.last[stream] = r
	hs.events = append(hs.events, r)
	return id
}

// event returns the recorded event with id.
func (hs *history) event(id uuid.UUID) domain.RecordedEvent {
	hs.t.Helper()
	for _, e := range hs.events {
		if e.ID == id {
			return e
		}
	}
	hs.t.Fatalf("no event %s", id)
	return domain.RecordedEvent{}
}

// checkFolds folds every stream with the domain's own folds, so that every
// history a test builds is one the ledger could hold.
func (hs *history) checkFolds() {
	hs.t.Helper()
	stds := map[string]*domain.StandardState{}
	schools := map[string]*domain.SchoolState{}
	learners := map[string]*domain.LearnerState{}
	for _, e := range hs.events {
		category, id, ok := domain.ParseStream(e.Stream)
		if !ok {
			hs.t.Fatalf("stream %q", e.Stream)
		}
		var err error
		switch category {
		case domain.StandardCategory:
			if stds[id] == nil {
				stds[id] = &domain.StandardState{}
			}
			err = stds[id].Apply(e)
		case domain.SchoolCategory:
			if schools[id] == nil {
				schools[id] = &domain.SchoolState{}
			}
			err = schools[id].Apply(e)
		case domain.LearnerCategory:
			if learners[id] == nil {
				learners[id] = &domain.LearnerState{}
			}
			err = learners[id].Apply(e)
		}
		if err != nil {
			hs.t.Fatalf("the test history does not fold: %v", err)
		}
	}
}

// project checks the folds and feeds the whole history to a new projection.
func (hs *history) project() *efficacy.Projection {
	hs.t.Helper()
	hs.checkFolds()
	p := efficacy.New()
	for _, e := range hs.events {
		if err := p.Apply(e); err != nil {
			hs.t.Fatalf("Apply: %v", err)
		}
	}
	return p
}

// Standards and schools.

func (hs *history) standard(id, code, title string) {
	hs.t.Helper()
	hs.stdRev[id] = 1
	hs.add(domain.StandardStream(id), day(-30), admin, domain.StandardPublished{
		StandardID: id, Framework: "CCSS-M", Code: code, Title: title,
		Statement:  "Statement of " + code,
		Components: []domain.Component{{ID: "c1", Statement: "first"}, {ID: "c2", Statement: "second"}},
		Scale:      domain.DefaultScale(),
	})
}

func (hs *history) revise(id string, at time.Time) {
	hs.t.Helper()
	hs.stdRev[id]++
	hs.add(domain.StandardStream(id), at, admin, domain.StandardRevised{
		StandardID: id, StandardRevision: hs.stdRev[id], Statement: "Revised",
		Components: []domain.Component{{ID: "c1", Statement: "first"}, {ID: "c3", Statement: "third"}},
	})
}

func (hs *history) retire(id string, at time.Time) {
	hs.t.Helper()
	hs.add(domain.StandardStream(id), at, admin, domain.StandardRetired{StandardID: id, Reason: "replaced"})
}

func (hs *history) school(id string) {
	hs.t.Helper()
	hs.add(domain.SchoolStream(id), day(-30), admin, domain.SchoolRegistered{SchoolID: id, Name: "School " + id})
}

// survey records one response; its items are q1, q2, … with the scores
// given, in order.
func (hs *history) survey(school, round string, who domain.Respondent, cohort string, at time.Time, scores ...int) {
	hs.t.Helper()
	items := make([]domain.SurveyItem, len(scores))
	for i, s := range scores {
		items[i] = domain.SurveyItem{ItemID: fmt.Sprintf("q%d", i+1), Score: s}
	}
	hs.surveyItems(school, round, who, cohort, at, items...)
}

func (hs *history) surveyItems(school, round string, who domain.Respondent, cohort string, at time.Time, items ...domain.SurveyItem) {
	hs.t.Helper()
	hs.add(domain.SchoolStream(school), at, admin, domain.EfficacySurveyRecorded{
		RoundID: round, Respondent: who, Cohort: cohort,
		ScaleMin: domain.LikertMin, ScaleMax: domain.LikertMax, Items: items,
	})
}

// Learners.

func (hs *history) enroll(learner, school, cohort string, at time.Time) {
	hs.t.Helper()
	hs.add(domain.LearnerStream(learner), at, admin, domain.LearnerEnrolled{LearnerID: learner, SchoolID: school, Cohort: cohort})
}

func (hs *history) withdraw(learner string, at time.Time) {
	hs.t.Helper()
	hs.add(domain.LearnerStream(learner), at, admin, domain.LearnerWithdrawn{Reason: "moved"})
}

func (hs *history) preAssess(learner, std string, at time.Time, demonstrated ...string) {
	hs.t.Helper()
	if demonstrated == nil {
		demonstrated = []string{}
	}
	hs.add(domain.LearnerStream(learner), at, teacher, domain.PreAssessmentRecorded{
		StandardID: std, StandardRevision: hs.stdRev[std], Demonstrated: demonstrated,
	})
}

// evidence records teacher evidence at proficient for component c1.
func (hs *history) evidence(learner, std string, at time.Time) uuid.UUID {
	hs.t.Helper()
	return hs.evidenceFrom(learner, std, domain.SourceTeacher, at)
}

func (hs *history) evidenceFrom(learner, std string, source domain.Source, at time.Time) uuid.UUID {
	hs.t.Helper()
	return hs.add(domain.LearnerStream(learner), at, teacher, domain.EvidenceRecorded{
		StandardID: std, StandardRevision: hs.stdRev[std], ComponentID: "c1", Level: 3, Source: source,
	})
}

func (hs *history) retract(learner, std string, evidence uuid.UUID, at time.Time) {
	hs.t.Helper()
	hs.add(domain.LearnerStream(learner), at, teacher, domain.EvidenceRetracted{
		EvidenceID: evidence, StandardID: std, ComponentID: "c1", Reason: "scored the wrong rubric",
	})
}

func (hs *history) request(learner, std string, at time.Time) {
	hs.t.Helper()
	hs.add(domain.LearnerStream(learner), at, teacher, domain.ReadinessRequested{
		StandardID: std, StandardRevision: hs.stdRev[std], EvidenceIDs: []uuid.UUID{},
	})
}

func (hs *history) agree(learner, std string, at time.Time) uuid.UUID {
	hs.t.Helper()
	id := hs.add(domain.LearnerStream(learner), at, teacher, domain.ReadinessAgreed{
		StandardID: std, StandardRevision: hs.stdRev[std],
		Components: []domain.AgreedComponent{{ID: "c1", EvidenceIDs: []uuid.UUID{}, PreAssessed: true}},
		Teacher:    teacher.Name, LearnerConfirmed: true,
	})
	hs.open[learner+"/"+std] = id
	return id
}

// attempt consumes the learner's open agreement on std.
func (hs *history) attempt(learner, std string, meets bool, at time.Time) uuid.UUID {
	hs.t.Helper()
	key := learner + "/" + std
	agreement, ok := hs.open[key]
	if !ok {
		hs.t.Fatalf("no open agreement for %s", key)
	}
	delete(hs.open, key)
	level := 2
	if meets {
		level = 3
	}
	return hs.add(domain.LearnerStream(learner), at, teacher, domain.SummativeAttemptRecorded{
		StandardID: std, StandardRevision: hs.stdRev[std], AgreementID: agreement,
		Level: level, Proficient: 3, Meets: meets,
	})
}

// meet agrees at agreedAt and records a meeting attempt at metAt; it
// returns the attempt's id.
func (hs *history) meet(learner, std string, agreedAt, metAt time.Time) uuid.UUID {
	hs.t.Helper()
	hs.agree(learner, std, agreedAt)
	return hs.attempt(learner, std, true, metAt)
}

// notYet agrees and records an attempt that does not meet, both at at.
func (hs *history) notYet(learner, std string, at time.Time) {
	hs.t.Helper()
	hs.agree(learner, std, at)
	hs.attempt(learner, std, false, at)
}

func (hs *history) goal(learner, goal string, at time.Time, standards ...string) {
	hs.t.Helper()
	if standards == nil {
		standards = []string{}
	}
	hs.add(domain.LearnerStream(learner), at, teacher, domain.GoalSet{
		GoalID: goal, Specific: "s", Measurable: "m", Achievable: "a", Relevant: "r",
		TargetDate: "2026-12-01", Evaluate: "e", Review: "r", StandardIDs: standards,
	})
}

func (hs *history) plan(learner, plan, goal string, at time.Time) {
	hs.t.Helper()
	hs.add(domain.LearnerStream(learner), at, teacher, domain.PlanDrafted{
		PlanID: plan, GoalID: goal, Plan: "p", Learn: "l", Check: "c", Adjust: "a",
	})
}

func (hs *history) adjust(learner, plan, goal string, at time.Time) {
	hs.t.Helper()
	hs.add(domain.LearnerStream(learner), at, teacher, domain.PlanAdjusted{
		PlanID: plan, GoalID: goal, Change: "more practice", Reason: "the attempt fell short",
	})
}

func (hs *history) evaluate(learner, goal string, result domain.GoalResult, at time.Time) {
	hs.t.Helper()
	hs.add(domain.LearnerStream(learner), at, teacher, domain.GoalEvaluated{
		GoalID: goal, Result: result, EvidenceIDs: []uuid.UUID{},
	})
}

func (hs *history) review(learner, goal string, at time.Time) {
	hs.t.Helper()
	hs.add(domain.LearnerStream(learner), at, teacher, domain.GoalReviewed{GoalID: goal, Reflection: "done"})
}

func (hs *history) feedback(learner, std string, at time.Time) {
	hs.t.Helper()
	hs.add(domain.LearnerStream(learner), at, teacher, domain.FeedbackGiven{
		StandardID: std, EvidenceIDs: []uuid.UUID{}, Strengths: "s", NextSteps: "n", Causes: "c",
	})
}

func (hs *history) profile(learner string, at time.Time) {
	hs.t.Helper()
	hs.add(domain.LearnerStream(learner), at, teacher, domain.LearnerProfileUpdated{
		Personal: &domain.Profile{Interests: []string{"robots"}, LearningPreferences: []string{}},
	})
}

func (hs *history) erase(learner string, at time.Time) {
	hs.t.Helper()
	hs.add(domain.LearnerStream(learner), at, admin, domain.LearnerPersonalDataErased{Reason: domain.ErasureLearnerRequest})
}

// Reading reports.

func report(t *testing.T, p *efficacy.Projection, school string, q efficacy.Query) efficacy.Report {
	t.Helper()
	r, err := p.School(school, q)
	if err != nil {
		t.Fatalf("School(%q, %+v): %v", school, q, err)
	}
	return r
}

// f is a *float64 for expected values.
func f(x float64) *float64 { return &x }

// eqRate compares an optional figure exactly; nil means null. Reports
// round to 12 decimal places, so the expected literal (0.666666666667) is
// the very same float64.
func eqRate(got, want *float64) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return *got == *want
}

func show(x *float64) string {
	if x == nil {
		return "null"
	}
	return fmt.Sprint(*x)
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}
