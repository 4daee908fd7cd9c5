package chart_test

import (
	"strings"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/web/chart"
	"github.com/masteryledger/ledger/projections/efficacy"
)

var day0 = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

// report is a small school: two standards (one retired), two months, two
// survey rounds of which the first has staff answers only.
func report() efficacy.Report {
	cohort := "grade-6"
	from := day0.AddDate(0, 0, -1)
	return efficacy.Report{
		SchoolID: "north",
		Query:    efficacy.ReportQuery{Cohort: &cohort, Period: efficacy.PeriodMonth, From: &from, WinsLimit: 20},
		Proficiency: efficacy.Proficiency{Learners: 3, Standards: []efficacy.StandardRate{
			{StandardID: "A", Code: "6.RP.A.1", Title: "Ratios & <rates>", Met: 3, Learners: 3, Rate: ptr(1)},
			{StandardID: "B", Retired: true, Met: 0, Learners: 3, Rate: ptr(0)},
			{StandardID: "C", Code: "6.NS.1", Title: "Fractions", Met: 1, Learners: 3, Rate: ptr(0.333333333333)},
		}},
		Growth: efficacy.Growth{Period: efficacy.PeriodMonth, Series: []efficacy.GrowthPoint{
			{Label: "2026-09", Met: 3, Learners: 3, PerLearner: ptr(1)},
			{Label: "2026-10", Met: 1, Learners: 2, PerLearner: ptr(0.5)},
			{Label: "2026-11", Met: 0, Learners: 0},
		}},
		Persistence: efficacy.Persistence{Pairs: 8, MetAfterNotYet: 7, Persisted: 3, Rate: ptr(0.375),
			ByLearner: efficacy.LearnerPersistence{Learners: 6, MetAfterNotYet: 5, Persisted: 3, Rate: ptr(0.5)}},
		TimeToMastery: efficacy.TimeToMastery{AgreementToMet: efficacy.Distribution{N: 6, Excluded: 1, MedianDays: ptr(1), P90Days: ptr(4)}, FirstEvidenceToMet: efficacy.Distribution{Excluded: 2}},
		Goals:         efficacy.Goals{Set: 5, Met: 3, NotYet: 1, NotEvaluated: 1, ShareMet: ptr(0.75)},
		Wins: []efficacy.Win{
			{LearnerID: "l1", Cohort: "grade-6", StandardID: "A", Code: "6.RP.A.1", Title: "Ratios & <rates>", MetAt: day0.AddDate(0, 0, 5),
				AfterNotYet: true, AfterPlanAdjustment: true},
			{LearnerID: "l2", Cohort: "grade-6", StandardID: "B", MetAt: day0.AddDate(0, 0, 2)},
			{LearnerID: "l3", Cohort: "grade-6", StandardID: "B", MetAt: day0.AddDate(0, 0, 1), AfterNotYet: true},
		},
		AcrossRounds: efficacy.AcrossRounds{Learners: 2, Standards: []string{"A", "C"}, Rounds: []efficacy.RoundRate{
			{RoundID: "r1", AsOf: day0.AddDate(0, 0, 7), Met: 1, Possible: 4, Rate: ptr(0.25)},
			{RoundID: "r2", AsOf: day0.AddDate(0, 0, 14), Met: 3, Possible: 4, Rate: ptr(0.75)},
		}},
		Agency: efficacy.Agency{Period: efficacy.PeriodMonth,
			Periods: []efficacy.AgencyPeriod{{Label: "2026-09"}, {Label: "2026-10"}},
			Overall: efficacy.AgencyGroup{
				Total: efficacy.AgencyCounts{ByLearner: 5, ByStaff: 6, ByTool: 1, Share: ptr(0.454545454545)},
				Kinds: []efficacy.KindAgency{
					{Kind: "goals", AgencyCounts: efficacy.AgencyCounts{ByLearner: 2, ByStaff: 1, Share: ptr(0.666666666667)}},
					{Kind: "readinessRequests", AgencyCounts: efficacy.AgencyCounts{}},
				},
				Series: []efficacy.AgencyCounts{
					{ByLearner: 1, ByStaff: 5, Share: ptr(0.166666666667)},
					{ByLearner: 4, ByStaff: 1, ByTool: 1, Share: ptr(0.8)},
				}},
			ByCohort: []efficacy.CohortAgency{{Cohort: "grade-6", AgencyGroup: efficacy.AgencyGroup{Series: []efficacy.AgencyCounts{
				{ByLearner: 1, ByStaff: 4, Share: ptr(0.2)}, {ByStaff: 0},
			}}}},
		},
		Perceived: []efficacy.SurveyRound{
			{RoundID: "r1", AsOf: day0.AddDate(0, 0, 7), Groups: []efficacy.SurveyGroup{
				{Respondent: "staff", ScaleMin: 1, ScaleMax: 5, Responses: 2, Overall: ptr(3.75)},
			}, Measured: efficacy.Measured{Learners: 3, Overall: efficacy.Overall{Standards: 1, Met: 1, Possible: 3, Rate: ptr(0.333333333333)}}},
			{RoundID: "r2", AsOf: day0.AddDate(0, 0, 14), Groups: []efficacy.SurveyGroup{
				{Respondent: "learner", ScaleMin: 1, ScaleMax: 5, Responses: 2, Overall: ptr(2.5)},
				{Respondent: "staff", ScaleMin: 1, ScaleMax: 5, Responses: 1, Overall: ptr(5)},
			}, Measured: efficacy.Measured{Learners: 3, Overall: efficacy.Overall{Standards: 1, Met: 2, Possible: 3, Rate: ptr(0.666666666667)}}},
		},
	}
}

