package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/masteryledger/ledger/adapters/sqlitefile"
	"github.com/masteryledger/ledger/domain"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// FileName is the database file inside the data directory.
const FileName = "events.db"

const lockName = "LOCK"

// ErrLocked reports that another process has the data directory open.
var ErrLocked = errors.New("data directory is in use by another process")

// ErrReadOnly reports an append to a store opened with OpenReadOnly.
var ErrReadOnly = errors.New("the store is open for reading only")

// schema is the whole store. Each index earns its place (docs/storage.md):
//   - position is the rowid: the global order, dense because one writer
//     assigns it, and the key of ReadAll and subscriptions;
//   - UNIQUE(event_id) makes an id stored twice impossible and serves the
//     idempotency look-up of a retried append;
//   - UNIQUE(stream, revision) makes a forked stream impossible and serves
//     ReadStream and the look-up of a stream's head.
//
// salt is the last column, with the same definition migrate adds to a
// database made before salts, so that a migrated database and a new one
// hold the same columns; an empty salt marks an event recorded before
// salts (hash encoding v1).
const schema = `
CREATE TABLE IF NOT EXISTS events (
	position    INTEGER PRIMARY KEY,
	event_id    TEXT    NOT NULL UNIQUE,
	stream      TEXT    NOT NULL,
	revision    INTEGER NOT NULL,
	type        TEXT    NOT NULL,
	occurred_at TEXT    NOT NULL,
	recorded_at TEXT    NOT NULL,
	actor_role  TEXT    NOT NULL,
	actor_name  TEXT    NOT NULL,
	data        TEXT    NOT NULL,
	prev_hash   TEXT    NOT NULL,
	hash        TEXT    NOT NULL,
	salt        TEXT    NOT NULL DEFAULT '',
	UNIQUE (stream, revision)
) STRICT;
`

// schemaVersion is the PRAGMA user_version of a database this code made or
// migrated: 1 before salts, 2 with the salt column.
const schemaVersion = 2

// addSalt is the migration from version 1: events stored before it get the
// empty salt, and keep hashing as v1.
const addSalt = `ALTER TABLE events ADD COLUMN salt TEXT NOT NULL DEFAULT ''`

// ErrNewerSchema reports a database made by a later version of the store,
// whose layout this code does not know: it is refused rather than written.
var ErrNewerSchema = errors.New("the database was made by a newer version of the ledger")

const columns = `position, event_id, stream, revision, type, occurred_at, recorded_at, actor_role, actor_name, data, prev_hash, hash, salt`

// Options tune a Store. A nil *Options means the defaults.
type Options struct {
	// Now is the clock that stamps recordedAt. Default time.Now.
	Now func() time.Time
	// MaxBatch caps how many appends share one commit. Default 1024.
	MaxBatch int
	// Readers caps the read connections. Default 8.
	Readers int
	// Logger receives the store's own messages. Default: discarded.
	Logger *slog.Logger
	// Lock, if set, is the data directory's lock, already held by the
	// caller (LockDir): Open uses it instead of taking one, and Close
	// leaves it held.
	Lock *DirLock
	// OnCommit, if set, is called after each group commit, from the writer
	// goroutine, with what the commit held and how long it took; metrics
	// hang off it. It must not block.
	OnCommit func(CommitStats)
}

// CommitStats describes one group commit.
type CommitStats struct {
	Appends  int           // append calls that shared the commit
	Events   int           // events written
	Duration time.Duration // from BEGIN to a synced COMMIT
	Err      error         // non-nil if the commit failed
}

