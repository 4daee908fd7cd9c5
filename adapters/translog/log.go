package translog

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlitefile"
	"github.com/masteryledger/ledger/domain"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	_ "modernc.org/sqlite" // the log's own file, beside the store's
)

// flushDelay is how long Run lets added leaves gather before it writes
// them, unless a reader needs them first.
const flushDelay = 20 * time.Millisecond

// fullRetry is how long Run waits before it writes again after a full disk
// refused a flush: the log falls behind the store meanwhile, and catches up
// once space is freed.
const fullRetry = 250 * time.Millisecond

// fullErr marks err with domain.ErrStorageFull if it says the disk is full.
func fullErr(err error) error {
	if sqlitefile.IsFull(err) {
		return fmt.Errorf("%w: %w", domain.ErrStorageFull, err)
	}
	return err
}

// TreeFile is the log's SQLite file in the log's directory.
const TreeFile = "tree.db"

const schema = `
CREATE TABLE IF NOT EXISTS leaves (
	idx      INTEGER PRIMARY KEY,
	event_id BLOB    NOT NULL UNIQUE,
	position INTEGER NOT NULL,
	hash     BLOB    NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
	level INTEGER NOT NULL,
	idx   INTEGER NOT NULL,
	hash  BLOB    NOT NULL,
	PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
	size INTEGER PRIMARY KEY,
	note BLOB    NOT NULL
);
`

// Leaf is one event's place in the log.
type Leaf struct {
	Index    uint64
	EventID  uuid.UUID
	Position uint64
	// Hash is the event's envelope hash, hex.
	Hash string
}

// Subscriber is what a Log follows: the store's global order.
type Subscriber interface {
	Subscribe(ctx context.Context, after uint64, handle func(domain.RecordedEvent) error) error
}

// Log is the persisted transparency log. Add appends in memory; a flush
// writes what was added in one transaction. Readers (proofs, checkpoints)
// see what is flushed. Safe for concurrent use.
type Log struct {
	db  *sql.DB
	key *Key
	dir string

	mu      sync.Mutex // guards what follows, and serialises flushes
	rng     *compact.Range
	pending []pendingLeaf
	nodes   []pendingNode
	added   uint64 // position of the last leaf added
	// flushed is the size and last position written to the file, and
	// grew is closed and replaced when they move, or when a flush finds
	// the disk full.
	flushedSize uint64
	flushedPos  uint64
	grew        chan struct{}
	// full is set while the last flush found the disk full: WaitFor then
	// answers ErrStorageFull instead of waiting for a flush that cannot be.
	full   bool
	latest Checkpoint
	wake   chan struct{}
	// signed is the last checkpoint the log signed (LastCheckpointFile),
	// which every tree it signs must extend; signedRecorded is false
	// while only the tree's file holds it.
	signed         Checkpoint
	signedRecorded bool
}

type pendingLeaf struct {
	id       uuid.UUID
	position uint64
	hash     []byte // the event hash's 32 bytes
}

type pendingNode struct {
	id   compact.NodeID
	hash []byte
}

// Open opens the log in dir (created if need be) signed with key, and
// restores the tree's right edge from the file. The directory and the file
// are made private to their owner (0700, 0600; SQLite gives the -wal and
// -shm files the file's mode): a mode that let others read is changed, or,
// if it cannot be, Open fails with an error wrapping
// sqlitefile.ErrExposed.
func Open(ctx context.Context, dir string, key *Key) (*Log, error) {
	if _, err := sqlitefile.MkdirPrivate(dir); err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	path := filepath.Join(dir, TreeFile)
	if _, err := sqlitefile.PrivateDB(path); err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	// The file is derived from the events, so a lost last batch is
	// recomputed on restart: synchronous=NORMAL is enough.
	// The -wal and -shm files outlive a clean close, so that a restart on
	// a full disk can read (sqlitefile.OpenDB).
	db, err := sqlitefile.OpenDB("file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)")
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	// Each connection may cache 64 MiB of pages; a few are enough for the
	// writer and the proofs.
	db.SetMaxOpenConns(4)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open log %s: schema: %w", path, err)
	}
	return load(ctx, db, dir, path, key)
}