func figures(f chart.Figures) map[string]chart.Figure {
	return map[string]chart.Figure{
		"proficiency": f.Proficiency, "growth": f.Growth, "wins": f.Wins, "persistence": f.Persistence,
		"goals": f.Goals, "time": f.TimeToMastery, "perceived": f.Perceived,
		"persistence-learners": f.LearnerPersistence, "across-rounds": f.AcrossRounds,
		"agency": f.Agency, "agency-kinds": f.AgencyKinds,
	}
}

func TestFromReportGolden(t *testing.T) {
	figs, err := chart.FromReport("efficacy", report())
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range figures(figs) {
		t.Run(name, func(t *testing.T) {
			checkGolden(t, "report-"+name, golden(f))
		})
	}
	checkGolden(t, "report-wins-feed", []byte(strings.ReplaceAll(string(figs.WinsFeed.HTML()), "><", ">\n<")+"\n"))
}

// TestFromReportIDs: every chart of a page is a valid image, and no id is
// used twice on the page, even with two reports on it.
func TestFromReportIDs(t *testing.T) {
	seen := map[string]bool{}
	for _, prefix := range []string{"school", "cohort"} {
		figs, err := chart.FromReport(prefix, report())
		if err != nil {
			t.Fatal(err)
		}
		for name, f := range figures(figs) {
			if f.ID == "" || !strings.HasPrefix(f.ID, prefix+"-") {
				t.Errorf("%s: ID %q", name, f.ID)
			}
			for _, id := range checkSVG(t, f) {
				if seen[id] {
					t.Errorf("id %q twice on the page", id)
				}
				seen[id] = true
			}
		}
	}
	if _, err := chart.FromReport("9 bad", report()); err == nil {
		t.Error("an invalid prefix: no error")
	}
}

func TestFromReportFigures(t *testing.T) {
	figs, err := chart.FromReport("e", report())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  [][]string
		want [][]string
	}{
		{"proficiency", figs.Proficiency.Table.Rows, [][]string{
			{"6.RP.A.1 Ratios & <rates>", "100.0%", "3", "3"},
			{"B (retired)", "0.0%", "0", "3"},
			{"6.NS.1 Fractions", "33.3%", "1", "3"},
		}},
		{"growth", figs.Growth.Table.Rows, [][]string{
			{"2026-09", "1", "3", "3"}, {"2026-10", "0.5", "1", "2"}, {"2026-11", "no data", "0", "0"},
		}},
		{"wins", figs.Wins.Table.Rows, [][]string{{"2026-09", "3"}, {"2026-10", "1"}, {"2026-11", "0"}}},
		{"persistence", figs.Persistence.Table.Rows, [][]string{{"Persistence, learner × standard", "37.5%", "8", "7", "3"}}},
		{"persistence by learner", figs.LearnerPersistence.Table.Rows, [][]string{{"Persistence, by learner", "50.0%", "6", "5", "3"}}},
		{"across rounds", figs.AcrossRounds.Table.Rows, [][]string{
			{"r1", "25.0%", "2026-09-08 09:00 UTC", "1", "4"}, {"r2", "75.0%", "2026-09-15 09:00 UTC", "3", "4"},
		}},
		// All learners, then the cohort; the counts are all learners'.
		// October's grade-6 share has no value (nothing recorded).
		{"agency", figs.Agency.Table.Rows, [][]string{
			{"2026-09", "16.7%", "20.0%", "1", "5", "0"}, {"2026-10", "80.0%", "no data", "4", "1", "1"},
		}},
		{"agency kinds", figs.AgencyKinds.Table.Rows, [][]string{
			{"Goals set", "66.7%", "2", "1", "0"}, {"Readiness requests", "no data", "0", "0", "0"},
		}},
		{"goals", figs.Goals.Table.Rows, [][]string{{"Goals met", "75.0%", "5", "3", "1", "1"}}},
		{"time", figs.TimeToMastery.Table.Rows, [][]string{
			{"Agreement to met", "1", "4", "6", "1"}, {"First evidence to met", "no data", "no data", "0", "2"},
		}},
		// Learners before staff, though staff answered first; a mean
		// of 3.75 on 1–5 is 68.75% of the way, drawn as 68.8%.
		{"perceived", figs.Perceived.Table.Rows, [][]string{
			{"r1", "no data", "68.8%", "33.3%", "2026-09-08 09:00 UTC", "no data", "0", "3.75", "2", "3"},
			{"r2", "37.5%", "100.0%", "66.7%", "2026-09-15 09:00 UTC", "2.5", "2", "5", "1", "3"},
		}},
		{"wins feed", figs.WinsFeed.Rows, [][]string{
			{"2026-09-06 09:00 UTC", "6.RP.A.1 Ratios & <rates>", "l1", "grade-6", "After a not-yet attempt and a plan adjustment"},
			{"2026-09-03 09:00 UTC", "B", "l2", "grade-6", "At the first attempt"},
			{"2026-09-02 09:00 UTC", "B", "l3", "grade-6", "After a not-yet attempt"},
		}},
	} {
		if g, w := strings.Join(flatten(c.got), "|"), strings.Join(flatten(c.want), "|"); g != w {
			t.Errorf("%s:\n got %s\nwant %s", c.name, g, w)
		}
	}
	if got := figs.Perceived.Table.Columns[1:4]; strings.Join(got, "|") != "Learners, perceived (1–5)|Staff, perceived (1–5)|Measured proficiency" {
		t.Errorf("perceived series %q", got)
	}
	if want := "Cohort grade-6, by month, from 2026-08-31 09:00 UTC."; figs.Scope != want {
		t.Errorf("Scope = %q, want %q", figs.Scope, want)
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, ","))
	}
	return out
}

