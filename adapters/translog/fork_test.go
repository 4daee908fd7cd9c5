package translog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// forkNode is a data directory as a node keeps it: the embedded store, and
// the log in DIR/log. Each start opens both and runs the log's start-up
// checks, as the node does; stop closes them.
type forkNode struct {
	t     *testing.T
	dir   string
	store *sqlite.Store
	log   *translog.Log
}

func (n *forkNode) logDir() string { return filepath.Join(n.dir, "log") }

// start opens the store and the log and returns the error of the log's
// start-up checks (CheckTip, then CheckSigned); the log stays open either
// way, so a test can also ask it to sign.
func (n *forkNode) start() error {
	n.t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, n.dir, nil)
	if err != nil {
		n.t.Fatal(err)
	}
	n.store = store
	n.log = openLog(n.t, n.logDir())
	if err := n.log.CheckTip(ctx, store); err != nil {
		return err
	}
	return n.log.CheckSigned(ctx, store)
}

func (n *forkNode) stop() {
	n.t.Helper()
	if err := errors.Join(n.log.Close(), n.store.Close()); err != nil {
		n.t.Fatal(err)
	}
}

// appendEvents stores k events whose content carries tag, and adds them to
// the log as Run would.
func (n *forkNode) appendEvents(k int, tag string) {
	n.t.Helper()
	ctx := context.Background()
	for i := range k {
		recs, err := n.store.Append(ctx, "s-1", domain.Any{}, domain.EventData{
			ID: uuid.New(), Type: "Noted", Actor: domain.Actor{Role: "admin", Name: "a"},
			Data: json.RawMessage(fmt.Sprintf(`{"tag":%q,"i":%d}`, tag, i)),
		})
		if err != nil {
			n.t.Fatal(err)
		}
		if err := n.log.Add(recs[0]); err != nil {
			n.t.Fatal(err)
		}
	}
}

func (n *forkNode) sign() translog.Checkpoint {
	n.t.Helper()
	cp, err := n.log.Checkpoint(context.Background())
	if err != nil {
		n.t.Fatal(err)
	}
	return cp
}

