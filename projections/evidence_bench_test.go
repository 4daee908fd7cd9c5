package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// evidenceView is a view holding one standard (two components) and
// learners l-<n> with n pieces of evidence each on component c1, for each n
// of counts, fed to the view directly.
func evidenceView(b *testing.B, counts ...int) *projections.View {
	b.Helper()
	v := projections.NewView(nil)
	var pos uint64
	at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	apply := func(stream string, revision uint64, ev domain.Event) {
		pos++
		d, err := domain.NewEventData(domain.Meta{}, ev)
		if err != nil {
			b.Fatal(err)
		}
		e := domain.RecordedEvent{Data: d.Data, ID: uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "e-%d", pos)), Type: ev.EventType(), Stream: stream,
			Revision: revision, Position: pos, OccurredAt: at, RecordedAt: at, Actor: teacher}
		if err := v.ApplyDecoded(e, ev); err != nil {
			b.Fatal(err)
		}
	}
	apply(domain.StandardStream("s1"), 0, domain.StandardPublished{StandardID: "s1", Framework: "F", Code: "C", Title: "T", Statement: "S",
		Components: []domain.Component{{ID: "c1", Statement: "one"}, {ID: "c2", Statement: "two"}}, Scale: domain.DefaultScale()})
	apply(domain.SchoolStream("north"), 0, domain.SchoolRegistered{SchoolID: "north", Name: "North"})
	for _, n := range counts {
		l := fmt.Sprintf("l-%d", n)
		apply(domain.LearnerStream(l), 0, domain.LearnerEnrolled{LearnerID: l, SchoolID: "north", Cohort: "g6"})
		for i := range n {
			apply(domain.LearnerStream(l), uint64(i+1), domain.EvidenceRecorded{StandardID: "s1", StandardRevision: 1, ComponentID: "c1",
				Level: 1 + i%4, Source: domain.SourceTechnology, StatementID: fmt.Sprint(i)})
		}
	}
	return v
}

// BenchmarkMasterySummary reads, in process and one at a time, the
// mastery of a learner with 5,000 pieces of evidence on one component and
// encodes it as the API does: the bounded summary (the API's answer), and,
// as the peer in the same run, the domain's whole view (the answer before
// it was bounded, which the pages still read). The same reads of a
// learner with 100 pieces show what does not grow.
func BenchmarkMasterySummary(b *testing.B) {
	const reads = 2000
	v := evidenceView(b, 100, 5000)
	ctx := context.Background()
	timeIt := func(read func() (any, error)) float64 {
		t0 := time.Now()
		for range reads {
			m, err := read()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
		return float64(time.Since(t0).Microseconds()) / reads
	}
	for range b.N {
		for _, n := range []int{100, 5000} {
			l := fmt.Sprintf("l-%d", n)
			summary := timeIt(func() (any, error) { return v.MasterySummary(ctx, l, "s1", nil, projections.DefaultEvidenceLimit) })
			whole := timeIt(func() (any, error) { return v.StandardMastery(ctx, l, "s1", nil) })
			b.ReportMetric(summary, fmt.Sprintf("summary-µs(%d)", n))
			b.ReportMetric(whole, fmt.Sprintf("whole-µs(%d)", n))
			b.Logf("%d pieces: summary %.1f µs a read and encoding, whole view %.1f µs (summary/whole %.3f)", n, summary, whole, summary/whole)
		}
	}
}
