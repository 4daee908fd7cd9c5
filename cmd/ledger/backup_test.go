package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// runLedger runs one command in process and returns what it printed.
func runLedger(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := run(context.Background(), args, noEnv, &out, io.Discard)
	return out.String(), err
}

// readEvents returns every event of the store in dir (which must not be
// in use).
func readEvents(t *testing.T, dir string) []domain.RecordedEvent {
	t.Helper()
	store, err := sqlite.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	evs, err := store.ReadAll(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// signCheckpoint asks a running server for its checkpoint, which signs one
// if the log grew, and returns its size.
func signCheckpoint(t *testing.T, url string) translog.Checkpoint {
	t.Helper()
	status, body := call(t, "GET", url+"/v1/log/checkpoint", "", nil)
	if status != 200 {
		t.Fatalf("GET /v1/log/checkpoint: %d %s", status, body)
	}
	status, vkey := call(t, "GET", url+"/v1/log/key", "", nil)
	if status != 200 {
		t.Fatalf("GET /v1/log/key: %d %s", status, vkey)
	}
	cp, err := translog.OpenCheckpoint(body, string(vkey))
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func postEvidence(t *testing.T, url string, n int) {
	t.Helper()
	for i := range n {
		if status, body := call(t, "POST", url+"/v1/learners/l-1/evidence", "teacher-token-for-tests",
			map[string]any{"standardId": "s1", "componentId": "c1", "level": 1 + i%4, "source": "teacher"}); status != 201 {
			t.Fatalf("POST evidence: %d %s", status, body)
		}
	}
}

// TestBackupWhileServingRestoresAndServes takes a backup of a running
// service's data directory (another process) while writers append, restores
// it into a new directory, verifies it, and serves it: the restored node
// holds a prefix of the original's events, every file private, and it
// signs checkpoints that extend the backup's.
func TestBackupWhileServingRestoresAndServes(t *testing.T) {
	dir := t.TempDir()
	tokens := writeTokens(t, t.TempDir())
	c := startChild(t, "--data", dir, "--tokens", tokens, "--checkpoint-every", "0")
	setUpSchool(t, c.url)
	signCheckpoint(t, c.url)

	out := filepath.Join(t.TempDir(), "ledger-backup.tar.gz")
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		acked   int
		stop    = make(chan struct{})
		started = make(chan struct{})
		once    sync.Once
	)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				status, body := call(t, "POST", c.url+"/v1/learners/l-1/evidence", "teacher-token-for-tests",
					map[string]any{"standardId": "s1", "componentId": "c1", "level": 1 + (w+i)%4, "source": "peer"})
				if status != 201 {
					t.Errorf("POST evidence during the backup: %d %s", status, body)
					return
				}
				mu.Lock()
				acked++
				if acked == 40 {
					once.Do(func() { close(started) })
				}
				mu.Unlock()
			}
		})
	}
	<-started
	report, err := runLedger(t, "backup", "--data", dir, "--out", out)
	// Writes go on after the copy; a checkpoint signed now is newer than
	// the backup.
	postEvidence(t, c.url, 1)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup while serving: %v", err)
	}
	signCheckpoint(t, c.url)
	c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.cmd.Wait(); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(out)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the backup file: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
	m, err := readBackup(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	original := readEvents(t, dir)
	if m.Events < 3+40 || m.Events >= uint64(len(original)) || m.LastPosition != m.Events {
		t.Fatalf("the backup holds %d events (last position %d); %d were stored in all, 43 or more before it began", m.Events, m.LastPosition, len(original))
	}
	if m.LastSigned == nil || m.LastSigned.Size < 3 || m.LastSigned.Size > m.Events || m.TreeSize > m.Events {
		t.Fatalf("the backup's log: tree %d, last signed %+v, for %d events", m.TreeSize, m.LastSigned, m.Events)
	}
	if !strings.Contains(report, fmt.Sprintf("backed up %d events", m.Events)) {
		t.Errorf("backup printed %q", report)
	}
	var names []string
	for _, f := range m.Files {
		names = append(names, f.Path)
	}
	for _, want := range []string{sqlite.FileName, "log/tree.db", "log/signing.key", "log/last-checkpoint", "log/credential-es256.key", "pseudonym.key"} {
		if !slices.Contains(names, want) {
			t.Errorf("the backup lacks %s (it holds %v)", want, names)
		}
	}

	restored := filepath.Join(t.TempDir(), "restored")
	report, err = runLedger(t, "restore", "--in", out, "--data", restored)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(report, "ledger verify --data") {
		t.Errorf("restore does not say to run verify: %q", report)
	}
	if info, err := os.Stat(restored); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("the restored directory: %v, mode %v; want 0700", err, info.Mode().Perm())
	}
	for _, f := range m.Files {
		info, err := os.Stat(filepath.Join(restored, filepath.FromSlash(f.Path)))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("restored %s: %v, mode %v; want 0600", f.Path, err, info.Mode().Perm())
		}
	}
	if report, err := runLedger(t, "verify", "--data", restored); err != nil || !strings.Contains(report, fmt.Sprintf("%d events", m.Events)) {
		t.Fatalf("verify the restored directory: %v %q", err, report)
	}
	got := readEvents(t, restored)
	if len(got) != int(m.Events) {
		t.Fatalf("restored %d events, the manifest says %d", len(got), m.Events)
	}
	for i, e := range got {
		if o := original[i]; e.ID != o.ID || e.Hash != o.Hash || e.Position != o.Position {
			t.Fatalf("restored event %d is %s (%s), the original %s (%s)", i, e.ID, e.Hash, o.ID, o.Hash)
		}
	}

	url, stopServe := startServe(t, "--data", restored, "--tokens", tokens, "--checkpoint-every", "0")
	status, body := call(t, "GET", url+"/v1/learners/l-1/events", "teacher-token-for-tests", nil)
	var stream struct{ Events []struct{ EventID string } }
	if err := json.Unmarshal(body, &stream); status != 200 || err != nil {
		t.Fatalf("GET the learner's events from the restored node: %d %s", status, body)
	}
	var want []string
	for _, e := range got {
		if e.Stream == domain.LearnerStream("l-1") {
			want = append(want, e.ID.String())
		}
	}
	var served []string
	for _, e := range stream.Events {
		served = append(served, e.EventID)
	}
	if !slices.Equal(served, want) || len(want) < 40 {
		t.Fatalf("the restored node serves %d events of l-1, the restored store holds %d", len(served), len(want))
	}
	postEvidence(t, url, 2)
	cp := signCheckpoint(t, url)
	if cp.Size != m.Events+2 {
		t.Fatalf("the restored node signed size %d, want %d", cp.Size, m.Events+2)
	}
	if err := stopServe(); err != nil {
		t.Fatal(err)
	}
}

