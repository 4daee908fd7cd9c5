package efficacy_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

type Query = efficacy.Query

func TestEnrolled(t *testing.T) {
	hs := newHistory(t)
	hs.school("north")
	hs.school("south")
	hs.enroll("l1", "north", "grade-6", day(0))
	hs.enroll("l2", "north", "grade-6", day(0))
	hs.enroll("l4", "north", "grade-7", day(0))
	hs.enroll("l5", "south", "grade-6", day(0)) // another school: never counted
	hs.withdraw("l2", day(10))
	hs.enroll("l3", "north", "grade-7", day(20))
	p := hs.project()

	type cc = efficacy.CohortCounts
	cases := []struct {
		name string
		q    Query
		want efficacy.Enrolment
	}{
		// l1, l3, l4 enrolled; l2 withdrawn.
		{"all time", Query{}, efficacy.Enrolment{Learners: 3, Withdrawn: 1,
			Cohorts: []cc{{"grade-6", 1, 1}, {"grade-7", 2, 0}}}},
		// As of To (exclusive): l3 (day 20) not yet enrolled; l2's
		// withdrawal at exactly To has not happened yet.
		{"to is exclusive", Query{To: day(10)}, efficacy.Enrolment{Learners: 3, Withdrawn: 0,
			Cohorts: []cc{{"grade-6", 2, 0}, {"grade-7", 1, 0}}}},
		{"a nanosecond after the withdrawal", Query{To: day(10, time.Nanosecond)}, efficacy.Enrolment{Learners: 2, Withdrawn: 1,
			Cohorts: []cc{{"grade-6", 1, 1}, {"grade-7", 1, 0}}}},
		// From does not apply to a count "as of".
		{"from is ignored", Query{From: day(15)}, efficacy.Enrolment{Learners: 3, Withdrawn: 1,
			Cohorts: []cc{{"grade-6", 1, 1}, {"grade-7", 2, 0}}}},
		{"one cohort", Query{Cohort: "grade-7"}, efficacy.Enrolment{Learners: 2, Withdrawn: 0,
			Cohorts: []cc{{"grade-7", 2, 0}}}},
		{"cohort without learners", Query{Cohort: "grade-9"}, efficacy.Enrolment{Cohorts: []cc{}}},
		{"before the first enrolment", Query{To: day(0)}, efficacy.Enrolment{Cohorts: []cc{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := report(t, p, "north", c.q).Enrolled
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("enrolled = %+v, want %+v", got, c.want)
			}
		})
	}
}

// proficiencyHistory: four grade-6 learners of north, standards A, B, C, D.
func proficiencyHistory(t *testing.T) *history {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.standard("B", "6.RP.A.2", "Unit rates")
	hs.standard("C", "6.RP.A.3", "Ratio reasoning")
	hs.standard("D", "6.NS.A.1", "Fractions")
	hs.school("north")
	hs.school("south")
	for _, l := range []string{"l1", "l2", "l3", "l4"} {
		hs.enroll(l, "north", "grade-6", day(0))
	}
	hs.enroll("s1", "south", "grade-6", day(0))

	ev1 := hs.evidence("l1", "A", day(1))
	hs.meet("l1", "A", day(1, h), day(2)) // A met against revision 1
	hs.evidence("l2", "A", day(1))
	hs.preAssess("l3", "A", day(1), "c1", "c2") // started A, never met
	hs.meet("l4", "A", day(1), day(2))
	hs.revise("A", day(3))
	hs.meet("l2", "A", day(3, h), day(3, 2*h)) // A met against revision 2
	hs.meet("l1", "B", day(4), day(5))
	hs.evidence("l2", "B", day(4))
	hs.preAssess("l3", "C", day(5), "c1", "c2")
	hs.meet("l3", "C", day(5), day(6)) // rests on the pre-assessment alone
	hs.retire("C", day(7))
	hs.withdraw("l4", day(8))
	hs.retract("l1", "A", ev1, day(9)) // after met: met stays
	hs.meet("s1", "D", day(1), day(2))
	return hs
}

