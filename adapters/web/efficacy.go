package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/adapters/web/chart"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// efficacyPage is what templates/pages/efficacy.html shows: the filter
// form, then either what is wrong with it or the figures as charts, each
// with its table.
type efficacyPage struct {
	ID, Name string
	// Researcher: the learners of the wins feed are named by the research
	// feed's pseudonyms.
	Researcher bool
	Filters    efficacyFilters
	// Errors name each filter at fault (the page answers 400); there are
	// no figures then.
	Errors []filterError
	// Scope says which learners and which time the figures cover.
	Scope    string
	Enrolled efficacy.Enrolment
	// Sections group the charts by what they measure: the outcomes, the
	// perceived efficacy, learner agency (the report's labels).
	Sections []figureSection
	// Wins are the newest wins, each with how it was met.
	Wins []winRow
	// Surveys is the perceived efficacy of each survey round as its
	// instrument scores it.
	Surveys chart.Table
}

// figureSection is one group of charts under a heading.
type figureSection struct {
	ID, Heading, Intro string
	Charts             []chart.Figure
}

// winRow is one win of the feed. Trail is the page of the claim's trail,
// empty for a researcher, who may not open learners' pages.
type winRow struct {
	Met, Standard, LearnerID, Cohort, How, Trail string
}

// efficacyFilters are the form's fields as the user gave them, so that a
// form re-shown keeps what was typed.
type efficacyFilters struct {
	Cohort, Period, From, To, WinsLimit string
	// Cohorts are the school's cohorts to choose from.
	Cohorts []string
}

// filterError is one filter at fault: its field (the query parameter), the
// label the form shows it under, and what is wrong.
type filterError struct {
	Field, Label, Message string
}

// filterLabel is the form's label of a query parameter, so that an error
// names the field as the user sees it.
func filterLabel(field string) string {
	switch field {
	case "cohort":
		return "Cohort"
	case "period":
		return "Growth by"
	case "from":
		return "From"
	case "to":
		return "Before"
	case "winsLimit":
		return "Wins listed"
	}
	return field
}

// efficacyPage reads /schools/{schoolId}/efficacy: the school's figures
// under the filters of the query string, read as the API reads them
// (httpapi.EfficacyQuery), and for a researcher the research copy the API
// gives researchers.
func (s *Server) efficacyPage(r *http.Request, p access.Principal) (any, error) {
	id := mux.Vars(r)["schoolId"]
	// The school first, as the API: an unknown school is a 404 whatever
	// the filters.
	sc, err := s.cfg.View.School(id)
	if err != nil {
		return nil, err
	}
	if s.cfg.Efficacy == nil {
		return nil, errors.New("efficacy page: the efficacy read model is not configured")
	}
	researcher := p.Role == domain.RoleResearcher
	if researcher && s.cfg.Research == nil {
		return nil, fmt.Errorf("efficacy page: %w", research.ErrNoView)
	}
	values := r.URL.Query()
	out := efficacyPage{ID: sc.ID, Name: sc.Name, Researcher: researcher, Filters: efficacyFilters{
		Cohort: values.Get("cohort"), Period: values.Get("period"), From: values.Get("from"), To: values.Get("to"),
		WinsLimit: values.Get("winsLimit"),
	}}
	// The cohorts to choose from are the whole school's (a report of one
	// cohort counts that cohort only), the cohorts of every learner
	// enrolled, as the report's enrolment counts them: read from the view,
	// not from a second report of the whole school.
	cohorts, err := s.cfg.View.SchoolCohorts(id)
	if err != nil {
		return nil, err
	}
	out.Filters.Cohorts = cohorts
	if c := out.Filters.Cohort; c != "" && !slices.Contains(out.Filters.Cohorts, c) {
		out.Filters.Cohorts = append(out.Filters.Cohorts, c)
	}

	q, err := httpapi.EfficacyQuery(pageDates(values))
	var report efficacy.Report
	if err == nil {
		report, err = s.efficacyReport(id, q, researcher)
	}
	var invalid *domain.ValidationError
	if errors.As(err, &invalid) {
		for _, f := range invalid.Errors {
			out.Errors = append(out.Errors, filterError{Field: f.Field, Label: filterLabel(f.Field), Message: filterMessage(f, values)})
		}
		return shown{status: http.StatusBadRequest, data: out}, nil
	}
	if err != nil {
		return nil, err
	}
	figs, err := chart.FromReport("efficacy", report)
	if err != nil {
		return nil, fmt.Errorf("efficacy page: draw the charts: %w", err)
	}
	out.Scope, out.Enrolled, out.Surveys = figs.Scope, report.Enrolled, figs.Surveys
	out.Sections = []figureSection{
		{ID: "outcomes", Heading: "Outcomes: what was measured",
			Intro: "The measured results of the learners' improvement cycles. They are outcomes, proxies of collective efficacy, not efficacy itself: " +
				"collective efficacy is the shared perception that effort will result in increased proficiency, which the survey rounds below measure.",
			Charts: []chart.Figure{figs.Proficiency, figs.Growth, figs.Wins, figs.Persistence, figs.LearnerPersistence, figs.Goals,
				figs.TimeToMastery, figs.AcrossRounds}},
		{ID: "perceived", Heading: "Perceived efficacy: what survey rounds said",
			Intro:  "The perception itself, from anonymous survey rounds, beside the proficiency measured at each round's time.",
			Charts: []chart.Figure{figs.Perceived}},
		{ID: "agency", Heading: "Learner agency: who records the cycle",
			Intro: "The share of goals, plans, plan adjustments, evidence and readiness requests that learners recorded themselves rather than staff: " +
				"responsibility released to the learners over the year.",
			Charts: []chart.Figure{figs.Agency, figs.AgencyKinds}},
	}
	for i, w := range report.Wins {
		row := winRow{Met: figs.WinsFeed.Rows[i][0], Standard: figs.WinsFeed.Rows[i][1], LearnerID: w.LearnerID, Cohort: w.Cohort,
			How: chart.HowWords(w)}
		if !researcher {
			row.Trail = "/learners/" + url.PathEscape(w.LearnerID) + "/standards/" + url.PathEscape(w.StandardID)
		}
		out.Wins = append(out.Wins, row)
	}
	// Show the defaults the figures were read with.
	out.Filters.Period = report.Query.Period
	out.Filters.WinsLimit = strconv.Itoa(report.Query.WinsLimit)
	return out, nil
}