// Store is the embedded event store. It is safe for concurrent use.
type Store struct {
	dir     string
	opts    Options
	lock    *os.File
	wdb     *sql.DB
	rdb     *sql.DB
	reqs    chan *appendReq
	closing chan struct{}
	stopped chan struct{}
	close   sync.Once
	// readOnly is set by OpenReadOnly: no writer runs and wdb is nil.
	readOnly bool

	// The writer's statements, prepared once on its only connection.
	insertStmt, byIDStmt, headStmt *sql.Stmt
	// The readers' statements: database/sql prepares each once per read
	// connection, so SQLite does not parse the text on every read.
	streamStmt, allStmt *sql.Stmt

	lastPos atomic.Uint64

	mu      sync.Mutex
	changed chan struct{} // closed and replaced after every commit
	// recent holds the last events committed, in position order, so that
	// subscribers that are caught up take each commit from memory instead
	// of reading it back from the file: with the read model and the
	// transparency log following the store, that read was one query per
	// subscriber per commit. It is a ring of recentCap events, allocated at
	// the first commit, so a commit copies its events in and nothing else:
	// the oldest of them is recent[recentHead], and recentLen are held.
	recent []domain.RecordedEvent
	// versions remembers, for up to maxVersions streams, how many events
	// each holds, so that callers who only need to know whether a stream
	// grew ask no query (domain.StreamVersioner).
	versions   map[string]uint64
	recentHead int
	recentLen  int
}

// recentCap bounds how many committed events stay in memory for
// subscribers; one that falls further behind reads from the file.
const recentCap = 4096

var _ domain.EventStore = (*Store)(nil)

// Open opens the store in dir, creating dir and the database if needed, and
// migrating a database made by earlier code (see migrate).
// The directory and every file in it are made private to the owner (mode
// 0700 and 0600): a mode that let others read is changed, and logged as a
// warning, or, if it cannot be changed, Open fails with an error wrapping
// sqlitefile.ErrExposed.
// Returns an error wrapping ErrLocked if another process has dir open, and
// one wrapping ErrNewerSchema if a later version made the database.
func Open(ctx context.Context, dir string, opts *Options) (*Store, error) {
	o := defaults(opts)
	fixes, err := sqlitefile.MkdirPrivate(dir)
	if err != nil {
		return nil, fmt.Errorf("open store: data directory: %w", err)
	}
	var (
		lock      *os.File
		lockFixes []sqlitefile.Fix
	)
	switch {
	case o.Lock == nil:
		if lock, lockFixes, err = lockDir(dir); err != nil {
			return nil, err
		}
	case filepath.Clean(o.Lock.dir) != filepath.Clean(dir):
		return nil, fmt.Errorf("open store %s: Options.Lock holds %s: %w", dir, o.Lock.dir, domain.ErrInvalid)
	}
	dbFixes, err := sqlitefile.PrivateDB(filepath.Join(dir, FileName))
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, fmt.Errorf("open store: %w", err)
	}
	for _, f := range append(append(fixes, lockFixes...), dbFixes...) {
		o.Logger.Warn("the data directory was readable by other users; fixed", "fix", f.String())
	}
	s := newStore(dir, o, lock)
	if err := s.openDBs(ctx); err != nil {
		s.closeFiles()
		return nil, err
	}
	go s.writeLoop()
	return s, nil
}

// OpenReadOnly opens the store of an existing data directory for reading
// only: it writes nothing, so it works on a copy or snapshot that cannot be
// written (a read-only mount, chmod -R a-w), with or without a LOCK file.
// It takes a shared lock on dir's LOCK file (creating the file only if dir
// can be written), so that no server writes the store while it is read; a
// server that has dir open makes OpenReadOnly return an error wrapping
// ErrLocked. Append returns an error wrapping
// ErrReadOnly. Returns an error wrapping fs.ErrNotExist if dir holds no
// store, and one wrapping sqlitefile.ErrUnreadableCopy if the copy misses
// a file SQLite needs to read it whole.
func OpenReadOnly(ctx context.Context, dir string, opts *Options) (*Store, error) {
	o := defaults(opts)
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open store %s for reading: %w", dir, err)
	}
	lock, err := lockShared(dir)
	if err != nil {
		return nil, err
	}
	dsn, err := sqlitefile.ReadOnlyDSN(path)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, fmt.Errorf("open store: %w", err)
	}
	s := newStore(dir, o, lock)
	s.readOnly = true
	close(s.stopped) // no writer
	rdb, err := sql.Open("sqlite", dsn+"&_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		s.closeFiles()
		return nil, fmt.Errorf("open store %s for reading: %w", path, err)
	}
	if err := s.prepareReader(ctx, path, rdb); err != nil {
		s.closeFiles()
		return nil, err
	}
	var last sql.NullInt64
	if err := s.rdb.QueryRowContext(ctx, `SELECT MAX(position) FROM events`).Scan(&last); err != nil {
		s.closeFiles()
		return nil, fmt.Errorf("open store %s for reading: read last position: %w", path, err)
	}
	s.lastPos.Store(uint64(last.Int64))
	return s, nil
}

