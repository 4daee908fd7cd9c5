package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// schemaBeforeSalts is the embedded store's schema as the code before salts
// wrote it, word for word, kept by the store's tests.
const schemaBeforeSalts = "../../adapters/sqlite/testdata/schema-v1.sql"

// makeDirBeforeSalts writes a data directory as the code before salts left
// it: that schema, and n events in three streams hashed as v1.
func makeDirBeforeSalts(t *testing.T, dir string, n int) {
	t.Helper()
	schema, err := os.ReadFile(schemaBeforeSalts)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{string(schema)}
	heads := map[string]domain.RecordedEvent{}
	for i := range n {
		stream := fmt.Sprintf("learner-l-%04d", i%3)
		at := time.Date(2026, 9, 1, 8, i, 0, 0, time.UTC)
		e := domain.RecordedEvent{ID: uuid.New(), Type: "EvidenceRecorded", Stream: stream, Position: uint64(i + 1),
			RecordedAt: at, OccurredAt: at, Actor: domain.Actor{Role: "teacher", Name: "Ms Rivera"},
			PrevHash: domain.ZeroHash, Data: fmt.Appendf(nil, `{"level":%d}`, 1+i%4)}
		if h, ok := heads[stream]; ok {
			e.Revision, e.PrevHash = h.Revision+1, h.Hash
		}
		e.Hash = domain.EventHash(e)
		heads[stream] = e
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO events VALUES (%d, '%s', '%s', %d, '%s', '%s', '%s', '%s', '%s', '%s', '%s', '%s')`,
			e.Position, e.ID, e.Stream, e.Revision, e.Type, domain.FormatTime(e.OccurredAt), domain.FormatTime(e.RecordedAt),
			e.Actor.Role, e.Actor.Name, e.Data, e.PrevHash, e.Hash))
	}
	sqlExec(t, filepath.Join(dir, sqlite.FileName), stmts...)
}

// TestVerifyADataDirectoryFromBeforeSalts: a data directory made before
// salts verifies, its transparency log and checkpoints too; events
// appended afterwards are salted and chain onto the unsalted ones; and the
// directory, its export and the checkpoint saved before the change all
// still verify.
func TestVerifyADataDirectoryFromBeforeSalts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	makeDirBeforeSalts(t, dir, 12)
	if out, err := verifyErr(t, "--data", dir); err != nil || !strings.Contains(out, "ok: 12 events in 3 streams") {
		t.Fatalf("verify a directory from before salts: %v %q", err, out)
	}

	// The log over the unsalted events, and what an auditor saved of it.
	cp := buildLog(t, dir)
	outside := t.TempDir()
	oldCheckpoint, keyFile := filepath.Join(outside, "checkpoint-12"), filepath.Join(outside, "log.pub")
	key, err := translog.LoadKey(logDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, oldCheckpoint, string(cp.Note))
	writeTestFile(t, keyFile, key.VerifierKey+"\n")
	if out, err := verifyErr(t, "--data", dir, "--key", keyFile, "--checkpoint", oldCheckpoint); err != nil || !strings.Contains(out, "12 leaves") {
		t.Fatalf("verify with the log: %v %q", err, out)
	}

	// New events, salted, on old streams and a new one.
	store, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		out, err := store.Append(ctx, fmt.Sprintf("learner-l-%04d", i%4), domain.Any{}, domain.EventData{ID: uuid.New(), Type: "EvidenceRecorded",
			Actor: domain.Actor{Role: "teacher", Name: "Ms Rivera"}, Data: fmt.Appendf(nil, `{"level":%d}`, 1+i%4)})
		if err != nil {
			t.Fatal(err)
		}
		if !domain.ValidSalt(out[0].Salt) {
			t.Errorf("appended %s@%d with salt %q", out[0].Stream, out[0].Revision, out[0].Salt)
		}
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	cp = buildLog(t, dir)
	newCheckpoint := filepath.Join(outside, "checkpoint-18")
	writeTestFile(t, newCheckpoint, string(cp.Note))
	out, err := verifyErr(t, "--data", dir, "--key", keyFile, "--checkpoint", oldCheckpoint, "--checkpoint", newCheckpoint)
	if err != nil || !strings.Contains(out, "ok: 18 events in 4 streams") || !strings.Contains(out, "18 leaves") {
		t.Fatalf("verify after salted events were appended: %v %q", err, out)
	}

	// The export shows both versions, and verifies offline.
	export := filepath.Join(t.TempDir(), "events.ndjson")
	if err := run(ctx, []string{"export", "--data", dir, "--out", export}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		if salted := strings.Contains(line, `"salt":"`); salted != (i >= 12) {
			t.Errorf("export line %d: salted %v; want only the 6 events appended after the change salted", i+1, salted)
		}
	}
	if out, err := verifyErr(t, "--export", export, "--key", keyFile, "--checkpoint", oldCheckpoint, "--checkpoint", newCheckpoint); err != nil || !strings.Contains(out, "18 events in 4 streams") {
		t.Fatalf("verify the export: %v %q", err, out)
	}
}