func TestProficiency(t *testing.T) {
	p := proficiencyHistory(t).project()
	type sr = efficacy.StandardRate
	a := func(met, n int, rate *float64) sr { return sr{"A", "6.RP.A.1", "Ratios", false, met, n, rate} }
	b := func(met, n int, rate *float64) sr { return sr{"B", "6.RP.A.2", "Unit rates", false, met, n, rate} }
	c := func(retired bool, met, n int, rate *float64) sr {
		return sr{"C", "6.RP.A.3", "Ratio reasoning", retired, met, n, rate}
	}
	cases := []struct {
		name   string
		school string
		q      Query
		want   efficacy.Proficiency
	}{
		// Enrolled: l1, l2, l3 (l4 withdrawn) = 3. In play: A, B, C (D is
		// south's). A: l1 (rev 1, evidence retracted after met), l2
		// (rev 2) = 2/3. B: l1 = 1/3. C: l3 = 1/3, retired, so
		// overall = (2 + 1) / (2 standards × 3) = 3/6 = 0.5.
		{"all time", "north", Query{}, efficacy.Proficiency{Learners: 3,
			Standards: []sr{a(2, 3, f(0.666666666667)), b(1, 3, f(0.333333333333)), c(true, 1, 3, f(0.333333333333))},
			Overall:   efficacy.Overall{Standards: 2, Met: 3, Possible: 6, Rate: f(0.5)}}},
		// As of day 4 (exclusive): l1..l4 enrolled = 4. Only A started
		// (B's first events are at day 4 exactly). A: l1, l2, l4 = 3/4.
		{"as of day 4", "north", Query{To: day(4)}, efficacy.Proficiency{Learners: 4,
			Standards: []sr{a(3, 4, f(0.75))},
			Overall:   efficacy.Overall{Standards: 1, Met: 3, Possible: 4, Rate: f(0.75)}}},
		// As of day 7: C's retirement (day 7) not yet. A 3/4, B 1/4,
		// C 1/4; overall (3 + 1 + 1) / (3 × 4) = 5/12.
		{"as of day 7", "north", Query{To: day(7)}, efficacy.Proficiency{Learners: 4,
			Standards: []sr{a(3, 4, f(0.75)), b(1, 4, f(0.25)), c(false, 1, 4, f(0.25))},
			Overall:   efficacy.Overall{Standards: 3, Met: 5, Possible: 12, Rate: f(0.416666666667)}}},
		// As of day 8: C retired, l4 still enrolled (withdrawn at day 8
		// exactly). Overall (3 + 1) / (2 × 4) = 0.5.
		{"as of day 8", "north", Query{To: day(8)}, efficacy.Proficiency{Learners: 4,
			Standards: []sr{a(3, 4, f(0.75)), b(1, 4, f(0.25)), c(true, 1, 4, f(0.25))},
			Overall:   efficacy.Overall{Standards: 2, Met: 4, Possible: 8, Rate: f(0.5)}}},
		// No learner: no standard in play, overall rate null.
		{"cohort without learners", "north", Query{Cohort: "grade-9"}, efficacy.Proficiency{Learners: 0,
			Standards: []sr{},
			Overall:   efficacy.Overall{Rate: nil}}},
		{"other school", "south", Query{}, efficacy.Proficiency{Learners: 1,
			Standards: []sr{{"D", "6.NS.A.1", "Fractions", false, 1, 1, f(1)}},
			Overall:   efficacy.Overall{Standards: 1, Met: 1, Possible: 1, Rate: f(1)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := report(t, p, c.school, c.q).Proficiency
			if toJSON(t, got) != toJSON(t, c.want) {
				t.Errorf("proficiency =\n %s\nwant\n %s", toJSON(t, got), toJSON(t, c.want))
			}
		})
	}
}

// growthHistory: grade-6 learners l1..l4 and a grade-7 learner l5 of north.
// Day 30 is 2026-10-01, day 61 is 2026-11-01.
func growthHistory(t *testing.T) *history {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.standard("B", "6.RP.A.2", "Unit rates")
	hs.school("north")
	hs.enroll("l1", "north", "grade-6", day(0)) // 09-01
	hs.enroll("l4", "north", "grade-6", day(0)) // 09-01
	hs.meet("l1", "A", day(0, h), day(1))       // met 09-02
	hs.enroll("l2", "north", "grade-6", day(14))
	hs.meet("l2", "A", day(18), day(19))         // met 09-20
	hs.meet("l1", "B", day(33), day(34))         // met 10-05
	hs.withdraw("l2", day(39))                   // 10-10
	hs.enroll("l3", "north", "grade-6", day(49)) // 10-20
	hs.meet("l3", "A", day(62), day(63))         // met 11-03
	hs.evidence("l4", "A", day(80))              // 11-20: the latest event
	hs.enroll("l5", "north", "grade-7", day(30)) // 10-01
	hs.meet("l5", "A", day(24), day(24))         // met 09-25, recorded after the enrolment of 10-01
	return hs
}

func TestGrowth(t *testing.T) {
	p := growthHistory(t).project()
	type gp = efficacy.GrowthPoint
	cases := []struct {
		name string
		q    Query
		want []gp
	}{
		// From the month of the first enrolment to the month of the
		// latest event. Sep: l1, l2 (mid-month), l4 = 3 learners, 2 met
		// (l1 A, l2 A) → 2/3. Oct: l1, l2 (withdrawn 10-10), l3 (10-20),
		// l4 = 4, 1 met (l1 B) → 1/4. Nov: l1, l3, l4 = 3, 1 met (l3 A).
		{"months, all time", Query{Cohort: "grade-6"}, []gp{
			{"2026-09", date(2026, 9, 1), date(2026, 10, 1), 2, 3, f(0.666666666667)},
			{"2026-10", date(2026, 10, 1), date(2026, 11, 1), 1, 4, f(0.25)},
			{"2026-11", date(2026, 11, 1), date(2026, 12, 1), 1, 3, f(0.333333333333)},
		}},
		// ISO weeks from Monday; the first is clipped to From (Tuesday).
		// W36: l1, l4, 1 met → 1/2. W37: 0/2. W38: l2 joins 09-15, met
		// 09-20 → 1/3.
		{"weeks in a window", Query{Cohort: "grade-6", Period: "week", From: date(2026, 9, 1), To: date(2026, 9, 21)}, []gp{
			{"2026-W36", date(2026, 9, 1), date(2026, 9, 7), 1, 2, f(0.5)},
			{"2026-W37", date(2026, 9, 7), date(2026, 9, 14), 0, 2, f(0)},
			{"2026-W38", date(2026, 9, 14), date(2026, 9, 21), 1, 3, f(0.333333333333)},
		}},
		// Months clipped to a mid-month window: Sep [09-15, 10-01): l1,
		// l2, l4, 1 met (l2 A; l1's 09-02 lies before From) → 1/3. Oct
		// [10-01, 10-15): l1, l2, l4 (l3 joins after To), 1 met (l1 B).
		{"months clipped to the window", Query{Cohort: "grade-6", From: date(2026, 9, 15), To: date(2026, 10, 15)}, []gp{
			{"2026-09", date(2026, 9, 15), date(2026, 10, 1), 1, 3, f(0.333333333333)},
			{"2026-10", date(2026, 10, 1), date(2026, 10, 15), 1, 3, f(0.333333333333)},
		}},
		// l5's met (09-25) occurred before its enrolment (10-01): the
		// default series starts in October, and the met is in no period.
		{"met before the enrolment", Query{Cohort: "grade-7"}, []gp{
			{"2026-10", date(2026, 10, 1), date(2026, 11, 1), 0, 1, f(0)},
		}},
		// An explicit window shows September, where l5 was not enrolled:
		// 0 learners, so per learner is null, and the met is not counted.
		{"period without learners", Query{Cohort: "grade-7", From: date(2026, 9, 1), To: date(2026, 11, 1)}, []gp{
			{"2026-09", date(2026, 9, 1), date(2026, 10, 1), 0, 0, nil},
			{"2026-10", date(2026, 10, 1), date(2026, 11, 1), 0, 1, f(0)},
		}},
		{"no learners, no window", Query{Cohort: "grade-9"}, []gp{}},
		// ISO week labels across the year's end: 2026 has 53 weeks.
		{"iso weeks at the year's end", Query{Cohort: "grade-6", Period: "week", From: date(2026, 12, 28), To: date(2027, 1, 11)}, []gp{
			{"2026-W53", date(2026, 12, 28), date(2027, 1, 4), 0, 3, f(0)},
			{"2027-W01", date(2027, 1, 4), date(2027, 1, 11), 0, 3, f(0)},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := report(t, p, "north", c.q).Growth
			if g.Truncated {
				t.Errorf("truncated")
			}
			if toJSON(t, g.Series) != toJSON(t, c.want) {
				t.Errorf("series =\n %s\nwant\n %s", toJSON(t, g.Series), toJSON(t, c.want))
			}
		})
	}
}

// A series derived from the data keeps its latest MaxPeriods periods.
func TestGrowthTruncated(t *testing.T) {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.school("north")
	hs.enroll("l1", "north", "grade-6", date(1990, 1, 1)) // a backdated enrolment
	hs.evidence("l1", "A", day(0))                        // 2026-09-01, ISO week 2026-W36
	p := hs.project()

	// Weeks: 1990-W01 to 2026-W36 is more than 1200 weeks.
	g := report(t, p, "north", Query{Period: "week"}).Growth
	if !g.Truncated || len(g.Series) != efficacy.MaxPeriods || efficacy.MaxPeriods != 1200 {
		t.Fatalf("truncated %v, %d periods; want true, 1200", g.Truncated, len(g.Series))
	}
	first, last := g.Series[0], g.Series[len(g.Series)-1]
	if wantFirst := date(2026, 8, 31).AddDate(0, 0, -7*1199); !first.Start.Equal(wantFirst) {
		t.Errorf("first period starts %s, want %s", first.Start, wantFirst)
	}
	if last.Label != "2026-W36" || first.Learners != 1 || last.Learners != 1 {
		t.Errorf("last %+v, first %+v", last, first)
	}

	// Months: 1990-01 to 2026-09 is 36 × 12 + 9 = 441 periods.
	g = report(t, p, "north", Query{}).Growth
	if g.Truncated || len(g.Series) != 441 || g.Series[0].Label != "1990-01" || g.Series[440].Label != "2026-09" {
		t.Errorf("months: truncated %v, %d periods", g.Truncated, len(g.Series))
	}
}

// persistenceHistory: one grade-6 learner per case, standard A. Goal gA
// lists A, gB lists B, gAB lists both; each has a plan of the same name.
func persistenceHistory(t *testing.T) *history {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.standard("B", "6.RP.A.2", "Unit rates")
	hs.school("north")
	for _, l := range []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"} {
		hs.enroll(l, "north", "grade-6", day(0))
		hs.goal(l, "gA", day(0), "A")
		hs.plan(l, "pA", "gA", day(0))
		hs.goal(l, "gB", day(0), "B")
		hs.plan(l, "pB", "gB", day(0))
		hs.goal(l, "gAB", day(0), "A", "B")
		hs.plan(l, "pAB", "gAB", day(0))
	}
	// p1: not yet, adjustment of A's plan, met: persisted.
	hs.notYet("p1", "A", day(1))
	hs.adjust("p1", "pA", "gA", day(2))
	hs.meet("p1", "A", day(3), day(4))
	// p2: not yet, met without an adjustment.
	hs.notYet("p2", "A", day(1))
	hs.meet("p2", "A", day(3), day(4))
	// p3: the adjustment is of a plan for B only.
	hs.notYet("p3", "A", day(1))
	hs.adjust("p3", "pB", "gB", day(2))
	hs.meet("p3", "A", day(3), day(4))
	// p4: the adjustment precedes the not-yet attempt.
	hs.adjust("p4", "pA", "gA", day(0, h))
	hs.notYet("p4", "A", day(1))
	hs.meet("p4", "A", day(3), day(4))
	// p5: not yet (day 2), adjusted, never met.
	hs.notYet("p5", "A", day(2))
	hs.adjust("p5", "pA", "gA", day(3))
	// p6: met at the first attempt: not a pair.
	hs.meet("p6", "A", day(1), day(2))
	// p7: two not-yet attempts, the adjustment after the second: persisted.
	hs.notYet("p7", "A", day(1))
	hs.notYet("p7", "A", day(3))
	hs.adjust("p7", "pA", "gA", day(3, h))
	hs.meet("p7", "A", day(5), day(6))
	// p8: the adjustment comes after met.
	hs.notYet("p8", "A", day(1))
	hs.meet("p8", "A", day(3), day(4))
	hs.adjust("p8", "pA", "gA", day(5))
	// p9: the adjusted plan's goal lists A among others: persisted.
	hs.notYet("p9", "A", day(1))
	hs.adjust("p9", "pAB", "gAB", day(2))
	hs.meet("p9", "A", day(3), day(4))
	return hs
}

