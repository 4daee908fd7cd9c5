package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/adapters/web/chart"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// schoolPage is what templates/pages/school.html shows: one cohort of the
// school, a row per learner, a column per standard, and a link to each of
// the school's other cohorts. One cohort a page keeps the page a size a
// browser and a screen reader handle whatever the size of the school (see
// docs/pages.md).
type schoolPage struct {
	ID, Name  string
	Standards []projections.Standard
	// Cohorts are the school's cohorts, in order; Cohort is the one shown
	// ("" when no learner is enrolled).
	Cohorts  []string
	Cohort   string
	Learners []learnerRow
	// Ready lists each learner of the cohort and standard with an open
	// readiness agreement: a summative attempt to schedule.
	Ready []readyRow
	// Asked lists the cohort's readiness requests no agreement has
	// answered yet, by learner then standard: the teachers' answers due.
	Asked []askedRow
	// Teach: the principal may answer a request (the agreement and
	// feedback forms); the list shows the links to them only then.
	Teach bool
	// Agency is the cohort's share of the cycle its learners record, by
	// month (the efficacy report of the cohort); nil without the efficacy
	// read model.
	Agency *chart.Figure
}

type readyRow struct {
	LearnerID, StandardID, Code string
}

// askedRow is one open readiness request of the cohort.
type askedRow struct {
	LearnerID, StandardID, Code string
	ID                          string
	Occurred                    time.Time
	Evidence                    int
}

type learnerRow struct {
	ID        string
	Withdrawn bool
	// Statuses are in the order of schoolPage.Standards.
	Statuses []domain.Status
}

// Cells are the row's status cells, in the order of Statuses, written
// here rather than by the template: a table of hundreds of learners has a
// cell per learner and standard, and executing the template's actions for
// each was most of the page's cost. A cell holds only the words and class
// of a status (statusWords, statusClass), never data from the record; the
// words are escaped all the same.
func (r learnerRow) Cells() template.HTML {
	var b strings.Builder
	for _, st := range r.Statuses {
		b.WriteString("<td")
		if c := statusClass(st); c != "" {
			b.WriteString(` class="` + c + `"`)
		}
		b.WriteString(">" + template.HTMLEscapeString(statusWords(st)) + "</td>")
	}
	return template.HTML(b.String())
}

// schoolPage reads /schools/{schoolId}[?cohort=…]: the learners of one
// cohort (the first by default) with a status per standard, the status the
// API's mastery gives, read from the view's table of the school.
func (s *Server) schoolPage(r *http.Request, p access.Principal) (any, error) {
	id := mux.Vars(r)["schoolId"]
	v := s.cfg.View
	sc, err := v.School(id)
	if err != nil {
		return nil, err
	}
	cohorts, err := v.SchoolCohorts(id)
	if err != nil {
		return nil, err
	}
	// A teacher who reads this page is of this school (SchoolRoster), so
	// every learner listed is theirs to answer, as TeacherOfLearner asks.
	out := schoolPage{ID: sc.ID, Name: sc.Name, Cohorts: cohorts, Teach: s.cfg.Service != nil && access.TeacherOfLearner.Allows(p.Role)}
	var ids []string
	for _, std := range v.Standards() {
		if !std.Retired {
			out.Standards = append(out.Standards, std)
			ids = append(ids, std.StandardID)
		}
	}
	out.Cohort = r.URL.Query().Get("cohort")
	switch {
	case out.Cohort == "" && len(cohorts) > 0:
		out.Cohort = cohorts[0]
	case out.Cohort != "" && !slices.Contains(cohorts, out.Cohort):
		// A cohort no learner of the school is in: the page about it does
		// not exist, as for an unknown school.
		return nil, fmt.Errorf("school %q has no cohort %q: %w", id, out.Cohort, domain.ErrNotFound)
	}
	if out.Cohort == "" {
		return out, nil
	}
	if err := s.cohortAgency(&out); err != nil {
		return nil, err
	}
	rows, err := v.SchoolTable(id, out.Cohort, ids)
	if err != nil {
		return nil, err
	}
	out.Learners = make([]learnerRow, 0, len(rows))
	for _, row := range rows {
		out.Learners = append(out.Learners, learnerRow{ID: row.ID, Withdrawn: row.Withdrawn, Statuses: row.Statuses})
		for i, st := range row.Statuses {
			std := out.Standards[i]
			switch st {
			case domain.StatusReady:
				out.Ready = append(out.Ready, readyRow{LearnerID: row.ID, StandardID: std.StandardID, Code: std.Code})
			case domain.StatusInProgress:
				// Only a claim in progress can hold an open request: one
				// met or agreed refuses it, an agreement closes it. The
				// request is read from the learner's live state in the view
				// for these cells alone, not from a replay.
				m, err := v.StandardMastery(r.Context(), row.ID, std.StandardID, nil)
				if err != nil {
					return nil, fmt.Errorf("school %q: open requests of %q on %q: %w", id, row.ID, std.StandardID, err)
				}
				for _, q := range m.OpenRequests {
					out.Asked = append(out.Asked, askedRow{LearnerID: row.ID, StandardID: std.StandardID, Code: std.Code,
						ID: q.ID.String(), Occurred: q.OccurredAt, Evidence: len(q.EvidenceIDs)})
				}
			}
		}
	}
	return out, nil
}

// cohortAgency draws the shown cohort's agency by month from the cohort's
// efficacy report, the one the efficacy page keeps for the same filter.
func (s *Server) cohortAgency(out *schoolPage) error {
	if s.cfg.Efficacy == nil {
		return nil
	}
	report, err := s.efficacyReport(out.ID, efficacy.Query{Cohort: out.Cohort}, false)
	if errors.Is(err, domain.ErrNotFound) {
		return nil // the efficacy model has not seen the school yet
	}
	if err != nil {
		return fmt.Errorf("school page: agency: %w", err)
	}
	c := chart.AgencyChart("school-agency", report.Agency)
	c.Title = "Who records the cycle in cohort " + out.Cohort + ", by month"
	// The cohort is the report's whole scope: its own line is the first.
	c.Series = c.Series[:1]
	c.Series[0].Name = "Cohort " + out.Cohort
	c.Extra = []string{"Steps the learners recorded", "Steps staff recorded", "Steps tools recorded"}
	f, err := c.Render()
	if err != nil {
		return fmt.Errorf("school page: agency chart: %w", err)
	}
	out.Agency = &f
	return nil
}
