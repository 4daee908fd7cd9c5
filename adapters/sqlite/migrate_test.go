package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
)

// schemaV1File holds the whole schema as the store wrote it before salts,
// word for word: databases made then hold it. cmd/ledger's tests read it
// too.
const schemaV1File = "testdata/schema-v1.sql"

// schemaV1 returns the schema of schemaV1File.
func schemaV1(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(schemaV1File)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// rawDB opens the database file of dir directly, as the store's earlier
// code did, and closes it when the test ends.
func rawDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// makeV1Dir writes a data directory as the store did before salts: the
// version 1 schema and events hashed as v1, chained in two streams. It
// returns the events as they were stored.
func makeV1Dir(t *testing.T, dir string) []domain.RecordedEvent {
	t.Helper()
	db := rawDB(t, dir)
	if _, err := db.Exec(schemaV1(t)); err != nil {
		t.Fatalf("version 1 schema: %v", err)
	}
	heads := map[string]domain.RecordedEvent{}
	var out []domain.RecordedEvent
	for i := range 5 {
		stream := fmt.Sprintf("learner-l-%04d", i%2)
		e := domain.RecordedEvent{ID: uuid.New(), Type: "EvidenceRecorded", Stream: stream, Position: uint64(i + 1),
			RecordedAt: time.Date(2026, 9, 1, 8, i, 0, 0, time.UTC), OccurredAt: time.Date(2026, 9, 1, 7, 30, 0, 0, time.UTC),
			Actor: domain.Actor{Role: "teacher", Name: "Ms Rivera"}, PrevHash: domain.ZeroHash, Data: fmt.Appendf(nil, `{"level":%d}`, 1+i%4)}
		if h, ok := heads[stream]; ok {
			e.Revision, e.PrevHash = h.Revision+1, h.Hash
		}
		e.Hash = domain.EventHash(e)
		if _, err := db.Exec(`INSERT INTO events (position, event_id, stream, revision, type, occurred_at, recorded_at, actor_role, actor_name, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
			e.Position, e.ID.String(), e.Stream, e.Revision, e.Type, domain.FormatTime(e.OccurredAt), domain.FormatTime(e.RecordedAt),
			e.Actor.Role, e.Actor.Name, string(e.Data), e.PrevHash, e.Hash); err != nil {
			t.Fatalf("insert a version 1 event: %v", err)
		}
		heads[stream] = e
		out = append(out, e)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// schemaOf reports the events table's columns and the database's version.
func schemaOf(t *testing.T, dir string) (columns []string, version int) {
	t.Helper()
	db := rawDB(t, dir)
	rows, err := db.Query(`SELECT name || ' ' || type || ' ' || "notnull" || ' ' || COALESCE(dflt_value, 'NULL') FROM pragma_table_info('events') ORDER BY cid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		columns = append(columns, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return columns, version
}

// verifyAll runs the chain verifier over the whole store.
func verifyAll(t *testing.T, s *sqlite.Store) []domain.RecordedEvent {
	t.Helper()
	all, err := s.ReadAll(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	v := domain.ChainVerifier{Dense: true}
	for _, e := range all {
		if err := v.Next(e); err != nil {
			t.Errorf("verify: %v", err)
		}
	}
	return all
}

// A data directory made before salts opens: the store adds the salt
// column, its events read back unsalted and verify as v1, events appended
// afterwards are salted and chain onto them, and the database ends with
// the columns and version a new one has.
func TestOpenMigratesADatabaseFromBeforeSalts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old := makeV1Dir(t, dir)

	s, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatalf("open a version 1 database: %v", err)
	}
	read := verifyAll(t, s)
	if len(read) != len(old) {
		t.Fatalf("read %d events from the version 1 database, want %d", len(read), len(old))
	}
	for i, e := range read {
		if e.ID != old[i].ID || e.Hash != old[i].Hash || e.Salt != "" {
			t.Errorf("event %d: id %s, hash %s, salt %q; stored as id %s, hash %s, without a salt", i, e.ID, e.Hash, e.Salt, old[i].ID, old[i].Hash)
		}
	}
	head := old[len(old)-1] // the last event of learner-l-0000
	out, err := s.Append(ctx, head.Stream, domain.Revision(head.Revision), event(t, "EvidenceRecorded", map[string]int{"level": 3}), event(t, "GoalSet", map[string]int{}))
	if err != nil {
		t.Fatalf("append after the migration: %v", err)
	}
	if !domain.ValidSalt(out[0].Salt) || !domain.ValidSalt(out[1].Salt) {
		t.Errorf("appended salts %q, %q", out[0].Salt, out[1].Salt)
	}
	if out[0].PrevHash != head.Hash || out[0].Position != head.Position+1 {
		t.Errorf("first new event: prevHash %s at position %d, want %s at %d", out[0].PrevHash, out[0].Position, head.Hash, head.Position+1)
	}
	if all := verifyAll(t, s); len(all) != len(old)+2 {
		t.Errorf("the store holds %d events, want %d", len(all), len(old)+2)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	fresh := t.TempDir()
	if err := mustOpen(t, fresh, nil).Close(); err != nil {
		t.Fatal(err)
	}
	wantCols, wantVersion := schemaOf(t, fresh)
	gotCols, gotVersion := schemaOf(t, dir)
	if !reflect.DeepEqual(gotCols, wantCols) || gotVersion != wantVersion || wantVersion != 2 {
		t.Errorf("migrated database: columns %q, version %d; a new one: columns %q, version %d (want 2)", gotCols, gotVersion, wantCols, wantVersion)
	}

	// A second open has nothing to migrate and changes nothing.
	s2 := mustOpen(t, dir, nil)
	if again := verifyAll(t, s2); len(again) != len(old)+2 || again[len(old)].Salt != out[0].Salt {
		t.Errorf("after reopening: %d events, salt of the first new one %q; want %d, %q", len(again), again[len(old)].Salt, len(old)+2, out[0].Salt)
	}
}

// The earlier code writes user_version 1 every time it opens a database,
// migrated or not. Opening such a database again must find its salt column
// by looking, not add it twice, and keep the salts.
func TestOpenAfterTheEarlierCodeReopenedAMigratedDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	makeV1Dir(t, dir)
	s := mustOpen(t, dir, nil)
	out, err := s.Append(ctx, "learner-l-0001", domain.Any{}, event(t, "EvidenceRecorded", map[string]int{"level": 2}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rawDB(t, dir).Exec(schemaV1(t)); err != nil { // the earlier code's open
		t.Fatal(err)
	}
	s2, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s2.Close()
	all := verifyAll(t, s2)
	if last := all[len(all)-1]; last.ID != out[0].ID || last.Salt != out[0].Salt {
		t.Errorf("last event %s with salt %q, want %s with %q", last.ID, last.Salt, out[0].ID, out[0].Salt)
	}
	if _, version := schemaOf(t, dir); version != 2 {
		t.Errorf("version %d, want 2", version)
	}
}

// A database made by a later version of the store is refused, untouched,
// rather than written in a layout this code does not know.
func TestOpenRefusesANewerSchema(t *testing.T) {
	dir := t.TempDir()
	makeV1Dir(t, dir)
	if _, err := rawDB(t, dir).Exec(`PRAGMA user_version = 3`); err != nil {
		t.Fatal(err)
	}
	before, _ := schemaOf(t, dir)
	_, err := sqlite.Open(context.Background(), dir, nil)
	if !errors.Is(err, sqlite.ErrNewerSchema) {
		t.Fatalf("open a version 3 database: %v, want an error matching sqlite.ErrNewerSchema", err)
	}
	after, version := schemaOf(t, dir)
	if !reflect.DeepEqual(after, before) || version != 3 {
		t.Errorf("the refused database changed: columns %q, version %d; were %q, version 3", after, version, before)
	}
	// The refusal released the data directory.
	if err := openErr(dir); !errors.Is(err, sqlite.ErrNewerSchema) {
		t.Errorf("a second open: %v, want sqlite.ErrNewerSchema again (not ErrLocked)", err)
	}
}

func openErr(dir string) error {
	s, err := sqlite.Open(context.Background(), dir, nil)
	if err == nil {
		s.Close()
	}
	return err
}