func TestPersistence(t *testing.T) {
	p := persistenceHistory(t).project()
	cases := []struct {
		name string
		q    Query
		want efficacy.Persistence
	}{
		// Pairs: p1 p2 p3 p4 p5 p7 p8 p9 = 8 (p6 never failed). Met after
		// not yet: all but p5 = 7. Persisted: p1, p7, p9 = 3 → 3/8. Each
		// learner has one pair here, so by learner the counts are the
		// same (TestPersistenceByLearner has learners with two).
		{"all time", Query{}, efficacy.Persistence{Pairs: 8, MetAfterNotYet: 7, Persisted: 3, Rate: f(0.375),
			ByLearner: efficacy.LearnerPersistence{Learners: 8, MetAfterNotYet: 7, Persisted: 3, Rate: f(0.375)}}},
		// Met before day 5: p7 (day 6) not yet → met 6, persisted p1,
		// p9 = 2 → 2/8.
		{"as of day 5", Query{To: day(5)}, efficacy.Persistence{Pairs: 8, MetAfterNotYet: 6, Persisted: 2, Rate: f(0.25),
			ByLearner: efficacy.LearnerPersistence{Learners: 8, MetAfterNotYet: 6, Persisted: 2, Rate: f(0.25)}}},
		// Pairs whose first not-yet attempt is on or after day 2: p5
		// only, not met → 0/1 = 0, not null.
		{"from day 2", Query{From: day(2)}, efficacy.Persistence{Pairs: 1, MetAfterNotYet: 0, Persisted: 0, Rate: f(0),
			ByLearner: efficacy.LearnerPersistence{Learners: 1, Rate: f(0)}}},
		{"no pairs", Query{From: day(10)}, efficacy.Persistence{Rate: nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := report(t, p, "north", c.q).Persistence
			if toJSON(t, got) != toJSON(t, c.want) {
				t.Errorf("persistence = %s, want %s", toJSON(t, got), toJSON(t, c.want))
			}
		})
	}
}

