package main

import (
	"fmt"
	"testing"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// TestDemoAgencyRises: in the demo school the teacher sets the goals and
// plans of the first standard, and from the second on two learners in
// three take their cycle over. The share of the cycle the learners record
// rises from September to November, for the school and for l-0001 (who
// takes it over), and stays lower for l-0003 (who does not); learners ask
// to be assessed.
func TestDemoAgencyRises(t *testing.T) {
	dir, _ := demoData(t)
	evs := readAllEvents(t, openStore(t, dir))
	p := efficacy.New()
	requests := 0
	for _, e := range evs {
		if err := p.Apply(e); err != nil {
			t.Fatal(err)
		}
		if e.Type == domain.TypeReadinessRequested {
			requests++
			if e.Actor.Role != domain.RoleLearner {
				t.Errorf("a readiness request recorded by %+v", e.Actor)
			}
		}
	}
	if requests == 0 {
		t.Error("no learner asked to be assessed")
	}
	r, err := p.School(demoSchool, efficacy.Query{})
	if err != nil {
		t.Fatal(err)
	}
	a := r.Agency
	for i, c := range a.Overall.Series {
		t.Logf("school, %s: %s", a.Periods[i].Label, show(c))
	}
	first, last := shareOf(t, a.Overall.Series, 0), shareOf(t, a.Overall.Series, len(a.Overall.Series)-1)
	t.Logf("school: first month with steps %.3f, last %.3f; all term %s", first, last, show(a.Overall.Total))
	if !(first < last) {
		t.Errorf("the school's agency does not rise: %.3f then %.3f", first, last)
	}

	owner, _, err := p.LearnerAgency("l-0001", efficacy.Query{})
	if err != nil {
		t.Fatal(err)
	}
	o1, o2 := shareOf(t, owner.Series, 0), shareOf(t, owner.Series, len(owner.Series)-1)
	t.Logf("l-0001: %.3f then %.3f", o1, o2)
	if !(o1 < o2) {
		t.Errorf("l-0001's agency does not rise: %.3f then %.3f", o1, o2)
	}
	var mine, other *efficacy.AgencyCounts
	for i, l := range a.ByLearner {
		switch l.LearnerID {
		case "l-0001":
			mine = &a.ByLearner[i].Total
		case "l-0003":
			other = &a.ByLearner[i].Total
		}
	}
	if mine == nil || other == nil || mine.Share == nil || other.Share == nil || !(*other.Share < *mine.Share) {
		t.Errorf("l-0003, who leaves the cycle to the teacher, %s; l-0001 %s: want l-0003 lower", show(deref(other)), show(deref(mine)))
	}
}

// shareOf is the i-th period's share, or the nearest earlier (for the
// first, later) period that has one.
func shareOf(t *testing.T, series []efficacy.AgencyCounts, i int) float64 {
	t.Helper()
	step := -1
	if i == 0 {
		step = 1
	}
	for ; i >= 0 && i < len(series); i += step {
		if series[i].Share != nil {
			return *series[i].Share
		}
	}
	t.Fatalf("no period with a share: %+v", series)
	return 0
}

func deref(c *efficacy.AgencyCounts) efficacy.AgencyCounts {
	if c == nil {
		return efficacy.AgencyCounts{}
	}
	return *c
}

func show(c efficacy.AgencyCounts) string {
	share := "null"
	if c.Share != nil {
		share = fmt.Sprintf("%.3f", *c.Share)
	}
	return fmt.Sprintf("%d by the learner, %d by staff, %d by tools: %s", c.ByLearner, c.ByStaff, c.ByTool, share)
}
