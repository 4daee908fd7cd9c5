package efficacy_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// scaleHistory is 10,000 learners of one school and 1,000,000 events: per
// learner an enrolment, a goal and a plan, then on each of 8 standards 7
// pieces of evidence, a not-yet attempt with its agreement, a plan
// adjustment and a meeting attempt with its agreement, and feedback.
// Hashes are left empty: the projection does not read them.
func scaleHistory(tb testing.TB) []domain.RecordedEvent {
	tb.Helper()
	const learners, standards = 10_000, 8
	evs := make([]domain.RecordedEvent, 0, 1_000_000)
	var n uint64
	add := func(stream string, at time.Time, e domain.Event) uuid.UUID {
		n++
		data, err := json.Marshal(e)
		if err != nil {
			tb.Fatal(err)
		}
		id := uuid.UUID{}
		id[0], id[1], id[2], id[3], id[4], id[5] = byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		evs = append(evs, domain.RecordedEvent{ID: id, Type: e.EventType(), Stream: stream, Position: n,
			OccurredAt: at, RecordedAt: at, Actor: teacher, Data: data})
		return id
	}
	stds := make([]string, standards)
	for s := range stds {
		stds[s] = fmt.Sprintf("std-%d", s)
		add(domain.StandardStream(stds[s]), day(-30), domain.StandardPublished{StandardID: stds[s], Code: stds[s], Title: stds[s],
			Components: []domain.Component{{ID: "c1", Statement: "c"}}, Scale: domain.DefaultScale()})
	}
	add(domain.SchoolStream("north"), day(-30), domain.SchoolRegistered{SchoolID: "north", Name: "North"})
	for i := range learners {
		l := fmt.Sprintf("l-%05d", i)
		stream := domain.LearnerStream(l)
		at := day(i % 200)
		add(stream, at, domain.LearnerEnrolled{LearnerID: l, SchoolID: "north", Cohort: fmt.Sprintf("grade-%d", 6+i%3)})
		add(stream, at, domain.GoalSet{GoalID: "g", StandardIDs: stds})
		add(stream, at, domain.PlanDrafted{PlanID: "p", GoalID: "g"})
		for _, s := range stds {
			for range 7 {
				at = at.Add(3 * h)
				add(stream, at, domain.EvidenceRecorded{StandardID: s, StandardRevision: 1, ComponentID: "c1", Level: 3, Source: domain.SourceTeacher})
			}
			for _, meets := range []bool{false, true} {
				at = at.Add(24 * h)
				g := add(stream, at, domain.ReadinessAgreed{StandardID: s, StandardRevision: 1, Components: []domain.AgreedComponent{}, LearnerConfirmed: true})
				add(stream, at.Add(h), domain.SummativeAttemptRecorded{StandardID: s, StandardRevision: 1, AgreementID: g, Level: 3, Proficient: 3, Meets: meets})
				if !meets {
					add(stream, at.Add(2*h), domain.PlanAdjusted{PlanID: "p", GoalID: "g"})
				}
			}
		}
		add(stream, at, domain.FeedbackGiven{StandardID: stds[0], EvidenceIDs: []uuid.UUID{}})
	}
	return evs
}

// BenchmarkScale applies 1,000,000 events of 10,000 learners and reports
// the time per event, the heap the projection keeps per learner, and the
// time of one report of the 10,000-learner school.
func BenchmarkScale(b *testing.B) {
	evs := scaleHistory(b)
	if len(evs) != 1_000_009 {
		b.Fatalf("%d events, want 1,000,000 and 9 of the standards and the school", len(evs))
	}
	b.ResetTimer()
	var p *efficacy.Projection
	for b.Loop() {
		p = efficacy.New()
		for _, e := range evs {
			if err := p.Apply(e); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(evs)), "ns/event")

	var before, after runtime.MemStats
	p = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	p = efficacy.New()
	for _, e := range evs {
		if err := p.Apply(e); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(evs) // the events are live in both readings
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/10_000, "heap-B/learner")

	evs = nil
	runtime.GC()
	const reports = 5
	var r efficacy.Report
	start := time.Now()
	for range reports {
		var err error
		if r, err = p.School("north", efficacy.Query{Period: "week"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/reports, "ms/report")
	if r.Enrolled.Learners != 10_000 || r.Proficiency.Overall.Met != 80_000 || r.Persistence.Persisted != 80_000 {
		b.Fatalf("report: %d learners, %d met, %d persisted", r.Enrolled.Learners, r.Proficiency.Overall.Met, r.Persistence.Persisted)
	}
}
