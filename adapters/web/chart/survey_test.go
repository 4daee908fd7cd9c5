package chart

import (
	"slices"
	"testing"
	"time"

	"github.com/masteryledger/ledger/projections/efficacy"
)

func TestSurveyTable(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	n := func(i int) *int { return &i }
	at := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	rounds := []efficacy.SurveyRound{
		{RoundID: "old", AsOf: at, Responses: 2, Groups: []efficacy.SurveyGroup{{Respondent: "staff", ScaleMin: 1, ScaleMax: 5, Responses: 2, Overall: f(3.75)}}},
		{RoundID: "r1", AsOf: at, Instrument: &efficacy.SurveyInstrumentRef{InstrumentID: "ce", Version: 2, Title: "Staff efficacy"},
			Invited: n(4), Responses: 3, ResponseRate: f(0.75),
			Groups:    []efficacy.SurveyGroup{{Respondent: "staff", ScaleMin: 1, ScaleMax: 6, Responses: 3}},
			Subscales: []efficacy.SubscaleMean{{SubscaleID: "gc", Name: "Group competence", Items: 2, Responses: 3, Mean: f(4.333333)}, {SubscaleID: "ta", Name: "Task analysis", Items: 2}}},
		// The query's cohort is not the round's: no rate.
		{RoundID: "r2", AsOf: at, Instrument: &efficacy.SurveyInstrumentRef{InstrumentID: "ce", Version: 1, Title: "Staff efficacy"},
			Invited: n(5), Responses: 0, Groups: []efficacy.SurveyGroup{},
			Subscales: []efficacy.SubscaleMean{{SubscaleID: "gc", Name: "Group competence", Items: 2}}},
	}
	got := SurveyTable(rounds).Rows
	want := [][]string{
		{"old", "no instrument", "all items, Staff", "3.75 (1–5)", "2", Missing, Missing},
		{"r1", "Staff efficacy, version 2", "Group competence", "4.33 (1–6)", "3", "4", "75.0%"},
		{"r1", "Staff efficacy, version 2", "Task analysis", Missing, "0", "4", "75.0%"},
		{"r2", "Staff efficacy, version 1", "Group competence", Missing, "0", "5", Missing},
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}
}

// Two versions of an instrument, same respondents and scale, are two
// series of the perceived chart: no line joins them.
func TestPerceivedChartKeepsInstrumentsApart(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	at := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	round := func(id string, v int, mean float64) efficacy.SurveyRound {
		return efficacy.SurveyRound{RoundID: id, AsOf: at, Instrument: &efficacy.SurveyInstrumentRef{InstrumentID: "ce", Version: v, Title: "Staff efficacy"},
			Groups: []efficacy.SurveyGroup{{Respondent: "staff", ScaleMin: 1, ScaleMax: 6, Responses: 1, Overall: f(mean)}}}
	}
	c := PerceivedChart("p", []efficacy.SurveyRound{round("r1", 1, 6), round("r2", 2, 1)})
	var names []string
	for _, s := range c.Series {
		names = append(names, s.Name)
	}
	want := []string{"Staff, perceived on Staff efficacy, version 1 (1–6)", "Staff, perceived on Staff efficacy, version 2 (1–6)", "Measured proficiency"}
	if !slices.Equal(names, want) {
		t.Fatalf("series %q, want %q", names, want)
	}
	// Each series has a value at its own round only: 6 on 1–6 is 100%.
	if v := c.Series[0].Values; v[0] == nil || *v[0] != 100 || v[1] != nil {
		t.Errorf("version 1 series %v", v)
	}
}