// TestFromReportEmpty: a school with no learners and no survey rounds, as
// the projection reports it, gives charts that say so.
func TestFromReportEmpty(t *testing.T) {
	empty := efficacy.Report{
		SchoolID:  "north",
		Query:     efficacy.ReportQuery{Period: efficacy.PeriodWeek, WinsLimit: 20},
		Growth:    efficacy.Growth{Period: efficacy.PeriodWeek, Series: []efficacy.GrowthPoint{}},
		Wins:      []efficacy.Win{},
		Perceived: []efficacy.SurveyRound{},
	}
	figs, err := chart.FromReport("e", empty)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range figures(figs) {
		checkSVG(t, f)
		if !f.Empty || !strings.Contains(string(f.SVG), chart.NoData) {
			t.Errorf("%s: an empty report draws a chart:\n%s", name, f.SVG)
		}
	}
	if h := string(figs.WinsFeed.HTML()); !strings.Contains(h, "No wins yet.") {
		t.Errorf("the empty wins feed: %s", h)
	}
	if figs.Scope != "All cohorts, by week, all time." {
		t.Errorf("Scope = %q", figs.Scope)
	}
}

// TestGrowthTruncated: the description says when only the latest periods
// are shown.
func TestGrowthTruncated(t *testing.T) {
	g := report().Growth
	g.Truncated = true
	f := render(t, chart.GrowthChart("g", g))
	if d := parseSVG(t, string(f.SVG))[2].text; !strings.Contains(d, "Only the latest 3 periods are shown.") {
		t.Errorf("desc %q", d)
	}
}

// TestLearnerAgencyChart: one learner's share by period, with the counts
// behind it; a period with nothing recorded by the learner or staff has
// no share.
func TestLearnerAgencyChart(t *testing.T) {
	la := efficacy.LearnerAgency{LearnerID: "l1", Series: []efficacy.AgencyCounts{
		{ByStaff: 3, Share: ptr(0)}, {ByTool: 1}, {ByLearner: 4, ByStaff: 1, Share: ptr(0.8)},
	}}
	periods := []efficacy.AgencyPeriod{{Label: "2026-09"}, {Label: "2026-10"}, {Label: "2026-11"}}
	f := render(t, chart.LearnerAgencyChart("la", efficacy.PeriodMonth, la, periods))
	checkSVG(t, f)
	want := "2026-09,0.0%,0,3,0|2026-10,no data,0,0,1|2026-11,80.0%,4,1,0"
	if got := strings.Join(flatten(f.Table.Rows), "|"); got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
	if got := strings.Join(f.Table.Columns, "|"); got != "Month|Recorded by the learner|By the learner|By staff|By tools" {
		t.Errorf("columns %s", got)
	}
	if f.Title != "Who records the cycle: the share the learner recorded, by month" {
		t.Errorf("title %q", f.Title)
	}
}
