package service_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

// sealing returns a service on f's store that seals personal data under the
// keys in dir, and the key store.
func (f *fixture) sealing(t *testing.T, dir string) (*service.Service, *keystore.Store) {
	t.Helper()
	keys, err := keystore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return service.New(f.store, &service.Options{Now: f.clock, Seal: keystore.NewSealer(keys).Seal}), keys
}

func profileCmd(id uuid.UUID, name string) domain.UpdateProfile {
	return domain.UpdateProfile{Meta: domain.Meta{EventID: id, Actor: learner},
		Profile: domain.Profile{DisplayName: name, Interests: []string{"robots"}}}
}

func wantErased(t *testing.T, err error) {
	t.Helper()
	var re *domain.RuleError
	if !errors.As(err, &re) || re.Rule != domain.RulePersonalDataErased {
		t.Fatalf("got %v, want the rule %s", err, domain.RulePersonalDataErased)
	}
}

// Sealing is deterministic, so a retried profile update seals to the bytes
// stored and answers the original; the same id with another profile is a
// conflict, as for any command.
func TestRetriedProfileUpdateAnswersTheOriginal(t *testing.T) {
	f := newFixture(t)
	f.school(t)
	dir := filepath.Join(t.TempDir(), "keys")
	svc, _ := f.sealing(t, dir)
	ctx := t.Context()
	id := uuid.New()
	first := must(t)(svc.UpdateProfile(ctx, "l-0001", profileCmd(id, "Zephyrine"), nil))
	if bytes.Contains(first.Data, []byte("Zephyrine")) || !bytes.Contains(first.Data, []byte(`"sealed"`)) {
		t.Fatalf("stored %s, want it sealed", first.Data)
	}
	f.evidence(t, "c1", 2) // the record moves on
	f.advance(time.Hour)
	pos := f.store.LastPosition()
	again := must(t)(svc.UpdateProfile(ctx, "l-0001", profileCmd(id, "Zephyrine"), nil))
	if again.ID != first.ID || again.Position != first.Position || again.Hash != first.Hash || f.store.LastPosition() != pos {
		t.Fatalf("retry answered %+v, want the original %+v", again, first)
	}
	// A service started afresh over the same keys has no cache: the retry
	// is recognised all the same.
	fresh, _ := f.sealing(t, dir)
	if again := must(t)(fresh.UpdateProfile(ctx, "l-0001", profileCmd(id, "Zephyrine"), nil)); again.Hash != first.Hash || f.store.LastPosition() != pos {
		t.Fatalf("retry on a fresh service answered %+v, want the original %+v", again, first)
	}
	_, err := svc.UpdateProfile(ctx, "l-0001", profileCmd(id, "Someone else"), nil)
	var conflict *domain.EventIDConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("the same id with another profile: got %v, want *EventIDConflictError", err)
	}
}

// After an erasure no profile update is recorded, whether the refusal comes
// from the folded stream or, for a service whose cache has not seen the
// erasure yet, from the destroyed key; and a retry of the update made
// before the erasure cannot be proven the same any more.
func TestNoProfileAfterErasure(t *testing.T) {
	f := newFixture(t)
	f.school(t)
	dir := filepath.Join(t.TempDir(), "keys")
	a, keys := f.sealing(t, dir)
	b, _ := f.sealing(t, dir)
	ctx := t.Context()
	id := uuid.New()
	must(t)(a.UpdateProfile(ctx, "l-0001", profileCmd(id, "Zephyrine"), nil))
	must(t)(b.UpdateProfile(ctx, "l-0001", profileCmd(uuid.New(), "Zephyrine Q."), nil)) // b caches the learner
	must(t)(a.ErasePersonalData(ctx, "l-0001", domain.ErasePersonalData{Meta: meta(admin), Reason: domain.ErasureLearnerRequest}, nil))
	if err := keys.Destroy(ctx, "l-0001"); err != nil {
		t.Fatal(err)
	}
	pos := f.store.LastPosition()
	for name, svc := range map[string]*service.Service{"the erasing service": a, "a service with a stale cache": b} {
		_, err := svc.UpdateProfile(ctx, "l-0001", profileCmd(uuid.New(), "Zephyrine"), nil)
		wantErased(t, err)
		if f.store.LastPosition() != pos {
			t.Fatalf("%s: a refused update wrote", name)
		}
	}
	_, err := a.UpdateProfile(ctx, "l-0001", profileCmd(id, "Zephyrine"), nil)
	wantErased(t, err)
	_, err = a.ErasePersonalData(ctx, "l-0001", domain.ErasePersonalData{Meta: meta(admin)}, nil)
	wantErased(t, err)
	if f.store.LastPosition() != pos {
		t.Fatal("a refused command wrote")
	}
}
