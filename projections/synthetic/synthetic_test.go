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