// rewriteTar copies the uncompressed backup at in to out, passing each
// file's content through change.
func rewriteTar(t *testing.T, in, out string, change func(name string, body []byte) []byte) {
	t.Helper()
	src, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var buf bytes.Buffer
	tr, tw := tar.NewReader(src), tar.NewWriter(&buf)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		body = change(hdr.Name, body)
		hdr.Size = int64(len(body))
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	writeTestFile(t, out, buf.String())
}

// listTree returns every path under dir with its mode, size and time of
// change, or nil if dir does
// not exist.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %v %d %v", p, info.Mode(), info.Size(), info.ModTime()))
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRestoreRefusesABadBackupAndWritesNothing: a backup with one byte of
// events.db changed, one cut short, and one whose manifest names a path
// outside the data directory are refused before anything is written; so
// is a restore into a directory that holds files, without --force.
func TestRestoreRefusesABadBackupAndWritesNothing(t *testing.T) {
	d := newLedgerDir(t)
	good := filepath.Join(t.TempDir(), "backup.tar")
	if _, err := runLedger(t, "backup", "--data", d.dir, "--out", good); err != nil {
		t.Fatal(err)
	}
	if _, err := runLedger(t, "backup", "--data", d.dir, "--out", good); err == nil {
		t.Fatal("a second backup over the first was not refused")
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	bad := t.TempDir()
	flipped := filepath.Join(bad, "flipped.tar")
	rewriteTar(t, good, flipped, func(name string, body []byte) []byte {
		if name == sqlite.FileName {
			body[len(body)/2] ^= 0x01
		}
		return body
	})
	short := filepath.Join(bad, "short.tar")
	writeTestFile(t, short, string(raw[:len(raw)*2/3]))
	escape := filepath.Join(bad, "escape.tar")
	rewriteTar(t, good, escape, func(name string, body []byte) []byte {
		if name == manifestName {
			return bytes.Replace(body, []byte(`"path": "log/signing.key"`), []byte(`"path": "../signing.key"`), 1)
		}
		return body
	})
	if b, _ := os.ReadFile(escape); !bytes.Contains(b, []byte(`"../signing.key"`)) {
		t.Fatal("the manifest names no log/signing.key to move out")
	}
	for _, archive := range []string{flipped, short, escape} {
		t.Run(filepath.Base(archive), func(t *testing.T) {
			parent := t.TempDir()
			target := filepath.Join(parent, "data")
			_, err := runLedger(t, "restore", "--in", archive, "--data", target)
			if !errors.Is(err, errBadBackup) || exitCode(err) != 1 {
				t.Fatalf("restore of a bad backup: %v, want errBadBackup", err)
			}
			if left := listTree(t, parent); len(left) != 1 {
				t.Fatalf("a refused restore wrote %v", left[1:])
			}
		})
	}

	// A directory in use by a ledger, without --force.
	before := listTree(t, d.dir)
	if _, err := runLedger(t, "restore", "--in", good, "--data", d.dir); !errors.Is(err, errDataNotEmpty) {
		t.Fatalf("restore into a data directory with files: %v, want errDataNotEmpty", err)
	}
	if after := listTree(t, d.dir); !slices.Equal(before, after) {
		t.Fatalf("a refused restore changed the directory:\n%v\n%v", before, after)
	}
	// The good backup restores, into an empty directory too, which
	// becomes private.
	empty := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := runLedger(t, "restore", "--in", good, "--data", empty); err != nil {
		t.Fatalf("restore of the good backup: %v", err)
	}
	if info, err := os.Stat(empty); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("the restored directory: %v, mode %v; want 0700", err, info.Mode().Perm())
	}
	if out, err := runLedger(t, "verify", "--data", empty); err != nil || !strings.Contains(out, "30 events") {
		t.Fatalf("verify the restored directory: %v %q", err, out)
	}
}

