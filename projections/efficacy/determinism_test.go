package efficacy_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// syntheticHistory is a varied history drawn from a fixed seed: learners of
// two schools and two cohorts working on four standards, with not-yet
// attempts, plan adjustments, goals, retractions, withdrawals and three
// survey rounds.
func syntheticHistory(t *testing.T, learners int) *history {
	t.Helper()
	r := rand.New(rand.NewPCG(2026, 9))
	hs := newHistory(t)
	stds := []string{"A", "B", "C", "D"}
	for i, s := range stds {
		hs.standard(s, fmt.Sprintf("6.RP.A.%d", i+1), "Standard "+s)
	}
	hs.school("north")
	hs.school("south")
	cohorts := []string{"grade-6", "grade-7"}
	for i := range learners {
		l := fmt.Sprintf("l-%04d", i)
		school := "north"
		if i%5 == 4 {
			school = "south"
		}
		at := r.IntN(60)
		hs.enroll(l, school, cohorts[r.IntN(2)], day(at))
		if r.IntN(4) == 0 {
			hs.profile(l, day(at))
		}
		hs.goal(l, "g", day(at), stds[:2]...)
		hs.plan(l, "p", "g", day(at))
		for _, s := range stds {
			if r.IntN(3) == 0 {
				continue
			}
			if r.IntN(4) == 0 {
				hs.preAssess(l, s, day(at), "c1")
			}
			at += 1 + r.IntN(5)
			e := hs.evidenceFrom(l, s, []domain.Source{domain.SourceTeacher, domain.SourceSelf, domain.SourcePeer}[r.IntN(3)], day(at, time.Duration(r.IntN(24))*h))
			if r.IntN(5) == 0 {
				hs.retract(l, s, e, day(at, 23*h))
				hs.evidence(l, s, day(at+1))
			}
			for r.IntN(3) == 0 {
				at += 1 + r.IntN(5)
				hs.notYet(l, s, day(at))
				hs.feedback(l, s, day(at, h))
				if r.IntN(2) == 0 {
					hs.adjust(l, "p", "g", day(at, 2*h))
				}
			}
			if r.IntN(4) != 0 {
				at += 1 + r.IntN(10)
				hs.meet(l, s, day(at), day(at, time.Duration(1+r.IntN(48))*h))
			}
		}
		if r.IntN(2) == 0 {
			hs.evaluate(l, "g", []domain.GoalResult{domain.GoalMet, domain.GoalNotYet}[r.IntN(2)], day(at+1))
			hs.review(l, "g", day(at+2))
		}
		if r.IntN(10) == 0 {
			hs.withdraw(l, day(at+3))
		}
	}
	for round := range 3 {
		for k := range 12 {
			who, cohort := domain.RespondentStaff, ""
			if k%2 == 1 {
				who, cohort = domain.RespondentLearner, cohorts[r.IntN(2)]
			}
			hs.survey("north", fmt.Sprintf("round-%d", round+1), who, cohort, day(40*round+k),
				1+r.IntN(5), 1+r.IntN(5), 1+r.IntN(5))
		}
	}
	return hs
}

var determinismQueries = []Query{
	{},
	{Period: "week"},
	{Cohort: "grade-6"},
	{Cohort: "grade-7", Period: "week", From: day(10), To: day(90), WinsLimit: 7},
	{To: day(45)},
	{From: day(30)},
}

// The same history applied to fresh projections gives identical reports,
// however often and in whatever order they are asked for.
func TestDeterminism(t *testing.T) {
	hs := syntheticHistory(t, 120)
	p1, p2 := hs.project(), hs.project()
	for _, school := range []string{"north", "south"} {
		for i, q := range determinismQueries {
			a := report(t, p1, school, q)
			_ = report(t, p2, school, determinismQueries[len(determinismQueries)-1-i]) // another order
			b := report(t, p2, school, q)
			c := report(t, p1, school, q)
			if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(a, c) {
				t.Fatalf("%s %+v: reports differ", school, q)
			}
			if toJSON(t, a) != toJSON(t, b) || toJSON(t, a) != toJSON(t, c) {
				t.Fatalf("%s %+v: JSON differs", school, q)
			}
		}
	}
	// The history is rich enough for the figures to mean something.
	r := report(t, p1, "north", Query{})
	if r.Persistence.Pairs == 0 || r.Persistence.Persisted == 0 || r.TimeToMastery.AgreementToMet.N == 0 ||
		r.Enrolled.Withdrawn == 0 || r.Goals.Met == 0 || len(r.Perceived) != 3 || len(r.Growth.Series) < 3 {
		t.Errorf("a thin synthetic history: %s", toJSON(t, r))
	}
}

// Readers never see an event half applied: every report a reader gets
// while events are applied equals the report of the prefix up to its
// position. Meant to run under the race detector as well.
func TestConcurrentReads(t *testing.T) {
	hs := syntheticHistory(t, 30)
	hs.checkFolds()
	q := Query{Period: "week"}

	// The reports after each prefix, computed one event at a time.
	want := map[uint64]string{}
	seq := efficacy.New()
	const setup = 6 // four standards, two schools: north exists from here on
	for i, e := range hs.events {
		if err := seq.Apply(e); err != nil {
			t.Fatal(err)
		}
		if i+1 >= setup {
			want[e.Position] = toJSON(t, report(t, seq, "north", q))
		}
	}

	p := efficacy.New()
	for _, e := range hs.events[:setup] {
		if err := p.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[uint64]bool{}
	done := make(chan struct{})
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			var last uint64
			for {
				select {
				case <-done:
					return
				default:
				}
				r, err := p.School("north", q)
				if err != nil {
					errs <- err
					return
				}
				if r.Position < last {
					errs <- fmt.Errorf("position went back from %d to %d", last, r.Position)
					return
				}
				last = r.Position
				mu.Lock()
				seen[r.Position] = true
				mu.Unlock()
				if got, err := json.Marshal(r); err != nil || string(got) != want[r.Position] {
					errs <- fmt.Errorf("report at position %d differs from the prefix's", r.Position)
					return
				}
			}
		})
	}
	for _, e := range hs.events[setup:] {
		if err := p.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("readers saw %d of %d positions", len(seen), len(hs.events)-setup+1)
	if got := toJSON(t, report(t, p, "north", q)); got != want[uint64(len(hs.events))] {
		t.Error("final report differs")
	}
}