// TestPersistenceByLearner names the two persistence figures apart: q1
// has two pairs, so pairs and learners differ.
func TestPersistenceByLearner(t *testing.T) {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.standard("B", "6.RP.A.2", "Unit rates")
	hs.school("north")
	for _, l := range []string{"q1", "q2", "q3", "q4"} {
		hs.enroll(l, "north", "grade-6", day(0))
		hs.goal(l, "gA", day(0), "A")
		hs.plan(l, "pA", "gA", day(0))
	}
	// q1: not yet on A and on B; A's plan adjusted, both met: A
	// persisted, B met without an adjustment linked to it.
	hs.notYet("q1", "A", day(1))
	hs.notYet("q1", "B", day(1))
	hs.adjust("q1", "pA", "gA", day(2))
	hs.meet("q1", "A", day(3), day(4))
	hs.meet("q1", "B", day(3), day(4))
	// q2: not yet on A, met without an adjustment.
	hs.notYet("q2", "A", day(1))
	hs.meet("q2", "A", day(3), day(4))
	// q3: not yet on A, never met.
	hs.notYet("q3", "A", day(1))
	// q4: met at the first attempt: neither a pair nor a learner counted.
	hs.meet("q4", "A", day(1), day(2))
	p := hs.project()

	// Learner × standard: pairs q1A q1B q2A q3A = 4; met q1A q1B q2A = 3;
	// persisted q1A = 1 → 1/4 = 0.25.
	// Learner: q1 q2 q3 = 3 had a not-yet; q1 and q2 met one = 2; q1
	// persisted on one = 1 → 1/3 = 0.333333333333.
	want := efficacy.Persistence{Pairs: 4, MetAfterNotYet: 3, Persisted: 1, Rate: f(0.25),
		ByLearner: efficacy.LearnerPersistence{Learners: 3, MetAfterNotYet: 2, Persisted: 1, Rate: f(0.333333333333)}}
	if got := report(t, p, "north", Query{}).Persistence; toJSON(t, got) != toJSON(t, want) {
		t.Errorf("persistence = %s, want %s", toJSON(t, got), toJSON(t, want))
	}
}

