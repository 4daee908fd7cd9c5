package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// ledgerDir is a data directory with 30 events in three streams, a
// transparency log over them and a checkpoint at size 30, and the files an
// auditor saved: the checkpoint and the key.
type ledgerDir struct {
	dir, checkpoint, key string
	events               []domain.RecordedEvent
}

func newLedgerDir(t *testing.T) ledgerDir {
	t.Helper()
	ctx := context.Background()
	d := ledgerDir{dir: t.TempDir()}
	store, err := sqlite.Open(ctx, d.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		stream := fmt.Sprintf("learner-%c", 'a'+i%3)
		if _, err := store.Append(ctx, stream, domain.Any{}, domain.EventData{ID: uuid.New(), Type: "EvidenceRecorded",
			Actor: domain.Actor{Role: "teacher", Name: "Ms Rivera"}, Data: fmt.Appendf(nil, `{"level":%d}`, 1+i%4)}); err != nil {
			t.Fatal(err)
		}
	}
	if d.events, err = store.ReadAll(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
	store.Close()
	cp := buildLog(t, d.dir)
	outside := t.TempDir()
	d.checkpoint, d.key = filepath.Join(outside, "checkpoint"), filepath.Join(outside, "log.pub")
	key, err := translog.LoadKey(logDir(d.dir))
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, d.checkpoint, string(cp.Note))
	writeTestFile(t, d.key, key.VerifierKey+"\n")
	return d
}

