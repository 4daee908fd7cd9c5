package review

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

var (
	teacher = domain.Actor{Role: domain.RoleTeacher, Name: "Ms Rivera"}
	admin   = domain.Actor{Role: domain.RoleAdmin, Name: "Ada"}
)

// history builds a global order by hand: each add is the next position.
type history struct {
	t      testing.TB
	p      *Projection
	pos    uint64
	revs   map[string]uint64
	lastID uuid.UUID
	// first is the school's registration; feed, if set, is fed every
	// event after it too (a peer read model in a benchmark).
	first domain.RecordedEvent
	feed  interface {
		Apply(domain.RecordedEvent) error
	}
}

type uuidT = uuid.UUID

func newHistory(t testing.TB) *history {
	t.Helper()
	h := &history{t: t, p: New(), revs: make(map[string]uint64)}
	h.add(domain.SchoolStream("north"), day(1), admin, domain.SchoolRegistered{SchoolID: "north", Name: "North"})
	return h
}

// day is 2026-09-dd at 09:00 UTC; day(0) is 31 August.
func day(dd int) time.Time { return time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, dd-1) }

func (h *history) add(stream string, at time.Time, a domain.Actor, e domain.Event) uuid.UUID {
	h.t.Helper()
	h.pos++
	id := uuid.MustParse(fmt.Sprintf("00000000-0000-4000-8000-%012d", h.pos))
	data, err := domain.NewEventData(domain.Meta{EventID: id, OccurredAt: at, Actor: a}, e)
	if err != nil {
		h.t.Fatal(err)
	}
	r := domain.RecordedEvent{ID: id, Type: data.Type, Stream: stream, Revision: h.revs[stream], Position: h.pos,
		RecordedAt: at, OccurredAt: at, Actor: a, Data: data.Data}
	h.revs[stream]++
	if err := h.p.Apply(r); err != nil {
		h.t.Fatalf("apply %s: %v", e.EventType(), err)
	}
	if h.feed != nil {
		if err := h.feed.Apply(r); err != nil {
			h.t.Fatalf("peer: apply %s: %v", e.EventType(), err)
		}
	}
	if h.pos == 1 {
		h.first = r
	}
	h.lastID = id
	return id
}

func (h *history) enroll(id, cohort string) {
	h.add(domain.LearnerStream(id), day(1), admin, domain.LearnerEnrolled{LearnerID: id, SchoolID: "north", Cohort: cohort})
}

func (h *history) evidence(learner, std string, level int, at time.Time) uuid.UUID {
	return h.add(domain.LearnerStream(learner), at, teacher, domain.EvidenceRecorded{StandardID: std, StandardRevision: 1,
		ComponentID: "c1", Level: level, Source: domain.SourceTeacher})
}

func (h *history) retract(learner string, ev uuid.UUID, at time.Time) {
	h.add(domain.LearnerStream(learner), at, teacher, domain.EvidenceRetracted{EvidenceID: ev, StandardID: "s1", ComponentID: "c1", Reason: "wrong rubric"})
}

func (h *history) attempt(learner, std string, meets bool, at time.Time) {
	level := 2
	if meets {
		level = 3
	}
	h.add(domain.LearnerStream(learner), at, teacher, domain.SummativeAttemptRecorded{StandardID: std, StandardRevision: 1,
		AgreementID: uuid.New(), Level: level, Proficient: 3, Meets: meets})
}

// learnerGoal is an event the learner records themself.
func (h *history) learnerGoal(learner string, at time.Time) {
	h.add(domain.LearnerStream(learner), at, domain.Actor{Role: domain.RoleLearner, Name: learner},
		domain.GoalSet{GoalID: fmt.Sprintf("g%d", h.pos), Specific: "s", Measurable: "m", Achievable: "a", Relevant: "r",
			TargetDate: "2026-10-01", Evaluate: "e", Review: "r", StandardIDs: []string{"s1"}})
}

func (h *history) start(id string, scope domain.ReviewScope, cmp *domain.ReviewScope, startDate, reviewDate string) {
	h.add(domain.SchoolStream("north"), day(9), teacher, domain.PracticeReviewStarted{ReviewID: id, Practice: "feedback within a day",
		IntendedResult: "more met", StandardIDs: []string{"s1"}, Scope: scope, Comparison: cmp, StartDate: startDate, ReviewDate: reviewDate})
}