// copyFile copies a stopped store's file (a clean close leaves no WAL).
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// removeTree deletes the tree's file, as the docs once allowed ("derived").
func removeTree(t *testing.T, logDir string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(filepath.Join(logDir, translog.TreeFile+suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
}

// assertRecorded checks that the last signed checkpoint on disk is want.
func assertRecorded(t *testing.T, logDir string, want translog.Checkpoint) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(logDir, translog.LastCheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Note) {
		t.Fatalf("recorded last checkpoint:\n%s\nwant the one of size %d:\n%s", got, want.Size, want.Note)
	}
}

// newForkNode runs a node that signs at 5 events, keeps a copy of its
// events.db taken then, signs again at 8 events and stops. It returns the
// node, the copy's path and the checkpoint of size 8.
func newForkNode(t *testing.T) (*forkNode, string, translog.Checkpoint) {
	t.Helper()
	n := &forkNode{t: t, dir: t.TempDir()}
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	n.appendEvents(5, "first")
	if cp := n.sign(); cp.Size != 5 {
		t.Fatalf("signed size %d, want 5", cp.Size)
	}
	n.stop()
	old := filepath.Join(t.TempDir(), sqlite.FileName)
	copyFile(t, filepath.Join(n.dir, sqlite.FileName), old)
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	n.appendEvents(3, "first")
	cp := n.sign()
	if cp.Size != 8 {
		t.Fatalf("signed size %d, want 8", cp.Size)
	}
	assertRecorded(t, n.logDir(), cp)
	n.stop()
	return n, old, cp
}

// TestRestoredOlderEventsAndNoTreeSignNoFork is the backup and restore
// mistake: events.db put back from a copy taken at 5 events after the node
// signed 8, tree.db deleted as derived. The node used to rebuild the tree
// from the 5 events, sign it, and sign a different 8 as writes went on.
// Now it refuses to start and to sign, and its record is untouched.
func TestRestoredOlderEventsAndNoTreeSignNoFork(t *testing.T) {
	n, old, signed := newForkNode(t)
	copyFile(t, old, filepath.Join(n.dir, sqlite.FileName))
	removeTree(t, n.logDir())

	err := n.start()
	var fork *translog.ForkError
	if !errors.As(err, &fork) || !errors.Is(err, translog.ErrFork) {
		t.Fatalf("start on events older than the last checkpoint: %v, want a *ForkError", err)
	}
	if fork.Signed.Size != 8 || fork.Size != 5 || fork.Root != nil || !bytes.Equal(fork.Signed.Root, signed.Root) {
		t.Errorf("fork error says signed %d, holds %d (root %x); want signed 8, holds 5", fork.Signed.Size, fork.Size, fork.Root)
	}
	// A caller that ignores the start-up check still gets no signature,
	// at 5 events nor after 3 other events bring the tree to 8.
	if cp, err := n.log.Checkpoint(context.Background()); !errors.Is(err, translog.ErrFork) {
		t.Fatalf("signing 5 events after 8 were signed: %v (size %d), want ErrFork", err, cp.Size)
	}
	n.appendEvents(3, "other")
	if cp, err := n.log.Checkpoint(context.Background()); !errors.Is(err, translog.ErrFork) {
		t.Fatalf("signing 8 other events: %v (size %d), want ErrFork", err, cp.Size)
	}
	n.stop()
	assertRecorded(t, n.logDir(), signed)
}

// TestForkOfTheSameSizeIsRefused: the older events.db restored, as many
// events written again as were signed but other ones, the tree deleted:
// one size, two roots. The node refuses to start and to sign.
func TestForkOfTheSameSizeIsRefused(t *testing.T) {
	n, old, signed := newForkNode(t)
	copyFile(t, old, filepath.Join(n.dir, sqlite.FileName))
	removeTree(t, n.logDir())
	// Written through a store with no log, as another tool or a node
	// without the record would have.
	store, err := sqlite.Open(context.Background(), n.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := store.Append(context.Background(), "s-2", domain.Any{}, domain.EventData{
			ID: uuid.New(), Type: "Noted", Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
		}); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()

	err = n.start()
	var fork *translog.ForkError
	if !errors.As(err, &fork) {
		t.Fatalf("start on other events of the signed size: %v, want a *ForkError", err)
	}
	if fork.Signed.Size != 8 || fork.Size != 8 || fork.Root == nil || bytes.Equal(fork.Root, signed.Root) {
		t.Errorf("fork error says signed %d, holds %d with root %x; want 8 and 8 with another root", fork.Signed.Size, fork.Size, fork.Root)
	}
	if _, err := n.log.Checkpoint(context.Background()); !errors.Is(err, translog.ErrFork) {
		t.Fatalf("signing other events of the signed size: %v, want ErrFork", err)
	}
	n.stop()
	assertRecorded(t, n.logDir(), signed)
}

// TestLostTreeIsRebuiltAndSignsOn: tree.db deleted alone. The start
// rebuilds it from the events, finds the signed root again, hands out the
// same checkpoint, and later checkpoints extend it.
func TestLostTreeIsRebuiltAndSignsOn(t *testing.T) {
	n, _, signed := newForkNode(t)
	removeTree(t, n.logDir())
	if err := n.start(); err != nil {
		t.Fatalf("start with the tree deleted: %v", err)
	}
	if got := n.log.Size(); got != 8 {
		t.Fatalf("the rebuilt tree has %d leaves, want 8", got)
	}
	if cp := n.sign(); !bytes.Equal(cp.Note, signed.Note) {
		t.Fatalf("checkpoint after the rebuild:\n%s\nwant the one signed before:\n%s", cp.Note, signed.Note)
	}
	n.appendEvents(4, "later")
	later := n.sign()
	assertRecorded(t, n.logDir(), later)
	p, err := n.log.ConsistencyProof(context.Background(), signed.Size, later.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := translog.VerifyConsistency(signed, later, p); err != nil {
		t.Fatalf("the checkpoint after the rebuild does not extend the one before: %v", err)
	}
	n.stop()
}

// TestTreeWithoutRecordGetsOne: a tree file whose checkpoints were signed
// before the record existed (or restored beside an older record) has its
// latest checkpoint recorded at start, and is held to it.
func TestTreeWithoutRecordGetsOne(t *testing.T) {
	n, old, signed := newForkNode(t)
	if err := os.Remove(filepath.Join(n.logDir(), translog.LastCheckpointFile)); err != nil {
		t.Fatal(err)
	}
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	assertRecorded(t, n.logDir(), signed)
	n.stop()
	copyFile(t, old, filepath.Join(n.dir, sqlite.FileName))
	removeTree(t, n.logDir())
	if err := n.start(); !errors.Is(err, translog.ErrFork) {
		t.Fatalf("start on older events after the record was made from the tree: %v, want ErrFork", err)
	}
	n.stop()
}
