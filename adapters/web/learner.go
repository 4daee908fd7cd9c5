package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/adapters/web/chart"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// learnerPage is what templates/pages/learner.html shows.
type learnerPage struct {
	Learner    projections.Learner
	SchoolName string
	Standards  []standardRow
	// Goals are the goals not yet reviewed, with their plans.
	Goals []projections.GoalRecord
	// Reviewed counts the goals whose cycle is closed.
	Reviewed int
	// Actions are the forms the principal may send about this learner.
	Actions actions
	// Agency is the learner's share of their own cycle, period by period,
	// with its table; nil without the efficacy read model.
	Agency *chart.Figure
	// AgencyTotal is the share over all time, in words.
	AgencyTotal string
}

// actions says which forms about a learner a principal may send, by the
// rules of adapters/access the forms are checked under: a page offers a
// form only to whom may send it.
type actions struct {
	// Teach: the teacher's forms (pre-assessment, evidence from any
	// source, retraction, feedback, agreement, summative attempt).
	Teach bool
	// Write: the forms a learner sends about themself too (evidence from
	// self, goals, plans, adjustments, evaluations, reviews, profile).
	Write bool
	// Withdraw: the admin's withdrawal.
	Withdraw bool
}

// Any reports whether any form is offered.
func (a actions) Any() bool { return a.Teach || a.Write || a.Withdraw }

// actionsOn is the forms p may send about learner id; none when the
// server has no command service to send them to.
func (s *Server) actionsOn(p access.Principal, id string) actions {
	if s.cfg.Service == nil {
		return actions{}
	}
	vars := map[string]string{"learnerId": id}
	return actions{
		Teach:    s.may(p, access.TeacherOfLearner, vars),
		Write:    s.may(p, access.TeacherOrLearner, vars),
		Withdraw: s.may(p, access.AdminOfLearner, vars),
	}
}

// standardRow is one standard of the learner's page.
type standardRow struct {
	ID, Code, Title string
	Status          domain.Status
	Covered, Total  int
	Components      []componentRow
	// Latest is the most recent current evidence, or nil.
	Latest *projections.EvidenceRecord
	// Attempts counts summative attempts.
	Attempts int
	// Requests are the learner's readiness requests on the standard that
	// no agreement has answered yet; CanAsk, whether the request form is
	// offered (the principal may send it, and the claim is in progress:
	// not met, no agreement open).
	Requests []domain.Request
	CanAsk   bool
}

type componentRow struct {
	ID, Statement string
	Covered       bool
	Level         *int
	PreAssessed   bool
}

// learnerPage reads /learners/{learnerId}: every standard's status and
// coverage, the latest evidence, and the current goals and plans, from the
// projections the API reads.
func (s *Server) learnerPage(r *http.Request, p access.Principal) (any, error) {
	id := mux.Vars(r)["learnerId"]
	v := s.cfg.View
	l, err := v.Learner(id)
	if err != nil {
		return nil, err
	}
	m, err := v.Mastery(r.Context(), id, nil)
	if err != nil {
		return nil, err
	}
	latest, err := v.LatestEvidence(id)
	if err != nil {
		return nil, err
	}
	goals, err := v.Goals(id)
	if err != nil {
		return nil, err
	}
	out := learnerPage{Learner: l, Actions: s.actionsOn(p, id)}
	if l.Withdrawn {
		// A withdrawn learner's record takes no more writes.
		out.Actions = actions{}
	}
	if sc, err := v.School(l.SchoolID); err == nil {
		out.SchoolName = sc.Name
	}
	for _, sm := range m.Standards {
		row := standardRow{ID: sm.StandardID, Status: sm.Status, Total: len(sm.Components), Attempts: len(sm.Attempts),
			Requests: sm.OpenRequests, CanAsk: out.Actions.Write && sm.Status == domain.StatusInProgress}
		statements := map[string]string{}
		if std, err := v.Standard(sm.StandardID); err == nil {
			row.Code, row.Title = std.Code, std.Title
			for _, c := range std.Components {
				statements[c.ID] = c.Statement
			}
		}
		for _, c := range sm.Components {
			if c.Covered {
				row.Covered++
			}
			row.Components = append(row.Components, componentRow{ID: c.ID, Statement: statements[c.ID], Covered: c.Covered, Level: c.Level, PreAssessed: c.PreAssessed})
		}
		if e, ok := latest[sm.StandardID]; ok {
			row.Latest = &e
		}
		out.Standards = append(out.Standards, row)
	}
	if err := s.learnerAgency(&out, id); err != nil {
		return nil, err
	}
	for _, g := range goals {
		if g.Reviewed {
			out.Reviewed++
			continue
		}
		out.Goals = append(out.Goals, g)
	}
	return out, nil
}

// learnerAgency draws the learner's agency trend by month, from the
// enrolment to the learner's latest event. A learner the efficacy model
// has not seen yet (it follows the store a moment behind the view) has no
// chart rather than an error.
func (s *Server) learnerAgency(out *learnerPage, id string) error {
	if s.cfg.Efficacy == nil {
		return nil
	}
	la, periods, err := s.cfg.Efficacy.LearnerAgency(id, efficacy.Query{})
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("learner page: agency: %w", err)
	}
	f, err := chart.LearnerAgencyChart("learner-agency", efficacy.PeriodMonth, la, periods).Render()
	if err != nil {
		return fmt.Errorf("learner page: agency chart: %w", err)
	}
	out.Agency = &f
	t := la.Total
	if t.Share == nil {
		out.AgencyTotal = "Nothing recorded yet by the learner or by staff."
	} else {
		out.AgencyTotal = fmt.Sprintf("Over all time, %d of %d steps (%s) were recorded by the learner, %d by staff.",
			t.ByLearner, t.ByLearner+t.ByStaff, chart.Percent(*t.Share*100), t.ByStaff)
	}
	if t.ByTool > 0 {
		out.AgencyTotal += fmt.Sprintf(" Tools recorded %d more, left out of the share.", t.ByTool)
	}
	return nil
}