func (h *history) review(id string) Review {
	h.t.Helper()
	r, ok := h.p.Review("north", id)
	if !ok {
		h.t.Fatalf("no review %s", id)
	}
	return r
}

func f(v float64) *float64 { return &v }

func fmtp(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func sameValue(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func figure(t *testing.T, figs domain.ReviewFigures, name string) domain.ReviewFigure {
	t.Helper()
	for _, fg := range figs.Figures {
		if fg.Name == name {
			return fg
		}
	}
	t.Fatalf("no figure %s in %+v", name, figs)
	return domain.ReviewFigure{}
}

// handHistory is the golden history. The review r1 looks at standard s1
// from 10 to 20 September: during is [09-10, 09-20), before is the ten
// days [08-31, 09-10). Scope: cohort g6 (learners a, b); comparison:
// cohort g7 (learner c).
//
//	a: evidence 2 on 09-01 (before); evidence 3 on 09-12, a not-yet attempt
//	   on 09-13, a meeting attempt on 09-15 (during: met 14 days after the
//	   first evidence, the not-yet followed by met); a goal of their own on
//	   09-11 (during).
//	b: evidence 1 on 09-02 and 4 on 09-03 (before), the 4 retracted on
//	   09-04; evidence 3 on 09-14 and a not-yet on 09-16 (during), never
//	   met; evidence 4 on s2 on 09-12, which the review does not look at.
//	c: evidence 2 on 09-05 (before) and 2 on 09-15 (during); a goal of
//	   their own on 09-06 (before).
//
// It returns the position just before the retraction.
func handHistory(t *testing.T) (*history, uint64) {
	h := newHistory(t)
	h.enroll("a", "g6")
	h.enroll("b", "g6")
	h.enroll("c", "g7")
	h.start("r1", domain.ReviewScope{Cohorts: []string{"g6"}}, &domain.ReviewScope{Cohorts: []string{"g7"}}, "2026-09-10", "2026-09-20")
	h.evidence("a", "s1", 2, day(1))
	h.evidence("b", "s1", 1, day(2))
	four := h.evidence("b", "s1", 4, day(3))
	beforeRetraction := h.pos
	h.retract("b", four, day(4))
	h.evidence("c", "s1", 2, day(5))
	h.learnerGoal("c", day(6))
	h.learnerGoal("a", day(11))
	h.evidence("a", "s1", 3, day(12))
	h.evidence("b", "s2", 4, day(12))
	h.attempt("a", "s1", false, day(13))
	h.evidence("b", "s1", 3, day(14))
	h.attempt("a", "s1", true, day(15))
	h.evidence("c", "s1", 2, day(15))
	h.attempt("b", "s1", false, day(16))
	return h, beforeRetraction
}

func TestFiguresGolden(t *testing.T) {
	h, _ := handHistory(t)
	figs := h.p.Figures(h.review("r1"))
	if figs.ScopeLearners != 2 || figs.ComparisonLearners != 1 || figs.AsOfPosition != h.pos {
		t.Fatalf("groups %d and %d as of %d, want 2 and 1 as of %d", figs.ScopeLearners, figs.ComparisonLearners, figs.AsOfPosition, h.pos)
	}
	for _, tc := range []struct {
		name                 string
		sb, sd, cb, cd, diff *float64
	}{
		// Scope before: a's 2 and b's 1 (b's 4 is retracted): 3/2 = 1.5;
		// during: a's 3 and b's 3 = 3. Comparison: 2 and 2. Difference
		// (3 - 1.5) - (2 - 2) = 1.5.
		{FigureEvidenceLevel, f(1.5), f(3), f(2), f(2), f(1.5)},
		// Met: none before; a's one during over 2 learners = 0.5; c none.
		// (0.5 - 0) - (0 - 0) = 0.5.
		{FigureStandardsMet, f(0), f(0.5), f(0), f(0), f(0.5)},
		// Days to mastery: a met on 09-15, first evidence 09-01: 14. No
		// mastery before, so no difference.
		{FigureDaysToMastery, nil, f(14), nil, nil, nil},
		// Not-yet then met: during, a's not-yet was followed by met, b's
		// not: 1/2. No not-yet before: no difference.
		{FigureNotYetThenMet, nil, f(0.5), nil, nil, nil},
		// Learner actions per learner: scope 0 before, a's goal during:
		// 1/2; comparison: c's goal before (1), none during (0).
		// (0.5 - 0) - (0 - 1) = 1.5.
		{FigureLearnerActions, f(0), f(0.5), f(1), f(0), f(1.5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fg := figure(t, figs, tc.name)
			for _, c := range []struct {
				what      string
				got, want *float64
			}{{"scope before", fg.ScopeBefore, tc.sb}, {"scope during", fg.ScopeDuring, tc.sd},
				{"comparison before", fg.ComparisonBefore, tc.cb}, {"comparison during", fg.ComparisonDuring, tc.cd},
				{"difference", fg.Difference, tc.diff}} {
				if !sameValue(c.got, c.want) {
					t.Errorf("%s = %s, want %s", c.what, fmtp(c.got), fmtp(c.want))
				}
			}
			if !fg.Observational {
				t.Error("not labelled observational")
			}
			if (fg.Difference == nil) != (fg.Low == nil) || (fg.Low == nil) != (fg.High == nil) {
				t.Errorf("interval [%s, %s] beside difference %s", fmtp(fg.Low), fmtp(fg.High), fmtp(fg.Difference))
			}
			if fg.Difference != nil && (*fg.Low > *fg.Difference || *fg.High < *fg.Difference) {
				// With one learner in the comparison and two in the
				// scope, the point difference is one of the resamples'
				// values, inside the interval for these histories.
				t.Errorf("interval [%v, %v] leaves out the difference %v", *fg.Low, *fg.High, *fg.Difference)
			}
		})
	}
}

// As of the position before b's retraction, b's 4 still counts: scope
// before = (2 + 1 + 4) / 3 = 7/3 = 2.3333, and nothing during yet.
func TestFiguresAsOf(t *testing.T) {
	h, before := handHistory(t)
	figs := h.p.FiguresAt(h.review("r1"), before)
	fg := figure(t, figs, FigureEvidenceLevel)
	if !sameValue(fg.ScopeBefore, f(2.3333)) || fg.ScopeDuring != nil || fg.Difference != nil {
		t.Errorf("as of %d: before %s, during %s, difference %s; want 2.3333, nil, nil", before, fmtp(fg.ScopeBefore), fmtp(fg.ScopeDuring), fmtp(fg.Difference))
	}
	if figs.AsOfPosition != before {
		t.Errorf("asOfPosition = %d, want %d", figs.AsOfPosition, before)
	}
}

// A single learner and no comparison: every resample is that learner, so
// the interval is the point difference itself.
func TestBootstrapOneLearner(t *testing.T) {
	h := newHistory(t)
	h.enroll("a", "g6")
	h.start("r1", domain.ReviewScope{LearnerIDs: []string{"a"}}, nil, "2026-09-10", "2026-09-20")
	h.evidence("a", "s1", 1, day(2))
	h.evidence("a", "s1", 4, day(12))
	fg := figure(t, h.p.Figures(h.review("r1")), FigureEvidenceLevel)
	// 4 - 1 = 3.
	for _, v := range []*float64{fg.Difference, fg.Low, fg.High} {
		if !sameValue(v, f(3)) {
			t.Errorf("difference %s in [%s, %s], want 3 in [3, 3]", fmtp(fg.Difference), fmtp(fg.Low), fmtp(fg.High))
			break
		}
	}
	if fg.ComparisonBefore != nil {
		t.Error("a comparison figure without a comparison")
	}
}

// groupsHistory gives the scope and the comparison ten learners each;
// learner i of a group shows evidence before[i%len] before the review and
// during[i%len] during it.
func groupsHistory(t *testing.T, reviewID string, sBefore, sDuring, cBefore, cDuring []int) (*Projection, Review) {
	h := newHistory(t)
	for i := range 10 {
		h.enroll(fmt.Sprintf("s%02d", i), "g6")
		h.enroll(fmt.Sprintf("c%02d", i), "g7")
	}
	h.start(reviewID, domain.ReviewScope{Cohorts: []string{"g6"}}, &domain.ReviewScope{Cohorts: []string{"g7"}}, "2026-09-10", "2026-09-20")
	for i := range 10 {
		h.evidence(fmt.Sprintf("s%02d", i), "s1", sBefore[i%len(sBefore)], day(3))
		h.evidence(fmt.Sprintf("s%02d", i), "s1", sDuring[i%len(sDuring)], day(13))
		h.evidence(fmt.Sprintf("c%02d", i), "s1", cBefore[i%len(cBefore)], day(3))
		h.evidence(fmt.Sprintf("c%02d", i), "s1", cDuring[i%len(cDuring)], day(13))
	}
	return h.p, h.review(reviewID)
}

func TestBootstrapInterval(t *testing.T) {
	t.Run("identical groups", func(t *testing.T) {
		// Both groups: half go from 1 to 4, half from 4 to 1. The point
		// difference is 0; resampling moves each group's change either
		// way, and the two groups alike, so the interval holds 0 and is
		// not a point.
		p, r := groupsHistory(t, "r1", []int{1, 4}, []int{4, 1}, []int{1, 4}, []int{4, 1})
		fg := figure(t, p.Figures(r), FigureEvidenceLevel)
		if !sameValue(fg.Difference, f(0)) || !(*fg.Low < 0 && *fg.High > 0) {
			t.Errorf("difference %s in [%s, %s], want 0 inside an interval around 0", fmtp(fg.Difference), fmtp(fg.Low), fmtp(fg.High))
		}
	})
	t.Run("well separated", func(t *testing.T) {
		// Scope learners change by +1 or +2, comparison learners by 0 or
		// -1: whatever the resample, the scope's mean change is at least
		// 1 and the comparison's at most 0, so every resampled
		// difference, and the interval, lies at or above 1.
		p, r := groupsHistory(t, "r1", []int{1, 2}, []int{2, 4}, []int{3, 3}, []int{3, 2})
		fg := figure(t, p.Figures(r), FigureEvidenceLevel)
		// (3 - 1.5) - (2.5 - 3) = 2.
		if !sameValue(fg.Difference, f(2)) || *fg.Low < 1 || *fg.High > 3 || *fg.Low > *fg.High {
			t.Errorf("difference %s in [%s, %s], want 2 in an interval within [1, 3]", fmtp(fg.Difference), fmtp(fg.Low), fmtp(fg.High))
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		pa, a := groupsHistory(t, "r1", []int{1, 4, 2}, []int{4, 1}, []int{1, 4}, []int{4, 1, 3})
		pb, b := groupsHistory(t, "r1", []int{1, 4, 2}, []int{4, 1}, []int{1, 4}, []int{4, 1, 3})
		fa, fb := figure(t, pa.Figures(a), FigureEvidenceLevel), figure(t, pb.Figures(b), FigureEvidenceLevel)
		if !sameValue(fa.Low, fb.Low) || !sameValue(fa.High, fb.High) {
			t.Errorf("same events, intervals [%s, %s] and [%s, %s]", fmtp(fa.Low), fmtp(fa.High), fmtp(fb.Low), fmtp(fb.High))
		}
	})
}

func TestNearestRank(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	// ceil(0.025·20) = 1 → 1; ceil(0.975·20) = 20 → 20; ceil(0.5·20) = 10.
	for q, want := range map[float64]float64{0.025: 1, 0.975: 20, 0.5: 10} {
		if got := nearestRank(xs, q); got != want {
			t.Errorf("q %v: %v, want %v", q, got, want)
		}
	}
}

func TestReviewsAndRoster(t *testing.T) {
	h, _ := handHistory(t)
	h.add(domain.SchoolStream("north"), day(21), admin, domain.PracticeReviewConcluded{ReviewID: "r1", Decision: domain.ReviewKeep,
		Learned: "keep it", Figures: domain.ReviewFigures{AsOfPosition: 3, Figures: []domain.ReviewFigure{}}})
	rs := h.p.Reviews("north")
	if len(rs) != 1 || rs[0].Conclusion == nil || rs[0].Conclusion.Decision != domain.ReviewKeep || rs[0].Conclusion.Figures.AsOfPosition != 3 {
		t.Fatalf("reviews = %+v", rs)
	}
	if got := h.p.Roster("north").Learners; len(got) != 3 || got["c"] != "g7" {
		t.Errorf("roster = %v", got)
	}
	if h.p.Reviews("south") != nil {
		t.Error("reviews of an unknown school")
	}
}

// TestIntervalIgnoresEnrolmentOrder: the same learners with the same
// events, enrolled in the opposite order (as concurrent enrolments may
// land), give the same figures and intervals.
func TestIntervalIgnoresEnrolmentOrder(t *testing.T) {
	build := func(order []int) domain.ReviewFigures {
		h := newHistory(t)
		for _, i := range order {
			h.enroll(fmt.Sprintf("s%02d", i), "g6")
		}
		h.start("r1", domain.ReviewScope{Cohorts: []string{"g6"}}, nil, "2026-09-10", "2026-09-20")
		before, during := []int{1, 3, 4, 2, 2, 1, 4, 3}, []int{4, 4, 1, 3, 2, 4, 1, 2}
		for i := range len(order) {
			h.evidence(fmt.Sprintf("s%02d", i), "s1", before[i], day(3))
			h.evidence(fmt.Sprintf("s%02d", i), "s1", during[i], day(13))
		}
		return h.p.Figures(h.review("r1"))
	}
	up, down := build([]int{0, 1, 2, 3, 4, 5, 6, 7}), build([]int{7, 6, 5, 4, 3, 2, 1, 0})
	a, b := figure(t, up, FigureEvidenceLevel), figure(t, down, FigureEvidenceLevel)
	if a.Low == nil || !sameValue(a.Difference, b.Difference) || !sameValue(a.Low, b.Low) || !sameValue(a.High, b.High) {
		t.Errorf("enrolled in id order: %s in [%s, %s]; in reverse: %s in [%s, %s]",
			fmtp(a.Difference), fmtp(a.Low), fmtp(a.High), fmtp(b.Difference), fmtp(b.Low), fmtp(b.High))
	}
}

// TestLiveFiguresKept: an open review's figures are kept while its school
// is unchanged and given out with the current position, and computed
// again once an event of the school's learners arrives; each read equals
// the figures computed afresh as of the position.
func TestLiveFiguresKept(t *testing.T) {
	p, r := groupsHistory(t, "r1", []int{1, 4, 2}, []int{4, 1}, []int{1, 4}, []int{4, 1, 3})
	h := &history{t: t, p: p, pos: p.Position(), revs: map[string]uint64{}}
	fresh := func() domain.ReviewFigures {
		p.mu.RLock()
		defer p.mu.RUnlock()
		return p.figures(r, p.position)
	}
	first := p.Figures(r)
	if !reflect.DeepEqual(first, fresh()) {
		t.Fatalf("first read %+v, afresh %+v", first, fresh())
	}
	// Another school's learner, a standard: the position moves, the
	// figures do not.
	h.add(domain.LearnerStream("elsewhere"), day(2), admin, domain.LearnerEnrolled{LearnerID: "elsewhere", SchoolID: "south", Cohort: "g6"})
	h.add(domain.StandardStream("s9"), day(2), admin, domain.StandardPublished{StandardID: "s9", Framework: "F", Code: "S.9", Title: "S",
		Statement: "s", Components: []domain.Component{{ID: "c1", Statement: "c"}}, Scale: domain.DefaultScale()})
	kept := p.Figures(r)
	if kept.AsOfPosition != p.Position() || kept.AsOfPosition == first.AsOfPosition || !reflect.DeepEqual(kept, fresh()) {
		t.Errorf("after other events: %+v, afresh %+v", kept, fresh())
	}
	// Evidence of a learner in scope moves them.
	h.evidence("s00", "s1", 4, day(14))
	moved := p.Figures(r)
	if !reflect.DeepEqual(moved, fresh()) || reflect.DeepEqual(moved.Figures, kept.Figures) {
		t.Errorf("after the school's evidence: %+v, afresh %+v, before %+v", moved.Figures, fresh().Figures, kept.Figures)
	}
	if reads := p.ReadAll("north"); len(reads) != 1 || !reflect.DeepEqual(reads[0].Figures, moved) {
		t.Errorf("ReadAll gives %+v, want the figures of now %+v", reads, moved)
	}
}