// TestWinsHow: each win says whether it came after a not-yet attempt and
// a linked plan adjustment, over the history of TestPersistence.
func TestWinsHow(t *testing.T) {
	p := persistenceHistory(t).project()
	type how struct{ notYet, adjusted bool }
	want := map[string]how{
		"p1": {true, true},   // not yet, A's plan adjusted, met
		"p2": {true, false},  // not yet, met, no adjustment
		"p3": {true, false},  // the adjusted plan is B's only
		"p4": {true, false},  // the adjustment came before the not-yet attempt
		"p6": {false, false}, // met at the first attempt
		"p7": {true, true},   // adjusted after the second not-yet attempt
		"p8": {true, false},  // adjusted after met
		"p9": {true, true},   // the plan's goal lists A among others
		// p5 never met: no win.
	}
	got := map[string]how{}
	for _, w := range report(t, p, "north", Query{WinsLimit: 100}).Wins {
		got[w.LearnerID] = how{w.AfterNotYet, w.AfterPlanAdjustment}
		if trail := "/v1/learners/" + w.LearnerID + "/standards/A/replay"; w.Trail != trail {
			t.Errorf("%s: trail %q, want %q", w.LearnerID, w.Trail, trail)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wins' how = %v, want %v", got, want)
	}
}

// masteryHistory: learners m1..m7 of north, standard A.
func masteryHistory(t *testing.T) *history {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.school("north")
	for _, l := range []string{"m1", "m2", "m3", "m4", "m5", "m6", "m7"} {
		hs.enroll(l, "north", "grade-6", day(-20))
	}
	// m1: first evidence day 0, retracted before the agreement; still
	// the first evidence. Agreement→met 1 day, evidence→met 3 days.
	e1 := hs.evidence("m1", "A", day(0))
	hs.evidence("m1", "A", day(1))
	hs.retract("m1", "A", e1, day(1, h))
	hs.meet("m1", "A", day(2), day(3))
	// m2: 0.5 and 5.25 days.
	hs.evidence("m2", "A", day(0, 6*h))
	hs.meet("m2", "A", day(5), day(5, 12*h))
	// m3: pre-assessed, no evidence: 0.25 days; evidence→met excluded.
	hs.preAssess("m3", "A", day(1), "c1", "c2")
	hs.meet("m3", "A", day(1), day(1, 6*h))
	// m4: an earlier agreement was consumed by a not-yet attempt; the
	// meeting attempt's own agreement counts: 2 days; evidence 20 days.
	hs.evidence("m4", "A", day(-10))
	hs.notYet("m4", "A", day(2))
	hs.meet("m4", "A", day(8), day(10))
	// m5: evidence only after met: 1 day; evidence→met excluded.
	hs.meet("m5", "A", day(1), day(2))
	hs.evidence("m5", "A", day(3))
	// m6: the attempt is dated before its agreement: excluded; evidence
	// 1 day.
	hs.evidence("m6", "A", day(4))
	hs.meet("m6", "A", day(6), day(5))
	// m7: self-assessment is evidence too: 4 and 6 days.
	hs.evidenceFrom("m7", "A", domain.SourceSelf, day(1))
	hs.meet("m7", "A", day(3), day(7))
	return hs
}

func TestTimeToMastery(t *testing.T) {
	p := masteryHistory(t).project()
	type d = efficacy.Distribution
	cases := []struct {
		name string
		q    Query
		want efficacy.TimeToMastery
	}{
		// Agreement→met sorted: 0.25 0.5 1 1 2 4 (n 6; m6 excluded).
		// Median: rank ⌈6·50/100⌉ = 3 → 1. P90: rank ⌈6·90/100⌉ = ⌈5.4⌉
		// = 6 → 4.
		// First evidence→met sorted: 1 3 5.25 6 20 (n 5; m3, m5
		// excluded). Median: rank ⌈2.5⌉ = 3 → 5.25. P90: rank ⌈4.5⌉ =
		// 5 → 20.
		{"all time", Query{}, efficacy.TimeToMastery{
			AgreementToMet:     d{N: 6, Excluded: 1, MedianDays: f(1), P90Days: f(4)},
			FirstEvidenceToMet: d{N: 5, Excluded: 2, MedianDays: f(5.25), P90Days: f(20)},
		}},
		// Met in [day 3, day 8): m1, m2, m6, m7. Agreement: 0.5 1 4 (m6
		// excluded): median rank ⌈1.5⌉ = 2 → 1, p90 rank ⌈2.7⌉ = 3 → 4.
		// Evidence: 1 3 5.25 6: median rank 2 → 3, p90 rank ⌈3.6⌉ = 4
		// → 6.
		{"window", Query{From: day(3), To: day(8)}, efficacy.TimeToMastery{
			AgreementToMet:     d{N: 3, Excluded: 1, MedianDays: f(1), P90Days: f(4)},
			FirstEvidenceToMet: d{N: 4, Excluded: 0, MedianDays: f(3), P90Days: f(6)},
		}},
		{"nothing met", Query{From: day(20)}, efficacy.TimeToMastery{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := report(t, p, "north", c.q).TimeToMastery
			if toJSON(t, got) != toJSON(t, c.want) {
				t.Errorf("time to mastery =\n %s\nwant\n %s", toJSON(t, got), toJSON(t, c.want))
			}
		})
	}
}

func TestGoals(t *testing.T) {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.school("north")
	hs.enroll("g1", "north", "grade-6", day(0))
	hs.enroll("g2", "north", "grade-7", day(0))
	hs.goal("g1", "G1", day(1), "A")
	hs.goal("g1", "G2", day(2), "A")
	hs.goal("g1", "G3", day(2))
	hs.evaluate("g1", "G1", domain.GoalNotYet, day(3))
	hs.evaluate("g1", "G3", domain.GoalNotYet, day(4))
	hs.evaluate("g1", "G1", domain.GoalMet, day(6)) // the latest evaluation counts
	hs.goal("g1", "G4", day(10), "A")
	hs.evaluate("g1", "G4", domain.GoalMet, day(11))
	hs.goal("g2", "G5", day(1), "A")
	hs.evaluate("g2", "G5", domain.GoalMet, day(2))
	hs.review("g2", "G5", day(3))
	p := hs.project()

	cases := []struct {
		name string
		q    Query
		want efficacy.Goals
	}{
		// Set 5: met G1 G4 G5, not yet G3, not evaluated G2 → 3/(3+1).
		{"all time", Query{}, efficacy.Goals{Set: 5, Met: 3, NotYet: 1, NotEvaluated: 1, ShareMet: f(0.75)}},
		// Set before day 5: G1 G2 G3 G5. G1's latest evaluation before
		// day 5 is not yet. Met G5; not yet G1 G3 → 1/3.
		{"as of day 5", Query{To: day(5)}, efficacy.Goals{Set: 4, Met: 1, NotYet: 2, NotEvaluated: 1, ShareMet: f(0.333333333333)}},
		{"one cohort", Query{Cohort: "grade-7"}, efficacy.Goals{Set: 1, Met: 1, ShareMet: f(1)}},
		// Set but none evaluated: share null, not 0.
		{"none evaluated", Query{From: day(2), To: day(3)}, efficacy.Goals{Set: 2, NotEvaluated: 2, ShareMet: nil}},
		{"none set", Query{From: day(20)}, efficacy.Goals{ShareMet: nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := report(t, p, "north", c.q).Goals
			if toJSON(t, got) != toJSON(t, c.want) {
				t.Errorf("goals = %s, want %s", toJSON(t, got), toJSON(t, c.want))
			}
		})
	}
}

func TestWins(t *testing.T) {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.standard("B", "6.RP.A.2", "Unit rates")
	hs.school("north")
	for _, l := range []string{"w1", "w2", "w3"} {
		hs.enroll(l, "north", "grade-6", day(0))
	}
	hs.enroll("w4", "north", "grade-7", day(0))
	e := hs.evidence("w1", "A", day(0))
	a1 := hs.meet("w1", "A", day(0), day(1))
	a2 := hs.meet("w2", "A", day(2), day(3))
	a3 := hs.meet("w1", "B", day(2), day(3)) // same metAt as a2, recorded later
	hs.revise("A", day(4))
	g4 := hs.agree("w3", "A", day(1))         // against revision 2
	a4 := hs.attempt("w3", "A", true, day(2)) // recorded last but one, met day 2
	hs.retract("w1", "A", e, day(5))          // after met: the win stays
	a5 := hs.meet("w4", "B", day(5), day(6))
	p := hs.project()

	ids := func(ws []efficacy.Win) []uuid.UUID {
		out := []uuid.UUID{}
		for _, w := range ws {
			out = append(out, w.AttemptID)
		}
		return out
	}
	cases := []struct {
		name string
		q    Query
		want []uuid.UUID
	}{
		// Newest metAt first; a2 and a3 share metAt, the later recorded
		// (a3) first.
		{"all", Query{}, []uuid.UUID{a5, a3, a2, a4, a1}},
		{"limit", Query{WinsLimit: 2}, []uuid.UUID{a5, a3}},
		{"window", Query{From: day(2), To: day(6)}, []uuid.UUID{a3, a2, a4}},
		{"cohort", Query{Cohort: "grade-6"}, []uuid.UUID{a3, a2, a4, a1}},
		{"none", Query{From: day(10)}, []uuid.UUID{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ids(report(t, p, "north", c.q).Wins); !reflect.DeepEqual(got, c.want) {
				t.Errorf("wins = %v, want %v", got, c.want)
			}
		})
	}

	w := report(t, p, "north", Query{From: day(2), To: day(3)}).Wins
	want := []efficacy.Win{{
		LearnerID: "w3", Cohort: "grade-6", StandardID: "A", Code: "6.RP.A.1", Title: "Ratios",
		StandardRevision: 2, MetAt: day(2), RecordedAt: hs.event(a4).RecordedAt,
		AttemptID: a4, AgreementID: g4, Trail: "/v1/learners/w3/standards/A/replay",
	}}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("win = %+v, want %+v", w, want)
	}
}

