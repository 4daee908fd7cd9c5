package web_test

import (
	"context"
	"errors"
	"github.com/masteryledger/ledger/adapters/credential"
	"path/filepath"
	"testing"

	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// ledgerRun is a ledger as serve runs it, less its HTTP adapters: the store
// in a directory, the learners' keys, and the read models and the
// transparency log following the store. The tests that need the log (the
// trail's verification, the transcript's credentials) build their servers
// on it.
type ledgerRun struct {
	store  *sqlite.Store
	sealer *keystore.Sealer
	view   *projections.View
	eff    *efficacy.Projection
	engine *projections.Engine
	log    *translog.Log
	// issuer signs credentials with the ledger's ES256 key, kept beside
	// the log's key as serve keeps it.
	issuer *credential.Issuer
	// stop stops the models and the log and closes the store; calling it
	// again does nothing, so a test can stop a ledger and start another on
	// the same directory. It is also a cleanup of the test.
	stop func()
}

func runLedger(t *testing.T, dir string) *ledgerRun {
	t.Helper()
	store, err := sqlite.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keystore.Open(filepath.Join(dir, "keys"))
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	r := &ledgerRun{store: store, sealer: keystore.NewSealer(keys), view: projections.NewView(store), eff: efficacy.New()}
	r.engine = projections.NewEngine(store, projections.Models{keystore.NewShredder(keys), r.view, r.eff}, 0)
	key, err := translog.LoadOrCreateKey(filepath.Join(dir, "log"), "north.example/ledger")
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	ckey, err := credential.LoadOrCreateKey(filepath.Join(dir, "log"), credential.ES256)
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	if r.issuer, err = credential.NewIssuer(credential.ES256, ckey, key.Signer, key.VerifierKey); err != nil {
		store.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if r.log, err = translog.Open(ctx, filepath.Join(dir, "log"), key); err != nil {
		cancel()
		store.Close()
		t.Fatal(err)
	}
	done, logDone := make(chan error, 1), make(chan error, 1)
	go func() { done <- r.engine.Run(ctx) }()
	go func() { logDone <- r.log.Run(ctx, store) }()
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("projection engine: %v", err)
		}
		if err := <-logDone; !errors.Is(err, context.Canceled) {
			t.Errorf("transparency log: %v", err)
		}
		r.log.Close()
		if err := store.Close(); err != nil {
			t.Errorf("close the store: %v", err)
		}
	}
	t.Cleanup(r.stop)
	return r
}