// OpenReadOnly opens the log in dir for reading only, as verify does: it
// writes nothing, so it works on a copy or snapshot that cannot be written
// (see sqlitefile.ReadOnlyDSN). The caller makes sure nothing writes the
// log meanwhile (the store's shared lock on the data directory does).
func OpenReadOnly(ctx context.Context, dir string, key *Key) (*Log, error) {
	path := filepath.Join(dir, TreeFile)
	dsn, err := sqlitefile.ReadOnlyDSN(path)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	db, err := sql.Open("sqlite", dsn+"&_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	return load(ctx, db, dir, path, key)
}

// load makes a Log of an open file; it closes db if it fails.
func load(ctx context.Context, db *sql.DB, dir, path string, key *Key) (*Log, error) {
	l := &Log{db: db, key: key, dir: dir, grew: make(chan struct{}), wake: make(chan struct{}, 1)}
	if err := l.load(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	return l, nil
}

func (l *Log) load(ctx context.Context) error {
	var size, pos sql.NullInt64
	if err := l.db.QueryRowContext(ctx, `SELECT MAX(idx)+1, MAX(position) FROM leaves`).Scan(&size, &pos); err != nil {
		return fmt.Errorf("size: %w", err)
	}
	n := uint64(size.Int64)
	ids := compact.RangeNodes(0, n, nil)
	hashes := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := l.nodeHash(ctx, id)
		if err != nil {
			return err
		}
		hashes[i] = h
	}
	rng, err := rangeFactory.NewRange(0, n, hashes)
	if err != nil {
		return fmt.Errorf("restore the tree's edge at size %d: %w", n, err)
	}
	l.rng, l.flushedSize, l.flushedPos, l.added = rng, n, uint64(pos.Int64), uint64(pos.Int64)
	var note []byte
	var cpSize uint64
	err = l.db.QueryRowContext(ctx, `SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&cpSize, &note)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("latest checkpoint: %w", err)
	default:
		cp, err := openCheckpoint(note, l.key.Verifier)
		if err != nil {
			return fmt.Errorf("latest checkpoint (size %d) does not open with this key: %w", cpSize, err)
		}
		l.latest = cp
	}
	return l.loadSigned()
}

// storedLevel is the lowest level of interior nodes the file keeps. A
// subtree below it (at most 2^storedLevel leaves) is hashed from its
// leaves when a proof or the tree's edge needs it: a proof asks for at most
// one per level, and not writing them spares a flush seven rows in eight
// of the nodes table.
const storedLevel = 4

// nodeHash returns a perfect subtree's hash: an interior node's from its row
// from storedLevel up, any other from the leaves it covers.
func (l *Log) nodeHash(ctx context.Context, id compact.NodeID) ([]byte, error) {
	if id.Level < storedLevel {
		h, err := l.subtreeHash(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("node %d at level %d: %w", id.Index, id.Level, err)
		}
		return h, nil
	}
	var h []byte
	if err := l.db.QueryRowContext(ctx, `SELECT hash FROM nodes WHERE level = ? AND idx = ?`, id.Level, id.Index).Scan(&h); err != nil {
		return nil, fmt.Errorf("node %d at level %d: %w", id.Index, id.Level, err)
	}
	return h, nil
}

// subtreeHash hashes the perfect subtree id from its leaves' rows.
func (l *Log) subtreeHash(ctx context.Context, id compact.NodeID) ([]byte, error) {
	first, n := id.Index<<id.Level, uint64(1)<<id.Level
	rows, err := l.db.QueryContext(ctx, `SELECT hash FROM leaves WHERE idx >= ? AND idx < ? ORDER BY idx`, first, first+n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	hashes := make([][]byte, 0, n)
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		hashes = append(hashes, hasher.HashLeaf(h))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if uint64(len(hashes)) != n {
		return nil, fmt.Errorf("%d of its %d leaves are in the file: %w", len(hashes), n, sql.ErrNoRows)
	}
	for len(hashes) > 1 {
		for i := range len(hashes) / 2 {
			hashes[i] = hasher.HashChildren(hashes[2*i], hashes[2*i+1])
		}
		hashes = hashes[:len(hashes)/2]
	}
	return hashes[0], nil
}

// ErrDiverged marks a log whose last leaf is not the store's event at its
// position: the store was restored from an older backup, truncated or
// rewritten after the log recorded it. Following such a store would let the
// log and the events part silently, so the node refuses to start.
var ErrDiverged = errors.New("the transparency log and the store disagree")

// AllReader is what CheckTip needs of a store.
type AllReader interface {
	ReadAll(ctx context.Context, after uint64, limit int) ([]domain.RecordedEvent, error)
}

// CheckTip checks that the log's last leaf is the event the store holds at
// that position, so that following the store from there continues the
// same history. An empty log agrees with any store.
func (l *Log) CheckTip(ctx context.Context, src AllReader) error {
	n := l.Size()
	if n == 0 {
		return nil
	}
	leaves, err := l.ReadLeaves(ctx, n-1, 1)
	if err != nil {
		return err
	}
	if len(leaves) != 1 {
		return fmt.Errorf("log: leaf %d is missing", n-1)
	}
	tip := leaves[0]
	evs, err := src.ReadAll(ctx, tip.Position-1, 1)
	if err != nil {
		return fmt.Errorf("log: read the store at position %d: %w", tip.Position, err)
	}
	switch {
	case len(evs) == 0 || evs[0].Position != tip.Position:
		return fmt.Errorf("%w: the log's last leaf (%d) is event %s at position %d, which the store does not hold: the store lost events the log recorded (restored from an older backup?); run `ledger verify`",
			ErrDiverged, tip.Index, tip.EventID, tip.Position)
	case evs[0].ID != tip.EventID || evs[0].Hash != tip.Hash:
		return fmt.Errorf("%w: at position %d the log recorded event %s (hash %s), the store holds event %s (hash %s); run `ledger verify`",
			ErrDiverged, tip.Position, tip.EventID, tip.Hash, evs[0].ID, evs[0].Hash)
	}
	return nil
}

// Key is the key the log signs with.
func (l *Log) Key() *Key { return l.key }

// Close closes the log's file; unflushed leaves are recomputed from the
// events on the next start.
func (l *Log) Close() error { return l.db.Close() }

// Position is the global position of the last event written to the file:
// where following the store resumes.
func (l *Log) Position() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flushedPos
}

// Size is the number of leaves written to the file.
func (l *Log) Size() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flushedSize
}

// Add appends e's leaf in memory. Events must come in global order, each
// once: an event at or before the last position added is refused.
func (l *Log) Add(e domain.RecordedEvent) error {
	h, err := hex.DecodeString(e.Hash)
	if err != nil || len(h) != hashSize {
		return fmt.Errorf("log: event %s at position %d: hash %q is not 64 hex digits", e.ID, e.Position, e.Hash)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addDecodedLocked(e, h)
}

// addLocked is Add with l.mu held.
func (l *Log) addLocked(e domain.RecordedEvent) error {
	h, err := hex.DecodeString(e.Hash)
	if err != nil || len(h) != hashSize {
		return fmt.Errorf("log: event %s at position %d: hash %q is not 64 hex digits", e.ID, e.Position, e.Hash)
	}
	return l.addDecodedLocked(e, h)
}

func (l *Log) addDecodedLocked(e domain.RecordedEvent, h []byte) error {
	if e.Position <= l.added {
		return fmt.Errorf("log: event %s at position %d does not follow position %d", e.ID, e.Position, l.added)
	}
	err := l.rng.Append(hasher.HashLeaf(h), func(id compact.NodeID, hash []byte) {
		if id.Level >= storedLevel { // see nodeHash
			l.nodes = append(l.nodes, pendingNode{id: id, hash: hash})
		}
	})
	if err != nil {
		return fmt.Errorf("log: append event %s: %w", e.ID, err)
	}
	l.pending = append(l.pending, pendingLeaf{id: e.ID, position: e.Position, hash: h})
	l.added = e.Position
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

// Flush writes every leaf added so far, and the subtrees they complete, in
// one transaction.
func (l *Log) Flush(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flushLocked(ctx)
}

func (l *Log) flushLocked(ctx context.Context) error {
	err := l.writePending(ctx)
	if full := errors.Is(err, domain.ErrStorageFull); full || l.full {
		l.full = full
		close(l.grew) // wake WaitFor to answer the full disk
		l.grew = make(chan struct{})
	}
	return err
}

// writePending writes what was added since the last flush; l.mu is held.
func (l *Log) writePending(ctx context.Context) error {
	if len(l.pending) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("log: flush: %w", err)
	}
	// The driver watches a cancellable context with a goroutine per
	// statement; a flush is short, so it runs to its end once begun.
	ctx = context.WithoutCancel(ctx)
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("log: flush: %w", fullErr(err))
	}
	defer tx.Rollback()
	leaves := func(i int) []any {
		p := l.pending[i]
		return []any{l.flushedSize + uint64(i), p.id[:], p.position, p.hash}
	}
	if err := insertRows(ctx, tx, "leaves (idx, event_id, position, hash)", len(l.pending), leaves); err != nil {
		return fmt.Errorf("log: flush %d leaves from %d: %w", len(l.pending), l.flushedSize, fullErr(err))
	}
	nodes := func(i int) []any {
		n := l.nodes[i]
		return []any{n.id.Level, n.id.Index, n.hash}
	}
	if err := insertRows(ctx, tx, "nodes (level, idx, hash)", len(l.nodes), nodes); err != nil {
		return fmt.Errorf("log: flush %d nodes: %w", len(l.nodes), fullErr(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("log: flush: %w", fullErr(err))
	}
	l.flushedSize += uint64(len(l.pending))
	l.flushedPos = l.pending[len(l.pending)-1].position
	l.pending, l.nodes = l.pending[:0], l.nodes[:0]
	close(l.grew)
	l.grew = make(chan struct{})
	return nil
}

// rowsPerInsert is how many rows one INSERT statement of a flush carries:
// a statement per row cost more in the driver than the rows in SQLite.
const rowsPerInsert = 64

// insertRows inserts n rows into table (a name with its column list), row(i)
// giving the values of the i-th, several rows per statement.
func insertRows(ctx context.Context, tx *sql.Tx, table string, n int, row func(i int) []any) error {
	var (
		stmt    *sql.Stmt
		stmtFor int // rows stmt was prepared for
		args    []any
	)
	defer func() {
		if stmt != nil {
			stmt.Close()
		}
	}()
	for start := 0; start < n; start += rowsPerInsert {
		k := min(rowsPerInsert, n-start)
		args = args[:0]
		for i := start; i < start+k; i++ {
			args = append(args, row(i)...)
		}
		if stmt == nil || stmtFor != k {
			if stmt != nil {
				stmt.Close()
			}
			cols := len(args) / k
			one := "(" + strings.Repeat("?,", cols-1) + "?)"
			var err error
			stmt, err = tx.PrepareContext(ctx, "INSERT INTO "+table+" VALUES "+strings.Repeat(one+",", k-1)+one)
			if err != nil {
				return err
			}
			stmtFor = k
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("rows %d to %d: %w", start, start+k-1, err)
		}
	}
	return nil
}

// Run follows src from the log's position until ctx ends, adding every
// event and flushing in batches: while one batch is written the next
// gathers, so the log keeps up with the store without a timer.
//
// A full disk does not stop it: what is added stays pending (at most
// maxPending leaves; then it stops taking events) and it writes again
// every fullRetry, so the log falls behind the store and catches up once
// space is freed. Any other failure to write ends Run with the error.
func (l *Log) Run(ctx context.Context, src Subscriber) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	flushErr := make(chan error, 1)
	go func() {
		full := false // the last flush found the disk full
		for {
			delay := fullRetry
			if !full {
				select {
				case <-ctx.Done():
					flushErr <- nil
					return
				case <-l.wake:
				}
				// Let leaves gather: one transaction per store commit
				// cost more than the rows themselves. Readers that need a
				// leaf now (WaitFor, proofs, checkpoints) flush it
				// themselves.
				delay = flushDelay
			}
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				flushErr <- nil
				return
			}
			err := l.Flush(ctx)
			full = errors.Is(err, domain.ErrStorageFull)
			if err != nil && !full && ctx.Err() == nil {
				flushErr <- err
				cancel()
				return
			}
		}
	}()
	// A long catch-up flushes as it goes, so memory stays bounded.
	const maxPending = 8192
	err := src.Subscribe(ctx, l.Position(), func(e domain.RecordedEvent) error {
		if err := l.Add(e); err != nil {
			return err
		}
		if l.pendingLen() >= maxPending {
			return l.flushWhenSpace(ctx)
		}
		return nil
	})
	cancel()
	if ferr := <-flushErr; ferr != nil {
		return ferr
	}
	if errors.Is(err, context.Canceled) {
		// Keep what was gathered: a clean stop leaves nothing to redo.
		return errors.Join(ctx.Err(), l.Flush(context.Background()))
	}
	return err
}

// flushWhenSpace flushes, and while the disk is full, waits and tries again
// until it can or ctx ends.
func (l *Log) flushWhenSpace(ctx context.Context) error {
	for {
		err := l.Flush(ctx)
		if !errors.Is(err, domain.ErrStorageFull) {
			return err
		}
		t := time.NewTimer(fullRetry)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

func (l *Log) pendingLen() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending)
}

// WaitFor blocks until the event at global position pos is written to the
// file, or ctx ends. If the event is added but not yet written, it writes
// it now. While the disk is full it returns an error wrapping
// domain.ErrStorageFull.
func (l *Log) WaitFor(ctx context.Context, pos uint64) error {
	for {
		l.mu.Lock()
		reached, added, grew, full := l.flushedPos >= pos, l.added >= pos, l.grew, l.full
		l.mu.Unlock()
		if reached {
			return nil
		}
		if full && !added {
			return fmt.Errorf("wait for the log to reach position %d: log: flush: %w", pos, domain.ErrStorageFull)
		}
		if added {
			if err := l.Flush(ctx); err != nil {
				return err
			}
			continue
		}
		select {
		case <-grew:
		case <-ctx.Done():
			return fmt.Errorf("wait for the log to reach position %d: %w", pos, ctx.Err())
		}
	}
}

// Checkpoint returns the latest signed checkpoint, signing a new one first
// if the tree has grown since: on demand, and on the server's timer.
//
// It signs only a tree that extends the last checkpoint the log signed,
// and records the new one durably (LastCheckpointFile) before returning
// it. Returns a *ForkError (ErrFork) if the tree does not extend it.
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Flushed under the same lock, so no leaf is added between the flush
	// and the root: the root is the root of the flushed tree.
	if err := l.flushLocked(ctx); err != nil {
		return Checkpoint{}, err
	}
	if l.latest.Note != nil && l.latest.Size == l.flushedSize && l.latest.Size >= l.signed.Size {
		return l.latest, nil
	}
	// Checked before every signature, not only at start: whatever
	// happened to the files since, the key never signs a fork.
	if err := l.checkExtendsLocked(ctx); err != nil {
		return Checkpoint{}, err
	}
	var cp Checkpoint
	if l.signed.Note != nil && l.signed.Size == l.flushedSize {
		// A rebuilt tree that reached the recorded checkpoint: hand out
		// the note already signed.
		cp = l.signed
	} else {
		root, err := l.rootLocked()
		if err != nil {
			return Checkpoint{}, err
		}
		if cp, err = signCheckpoint(l.key, l.flushedSize, root); err != nil {
			return Checkpoint{}, err
		}
		if err := l.recordLocked(cp); err != nil {
			return Checkpoint{}, err
		}
	}
	if _, err := l.db.ExecContext(ctx, `INSERT OR IGNORE INTO checkpoints (size, note) VALUES (?, ?)`, cp.Size, cp.Note); err != nil {
		return Checkpoint{}, fmt.Errorf("log: store checkpoint at size %d: %w", cp.Size, fullErr(err))
	}
	l.latest = cp
	return cp, nil
}

// rootLocked is the root of the flushed tree; l.mu is held and nothing is
// pending (a flush just ran under the same lock).
func (l *Log) rootLocked() ([]byte, error) {
	if l.rng.End() == 0 {
		return hasher.EmptyRoot(), nil
	}
	if l.rng.End() != l.flushedSize {
		return nil, fmt.Errorf("log: %d leaves added but %d flushed", l.rng.End(), l.flushedSize)
	}
	return l.rng.GetRootHash(nil)
}

// CheckpointAt returns the stored signed checkpoint of tree size size, or an
// error wrapping ErrNotInLog if none was signed at that size.
func (l *Log) CheckpointAt(ctx context.Context, size uint64) (Checkpoint, error) {
	var note []byte
	err := l.db.QueryRowContext(ctx, `SELECT note FROM checkpoints WHERE size = ?`, size).Scan(&note)
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, fmt.Errorf("no checkpoint was signed at size %d: %w", size, ErrNotInLog)
	}
	if err != nil {
		return Checkpoint{}, fmt.Errorf("log: checkpoint at size %d: %w", size, err)
	}
	return openCheckpoint(note, l.key.Verifier)
}

// Checkpoints returns every stored checkpoint in size order.
func (l *Log) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT note FROM checkpoints ORDER BY size`)
	if err != nil {
		return nil, fmt.Errorf("log: checkpoints: %w", err)
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		var note []byte
		if err := rows.Scan(&note); err != nil {
			return nil, fmt.Errorf("log: checkpoints: %w", err)
		}
		cp, err := openCheckpoint(note, l.key.Verifier)
		if err != nil {
			return nil, err
		}
		out = append(out, cp)
	}
	return out, rows.Err()
}

// Leaf returns the place of the event id in the log, or an error wrapping
// ErrNotInLog.
func (l *Log) Leaf(ctx context.Context, id uuid.UUID) (Leaf, error) {
	var (
		idx, pos uint64
		h        []byte
	)
	err := l.db.QueryRowContext(ctx, `SELECT idx, position, hash FROM leaves WHERE event_id = ?`, id[:]).Scan(&idx, &pos, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return Leaf{}, fmt.Errorf("event %s: %w", id, ErrNotInLog)
	}
	if err != nil {
		return Leaf{}, fmt.Errorf("log: event %s: %w", id, err)
	}
	return Leaf{Index: idx, EventID: id, Position: pos, Hash: hex.EncodeToString(h)}, nil
}

// ReadLeaves returns up to limit leaves from index from on, in order: what
// verify compares with the events.
func (l *Log) ReadLeaves(ctx context.Context, from uint64, limit int) ([]Leaf, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT idx, event_id, position, hash FROM leaves WHERE idx >= ? ORDER BY idx LIMIT ?`, from, limit)
	if err != nil {
		return nil, fmt.Errorf("log: leaves from %d: %w", from, err)
	}
	defer rows.Close()
	var out []Leaf
	for rows.Next() {
		var (
			lf    Leaf
			id, h []byte
		)
		if err := rows.Scan(&lf.Index, &id, &lf.Position, &h); err != nil {
			return nil, fmt.Errorf("log: leaves: %w", err)
		}
		if lf.EventID, err = uuid.FromBytes(id); err != nil {
			return nil, fmt.Errorf("log: leaf %d: event id: %w", lf.Index, err)
		}
		lf.Hash = hex.EncodeToString(h)
		out = append(out, lf)
	}
	return out, rows.Err()
}

// RootAt is the root hash of the tree's first size leaves.
func (l *Log) RootAt(ctx context.Context, size uint64) ([]byte, error) {
	if err := l.checkSize(size); err != nil {
		return nil, err
	}
	return l.rootAt(ctx, size)
}

// rootAt is RootAt for a size the file holds, computed from the file
// alone: it takes no lock.
func (l *Log) rootAt(ctx context.Context, size uint64) ([]byte, error) {
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	ids := compact.RangeNodes(0, size, nil)
	hashes := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := l.nodeHash(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("log: root at size %d: %w", size, err)
		}
		hashes[i] = h
	}
	r, err := rangeFactory.NewRange(0, size, hashes)
	if err != nil {
		return nil, fmt.Errorf("log: root at size %d: %w", size, err)
	}
	return r.GetRootHash(nil)
}

func (l *Log) checkSize(size uint64) error {
	if n := l.Size(); size > n {
		return fmt.Errorf("tree size %d: the log holds %d leaves: %w", size, n, ErrNotInLog)
	}
	return nil
}

// InclusionProof returns the hashes proving leaf index is in the tree of
// size size.
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	if err := l.checkSize(size); err != nil {
		return nil, err
	}
	if index >= size {
		return nil, fmt.Errorf("leaf %d is not in a tree of size %d: %w", index, size, ErrNotInLog)
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("log: inclusion of %d in %d: %w", index, size, err)
	}
	return l.rehash(ctx, nodes)
}

// ConsistencyProof returns the hashes proving the tree of size from is a
// prefix of the tree of size to.
func (l *Log) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	if err := l.checkSize(to); err != nil {
		return nil, err
	}
	if from > to {
		return nil, fmt.Errorf("consistency from size %d to the smaller %d: %w", from, to, domain.ErrInvalid)
	}
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		return nil, fmt.Errorf("log: consistency of %d and %d: %w", from, to, err)
	}
	return l.rehash(ctx, nodes)
}

func (l *Log) rehash(ctx context.Context, nodes proof.Nodes) ([][]byte, error) {
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		h, err := l.nodeHash(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("log: proof: %w", err)
		}
		hashes[i] = h
	}
	out, err := nodes.Rehash(hashes, hasher.HashChildren)
	if err != nil {
		return nil, fmt.Errorf("log: proof: %w", err)
	}
	return out, nil
}