func TestWinsDefaultLimit(t *testing.T) {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.school("north")
	var attempts []uuid.UUID
	for i := 1; i <= 25; i++ {
		l := "l" + string(rune('a'+i))
		hs.enroll(l, "north", "grade-6", day(0))
		attempts = append(attempts, hs.meet(l, "A", day(i), day(i, h)))
	}
	p := hs.project()
	r := report(t, p, "north", Query{})
	if r.Query.WinsLimit != 20 || efficacy.DefaultWinsLimit != 20 || len(r.Wins) != 20 {
		t.Fatalf("wins limit %d, %d wins; want 20", r.Query.WinsLimit, len(r.Wins))
	}
	if r.Wins[0].AttemptID != attempts[24] || r.Wins[19].AttemptID != attempts[5] {
		t.Errorf("wins run from %s to %s", r.Wins[0].AttemptID, r.Wins[19].AttemptID)
	}
	if r = report(t, p, "north", Query{WinsLimit: 1000}); len(r.Wins) != 25 {
		t.Errorf("%d wins with limit 1000, want 25", len(r.Wins))
	}
}

// perceivedHistory: north has l1, l2 (grade-6) and l3 (grade-7); two survey
// rounds.
func perceivedHistory(t *testing.T) *history {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.school("north")
	hs.enroll("l1", "north", "grade-6", day(0))
	hs.enroll("l2", "north", "grade-6", day(0))
	hs.enroll("l3", "north", "grade-7", day(0))
	hs.meet("l1", "A", day(1), day(2))
	hs.evidence("l2", "A", day(1))

	hs.survey("north", "r1", domain.RespondentStaff, "", day(5), 4, 5)
	hs.survey("north", "r1", domain.RespondentLearner, "grade-6", day(5), 5, 4, 3)
	hs.survey("north", "r1", domain.RespondentStaff, "", day(6), 3, 3)
	hs.survey("north", "r1", domain.RespondentLearner, "grade-6", day(7), 2) // q1 only

	hs.survey("north", "r2", domain.RespondentLearner, "grade-6", day(13), 4, 4)
	hs.survey("north", "r2", domain.RespondentLearner, "grade-7", day(13), 1, 1)
	hs.meet("l2", "A", day(13), day(14))
	hs.survey("north", "r2", domain.RespondentStaff, "", day(14), 5, 5) // the same instant as l2's met
	return hs
}

