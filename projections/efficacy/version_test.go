package efficacy_test

import (
	"encoding/json"
	"testing"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// TestSchoolVersion feeds a history of two schools one event at a time:
// an event of a school's stream, of one of its learners or of a standard
// moves that school's version to the event's position; any other leaves
// it, and then the school's report is the same as before but for its
// Position, which is what a reader that keeps reports by version relies
// on. The position is the projection's.
func TestSchoolVersion(t *testing.T) {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.school("north")
	hs.school("south")
	hs.enroll("n1", "north", "grade-6", day(0))
	hs.enroll("s1", "south", "grade-6", day(0))
	hs.evidence("s1", "A", day(1))
	hs.goal("s1", "g1", day(1), "A")
	hs.evidence("n1", "A", day(1))
	hs.survey("south", "r1", domain.RespondentStaff, "", day(1), 4)
	hs.meet("s1", "A", day(2), day(3))
	hs.notYet("n1", "A", day(3))
	hs.withdraw("s1", day(4))
	hs.survey("north", "r1", domain.RespondentLearner, "grade-6", day(4), 3)
	hs.enroll("s2", "south", "grade-7", day(5))
	// Steps the learner records themself: the agency figures read them,
	// so they move the version like any event of the learner's stream.
	hs.recordedBy(learnerActor("n1"), func() {
		hs.goal("n1", "g2", day(5), "A")
		hs.plan("n1", "p2", "g2", day(5))
		hs.request("n1", "A", day(5))
	})
	hs.retire("A", day(6))
	hs.meet("n1", "A", day(7), day(8))
	hs.checkFolds()

	of := func(e domain.RecordedEvent) string {
		category, id, _ := domain.ParseStream(e.Stream)
		switch category {
		case domain.StandardCategory:
			return "*"
		case domain.SchoolCategory:
			return id
		}
		if id[0] == 'n' {
			return "north"
		}
		return "south"
	}
	report := func(p *efficacy.Projection, school string) string {
		t.Helper()
		r, err := p.School(school, efficacy.Query{})
		if err != nil {
			t.Fatal(err)
		}
		r.Position = 0
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	p := efficacy.New()
	if v, pos := p.SchoolVersion("north"); v != 0 || pos != 0 {
		t.Fatalf("before any event: version %d, position %d", v, pos)
	}
	last := map[string]uint64{}
	reports := map[string]string{}
	unchanged := 0
	for _, e := range hs.events {
		if err := p.Apply(e); err != nil {
			t.Fatal(err)
		}
		for _, school := range []string{"north", "south"} {
			v, pos := p.SchoolVersion(school)
			if pos != e.Position {
				t.Fatalf("position %d after the event at %d", pos, e.Position)
			}
			if _, err := p.School(school, efficacy.Query{}); err != nil {
				continue // not registered yet
			}
			ours := of(e) == school || of(e) == "*"
			step := e.Actor.Role == domain.RoleLearner
			switch {
			case ours && step && report(p, school) == reports[school]:
				t.Errorf("%s after %s at %d, recorded by the learner: the report did not change", school, e.Type, e.Position)
			case ours && v != e.Position:
				t.Errorf("%s after %s at %d (its own): version %d", school, e.Type, e.Position, v)
			case !ours && v != last[school]:
				t.Errorf("%s after %s at %d (another school's): version %d, was %d", school, e.Type, e.Position, v, last[school])
			case !ours:
				unchanged++
				if got := report(p, school); got != reports[school] {
					t.Errorf("%s's report changed after %s at %d, another school's event:\n%s\nwas\n%s", school, e.Type, e.Position, got, reports[school])
				}
			}
			last[school], reports[school] = v, report(p, school)
		}
	}
	if unchanged < 5 {
		t.Errorf("only %d events of another school: the history tests little", unchanged)
	}
}
