package esdb_test

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/esdb"
	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
	"github.com/masteryledger/ledger/adapters/storetest"
	"github.com/masteryledger/ledger/domain"
)

// realServerEnv names the variable that points the tests at a real server.
const realServerEnv = "LEDGER_TEST_EVENTSTOREDB_URL"

// fakeAppendSize is the max append size of the fakes the conformance suite
// runs on: docker-compose.yml gives the server the same, because the port's
// largest event (1 MiB of data) plus its metadata is over the server's
// default of 1 MiB.
const fakeAppendSize = 8 << 20

// namespaces makes every store's namespace unique within a test binary, and
// the run's prefix makes it unique on a shared real server.
var (
	namespaces atomic.Uint64
	runPrefix  = fmt.Sprintf("t%x", time.Now().UnixNano())
)

// newNamespace returns a namespace no other store of this run uses, so that
// each store starts empty on a shared server.
func newNamespace() string {
	return fmt.Sprintf("%s-%d-", runPrefix, namespaces.Add(1))
}

// openStore opens a store on url in a fresh namespace and closes it in t's
// cleanup.
func openStore(t testing.TB, url string, opts *esdb.Options) *esdb.Store {
	t.Helper()
	o := esdb.Options{}
	if opts != nil {
		o = *opts
	}
	if o.Namespace == "" {
		o.Namespace = newNamespace()
	}
	if testing.Verbose() && o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s, err := esdb.Open(t.Context(), url, &o)
	if err != nil {
		t.Fatalf("esdb.Open(%s): %v", url, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// TestConformanceFake runs the port's conformance suite through the real
// client against the in-memory FAKE server, one fresh fake per store, so
// that $all holds only the store's own events, the claims and the fake's
// system events. TestNamespaces covers stores that share a server.
func TestConformanceFake(t *testing.T) {
	storetest.RunWithOptions(t, func(t *testing.T) domain.EventStore {
		fake := esdbfake.StartTB(t, &esdbfake.Options{MaxAppendSize: fakeAppendSize})
		return openStore(t, fake.URL(), nil)
	}, storetest.Options{DensePositions: false})
}

// TestConformanceReal runs the suite against a real EventStoreDB (or
// KurrentDB) when LEDGER_TEST_EVENTSTOREDB_URL names one. Each store works
// in a namespace of its own, so the server need not be empty.
func TestConformanceReal(t *testing.T) {
	url := realServerURL(t)
	storetest.RunWithOptions(t, func(t *testing.T) domain.EventStore {
		return openStore(t, url, nil)
	}, storetest.Options{DensePositions: false})
}

func realServerURL(t *testing.T) string {
	t.Helper()
	url := strings.TrimSpace(os.Getenv(realServerEnv))
	if url == "" {
		t.Skip("set " + realServerEnv + "=esdb://host:2113?tls=false to run against a real EventStoreDB")
	}
	return url
}
