package httpapi_test

import (
	"context"
	"errors"
	"github.com/masteryledger/ledger/adapters/credential"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
	"github.com/masteryledger/ledger/projections/review"
)

// testNode is the service on loopback with the node's shape
// (cmd/ledger/node.go): learners' profiles sealed under a key store whose
// shredder follows the store, the read models following it in one engine,
// and the transparency log following it as a second subscriber.
type testNode struct {
	url    string
	client *http.Client // closes its connections when the server closes
	keys   *keystore.Store
	svc    *service.Service
	view   *projections.View
	engine *projections.Engine
	log    *translog.Log
}

// nodeConfig is what differs between the tests that start a node.
type nodeConfig struct {
	tokens     *httpapi.Tokens
	pseudonyms *research.Pseudonymizer // nil: no research feed
	logOrigin  string
	// startPos is the store's last position when the node starts (0 for
	// an empty store).
	startPos uint64
}

// startNode starts a node over store with its keys and log in dir. It stops
// everything but the store when the test ends, so a caller registers the
// store's Close before calling it.
func startNode(tb testing.TB, store eventStore, dir string, nc nodeConfig) *testNode {
	tb.Helper()
	keys, err := keystore.Open(filepath.Join(dir, "keys"))
	if err != nil {
		tb.Fatal(err)
	}
	sealer := keystore.NewSealer(keys)
	view := projections.NewView(store)
	eff := efficacy.New()
	reviews := review.New()
	models := projections.Models{keystore.NewShredder(keys), view, eff, reviews}
	var rv *research.View
	if nc.pseudonyms != nil {
		rv = research.NewView(nc.pseudonyms)
		models = append(models, rv)
	}
	engine := projections.NewEngine(store, models, 0)
	key, err := translog.LoadOrCreateKey(filepath.Join(dir, "log"), nc.logOrigin)
	if err != nil {
		tb.Fatal(err)
	}
	ckey, err := credential.LoadOrCreateKey(filepath.Join(dir, "log"), credential.ES256)
	if err != nil {
		tb.Fatal(err)
	}
	issuer, err := credential.NewIssuer(credential.ES256, ckey, key.Signer, key.VerifierKey)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tlog, err := translog.Open(ctx, filepath.Join(dir, "log"), key)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	done, logDone := make(chan error, 1), make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()
	go func() { logDone <- tlog.Run(ctx, store) }()
	svc := service.New(store, &service.Options{Seal: sealer.Seal})
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Config{
		Service: svc, View: view, Efficacy: eff, Reviews: reviews, Events: store, Projection: engine,
		Tokens: nc.tokens, Research: rv, Personal: sealer, Log: tlog, Credentials: issuer, PublicURL: "http://ledger.test",
		Metrics: httpapi.NewMetrics(nil), StartPosition: nc.startPos,
	}))
	tb.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			tb.Errorf("projection engine: %v", err)
		}
		if err := <-logDone; !errors.Is(err, context.Canceled) {
			tb.Errorf("transparency log: %v", err)
		}
		tlog.Close()
	})
	return &testNode{url: srv.URL, client: srv.Client(), keys: keys, svc: svc, view: view, engine: engine, log: tlog}
}
