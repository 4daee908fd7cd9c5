package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
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
}

type readyRow struct {
	LearnerID, StandardID, Code string
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
func (s *Server) schoolPage(r *http.Request, _ access.Principal) (any, error) {
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
	out := schoolPage{ID: sc.ID, Name: sc.Name, Cohorts: cohorts}
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
	rows, err := v.SchoolTable(id, out.Cohort, ids)
	if err != nil {
		return nil, err
	}
	out.Learners = make([]learnerRow, 0, len(rows))
	for _, row := range rows {
		out.Learners = append(out.Learners, learnerRow{ID: row.ID, Withdrawn: row.Withdrawn, Statuses: row.Statuses})
		for i, st := range row.Statuses {
			if st == domain.StatusReady {
				std := out.Standards[i]
				out.Ready = append(out.Ready, readyRow{LearnerID: row.ID, StandardID: std.StandardID, Code: std.Code})
			}
		}
	}
	return out, nil
}
