package efficacy_test

import (
	"errors"
	"testing"
	"time"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// agencyHistory: north's a1, a2 (grade-6) and a3 (grade-7), enrolled on
// day 0 (2026-09-01). In September staff record most of the cycle; in
// October a1 records their own goal, plan, evidence and readiness request,
// and a tool records a2's evidence.
func agencyHistory(t *testing.T) *history {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.school("north")
	hs.enroll("a1", "north", "grade-6", day(0))
	hs.enroll("a2", "north", "grade-6", day(0))
	hs.enroll("a3", "north", "grade-7", day(0))
	// September.
	hs.goal("a1", "g1", day(0), "A")  // staff
	hs.plan("a1", "p1", "g1", day(0)) // staff
	hs.evidence("a1", "A", day(1))    // staff
	hs.recordedBy(learnerActor("a2"), func() {
		hs.goal("a2", "g1", day(1), "A") // learner
	})
	hs.evidence("a2", "A", day(2)) // staff
	hs.evidence("a3", "A", day(4)) // staff
	// October (day 30 = 10-01).
	hs.recordedBy(learnerActor("a1"), func() {
		hs.goal("a1", "g2", day(34), "A")                      // learner
		hs.plan("a1", "p2", "g2", day(34))                     // learner
		hs.evidenceFrom("a1", "A", domain.SourceSelf, day(35)) // learner
		hs.request("a1", "A", day(36))                         // learner
	})
	hs.adjust("a1", "p1", "g1", day(36)) // staff
	hs.recordedBy(tool, func() {
		hs.evidenceFrom("a2", "A", domain.SourceTechnology, day(31)) // tool
	})
	// Neither kind of step: feedback and a goal evaluation by the
	// teacher, a goal review by the learner.
	hs.feedback("a1", "A", day(36))
	hs.evaluate("a1", "g1", domain.GoalNotYet, day(37))
	hs.recordedBy(learnerActor("a1"), func() { hs.review("a1", "g1", day(37)) })
	return hs
}

// c is AgencyCounts for expected values.
func c(learner, staff, tool int, share *float64) efficacy.AgencyCounts {
	return efficacy.AgencyCounts{ByLearner: learner, ByStaff: staff, ByTool: tool, Share: share}
}

func TestAgency(t *testing.T) {
	p := agencyHistory(t).project()
	sept := efficacy.AgencyPeriod{Label: "2026-09", Start: date(2026, 9, 1), End: date(2026, 10, 1)}
	oct := efficacy.AgencyPeriod{Label: "2026-10", Start: date(2026, 10, 1), End: date(2026, 11, 1)}

	// All time, by month (the default window runs from September, the
	// first enrolment, to October, the last event).
	// September: a1 staff 3 (goal, plan, evidence); a2 learner 1 (goal),
	// staff 1 (evidence); a3 staff 1 → learner 1, staff 5: 1/6.
	// October: a1 learner 4 (goal, plan, evidence, request), staff 1
	// (adjustment); a2 tool 1 → learner 4, staff 1, tool 1: 4/5 = 0.8
	// (the tool's step is left out of the share).
	// All: learner 5, staff 6, tool 1: 5/11.
	// Kinds: goals learner 2 (a1 g2, a2 g1), staff 1 (a1 g1): 2/3;
	// plans 1, 1: 1/2; adjustments 0, 1: 0; evidence learner 1 (a1's
	// self-assessment), staff 3, tool 1: 1/4; requests 1, 0: 1.
	// Grade-6 pools a1 and a2: September 1, 4 → 1/5; October 4, 1, 1 →
	// 4/5; all 5, 5, 1 → 1/2. Grade-7: a3's one staff step in
	// September: 0/1 = 0; October nothing: null.
	want := efficacy.Agency{
		Period:  "month",
		Periods: []efficacy.AgencyPeriod{sept, oct},
		Overall: efficacy.AgencyGroup{
			Total: c(5, 6, 1, f(0.454545454545)),
			Kinds: []efficacy.KindAgency{
				{Kind: "goals", AgencyCounts: c(2, 1, 0, f(0.666666666667))},
				{Kind: "plans", AgencyCounts: c(1, 1, 0, f(0.5))},
				{Kind: "planAdjustments", AgencyCounts: c(0, 1, 0, f(0))},
				{Kind: "evidence", AgencyCounts: c(1, 3, 1, f(0.25))},
				{Kind: "readinessRequests", AgencyCounts: c(1, 0, 0, f(1))},
			},
			Series: []efficacy.AgencyCounts{c(1, 5, 0, f(0.166666666667)), c(4, 1, 1, f(0.8))},
		},
		ByCohort: []efficacy.CohortAgency{
			{Cohort: "grade-6", AgencyGroup: efficacy.AgencyGroup{
				Total: c(5, 5, 1, f(0.5)),
				Kinds: []efficacy.KindAgency{
					{Kind: "goals", AgencyCounts: c(2, 1, 0, f(0.666666666667))},
					{Kind: "plans", AgencyCounts: c(1, 1, 0, f(0.5))},
					{Kind: "planAdjustments", AgencyCounts: c(0, 1, 0, f(0))},
					{Kind: "evidence", AgencyCounts: c(1, 2, 1, f(0.333333333333))},
					{Kind: "readinessRequests", AgencyCounts: c(1, 0, 0, f(1))},
				},
				Series: []efficacy.AgencyCounts{c(1, 4, 0, f(0.2)), c(4, 1, 1, f(0.8))},
			}},
			{Cohort: "grade-7", AgencyGroup: efficacy.AgencyGroup{
				Total: c(0, 1, 0, f(0)),
				Kinds: []efficacy.KindAgency{
					{Kind: "goals", AgencyCounts: c(0, 0, 0, nil)},
					{Kind: "plans", AgencyCounts: c(0, 0, 0, nil)},
					{Kind: "planAdjustments", AgencyCounts: c(0, 0, 0, nil)},
					{Kind: "evidence", AgencyCounts: c(0, 1, 0, f(0))},
					{Kind: "readinessRequests", AgencyCounts: c(0, 0, 0, nil)},
				},
				Series: []efficacy.AgencyCounts{c(0, 1, 0, f(0)), c(0, 0, 0, nil)},
			}},
		},
		// a1: learner 4, staff 4 → 1/2; a2: 1, 1, tool 1 → 1/2; a3: 0/1.
		ByLearner: []efficacy.LearnerAgency{
			{LearnerID: "a1", Cohort: "grade-6", Total: c(4, 4, 0, f(0.5))},
			{LearnerID: "a2", Cohort: "grade-6", Total: c(1, 1, 1, f(0.5))},
			{LearnerID: "a3", Cohort: "grade-7", Total: c(0, 1, 0, f(0))},
		},
	}
	if got := report(t, p, "north", Query{}).Agency; toJSON(t, got) != toJSON(t, want) {
		t.Errorf("agency =\n%s\nwant\n%s", toJSON(t, got), toJSON(t, want))
	}

	// From 10-01: October only. a1 4, 1; a2 tool 1 (share null: the
	// tool's step is neither the learner's nor staff's); a3 nothing.
	r := report(t, p, "north", Query{From: date(2026, 10, 1)}).Agency
	if len(r.Periods) != 1 || r.Periods[0] != oct {
		t.Errorf("from 10-01: periods %+v, want October", r.Periods)
	}
	wantLearners := []efficacy.LearnerAgency{
		{LearnerID: "a1", Cohort: "grade-6", Total: c(4, 1, 0, f(0.8))},
		{LearnerID: "a2", Cohort: "grade-6", Total: c(0, 0, 1, nil)},
		{LearnerID: "a3", Cohort: "grade-7", Total: c(0, 0, 0, nil)},
	}
	if toJSON(t, r.ByLearner) != toJSON(t, wantLearners) {
		t.Errorf("from 10-01: by learner %s, want %s", toJSON(t, r.ByLearner), toJSON(t, wantLearners))
	}

	// Cohort grade-7 to 10-01: September only, a3's 0/1.
	r = report(t, p, "north", Query{Cohort: "grade-7", To: date(2026, 10, 1)}).Agency
	if toJSON(t, r.Overall.Series) != toJSON(t, []efficacy.AgencyCounts{c(0, 1, 0, f(0))}) || len(r.ByCohort) != 1 || len(r.ByLearner) != 1 {
		t.Errorf("grade-7 to 10-01: %s", toJSON(t, r))
	}
}

// TestLearnerAgency is one learner's trend, for the learner's page.
func TestLearnerAgency(t *testing.T) {
	p := agencyHistory(t).project()
	// a1: September staff 3 → 0/3 = 0; October learner 4, staff 1 → 0.8;
	// all 4, 4 → 0.5. The frame is a1's own: September to October.
	got, periods, err := p.LearnerAgency("a1", efficacy.Query{})
	if err != nil {
		t.Fatal(err)
	}
	want := efficacy.LearnerAgency{LearnerID: "a1", Cohort: "grade-6", Total: c(4, 4, 0, f(0.5)),
		Series: []efficacy.AgencyCounts{c(0, 3, 0, f(0)), c(4, 1, 0, f(0.8))}}
	if toJSON(t, got) != toJSON(t, want) {
		t.Errorf("a1 = %s, want %s", toJSON(t, got), toJSON(t, want))
	}
	if len(periods) != 2 || periods[0].Label != "2026-09" || periods[1].Label != "2026-10" {
		t.Errorf("periods = %+v", periods)
	}
	// By week from 10-05 (a Monday) to 10-12: a1's goal, plan (day 34 =
	// 10-05), evidence (10-06), request and adjustment (10-07): 4 and 1.
	got, periods, err = p.LearnerAgency("a1", efficacy.Query{Period: "week", From: date(2026, 10, 5), To: date(2026, 10, 12)})
	if err != nil {
		t.Fatal(err)
	}
	if len(periods) != 1 || periods[0].Label != "2026-W41" || toJSON(t, got.Series) != toJSON(t, []efficacy.AgencyCounts{c(4, 1, 0, f(0.8))}) {
		t.Errorf("a1 by week: %+v %s", periods, toJSON(t, got))
	}
	// The window's edges: from is inclusive, to exclusive, to the
	// nanosecond. From day 34 (a1's goal and plan at that very instant)
	// to day 36 (the request and the adjustment at that very instant):
	// goal, plan, evidence = 3 by the learner, 0 by staff. To day 36 plus
	// 1 ns: the request and the adjustment too, 4 and 1.
	for _, c := range []struct {
		to   time.Time
		want efficacy.AgencyCounts
	}{
		{day(36), c(3, 0, 0, f(1))},
		{day(36, time.Nanosecond), c(4, 1, 0, f(0.8))},
	} {
		got, _, err := p.LearnerAgency("a1", efficacy.Query{From: day(34), To: c.to})
		if err != nil {
			t.Fatal(err)
		}
		if toJSON(t, got.Total) != toJSON(t, c.want) {
			t.Errorf("a1 from day 34 to %s: %s, want %s", c.to, toJSON(t, got.Total), toJSON(t, c.want))
		}
	}
	if _, _, err := p.LearnerAgency("nobody", efficacy.Query{}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown learner: %v, want ErrNotFound", err)
	}
	var ve *domain.ValidationError
	if _, _, err := p.LearnerAgency("a1", efficacy.Query{Period: "year"}); !errors.As(err, &ve) {
		t.Errorf("bad period: %v, want a ValidationError", err)
	}
}

// TestAcrossRounds: the rounds' proficiency over one stated population
// and set of standards.
func TestAcrossRounds(t *testing.T) {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.standard("B", "6.RP.A.2", "Unit rates")
	hs.standard("D", "6.RP.A.4", "Old")
	hs.school("north")
	hs.enroll("r1", "north", "grade-6", day(0))
	hs.enroll("r2", "north", "grade-6", day(0))
	hs.enroll("r4", "north", "grade-6", day(0))
	hs.evidence("r1", "A", day(1))
	hs.evidence("r1", "D", day(1))
	hs.evidence("r2", "B", day(1))
	hs.meet("r1", "A", day(1), day(2))
	hs.meet("r4", "A", day(1), day(2))
	hs.survey("north", "x1", domain.RespondentStaff, "", day(3), 4)
	// C is published after the first round.
	hs.stdRev["C"] = 1
	hs.add(domain.StandardStream("C"), day(5), admin, domain.StandardPublished{
		StandardID: "C", Framework: "CCSS-M", Code: "6.RP.A.3", Title: "New", Statement: "s",
		Components: []domain.Component{{ID: "c1", Statement: "first"}}, Scale: domain.DefaultScale(),
	})
	hs.enroll("r3", "north", "grade-6", day(6)) // after the first round
	hs.evidence("r1", "C", day(6))
	hs.meet("r2", "B", day(6), day(7))
	hs.meet("r3", "A", day(6), day(7))
	hs.retire("D", day(8))    // before the last round
	hs.withdraw("r4", day(9)) // before the last round
	hs.survey("north", "x2", domain.RespondentStaff, "", day(10), 4)
	p := hs.project()

	// All time: rounds x1 (day 3) and x2 (day 10). Learners enrolled by
	// day 3 and not withdrawn by day 10: r1, r2 (r3 came later, r4 left).
	// Standards they started by day 10: A, B, C, D; C was published
	// after day 3 and D retired by day 10: A and B. Possible 2 × 2 = 4.
	// x1: r1's A (day 2) = 1/4; x2: r1's A, r2's B (day 7) = 2/4.
	// (Each round's measured proficiency moves population and standards:
	// 2 of 3 learners × 3 standards at x1, 3 of 3 × 3 at x2.)
	d3, d10 := day(3), day(10)
	want := efficacy.AcrossRounds{From: &d3, To: &d10, Learners: 2, Standards: []string{"A", "B"},
		Rounds: []efficacy.RoundRate{
			{RoundID: "x1", AsOf: d3, Met: 1, Possible: 4, Rate: f(0.25)},
			{RoundID: "x2", AsOf: d10, Met: 2, Possible: 4, Rate: f(0.5)},
		}}
	if got := report(t, p, "north", Query{}).AcrossRounds; toJSON(t, got) != toJSON(t, want) {
		t.Errorf("all time = %s, want %s", toJSON(t, got), toJSON(t, want))
	}
	// From day 5: x2 only, the span is day 10 alone: r1, r2, r3 (r4
	// withdrawn day 9); A, B, C (D retired): 3 × 3 = 9; met r1 A, r2 B,
	// r3 A = 3/9 = 0.333333333333.
	want = efficacy.AcrossRounds{From: &d10, To: &d10, Learners: 3, Standards: []string{"A", "B", "C"},
		Rounds: []efficacy.RoundRate{{RoundID: "x2", AsOf: d10, Met: 3, Possible: 9, Rate: f(0.333333333333)}}}
	if got := report(t, p, "north", Query{From: day(5)}).AcrossRounds; toJSON(t, got) != toJSON(t, want) {
		t.Errorf("from day 5 = %s, want %s", toJSON(t, got), toJSON(t, want))
	}
}