// efficacyReport reads a school's report; for a researcher, the research
// copy (adapters/research), read back from the very JSON the API sends a
// researcher, so that the page shows no more than the API and names each
// learner by the feed's pseudonym.
//
// The report is kept (reportCache) until an event changes the school's
// figures; the research copy is made on each request from the report
// kept, as the research view's pseudonyms and sharing are its own.
func (s *Server) efficacyReport(id string, q efficacy.Query, researcher bool) (efficacy.Report, error) {
	version, position := s.cfg.Efficacy.SchoolVersion(id)
	report, err := s.reports.get(id, q, version, func() (efficacy.Report, error) {
		return s.cfg.Efficacy.School(id, q)
	})
	if err == nil {
		// The position is the projection's as of the version, as a
		// report read now would give it: the events since the report was
		// read changed none of its figures. (The report is a copy; the
		// one kept is not changed.)
		report.Position = max(report.Position, position)
	}
	if err != nil || !researcher {
		return report, err
	}
	// The page shows no learner's own agency, and the research copy of
	// a list with a row per learner would cost a pseudonym each: leave it
	// out of the copy. (The report is a copy; the one kept keeps it.)
	report.Agency.ByLearner = []efficacy.LearnerAgency{}
	copied, err := s.cfg.Research.Efficacy(report)
	if err != nil {
		return efficacy.Report{}, fmt.Errorf("efficacy page: research copy: %w", err)
	}
	var out efficacy.Report
	if err := json.Unmarshal(copied, &out); err != nil {
		return efficacy.Report{}, fmt.Errorf("efficacy page: read the research copy: %w", err)
	}
	return out, nil
}

// pageDates lets the form's From and Before take a day (2026-09-01), which
// is how people write them, as well as the API's RFC 3339 time: a day
// becomes its 00:00 UTC before the API's parser reads it.
func pageDates(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	for _, k := range []string{"from", "to"} {
		// A day is the figures' day, in UTC; a string that is no day
		// is left for the parser to refuse.
		if d := v.Get(k); len(d) == len(time.DateOnly) && isDay(d) {
			out.Set(k, d+"T00:00:00Z")
		}
	}
	return out
}

func isDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// filterMessage is what the page says of a filter at fault: the API's
// message, but for a date that does not parse, which the page takes as a
// day too.
func filterMessage(f domain.FieldError, v url.Values) string {
	if (f.Field == "from" || f.Field == "to") && f.Message == httpapi.TimeMessage {
		return fmt.Sprintf("%q is not a date: write a day as 2026-09-01, or a time as 2026-09-01T09:00:00Z.", v.Get(f.Field))
	}
	return f.Message + "."
}

// ErrorFor is the message of the filter field at fault, or "".
func (p efficacyPage) ErrorFor(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}