// buildLog brings the data directory's log up to its store, as serve does,
// and signs a checkpoint.
func buildLog(t *testing.T, dir string) translog.Checkpoint {
	t.Helper()
	cp, err := buildLogErr(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// buildLogErr is buildLog, returning the error of signing.
func buildLogErr(t *testing.T, dir string) (translog.Checkpoint, error) {
	t.Helper()
	ctx := context.Background()
	key, err := translog.LoadOrCreateKey(logDir(dir), "north.example/ledger")
	if err != nil {
		t.Fatal(err)
	}
	l, err := translog.Open(ctx, logDir(dir), key)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	store, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	evs, err := store.ReadAll(ctx, l.Position(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if err := l.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	return l.Checkpoint(ctx)
}

func writeTestFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// sqlExec runs statements on one of the directory's SQLite files, as an
// insider with disk access would.
func sqlExec(t *testing.T, file string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func (d ledgerDir) events_() string { return filepath.Join(d.dir, sqlite.FileName) }
func (d ledgerDir) tree() string    { return filepath.Join(logDir(d.dir), translog.TreeFile) }

// rechain recomputes the hashes of stream from its first event on, as an
// insider covering an edit would.
func (d ledgerDir) rechain(t *testing.T, stream string) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), d.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := store.ReadStream(context.Background(), stream, 0, 0)
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	prev := domain.ZeroHash
	var stmts []string
	for i, e := range evs {
		e.Revision, e.PrevHash = uint64(i), prev
		e.Hash = domain.EventHash(e)
		stmts = append(stmts, fmt.Sprintf(`UPDATE events SET revision = %d, prev_hash = '%s', hash = '%s' WHERE event_id = '%s'`, i, e.PrevHash, e.Hash, e.ID))
		prev = e.Hash
	}
	// Revisions move one by one through a free range, as UNIQUE(stream,
	// revision) forbids a transient duplicate.
	sqlExec(t, d.events_(), append([]string{fmt.Sprintf(`UPDATE events SET revision = revision + 1000000 WHERE stream = '%s'`, stream)}, stmts...)...)
}

func verifyErr(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := run(context.Background(), append([]string{"verify"}, args...), noEnv, &out, io.Discard)
	return out.String(), err
}

// TestVerifyDetectsEachTampering alters a data directory in each way an
// insider with disk access could, and checks verify names what it finds.
func TestVerifyDetectsEachTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, d ledgerDir) (eventID string)
		// check is the failing check: "chain" for a *domain.ChainError,
		// else the *translog.AuditError's Check.
		check string
		index uint64 // the leaf named by an audit error
	}{
		{name: "one byte of one event changed", check: "chain", tamper: func(t *testing.T, d ledgerDir) string {
			e := d.events[7]
			sqlExec(t, d.events_(), fmt.Sprintf(`UPDATE events SET data = replace(data, 'level', 'levem') WHERE event_id = '%s'`, e.ID))
			return e.ID.String()
		}},
		{name: "one salt changed", check: "chain", tamper: func(t *testing.T, d ledgerDir) string {
			e := d.events[9]
			sqlExec(t, d.events_(), fmt.Sprintf(`UPDATE events SET salt = '%s' WHERE event_id = '%s'`, strings.Repeat("0", domain.SaltLen), e.ID))
			return e.ID.String()
		}},
		{name: "one salt removed", check: "chain", tamper: func(t *testing.T, d ledgerDir) string {
			// Without its salt the event would hash as v1: a different hash.
			e := d.events[11]
			sqlExec(t, d.events_(), fmt.Sprintf(`UPDATE events SET salt = '' WHERE event_id = '%s'`, e.ID))
			return e.ID.String()
		}},
		{name: "one byte changed and the stream rechained", check: "leaf", index: 7, tamper: func(t *testing.T, d ledgerDir) string {
			e := d.events[7]
			sqlExec(t, d.events_(), fmt.Sprintf(`UPDATE events SET data = replace(data, 'level', 'levem') WHERE event_id = '%s'`, e.ID))
			d.rechain(t, e.Stream)
			return e.ID.String()
		}},
		{name: "an event removed", check: "leaf", index: 12, tamper: func(t *testing.T, d ledgerDir) string {
			// The last event of learner-a's stream before position 14 goes;
			// later positions close the gap, and the stream is rechained.
			e := d.events[12]
			sqlExec(t, d.events_(), fmt.Sprintf(`DELETE FROM events WHERE event_id = '%s'`, e.ID),
				fmt.Sprintf(`UPDATE events SET position = position + 1000000 WHERE position > %d`, e.Position),
				fmt.Sprintf(`UPDATE events SET position = position - 1000001 WHERE position > 1000000`))
			d.rechain(t, e.Stream)
			return d.events[13].ID.String()
		}},
		{name: "two events swapped", check: "leaf", index: 20, tamper: func(t *testing.T, d ledgerDir) string {
			// Positions 21 and 22 hold events of two streams: swapped, each
			// stream's own order is intact, so every chain verifies.
			a, b := d.events[20], d.events[21]
			sqlExec(t, d.events_(), fmt.Sprintf(`UPDATE events SET position = 1000000 WHERE position = %d`, a.Position),
				fmt.Sprintf(`UPDATE events SET position = %d WHERE position = %d`, a.Position, b.Position),
				fmt.Sprintf(`UPDATE events SET position = %d WHERE position = 1000000`, b.Position))
			return b.ID.String()
		}},
		{name: "an event inserted", check: "leaf", index: 15, tamper: func(t *testing.T, d ledgerDir) string {
			forged := domain.RecordedEvent{ID: uuid.New(), Type: "EvidenceRecorded", Stream: "learner-z", Revision: 0, Position: 16,
				RecordedAt: d.events[15].RecordedAt, OccurredAt: d.events[15].RecordedAt, Actor: domain.Actor{Role: "teacher", Name: "Ms Rivera"},
				Salt: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", PrevHash: domain.ZeroHash, Data: []byte(`{"level":4}`)}
			forged.Hash = domain.EventHash(forged)
			at := domain.FormatTime(forged.RecordedAt)
			sqlExec(t, d.events_(), `UPDATE events SET position = position + 1000000 WHERE position >= 16`,
				`UPDATE events SET position = position - 999999 WHERE position > 1000000`,
				fmt.Sprintf(`INSERT INTO events VALUES (16, '%s', 'learner-z', 0, 'EvidenceRecorded', '%s', '%s', 'teacher', 'Ms Rivera', '{"level":4}', '%s', '%s', '%s')`,
					forged.ID, at, at, domain.ZeroHash, forged.Hash, forged.Salt))
			return forged.ID.String()
		}},
		{name: "log truncated and regrown", check: "checkpoint", index: 30, tamper: func(t *testing.T, d ledgerDir) string {
			// The last ten events and their leaves go; ten others are
			// appended through the store and the log catches up, every
			// chain whole. The checkpoint signed at 30 remains.
			sqlExec(t, d.events_(), `DELETE FROM events WHERE position > 20`)
			sqlExec(t, d.tree(), `DELETE FROM leaves WHERE idx >= 20`, `DELETE FROM nodes`)
			regrow(t, d)
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newLedgerDir(t)
			if _, err := verifyErr(t, "--data", d.dir, "--key", d.key, "--checkpoint", d.checkpoint); err != nil {
				t.Fatalf("untouched: %v", err)
			}
			id := tt.tamper(t, d)
			_, err := verifyErr(t, "--data", d.dir)
			if err == nil || exitCode(err) != 1 || !errors.Is(err, errVerifyFailed) {
				t.Fatalf("verify passed or failed oddly after tampering: %v", err)
			}
			if tt.check == "chain" {
				var ce *domain.ChainError
				if !errors.As(err, &ce) || ce.EventID != id {
					t.Fatalf("got %v, want a chain error naming %s", err, id)
				}
				return
			}
			var ae *translog.AuditError
			if !errors.As(err, &ae) || ae.Check != tt.check || ae.Index != tt.index || (id != "" && ae.EventID != id) {
				t.Fatalf("got %v, want a %s check failing at leaf %d on event %q", err, tt.check, tt.index, id)
			}
		})
	}
}

// regrow appends ten events after a truncation and rebuilds the tree's
// interior nodes with the log, as an insider hiding the cut would.
func regrow(t *testing.T, d ledgerDir) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, d.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := store.Append(ctx, "learner-a", domain.Any{}, domain.EventData{ID: uuid.New(), Type: "EvidenceRecorded",
			Actor: domain.Actor{Role: "teacher", Name: "Ms Rivera"}, Data: fmt.Appendf(nil, `{"level":%d}`, 4-i%4)}); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	// The log is rebuilt from the first leaf on. The record of the last
	// signed checkpoint would refuse to sign the rewrite, so it goes too;
	// a checkpoint the tree's file still holds refuses it as well, and
	// then the log catches up and signs nothing.
	if _, err := os.Stat(d.tree()); err == nil {
		sqlExec(t, d.tree(), `DELETE FROM leaves`, `DELETE FROM nodes`)
	}
	if err := os.Remove(filepath.Join(logDir(d.dir), translog.LastCheckpointFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if _, err := buildLogErr(t, d.dir); err != nil && !errors.Is(err, translog.ErrFork) {
		t.Fatal(err)
	}
}

// TestVerifyWithSavedCheckpointCatchesAKeyHolder: an insider who also
// holds the signing key rebuilds the whole log and re-signs it. The data
// directory then vouches for itself; only a checkpoint archived outside it
// (and the saved key) catches the rewrite.
func TestVerifyWithSavedCheckpointCatchesAKeyHolder(t *testing.T) {
	d := newLedgerDir(t)
	sqlExec(t, d.events_(), `DELETE FROM events WHERE position > 20`)
	if err := os.Remove(d.tree()); err != nil {
		t.Fatal(err)
	}
	regrow(t, d)
	if out, err := verifyErr(t, "--data", d.dir); err != nil || !strings.Contains(out, "30 events") {
		t.Fatalf("the re-signed directory should vouch for itself (the limit docs/trust.md states): %v %q", err, out)
	}
	_, err := verifyErr(t, "--data", d.dir, "--key", d.key, "--checkpoint", d.checkpoint)
	var ae *translog.AuditError
	if !errors.As(err, &ae) || ae.Check != "checkpoint" || ae.Index != 30 {
		t.Fatalf("got %v, want the saved checkpoint at 30 to fail", err)
	}
}

// TestVerifyExportOffline verifies an export with nothing but the saved
// checkpoint and key, then an export with one line altered.
func TestVerifyExportOffline(t *testing.T) {
	d := newLedgerDir(t)
	export := filepath.Join(t.TempDir(), "events.ndjson")
	if err := run(context.Background(), []string{"export", "--data", d.dir, "--out", export}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	out, err := verifyErr(t, "--export", export, "--checkpoint", d.checkpoint, "--key", d.key)
	if err != nil || !strings.Contains(out, "30 events in 3 streams") || !strings.Contains(out, "size 30") {
		t.Fatalf("verify an intact export: %v %q", err, out)
	}
	if _, err := verifyErr(t, "--export", export); exitCode(err) != 2 {
		t.Fatalf("an export without checkpoint and key: %v, want a usage error", err)
	}
	raw, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	// Swap two lines of different streams: every chain holds, the tree
	// does not.
	lines[20], lines[21] = strings.Replace(lines[21], `"position":22`, `"position":21`, 1), strings.Replace(lines[20], `"position":21`, `"position":22`, 1)
	writeTestFile(t, export, strings.Join(lines, ""))
	_, err = verifyErr(t, "--export", export, "--checkpoint", d.checkpoint, "--key", d.key)
	var ae *translog.AuditError
	if !errors.As(err, &ae) || ae.Check != "checkpoint" {
		t.Fatalf("a reordered export: %v, want a checkpoint failure", err)
	}
	otherKey := filepath.Join(t.TempDir(), "other.pub")
	k, err := translog.LoadOrCreateKey(t.TempDir(), "north.example/ledger")
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, otherKey, k.VerifierKey)
	if _, err := verifyErr(t, "--export", export, "--checkpoint", d.checkpoint, "--key", otherKey); !errors.Is(err, translog.ErrUnverified) {
		t.Fatalf("a checkpoint under another key: %v", err)
	}
}

// TestVerifyConsistencyBetweenSavedCheckpoints: the log grows by ten events;
// the proof between the two saved checkpoints verifies offline. After a
// truncate-and-regrow re-signed by a key holder, no proof can link them.
func TestVerifyConsistencyBetweenSavedCheckpoints(t *testing.T) {
	ctx := context.Background()
	d := newLedgerDir(t)
	store, err := sqlite.Open(ctx, d.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := store.Append(ctx, "learner-b", domain.Any{}, domain.EventData{ID: uuid.New(), Type: "EvidenceRecorded", Data: []byte(`{"level":2}`)}); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	newer := buildLog(t, d.dir)
	newerFile := filepath.Join(t.TempDir(), "checkpoint-40")
	writeTestFile(t, newerFile, string(newer.Note))
	proofFile := func(t *testing.T, from, to uint64) string {
		t.Helper()
		key, err := translog.LoadKey(logDir(d.dir))
		if err != nil {
			t.Fatal(err)
		}
		l, err := translog.Open(ctx, logDir(d.dir), key)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		hs, err := l.ConsistencyProof(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "proof.json")
		writeTestFile(t, path, fmt.Sprintf(`{"from":%d,"to":%d,"hashes":["%s"]}`, from, to, strings.Join(translog.EncodeHashes(hs), `","`)))
		return path
	}
	var out strings.Builder
	args := []string{"verify-consistency", "--key", d.key, "--proof", proofFile(t, 30, 40), "--older", d.checkpoint, "--newer", newerFile}
	if err := run(ctx, args, noEnv, &out, io.Discard); err != nil || !strings.Contains(out.String(), "size 40 extends the log of size 30") {
		t.Fatalf("grown log: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"verify-consistency", "--key", d.key, "--proof", proofFile(t, 30, 40), "--older", newerFile, "--newer", d.checkpoint}, noEnv, io.Discard, io.Discard); exitCode(err) != 2 {
		t.Fatalf("checkpoints in the wrong order: %v, want a usage error", err)
	}

	// The key holder cuts back to 20 and regrows to 40, re-signing.
	sqlExec(t, d.events_(), `DELETE FROM events WHERE position > 20`)
	if err := os.Remove(d.tree()); err != nil {
		t.Fatal(err)
	}
	regrow(t, d)
	regrow(t, d)
	forged := buildLog(t, d.dir)
	forgedFile := filepath.Join(t.TempDir(), "checkpoint-forged")
	writeTestFile(t, forgedFile, string(forged.Note))
	if forged.Size != 40 {
		t.Fatalf("regrown to %d", forged.Size)
	}
	err = run(ctx, []string{"verify-consistency", "--key", d.key, "--proof", proofFile(t, 30, 40), "--older", d.checkpoint, "--newer", forgedFile}, noEnv, io.Discard, io.Discard)
	if !errors.Is(err, translog.ErrUnverified) {
		t.Fatalf("a rewritten log passed the consistency check: %v", err)
	}
}

// TestServeRefusesAStoreBehindItsLog: the store is cut back (as when an
// older backup is restored) while the log still holds the lost events; the
// node refuses to start rather than let the log and the events part.
func TestServeRefusesAStoreBehindItsLog(t *testing.T) {
	d := newLedgerDir(t)
	sqlExec(t, d.events_(), `DELETE FROM events WHERE position > 25`)
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", d.dir}, noEnv, io.Discard, io.Discard)
	if !errors.Is(err, translog.ErrDiverged) || exitCode(err) != 1 {
		t.Fatalf("serve on a store behind its log: %v, want ErrDiverged", err)
	}
}
