package translog_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// event makes the i-th event of a synthetic global order: the log only
// reads ids, positions and hashes.
func event(i int) domain.RecordedEvent {
	h := sha256.Sum256([]byte(fmt.Sprint("event ", i)))
	return domain.RecordedEvent{
		ID:       uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprint(i))),
		Position: uint64(2*i + 1), // sparse, as on EventStoreDB
		Hash:     hex.EncodeToString(h[:]),
	}
}

func openLog(t testing.TB, dir string) *translog.Log {
	t.Helper()
	key, err := translog.LoadOrCreateKey(dir, "school.example/log")
	if err != nil {
		t.Fatal(err)
	}
	l, err := translog.Open(context.Background(), dir, key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func add(t *testing.T, l *translog.Log, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := l.Add(event(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestProofsVerifyAtEverySize checks every inclusion proof of every leaf in
// every tree up to 33 leaves, and every consistency proof between sizes,
// against roots recomputed independently by a Tree.
func TestProofsVerifyAtEverySize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := openLog(t, dir)
	const n = 33
	add(t, l, 0, n)
	// Subtrees of fewer than 16 leaves are hashed from the leaves when
	// needed; the file keeps the nodes above: two of 16 leaves, one of 32.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, translog.TreeFile)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var low, all int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE level < 4), COUNT(*) FROM nodes`).Scan(&low, &all); err != nil {
		t.Fatal(err)
	}
	if low != 0 || all != 3 {
		t.Errorf("the file keeps %d nodes, %d of them below level 4; want 3 and 0", all, low)
	}
	roots := make([]translog.Checkpoint, n+1)
	tree := translog.NewTree()
	roots[0] = translog.Checkpoint{Origin: "o", Size: 0, Root: tree.Root()}
	for i := 0; i < n; i++ {
		if err := tree.AppendEvent(event(i).Hash); err != nil {
			t.Fatal(err)
		}
		roots[i+1] = translog.Checkpoint{Origin: "o", Size: uint64(i + 1), Root: tree.Root()}
	}
	for size := uint64(0); size <= n; size++ {
		root, err := l.RootAt(ctx, size)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(root, roots[size].Root) {
			t.Fatalf("root at size %d differs from the recomputed one", size)
		}
		for i := uint64(0); i < size; i++ {
			p, err := l.InclusionProof(ctx, i, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := translog.VerifyInclusion(roots[size], i, event(int(i)).Hash, p); err != nil {
				t.Fatalf("inclusion of %d in %d: %v", i, size, err)
			}
			// The same proof must not prove another event.
			if err := translog.VerifyInclusion(roots[size], i, event(int(i)+1).Hash, p); !errors.Is(err, translog.ErrUnverified) {
				t.Fatalf("inclusion of %d in %d proved the wrong event: %v", i, size, err)
			}
		}
		for from := uint64(0); from <= size; from++ {
			p, err := l.ConsistencyProof(ctx, from, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := translog.VerifyConsistency(roots[from], roots[size], p); err != nil {
				t.Fatalf("consistency %d..%d: %v", from, size, err)
			}
		}
	}
	if _, err := l.InclusionProof(ctx, 0, n+1); !errors.Is(err, translog.ErrNotInLog) {
		t.Fatalf("proof beyond the log: %v, want ErrNotInLog", err)
	}
}

// TestReopenContinuesTheTree restarts the log between batches: the tree
// after a restart is the tree without one.
func TestReopenContinuesTheTree(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := openLog(t, dir)
	add(t, l, 0, 100)
	cp1, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openLog(t, dir)
	if l.Size() != 100 || l.Position() != event(99).Position {
		t.Fatalf("reopened at size %d, position %d; want 100, %d", l.Size(), l.Position(), event(99).Position)
	}
	if err := l.Add(event(99)); err == nil {
		t.Fatal("the log took an event it already holds")
	}
	add(t, l, 100, 250)
	cp2, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tree := translog.NewTree()
	for i := 0; i < 250; i++ {
		tree.AppendEvent(event(i).Hash)
	}
	if cp2.Size != 250 || !bytes.Equal(cp2.Root, tree.Root()) {
		t.Fatalf("checkpoint after restart: size %d root %x; want 250 %x", cp2.Size, cp2.Root, tree.Root())
	}
	p, err := l.ConsistencyProof(ctx, cp1.Size, cp2.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := translog.VerifyConsistency(cp1, cp2, p); err != nil {
		t.Fatal(err)
	}
	leaf, err := l.Leaf(ctx, event(170).ID)
	if err != nil {
		t.Fatal(err)
	}
	if leaf.Index != 170 || leaf.Position != event(170).Position || leaf.Hash != event(170).Hash {
		t.Fatalf("leaf of event 170: %+v", leaf)
	}
	if _, err := l.Leaf(ctx, uuid.New()); !errors.Is(err, translog.ErrNotInLog) {
		t.Fatalf("unknown event: %v, want ErrNotInLog", err)
	}
	// The history of checkpoints is kept, and each opens.
	cps, err := l.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 2 || cps[0].Size != 100 || cps[1].Size != 250 {
		t.Fatalf("checkpoints: %+v", cps)
	}
}

func TestCheckpointIsASignedNote(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := openLog(t, dir)
	add(t, l, 0, 5)
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(cp.Note), "\n")
	if lines[0] != "school.example/log" || lines[1] != "5" || lines[3] != "" || !strings.HasPrefix(lines[4], "— school.example/log ") {
		t.Fatalf("checkpoint is not in the C2SP format:\n%s", cp.Note)
	}
	again, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Note, cp.Note) {
		t.Fatal("an unchanged tree was signed again")
	}
	got, err := translog.OpenCheckpoint(cp.Note, l.Key().VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != 5 || !bytes.Equal(got.Root, cp.Root) {
		t.Fatalf("opened %+v", got)
	}
	other, err := translog.LoadOrCreateKey(t.TempDir(), "school.example/log")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := translog.OpenCheckpoint(cp.Note, other.VerifierKey); !errors.Is(err, translog.ErrUnverified) {
		t.Fatalf("opened with another key of the same name: %v", err)
	}
	forged := bytes.Replace(cp.Note, []byte("\n5\n"), []byte("\n6\n"), 1)
	if _, err := translog.OpenCheckpoint(forged, l.Key().VerifierKey); !errors.Is(err, translog.ErrUnverified) {
		t.Fatalf("opened a checkpoint with an edited size: %v", err)
	}
}

func TestKeyIsCreatedOnceAndKeepsItsName(t *testing.T) {
	dir := t.TempDir()
	k1, err := translog.LoadOrCreateKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k1.Origin(), "mastery-ledger/") {
		t.Fatalf("default origin %q", k1.Origin())
	}
	k2, err := translog.LoadOrCreateKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if k1.VerifierKey != k2.VerifierKey || !k1.Private.Equal(k2.Private) {
		t.Fatal("a second start made another key")
	}
	if _, err := translog.LoadOrCreateKey(dir, "other.example/log"); err == nil {
		t.Fatal("the log changed its name")
	}
	_, pub, err := translog.ParseVerifierKey(k1.VerifierKey + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(k1.Public) {
		t.Fatal("the verifier key holds another public key")
	}
	if _, _, err := translog.ParseVerifierKey("not a key"); err == nil {
		t.Fatal("parsed a malformed key")
	}
}

// TestCheckpointWhileAdding signs checkpoints while another goroutine adds
// events, as the server's timer and requests do while the log follows the
// store: every checkpoint is the root of the tree of its size.
func TestCheckpointWhileAdding(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, t.TempDir())
	const n = 3000
	done := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := l.Add(event(i)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var cps []translog.Checkpoint
	for len(cps) == 0 || cps[len(cps)-1].Size < n {
		cp, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, cp)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	tree := translog.NewTree()
	roots := map[uint64][]byte{0: tree.Root()}
	for i := 0; i < n; i++ {
		tree.AppendEvent(event(i).Hash)
		roots[uint64(i+1)] = tree.Root()
	}
	for _, cp := range cps {
		if !bytes.Equal(cp.Root, roots[cp.Size]) {
			t.Fatalf("checkpoint at size %d signs a root that is not the tree's", cp.Size)
		}
	}
}
