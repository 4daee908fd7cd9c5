package review

import (
	"fmt"
	"testing"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// benchSchool is a school of 250 learners in scope and 250 in the
// comparison, each with 20 pieces of evidence, a not-yet attempt and a
// meeting one across the two windows, and 4 events of their own; the
// efficacy projection is fed the same events, as the node feeds both.
func benchSchool(b *testing.B) (*history, *efficacy.Projection) {
	h := newHistory(b)
	eff := efficacy.New()
	h.feed = eff
	if err := eff.Apply(h.first); err != nil {
		b.Fatal(err)
	}
	h.add(domain.StandardStream("s1"), day(1), admin, domain.StandardPublished{StandardID: "s1", Framework: "F", Code: "S.1", Title: "S",
		Statement: "s", Components: []domain.Component{{ID: "c1", Statement: "c"}}, Scale: domain.DefaultScale()})
	for i := range 500 {
		cohort := "g6"
		if i%2 == 1 {
			cohort = "g7"
		}
		h.enroll(fmt.Sprintf("l%03d", i), cohort)
	}
	h.start("r1", domain.ReviewScope{Cohorts: []string{"g6"}}, &domain.ReviewScope{Cohorts: []string{"g7"}}, "2026-09-10", "2026-09-20")
	for i := range 500 {
		l := fmt.Sprintf("l%03d", i)
		for k := range 20 {
			h.evidence(l, "s1", 1+(i+k)%4, day(1+k))
		}
		for k := range 4 {
			h.learnerGoal(l, day(2+5*k))
		}
		h.add(domain.LearnerStream(l), day(12), teacher, domain.ReadinessAgreed{StandardID: "s1", StandardRevision: 1, Teacher: "T",
			LearnerConfirmed: true, Components: []domain.AgreedComponent{{ID: "c1", EvidenceIDs: []uuidT{h.lastID}}}})
		agreement := h.lastID
		h.add(domain.LearnerStream(l), day(13), teacher, domain.SummativeAttemptRecorded{StandardID: "s1", StandardRevision: 1,
			AgreementID: agreement, Level: 2, Proficient: 3})
		h.add(domain.LearnerStream(l), day(14), teacher, domain.ReadinessAgreed{StandardID: "s1", StandardRevision: 1, Teacher: "T",
			LearnerConfirmed: true, Components: []domain.AgreedComponent{{ID: "c1", EvidenceIDs: []uuidT{}}}})
		agreement = h.lastID
		h.add(domain.LearnerStream(l), day(15+i%4), teacher, domain.SummativeAttemptRecorded{StandardID: "s1", StandardRevision: 1,
			AgreementID: agreement, Level: 3, Proficient: 3, Meets: true})
	}
	return h, eff
}

// BenchmarkFigures is a review's figures with their intervals for the
// school of benchSchool: the cost of reading an open review, or of
// concluding one. BenchmarkEfficacyReport, the school's efficacy report
// from the same events, is its peer: what the efficacy page reads.
func BenchmarkFigures(b *testing.B) {
	h, _ := benchSchool(b)
	r := h.review("r1")
	b.ResetTimer()
	for b.Loop() {
		// Computed afresh each time, as when the school's learners
		// moved since the last read (Figures keeps them otherwise).
		h.p.mu.RLock()
		h.p.figures(r, h.p.position)
		h.p.mu.RUnlock()
	}
}

// BenchmarkFiguresKept is the same review read again while nothing of its
// school changed, as a page read twice: the figures kept since the first
// read.
func BenchmarkFiguresKept(b *testing.B) {
	h, _ := benchSchool(b)
	h.p.ReadAll("north")
	b.ResetTimer()
	for b.Loop() {
		h.p.ReadAll("north")
	}
}

func BenchmarkEfficacyReport(b *testing.B) {
	_, eff := benchSchool(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := eff.School("north", efficacy.Query{}); err != nil {
			b.Fatal(err)
		}
	}
}