func TestPerceived(t *testing.T) {
	p := perceivedHistory(t).project()
	type sg = efficacy.SurveyGroup
	type im = efficacy.ItemMean
	// Rounds without instrument have no subscales, no invited count and
	// no response rate.
	noSubscales := []efficacy.SubscaleMean{}
	measured := func(at time.Time, learners, met int, rate float64) efficacy.Measured {
		return efficacy.Measured{AsOf: at, Learners: learners,
			Overall: efficacy.Overall{Standards: 1, Met: met, Possible: learners, Rate: f(rate)}}
	}
	cases := []struct {
		name string
		q    Query
		want []efficacy.SurveyRound
	}{
		{"all cohorts", Query{}, []efficacy.SurveyRound{
			{RoundID: "r1", AsOf: day(7), Responses: 4, Subscales: noSubscales, Groups: []sg{
				// Learners: q1 (5+2)/2 = 3.5, q2 4, q3 3; overall is the
				// mean of the response means (5+4+3)/3 = 4 and 2: 3
				// (pooling all scores would give 14/4 = 3.5).
				{"learner", 1, 5, 2, []im{{"q1", 2, 3.5, false}, {"q2", 1, 4, false}, {"q3", 1, 3, false}}, f(3)},
				// Staff: q1 (4+3)/2 = 3.5, q2 (5+3)/2 = 4; overall
				// (4.5 + 3)/2 = 3.75.
				{"staff", 1, 5, 2, []im{{"q1", 2, 3.5, false}, {"q2", 2, 4, false}}, f(3.75)},
			},
				// As of day 7: 3 learners, A in play, met by l1: 1/3.
				Measured: measured(day(7), 3, 1, 0.333333333333)},
			{RoundID: "r2", AsOf: day(14), Responses: 3, Subscales: noSubscales, Groups: []sg{
				// (4+1)/2 = 2.5 per item; overall (4 + 1)/2 = 2.5.
				{"learner", 1, 5, 2, []im{{"q1", 2, 2.5, false}, {"q2", 2, 2.5, false}}, f(2.5)},
				{"staff", 1, 5, 1, []im{{"q1", 1, 5, false}, {"q2", 1, 5, false}}, f(5)},
			},
				// As of day 14, inclusive: l2's met at that instant
				// counts: 2/3.
				Measured: measured(day(14), 3, 2, 0.666666666667)},
		}},
		// Only responses naming grade-6 (staff named no cohort); measured
		// over l1, l2. r2's time is then day 13, before l2 met: 1/2.
		{"one cohort", Query{Cohort: "grade-6"}, []efficacy.SurveyRound{
			{RoundID: "r1", AsOf: day(7), Responses: 2, Subscales: noSubscales, Groups: []sg{
				{"learner", 1, 5, 2, []im{{"q1", 2, 3.5, false}, {"q2", 1, 4, false}, {"q3", 1, 3, false}}, f(3)},
			}, Measured: measured(day(7), 2, 1, 0.5)},
			{RoundID: "r2", AsOf: day(13), Responses: 1, Subscales: noSubscales, Groups: []sg{
				{"learner", 1, 5, 1, []im{{"q1", 1, 4, false}, {"q2", 1, 4, false}}, f(4)},
			}, Measured: measured(day(13), 2, 1, 0.5)},
		}},
		{"window", Query{From: day(10)}, []efficacy.SurveyRound{
			{RoundID: "r2", AsOf: day(14), Responses: 3, Subscales: noSubscales, Groups: []sg{
				{"learner", 1, 5, 2, []im{{"q1", 2, 2.5, false}, {"q2", 2, 2.5, false}}, f(2.5)},
				{"staff", 1, 5, 1, []im{{"q1", 1, 5, false}, {"q2", 1, 5, false}}, f(5)},
			}, Measured: measured(day(14), 3, 2, 0.666666666667)},
		}},
		{"no responses", Query{Cohort: "grade-9"}, []efficacy.SurveyRound{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := report(t, p, "north", c.q).Perceived
			if toJSON(t, got) != toJSON(t, c.want) {
				t.Errorf("perceived =\n %s\nwant\n %s", toJSON(t, got), toJSON(t, c.want))
			}
		})
	}
}

// A response without items (which no decision records) counts as a
// response; its group's overall is null, not NaN.
func TestSurveyWithoutItems(t *testing.T) {
	hs := newHistory(t)
	hs.school("north")
	hs.surveyItems("north", "r1", domain.RespondentStaff, "", day(1))
	p := hs.project()
	got := toJSON(t, report(t, p, "north", Query{}).Perceived)
	want := `[{"roundId":"r1","asOf":"2026-09-02T09:00:00Z","instrument":null,"invited":null,"responses":1,"responseRate":null,` +
		`"groups":[{"respondent":"staff","scaleMin":1,"scaleMax":5,"responses":1,"items":[],"overall":null}],"subscales":[],` +
		`"measured":{"asOf":"2026-09-02T09:00:00Z","learners":0,"standards":0,"met":0,"possible":0,"rate":null}}]`
	if got != want {
		t.Errorf("perceived =\n %s\nwant\n %s", got, want)
	}
}