func newStore(dir string, o Options, lock *os.File) *Store {
	return &Store{
		dir:      dir,
		opts:     o,
		lock:     lock,
		reqs:     make(chan *appendReq),
		closing:  make(chan struct{}),
		stopped:  make(chan struct{}),
		changed:  make(chan struct{}),
		versions: make(map[string]uint64),
	}
}

func defaults(opts *Options) Options {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1024
	}
	if o.Readers <= 0 {
		o.Readers = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func lockDir(dir string) (*os.File, []sqlitefile.Fix, error) {
	path := filepath.Join(dir, lockName)
	f, fixes, err := sqlitefile.PrivateFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open store: lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil, fmt.Errorf("open store %s: %w", dir, ErrLocked)
		}
		return nil, nil, fmt.Errorf("open store: lock %s: %w", path, err)
	}
	return f, fixes, nil
}

// DirLock is a data directory's exclusive lock held apart from a store, by a
// caller that must keep every other process out of the directory for longer
// than one store is open (the demo, while it builds a school elsewhere and
// moves it in).
type DirLock struct {
	dir string
	f   *os.File
}

// LockDir takes dir's exclusive lock, as Open does; dir must exist. Returns
// an error wrapping ErrLocked if another process, or a store of this one,
// has dir open.
func LockDir(dir string) (*DirLock, error) {
	f, _, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	return &DirLock{dir: dir, f: f}, nil
}

// Close releases the lock.
func (l *DirLock) Close() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("release lock of %s: %w", l.dir, err)
	}
	return nil
}

