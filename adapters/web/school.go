package web

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// schoolPage is what templates/pages/school.html shows: one table per
// cohort, a row per learner, a column per standard.
type schoolPage struct {
	ID, Name  string
	Standards []projections.Standard
	Cohorts   []cohort
	// Ready lists each learner and standard with an open readiness
	// agreement: a summative attempt to schedule.
	Ready []readyRow
}

type readyRow struct {
	LearnerID, StandardID, Code string
}

type cohort struct {
	Name     string
	Learners []learnerRow
}

type learnerRow struct {
	ID        string
	Withdrawn bool
	// Statuses are in the order of schoolPage.Standards.
	Statuses []domain.Status
}

// schoolPage reads /schools/{schoolId}: the school's learners by cohort
// with a status per standard, from the mastery the API reads.
func (s *Server) schoolPage(r *http.Request, _ access.Principal) (any, error) {
	id := mux.Vars(r)["schoolId"]
	v := s.cfg.View
	sc, err := v.School(id)
	if err != nil {
		return nil, err
	}
	learners, err := v.SchoolLearners(id)
	if err != nil {
		return nil, err
	}
	out := schoolPage{ID: sc.ID, Name: sc.Name}
	for _, std := range v.Standards() {
		if !std.Retired {
			out.Standards = append(out.Standards, std)
		}
	}
	for _, l := range learners {
		m, err := v.Mastery(r.Context(), l.ID, nil)
		if err != nil {
			return nil, err
		}
		status := make(map[string]domain.Status, len(m.Standards))
		for _, sm := range m.Standards {
			status[sm.StandardID] = sm.Status
		}
		row := learnerRow{ID: l.ID, Withdrawn: l.Withdrawn}
		for _, std := range out.Standards {
			st, ok := status[std.StandardID]
			if !ok {
				st = domain.StatusNotStarted
			}
			row.Statuses = append(row.Statuses, st)
			if st == domain.StatusReady {
				out.Ready = append(out.Ready, readyRow{LearnerID: l.ID, StandardID: std.StandardID, Code: std.Code})
			}
		}
		if n := len(out.Cohorts); n == 0 || out.Cohorts[n-1].Name != l.Cohort {
			out.Cohorts = append(out.Cohorts, cohort{Name: l.Cohort})
		}
		c := &out.Cohorts[len(out.Cohorts)-1]
		c.Learners = append(c.Learners, row)
	}
	return out, nil
}