// TestRestoreThenRestartSignsNoFork is the scenario through the
// commands: a node signs at 8 events, is backed up, signs at 13. Restoring
// the backup over its directory (the newer last signed checkpoint is kept),
// or putting the backup's events.db back and deleting tree.db, leaves a
// node that refuses to start, having signed nothing. Restored elsewhere,
// the backup starts and extends what it holds.
func TestRestoreThenRestartSignsNoFork(t *testing.T) {
	dir := t.TempDir()
	tokens := writeTokens(t, t.TempDir())
	url, stop := startServe(t, "--data", dir, "--tokens", tokens, "--checkpoint-every", "0")
	setUpSchool(t, url)
	postEvidence(t, url, 5)
	atBackup := signCheckpoint(t, url)
	archive := filepath.Join(t.TempDir(), "backup.tgz")
	if _, err := runLedger(t, "backup", "--data", dir, "--out", archive); err != nil {
		t.Fatal(err)
	}
	postEvidence(t, url, 5)
	latest := signCheckpoint(t, url)
	if atBackup.Size != 8 || latest.Size != 13 {
		t.Fatalf("signed %d then %d, want 8 then 13", atBackup.Size, latest.Size)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(logDir(dir), translog.LastCheckpointFile)
	serveRefuses := func(t *testing.T, data string) {
		t.Helper()
		// What serve opens before it listens.
		n, err := openNode(context.Background(), data, storeConfig{kind: "embedded"}, slog.New(slog.DiscardHandler))
		if err == nil {
			cp, cerr := n.log.Checkpoint(context.Background())
			n.close()
			t.Fatalf("the node started on the rolled-back data and signed size %d (%v) after signing 13", cp.Size, cerr)
		}
		err = fmt.Errorf("serve: %w", err)
		var fork *translog.ForkError
		if !errors.As(err, &fork) || exitCode(err) != 1 {
			t.Fatalf("serve after the rollback: %v, want a *ForkError", err)
		}
		if fork.Signed.Size != 13 || fork.Size != 8 || !strings.Contains(err.Error(), "restore the missing events") {
			t.Errorf("the refusal says signed %d, holds %d: %v", fork.Signed.Size, fork.Size, err)
		}
		if raw, err := os.ReadFile(record); err != nil || !bytes.Equal(raw, latest.Note) {
			t.Fatalf("the record of the last signed checkpoint changed: %v\n%s", err, raw)
		}
	}

	t.Run("restore over the directory", func(t *testing.T) {
		report, err := runLedger(t, "restore", "--in", archive, "--data", dir, "--force")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(report, "kept the data directory's last signed checkpoint (size 13)") {
			t.Errorf("restore --force printed %q", report)
		}
		serveRefuses(t, dir)
		if _, err := runLedger(t, "verify", "--data", dir); !errors.Is(err, errVerifyFailed) {
			t.Fatalf("verify after the rollback: %v, want it to fail", err)
		}
		// Nor is such a directory backed up as if it could serve.
		again := filepath.Join(t.TempDir(), "again.tar")
		if _, err := runLedger(t, "backup", "--data", dir, "--out", again); !errors.Is(err, errBackupInconsistent) {
			t.Fatalf("backup of the rolled-back directory: %v, want errBackupInconsistent", err)
		}
		if _, err := os.Stat(again); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("a refused backup left %s: %v", again, err)
		}
	})
	t.Run("older events.db and tree.db deleted", func(t *testing.T) {
		elsewhere := filepath.Join(t.TempDir(), "data")
		if _, err := runLedger(t, "restore", "--in", archive, "--data", elsewhere); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(elsewhere, sqlite.FileName))
		if err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, filepath.Join(dir, sqlite.FileName), string(raw))
		for _, f := range []string{"tree.db", "tree.db-wal", "tree.db-shm"} {
			os.Remove(filepath.Join(logDir(dir), f))
		}
		if _, err := runLedger(t, "verify", "--data", dir); !errors.Is(err, errVerifyFailed) {
			t.Fatalf("verify with the older events and no tree: %v, want it to fail", err)
		}
		serveRefuses(t, dir)
	})
	t.Run("restored elsewhere", func(t *testing.T) {
		elsewhere := filepath.Join(t.TempDir(), "data")
		if _, err := runLedger(t, "restore", "--in", archive, "--data", elsewhere); err != nil {
			t.Fatal(err)
		}
		url, stop := startServe(t, "--data", elsewhere, "--tokens", tokens, "--checkpoint-every", "0")
		if cp := signCheckpoint(t, url); !bytes.Equal(cp.Note, atBackup.Note) {
			t.Fatalf("the restored node serves\n%s\nwant the backup's checkpoint\n%s", cp.Note, atBackup.Note)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRestoreRedoesErasures: a backup whose events record an erasure but
// whose key store still holds the key (a crash before the key was
// destroyed, or keys copied earlier) restores without the key; a key
// destroyed in the data directory after the backup is not brought back by
// restore --force.
func TestRestoreRedoesErasures(t *testing.T) {
	dir := t.TempDir()
	store, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	eraseWithoutDestroying(t, dir, store)
	keyFile := "keys/" + hex.EncodeToString([]byte("l-1")) + ".key"
	archive := filepath.Join(t.TempDir(), "backup.tar")
	if _, err := runLedger(t, "backup", "--data", dir, "--out", archive); err != nil {
		t.Fatal(err)
	}
	m, err := readBackup(archive, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(m.Files, func(f backupFile) bool { return f.Path == keyFile }) {
		t.Fatalf("the backup should hold the key the crash left: %+v", m.Files)
	}
	restored := filepath.Join(t.TempDir(), "data")
	report, err := runLedger(t, "restore", "--in", archive, "--data", restored)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(restored, keyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the erased learner's key is back after the restore: %v (%q)", err, report)
	}
	if !strings.Contains(report, "destroyed 1 learners' keys") {
		t.Errorf("restore printed %q", report)
	}

	// A key made, backed up, then destroyed with no event to say so
	// (the erasure's event is in events the restore rolls back).
	keys, err := keystore.Open(keysDir(restored))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Key(t.Context(), "l-9"); err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(t.TempDir(), "second.tar")
	if _, err := runLedger(t, "backup", "--data", restored, "--out", second); err != nil {
		t.Fatal(err)
	}
	if err := keys.Destroy(t.Context(), "l-9"); err != nil {
		t.Fatal(err)
	}
	report, err = runLedger(t, "restore", "--in", second, "--data", restored, "--force")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Existing(t.Context(), "l-9"); !errors.Is(err, keystore.ErrDestroyed) {
		t.Fatalf("restore --force brought back a destroyed key: %v (%q)", err, report)
	}
	if _, err := os.Stat(filepath.Join(keysDir(restored), hex.EncodeToString([]byte("l-9"))+".key")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the destroyed key's file is back: %v", err)
	}
}