// lockShared takes a shared lock on dir's LOCK file, for a reader: readers
// share it, a writer's exclusive lock excludes them. A directory without a
// LOCK file that cannot be written is a copy no one writes: no lock, nil.
func lockShared(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(path, os.O_RDONLY|os.O_CREATE, sqlitefile.FileMode)
		if err != nil {
			return nil, nil //nolint:nilerr // a copy that cannot be written has no writer to exclude
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open store for reading: lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("open store %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("open store for reading: lock %s: %w", path, err)
	}
	return f, nil
}

func (s *Store) openDBs(ctx context.Context) error {
	path := filepath.Join(s.dir, FileName)
	// synchronous=FULL syncs the log at every commit: an acknowledged append
	// is on disk. NORMAL would be faster only by not syncing, so it is never
	// used.
	const pragmas = "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)"
	wdb, err := sqlitefile.OpenDB("file:" + path + pragmas)
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	s.wdb = wdb
	if err := migrate(ctx, wdb, s.fullErr); err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	var last sql.NullInt64
	if err := wdb.QueryRowContext(ctx, `SELECT MAX(position) FROM events`).Scan(&last); err != nil {
		return fmt.Errorf("open store %s: read last position: %w", path, err)
	}
	s.lastPos.Store(uint64(last.Int64))
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{{&s.insertStmt, insertSQL}, {&s.byIDStmt, byIDSQL}, {&s.headStmt, headSQL}} {
		if *p.stmt, err = wdb.PrepareContext(ctx, p.query); err != nil {
			return fmt.Errorf("open store %s: prepare %q: %w", path, p.query, err)
		}
	}

	rdb, err := sqlitefile.OpenDB("file:" + path + pragmas + "&_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("open store %s for reading: %w", path, err)
	}
	return s.prepareReader(ctx, path, rdb)
}

// prepareReader takes rdb as the read connections and prepares their
// statements.
func (s *Store) prepareReader(ctx context.Context, path string, rdb *sql.DB) error {
	var err error
	rdb.SetMaxOpenConns(s.opts.Readers)
	rdb.SetMaxIdleConns(s.opts.Readers)
	s.rdb = rdb
	streamSQL, allSQL := readStreamSQL, readAllSQL
	if s.readOnly {
		// A read-only copy is never migrated: one made before salts is
		// read with the empty salt its events hash under (v1).
		if streamSQL, allSQL, err = readOnlySQL(ctx, rdb); err != nil {
			return fmt.Errorf("open store %s for reading: %w", path, err)
		}
	}
	if s.streamStmt, err = rdb.PrepareContext(ctx, streamSQL); err != nil {
		return fmt.Errorf("open store %s: prepare %q: %w", path, streamSQL, err)
	}
	if s.allStmt, err = rdb.PrepareContext(ctx, allSQL); err != nil {
		return fmt.Errorf("open store %s: prepare %q: %w", path, allSQL, err)
	}
	return nil
}

// readOnlySQL returns the read statements for a database that cannot be
// migrated: the usual ones, or, for a database from before salts, ones
// that read the empty salt. A database from a later version is refused.
func readOnlySQL(ctx context.Context, db *sql.DB) (stream, all string, err error) {
	var version, salted int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return "", "", fmt.Errorf("read schema version: %w", err)
	}
	if version > schemaVersion {
		return "", "", fmt.Errorf("schema version %d, this code knows up to %d: %w", version, schemaVersion, ErrNewerSchema)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('events') WHERE name = 'salt'`).Scan(&salted); err != nil {
		return "", "", fmt.Errorf("look for the salt column: %w", err)
	}
	if salted > 0 {
		return readStreamSQL, readAllSQL, nil
	}
	unsalted := strings.Replace(columns, ", salt", ", '' AS salt", 1)
	return strings.Replace(readStreamSQL, columns, unsalted, 1), strings.Replace(readAllSQL, columns, unsalted, 1), nil
}

// migrate creates the schema in a new database and brings one made by an
// earlier version up to schemaVersion. It does all of it in one
// transaction (SQLite's schema changes are transactional), so a crash or a
// failure leaves the database either as it was or migrated, never half.
//
// A database already at schemaVersion is only read, so that an open also
// succeeds on a full disk and the node can serve reads. full marks an
// error that says the disk is full.
func migrate(ctx context.Context, db *sql.DB, full func(error) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate schema: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("migrate schema: read its version: %w", full(err))
	}
	if version > schemaVersion {
		return fmt.Errorf("schema version %d, this code knows up to %d: %w", version, schemaVersion, ErrNewerSchema)
	}
	if version == schemaVersion {
		if ok, err := hasSalt(ctx, tx); err != nil || ok {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create schema: %w", full(err))
	}
	// The column, not the version, decides: a database whose version was
	// written back to 1 by the earlier code after it was migrated still
	// has its salt column.
	salted, err := hasSalt(ctx, tx)
	if err != nil {
		return err
	}
	if !salted {
		if _, err := tx.ExecContext(ctx, addSalt); err != nil {
			return fmt.Errorf("migrate schema to version %d: add the salt column: %w", schemaVersion, full(err))
		}
	}
	if version != schemaVersion {
		// PRAGMA takes no bound parameters; the number is a constant.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
			return fmt.Errorf("migrate schema: set its version: %w", full(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate schema: commit: %w", full(err))
	}
	return nil
}

// hasSalt reports whether the events table has its salt column.
func hasSalt(ctx context.Context, tx *sql.Tx) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('events') WHERE name = 'salt'`).Scan(&n); err != nil {
		return false, fmt.Errorf("migrate schema: look for the salt column: %w", err)
	}
	return n > 0, nil
}

// fullErr marks err with domain.ErrStorageFull if it says the disk is full,
// so callers can refuse writes as "try again later" instead of failing.
func (s *Store) fullErr(err error) error {
	if sqlitefile.IsFull(err) {
		return fmt.Errorf("%w: %w", domain.ErrStorageFull, err)
	}
	return err
}

