package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/esdb"
	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

// A process that stores an erasure and dies before it destroys the key
// leaves the key on disk. The next node to open the data directory destroys
// it while its read model reads the log, on either store; meanwhile, and
// after, the profile reads as erased, and every chain verifies.
func TestErasureSurvivesACrashBeforeTheKeyIsDestroyed(t *testing.T) {
	cases := []struct {
		name string
		// setup returns the node's store configuration and the store the
		// crashing process writes through.
		setup func(t *testing.T, dir string) (storeConfig, eventStore)
	}{
		{"embedded", func(t *testing.T, dir string) (storeConfig, eventStore) {
			s, err := sqlite.Open(t.Context(), dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			return storeConfig{kind: "embedded"}, s
		}},
		{"eventstoredb-fake", func(t *testing.T, _ string) (storeConfig, eventStore) {
			url := esdbfake.StartTB(t, &esdbfake.Options{MaxAppendSize: 8 << 20}).URL()
			s, err := esdb.Open(t.Context(), url, nil)
			if err != nil {
				t.Fatal(err)
			}
			return storeConfig{kind: "eventstoredb", url: url}, s
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			sc, store := tc.setup(t, dir)
			erasure := eraseWithoutDestroying(t, dir, store)

			n, err := openNode(t.Context(), dir, sc, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer n.close()
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			if err := n.engine.WaitFor(ctx, erasure.Position); err != nil {
				t.Fatal(err)
			}
			if _, err := n.keys.Existing(ctx, "l-1"); !errors.Is(err, keystore.ErrDestroyed) {
				t.Fatalf("after the restart the key is not destroyed: %v", err)
			}
			entries, err := os.ReadDir(keysDir(dir))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if filepath.Ext(e.Name()) != ".destroyed" && e.Name() != keyStoreIDFile {
					t.Errorf("the key directory still holds %s", e.Name())
				}
			}

			tokens, err := httpapi.NewTokens([]httpapi.Credential{{Token: "auditor-token-for-tests", Role: domain.RoleAuditor, Name: "Audit"}})
			if err != nil {
				t.Fatal(err)
			}
			h, err := n.handler(tokens, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			status, body := call(t, "GET", srv.URL+"/v1/learners/l-1/profile", "auditor-token-for-tests", nil)
			var p httpapi.LearnerProfile
			if err := json.Unmarshal(body, &p); status != 200 || err != nil || !p.Erased || p.Personal != nil {
				t.Fatalf("the profile after the restart: %d %s", status, body)
			}

			var v domain.ChainVerifier
			evs, err := n.store.ReadAll(ctx, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if err := v.Next(e); err != nil {
					t.Fatalf("the chains do not verify: %v", err)
				}
			}
		})
	}
}

// eraseWithoutDestroying is the process that crashes: through the command
// service and the key store of dir, it enrolls learner l-1, stores a sealed
// profile and the erasure, and stops before it destroys the key. It closes
// store and returns the erasure.
func eraseWithoutDestroying(t *testing.T, dir string, store eventStore) domain.RecordedEvent {
	t.Helper()
	defer store.Close()
	ctx := t.Context()
	keys, err := keystore.Open(keysDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(store, &service.Options{Seal: keystore.NewSealer(keys).Seal})
	admin := domain.Meta{Actor: domain.Actor{Role: domain.RoleAdmin, Name: "Office"}}
	steps := []func() (domain.RecordedEvent, error){
		func() (domain.RecordedEvent, error) {
			return svc.RegisterSchool(ctx, domain.RegisterSchool{Meta: admin, SchoolID: "north", Name: "North"})
		},
		func() (domain.RecordedEvent, error) {
			return svc.EnrollLearner(ctx, "north", domain.EnrollLearner{Meta: admin, LearnerID: "l-1", Cohort: "g6"})
		},
		func() (domain.RecordedEvent, error) {
			return svc.UpdateProfile(ctx, "l-1", domain.UpdateProfile{Meta: domain.Meta{Actor: domain.Actor{Role: domain.RoleLearner, Name: "l-1"}},
				Profile: domain.Profile{DisplayName: "Zephyrine", Interests: []string{"robots"}}}, nil)
		},
		func() (domain.RecordedEvent, error) {
			return svc.ErasePersonalData(ctx, "l-1", domain.ErasePersonalData{Meta: admin, Reason: domain.ErasureLearnerRequest}, nil)
		},
	}
	var last domain.RecordedEvent
	for _, step := range steps {
		if last, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := keys.Existing(ctx, "l-1"); err != nil {
		t.Fatalf("before the restart the key should still be there (nothing destroyed it): %v", err)
	}
	return last
}
