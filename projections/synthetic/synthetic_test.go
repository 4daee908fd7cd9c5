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