// Dir is the data directory.
func (s *Store) Dir() string { return s.dir }

// LastPosition is the position of the last committed event, 0 if none.
func (s *Store) LastPosition() uint64 { return s.lastPos.Load() }

// Close finishes the appends already handed to the writer, refuses new ones
// with ErrClosed, and releases the data directory.
func (s *Store) Close() error {
	var err error
	s.close.Do(func() {
		close(s.closing)
		<-s.stopped
		err = s.closeFiles()
	})
	return err
}

func (s *Store) closeFiles() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.streamStmt, s.allStmt} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	for _, st := range []*sql.Stmt{s.insertStmt, s.byIDStmt, s.headStmt} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close()) // closing the descriptor drops the flock
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close store %s: %w", s.dir, err)
	}
	return nil
}

// recentAfter returns the committed events after position after from
// memory, and whether memory covers them: false means read the file. An
// empty covered answer means nothing newer is committed.
func (s *Store) recentAfter(after uint64, limit int) ([]domain.RecordedEvent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recentLen == 0 || s.recentAt(0).Position > after+1 {
		return nil, false
	}
	if after >= s.recentAt(s.recentLen-1).Position {
		return nil, true
	}
	// Positions are dense: the event after after sits at a known offset.
	from := int(after + 1 - s.recentAt(0).Position)
	n := s.recentLen - from
	if limit > 0 {
		n = min(n, limit)
	}
	out := make([]domain.RecordedEvent, n)
	i := (s.recentHead + from) % len(s.recent)
	copied := copy(out, s.recent[i:])
	copy(out[copied:], s.recent)
	return out, true
}

// recentAt is the i-th oldest event held in memory. s.mu must be held.
func (s *Store) recentAt(i int) *domain.RecordedEvent {
	return &s.recent[(s.recentHead+i)%len(s.recent)]
}

// notifier returns a channel that is closed at the next commit.
func (s *Store) notifier() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// maxVersions bounds the streams whose version the store remembers; a
// stream it does not remember is read, as before.
const maxVersions = 1 << 16

// StreamVersion implements domain.StreamVersioner: the number of events of
// stream, from memory, if the store has seen the stream's head since it
// opened (a commit to it, or a read of the whole stream).
func (s *Store) StreamVersion(stream string) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.versions[stream]
	return v, ok
}

// noteVersion records that stream holds at least version events. Versions
// only grow, so the larger of two answers is the later one.
func (s *Store) noteVersion(stream string, version uint64) {
	if s.versions == nil {
		s.versions = make(map[string]uint64)
	}
	if v, ok := s.versions[stream]; ok {
		s.versions[stream] = max(v, version)
		return
	}
	if len(s.versions) < maxVersions {
		s.versions[stream] = version
	}
}

// broadcast publishes a commit's new events and wakes the subscribers.
func (s *Store) broadcast(committed []domain.RecordedEvent) {
	s.mu.Lock()
	for _, e := range committed {
		s.noteVersion(e.Stream, e.Revision+1)
	}
	dense := len(committed) > 0 && (s.recentLen == 0 || s.recentAt(s.recentLen-1).Position+1 == committed[0].Position) &&
		committed[len(committed)-1].Position == committed[0].Position+uint64(len(committed))-1
	if !dense {
		// Never hand out a range with a hole: subscribers read the file
		// until the next commit refills memory.
		s.recentHead, s.recentLen = 0, 0
		committed = nil
	}
	if len(committed) > 0 && s.recent == nil {
		s.recent = make([]domain.RecordedEvent, recentCap)
	}
	if drop := len(committed) - recentCap; drop > 0 {
		committed = committed[drop:] // a commit larger than the ring keeps its newest
	}
	for _, e := range committed {
		if s.recentLen < len(s.recent) {
			*s.recentAt(s.recentLen) = e
			s.recentLen++
			continue
		}
		s.recent[s.recentHead] = e // overwrite the oldest
		s.recentHead = (s.recentHead + 1) % len(s.recent)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}
