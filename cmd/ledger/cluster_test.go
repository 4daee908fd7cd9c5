package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// TestClusterNodes: two nodes on one store (the fake). A second node with
// keys of its own is refused, naming each key that differs; given the
// first node's signing and pseudonym keys and its key directory, it starts,
// follows the same store into the same log, and signs the same checkpoint
// at the same size.
func TestClusterNodes(t *testing.T) {
	url := esdbfake.StartTB(t, &esdbfake.Options{MaxAppendSize: 8 << 20}).URL()
	sc := storeConfig{kind: "eventstoredb", url: url}
	logger := slog.New(slog.DiscardHandler)
	dir1, dir2 := t.TempDir(), t.TempDir()

	n1, err := openNode(t.Context(), dir1, sc, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer n1.close()

	_, err = openNode(t.Context(), dir2, sc, logger)
	if !errors.Is(err, errKeysDiffer) {
		t.Fatalf("a node with keys of its own: %v, want errKeysDiffer", err)
	}
	for _, key := range []string{"log-key", "pseudonym-key", "key-store"} {
		var found bool
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			var m *keyMismatchError
			found = found || errors.As(e, &m) && m.Key == key
		}
		if !found {
			t.Errorf("the refusal does not name %s: %v", key, err)
		}
	}

	// Provision the second node as docs/scale-out.md says: the two key
	// files copied, the key directory shared. Its refused start left keys
	// of its own, which the copies replace.
	// The refused start built a log under its own key: nothing of it is
	// worth keeping (a node builds its log from the store), so the log
	// directory starts again from the cluster's key alone.
	if err := os.RemoveAll(logDir(dir2)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(logDir(dir2), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join("log", translog.KeyFile), research.KeyFile} {
		b, err := os.ReadFile(filepath.Join(dir1, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir2, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(keysDir(dir2)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(keysDir(dir1), keysDir(dir2)); err != nil {
		t.Fatal(err)
	}
	n2, err := openNode(t.Context(), dir2, sc, logger)
	if err != nil {
		t.Fatalf("a node with the cluster's keys: %v", err)
	}
	defer n2.close()

	// Writes through both nodes.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var last uint64
	for i, n := range []*node{n1, n2, n1} {
		stream := []string{"learner-a", "learner-b", "learner-a"}[i]
		out, err := n.store.Append(ctx, stream, domain.Any{}, domain.EventData{ID: uuid.New(), Type: "Probe", Actor: domain.Actor{Role: "admin", Name: "t"}, Data: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		last = out[0].Position
	}
	var cps []translog.Checkpoint
	for _, n := range []*node{n1, n2} {
		if err := n.log.WaitFor(ctx, last); err != nil {
			t.Fatal(err)
		}
		cp, err := n.log.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, cp)
	}
	if cps[0].Size == 0 || cps[0].Size != cps[1].Size || !bytes.Equal(cps[0].Root, cps[1].Root) || !bytes.Equal(cps[0].Note, cps[1].Note) {
		t.Errorf("the nodes' checkpoints differ:\n%s\n%s", cps[0].Note, cps[1].Note)
	}
}
