package projections

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// What the pages read beside mastery: a learner's goals and plans in their
// own words, the latest evidence per standard, and a school's learners.
// The API reads the same events through /v1/learners/{id}/events; these
// spare a page from folding the raw stream itself.

// GoalRecord is a goal as the learner's page shows it, with its plans.
type GoalRecord struct {
	ID          string
	Specific    string
	Measurable  string
	TargetDate  string
	StandardIDs []string
	// Result is the latest evaluation's, or "" before any.
	Result   domain.GoalResult
	Reviewed bool
	Plans    []PlanRecord
}

// PlanRecord is a PLCA plan with its adjustments.
type PlanRecord struct {
	ID          string
	Plan        string
	Learn       string
	Check       string
	Adjust      string
	Adjustments []domain.PlanAdjusted
}

// Goals returns the learner's goals in the order set, each with its plans
// in the order drafted. Returns an error wrapping ErrNotFound if the
// learner is not enrolled.
func (v *View) Goals(learnerID string) ([]GoalRecord, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if !v.learners[learnerID].Enrolled() {
		return nil, fmt.Errorf("learner %q is not enrolled: %w", learnerID, domain.ErrNotFound)
	}
	var goals []GoalRecord
	at := map[string]int{}       // goal id → index in goals
	plans := map[string][2]int{} // plan id → goal index, plan index
	for _, p := range v.history[learnerID] {
		switch ev := p.ev.(type) {
		case domain.GoalSet:
			at[ev.GoalID] = len(goals)
			goals = append(goals, GoalRecord{ID: ev.GoalID, Specific: ev.Specific, Measurable: ev.Measurable,
				TargetDate: ev.TargetDate, StandardIDs: append([]string(nil), ev.StandardIDs...)})
		case domain.GoalEvaluated:
			if i, ok := at[ev.GoalID]; ok {
				goals[i].Result = ev.Result
			}
		case domain.GoalReviewed:
			if i, ok := at[ev.GoalID]; ok {
				goals[i].Reviewed = true
			}
		case domain.PlanDrafted:
			if i, ok := at[ev.GoalID]; ok {
				plans[ev.PlanID] = [2]int{i, len(goals[i].Plans)}
				goals[i].Plans = append(goals[i].Plans, PlanRecord{ID: ev.PlanID, Plan: ev.Plan, Learn: ev.Learn, Check: ev.Check, Adjust: ev.Adjust})
			}
		case domain.PlanAdjusted:
			if ij, ok := plans[ev.PlanID]; ok {
				pl := &goals[ij[0]].Plans[ij[1]]
				pl.Adjustments = append(pl.Adjustments, ev)
			}
		}
	}
	return goals, nil
}

// EvidenceRecord is a piece of current evidence.
type EvidenceRecord struct {
	ID          uuid.UUID
	ComponentID string
	Level       int
	Source      domain.Source
	OccurredAt  time.Time
}

// LatestEvidence returns, per standard id, the learner's most recent
// current (not retracted) evidence by occurredAt. A standard without any
// is absent. Returns an error wrapping ErrNotFound if the learner is not
// enrolled.
func (v *View) LatestEvidence(learnerID string) (map[string]EvidenceRecord, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	l := v.learners[learnerID]
	if !l.Enrolled() {
		return nil, fmt.Errorf("learner %q is not enrolled: %w", learnerID, domain.ErrNotFound)
	}
	out := map[string]EvidenceRecord{}
	for id, p := range l.Standards {
		for _, e := range p.Evidence {
			if !e.Current() {
				continue
			}
			if cur, ok := out[id]; ok && !e.OccurredAt.After(cur.OccurredAt) {
				continue
			}
			out[id] = EvidenceRecord{ID: e.ID, ComponentID: e.ComponentID, Level: e.Level, Source: e.Source, OccurredAt: e.OccurredAt}
		}
	}
	return out, nil
}

// SchoolLearners returns the learners enrolled at a school, withdrawn ones
// too (marked), sorted by cohort then id. Returns an error wrapping
// ErrNotFound if the school is not registered.
func (v *View) SchoolLearners(schoolID string) ([]Learner, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if !v.schools[schoolID].Registered() {
		return nil, fmt.Errorf("school %q is not registered: %w", schoolID, domain.ErrNotFound)
	}
	roster := v.rosters[schoolID]
	out := make([]Learner, 0, len(roster))
	for _, l := range roster {
		out = append(out, learnerOf(l))
	}
	return out, nil
}

func learnerOf(l *domain.LearnerState) Learner {
	return Learner{ID: l.ID, SchoolID: l.SchoolID, Cohort: l.Cohort, Revision: l.Version - 1, Withdrawn: l.Withdrawn}
}

// enrolLocked adds a learner just enrolled to their school's roster, in
// the roster's order. The caller holds the write lock.
func (v *View) enrolLocked(l *domain.LearnerState) {
	roster := v.rosters[l.SchoolID]
	i, _ := slices.BinarySearchFunc(roster, l, compareRoster)
	v.rosters[l.SchoolID] = slices.Insert(roster, i, l)
}

// compareRoster orders a roster: by cohort, then by id.
func compareRoster(a, b *domain.LearnerState) int {
	if c := cmp.Compare(a.Cohort, b.Cohort); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// SchoolCohorts returns the cohorts of the learners enrolled at a school,
// withdrawn ones too, sorted. Returns an error wrapping ErrNotFound if the
// school is not registered.
func (v *View) SchoolCohorts(schoolID string) ([]string, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if !v.schools[schoolID].Registered() {
		return nil, fmt.Errorf("school %q is not registered: %w", schoolID, domain.ErrNotFound)
	}
	var out []string
	for _, l := range v.rosters[schoolID] {
		if n := len(out); n == 0 || out[n-1] != l.Cohort {
			out = append(out, l.Cohort)
		}
	}
	return out, nil
}

// SchoolRow is one learner's row of a school's table.
type SchoolRow struct {
	Learner
	// Statuses are the learner's status on each standard asked for, in
	// the order asked.
	Statuses []domain.Status
}

// SchoolTable returns the learners of one cohort of a school (withdrawn
// ones too), sorted by id, each with their status on each of standardIDs,
// the status Mastery gives. The statuses are read from the learners'
// states as the events keep them, not folded into a whole mastery view
// per learner: a table of hundreds of learners needs the status alone.
// A cohort that no learner of the school is in has no rows. Returns an
// error wrapping ErrNotFound if the school is not registered.
func (v *View) SchoolTable(schoolID, cohort string, standardIDs []string) ([]SchoolRow, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if !v.schools[schoolID].Registered() {
		return nil, fmt.Errorf("school %q is not registered: %w", schoolID, domain.ErrNotFound)
	}
	roster := v.rosters[schoolID]
	i, _ := slices.BinarySearchFunc(roster, cohort, func(l *domain.LearnerState, c string) int { return cmp.Compare(l.Cohort, c) })
	var out []SchoolRow
	for _, l := range roster[i:] {
		if l.Cohort != cohort {
			break
		}
		row := SchoolRow{Learner: learnerOf(l), Statuses: make([]domain.Status, len(standardIDs))}
		for j, id := range standardIDs {
			row.Statuses[j] = l.Status(id)
		}
		out = append(out, row)
	}
	return out, nil
}

// SchoolRecord names a school.
type SchoolRecord struct {
	ID, Name string
}

// Schools returns every registered school, sorted by id.
func (v *View) Schools() []SchoolRecord {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := make([]SchoolRecord, 0, len(v.schools))
	for _, s := range v.schools {
		if s.Registered() {
			out = append(out, SchoolRecord{ID: s.ID, Name: s.Name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
