package chart

import (
	"fmt"

	"github.com/masteryledger/ledger/projections/efficacy"
)

// NoInstrument labels a round whose responses name no instrument (the
// ledger's own 1-to-5 items).
const NoInstrument = "no instrument"

// SurveyTable lists the perceived efficacy of each survey round as the
// survey scored it: per round, its instrument, the response rate over the
// invited count, and one row per subscale (a round without instrument has
// one row per respondent group, its overall mean). Reverse-keyed items are
// scored before any mean; no row pools two instruments or two versions.
func SurveyTable(rounds []efficacy.SurveyRound) Table {
	t := Table{
		Caption: "Perceived efficacy (survey): subscale means and response rates",
		Columns: []string{"Round", "Instrument", "Subscale", "Mean (scale)", "Responses", "Invited", "Response rate"},
		Empty:   "No survey rounds in these filters.",
	}
	for _, r := range rounds {
		instrument, invited, rate := NoInstrument, Missing, Missing
		if r.Instrument != nil {
			instrument = fmt.Sprintf("%s, version %d", r.Instrument.Title, r.Instrument.Version)
		}
		if r.Invited != nil {
			invited = count(*r.Invited)
		}
		if finite(r.ResponseRate) {
			rate = Percent(*r.ResponseRate * 100)
		}
		if r.Instrument != nil {
			scale := ""
			if len(r.Groups) > 0 {
				scale = fmt.Sprintf(" (%d–%d)", r.Groups[0].ScaleMin, r.Groups[0].ScaleMax)
			}
			for _, s := range r.Subscales {
				mean := Missing
				if finite(s.Mean) {
					mean = Number(*s.Mean) + scale
				}
				t.Rows = append(t.Rows, []string{r.RoundID, instrument, s.Name, mean, count(s.Responses), invited, rate})
			}
			if len(r.Subscales) == 0 {
				t.Rows = append(t.Rows, []string{r.RoundID, instrument, Missing, Missing, count(r.Responses), invited, rate})
			}
			continue
		}
		for _, g := range r.Groups {
			mean := Missing
			if finite(g.Overall) {
				mean = fmt.Sprintf("%s (%d–%d)", Number(*g.Overall), g.ScaleMin, g.ScaleMax)
			}
			t.Rows = append(t.Rows, []string{r.RoundID, NoInstrument, "all items, " + respondentName(g.Respondent), mean, count(g.Responses), invited, rate})
		}
	}
	return t
}
