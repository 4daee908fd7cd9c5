package synthetic_test

import (
	"context"
	"testing"

	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
	"github.com/masteryledger/ledger/projections/synthetic"
)

// A population is valid: its chains verify and both read models accept
// every event, and it holds met standards and not-yet attempts.
func TestPopulationIsValid(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	st, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: 20, EventsPerLearner: 60, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if uint64(st.Events) != store.LastPosition() || len(st.Learners) != 20 {
		t.Fatalf("stats %d events %d learners; store holds %d", st.Events, len(st.Learners), store.LastPosition())
	}
	view, eff := projections.NewView(store), efficacy.New()
	if _, err := projections.Rebuild(ctx, store, projections.Models{view, eff}); err != nil {
		t.Fatal(err)
	}
	evs, err := store.ReadAll(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	v := domain.ChainVerifier{Dense: true}
	for _, e := range evs {
		if err := v.Next(e); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := eff.School("north", efficacy.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Proficiency.Overall.Met == 0 || rep.Persistence.Pairs == 0 {
		t.Fatalf("population has %d met claims and %d not-yet pairs; want both > 0", rep.Proficiency.Overall.Met, rep.Persistence.Pairs)
	}
}

// A second population in the same store adds another school whose
// learners take other ids and decide against the standards already
// published.
func TestSecondSchool(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	north, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: 6, EventsPerLearner: 30, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	south, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: 4, EventsPerLearner: 30, Seed: 2,
		School: "south", SchoolName: "South Middle School", FirstLearner: 6})
	if err != nil {
		t.Fatal(err)
	}
	if got := uint64(north.Events + south.Events); got != store.LastPosition() {
		t.Fatalf("stats count %d events; store holds %d", got, store.LastPosition())
	}
	view := projections.NewView(store)
	if _, err := projections.Rebuild(ctx, store, projections.Models{view}); err != nil {
		t.Fatal(err)
	}
	for school, want := range map[string][]string{"north": north.Learners, "south": south.Learners} {
		ls, err := view.SchoolLearners(school)
		if err != nil {
			t.Fatal(err)
		}
		if len(ls) != len(want) {
			t.Errorf("%s holds %d learners; want %d", school, len(ls), len(want))
		}
		for _, l := range ls {
			if l.SchoolID != school {
				t.Errorf("%s lists learner %s of %s", school, l.ID, l.SchoolID)
			}
		}
	}
	if s, err := view.School("south"); err != nil || s.Name != "South Middle School" {
		t.Errorf("south: %+v, %v", s, err)
	}
	if len(south.Standard) != 4 || len(view.Standards()) != 4 {
		t.Errorf("south decided against %d standards; the store holds %d; want 4", len(south.Standard), len(view.Standards()))
	}
}

// NeverMet and Late make a cohort with both outcomes: pairs met on the
// first visit, pairs met only on a second goal, and pairs with evidence
// that are never met. Without them every pair with evidence is met on its
// first goal, as before the options existed.
func TestOutcomes(t *testing.T) {
	cases := []struct {
		name                string
		neverMet, late      float64
		wantNever, wantLate bool
	}{
		{"default: every pair met on its first goal", 0, 0, false, false},
		{"mixed", 0.3, 0.3, true, true},
		{"never met only", 0.5, 0, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			store, err := sqlite.Open(ctx, t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			st, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: 30, EventsPerLearner: 100, Seed: 7,
				NeverMet: c.neverMet, Late: c.late})
			if err != nil {
				t.Fatal(err)
			}
			var met, never, late int
			for _, id := range st.Learners {
				recs, err := store.ReadStream(ctx, domain.LearnerStream(id), 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				var l domain.LearnerState
				for _, r := range recs {
					if err := l.Apply(r); err != nil {
						t.Fatal(err)
					}
				}
				goals := map[string]int{}
				for _, g := range l.Goals {
					for _, s := range g.StandardIDs {
						goals[s]++
					}
				}
				for sid, p := range l.Standards {
					switch {
					case len(p.Evidence) == 0:
					case p.Met == nil:
						never++
						if len(p.Agreements) != 0 {
							t.Errorf("%s %s: never met but %d agreements", id, sid, len(p.Agreements))
						}
					case goals[sid] > 1:
						late++
						met++
					default:
						met++
					}
				}
			}
			t.Logf("pairs: %d met (%d late), %d never met", met, late, never)
			if met == 0 {
				t.Errorf("no pair met")
			}
			if (never > 0) != c.wantNever || (late > 0) != c.wantLate {
				t.Errorf("%d never met, %d met late; want never met %v, late %v", never, late, c.wantNever, c.wantLate)
			}
			view := projections.NewView(store)
			if _, err := projections.Rebuild(ctx, store, projections.Models{view}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestOutcomeSharesRefused(t *testing.T) {
	for _, o := range []synthetic.Options{{NeverMet: -0.1}, {Late: 1.5}, {NeverMet: 0.6, Late: 0.6}} {
		store, err := sqlite.Open(context.Background(), t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := synthetic.Populate(context.Background(), store, o); err == nil {
			t.Errorf("Populate(%+v) accepted", o)
		}
		store.Close()
	}
}
