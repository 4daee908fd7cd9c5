package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/masteryledger/ledger/domain"
)

type appendReq struct {
	ctx      context.Context
	stream   string
	expected domain.ExpectedRevision
	events   []domain.EventData
	done     chan appendResult // buffered: the writer never blocks on it
}

type appendResult struct {
	events []domain.RecordedEvent
	err    error
}

// Append implements domain.EventStore.
//
// If ctx ends while the append waits for its commit, Append returns ctx.Err()
// and the events may or may not be stored: retrying with the same ids is safe.
func (s *Store) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events ...domain.EventData) ([]domain.RecordedEvent, error) {
	req, err := newAppendReq(ctx, stream, expected, events)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("append to %s: %w", stream, err)
	}
	if s.readOnly {
		return nil, fmt.Errorf("append to %s: store %s: %w", stream, s.dir, ErrReadOnly)
	}
	select {
	case s.reqs <- req:
	case <-s.closing:
		return nil, fmt.Errorf("append to %s: %w", stream, domain.ErrClosed)
	case <-ctx.Done():
		return nil, fmt.Errorf("append to %s: %w", stream, ctx.Err())
	}
	select {
	case res := <-req.done:
		return res.events, res.err
	case <-ctx.Done():
		return nil, fmt.Errorf("append to %s: %w", stream, ctx.Err())
	}
}

// newAppendReq checks and normalises everything that needs no stored state,
// on the caller's goroutine, so the writer spends its time on what only it
// can do.
func newAppendReq(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.EventData) (*appendReq, error) {
	if stream == "" {
		return nil, fmt.Errorf("append: empty stream name: %w", domain.ErrInvalid)
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("append to %s: no events: %w", stream, domain.ErrInvalid)
	}
	if expected == nil {
		return nil, fmt.Errorf("append to %s: no expected revision: %w", stream, domain.ErrInvalid)
	}
	norm := make([]domain.EventData, len(events))
	seen := make(map[string]struct{}, len(events))
	for i, e := range events {
		n, err := e.Normalize()
		if err != nil {
			return nil, fmt.Errorf("append to %s: event %d: %w", stream, i, err)
		}
		id := n.ID.String()
		if _, dup := seen[id]; dup {
			return nil, fmt.Errorf("append to %s: event id %s appears twice in one append: %w", stream, id, domain.ErrInvalid)
		}
		seen[id] = struct{}{}
		norm[i] = n
	}
	return &appendReq{ctx: ctx, stream: stream, expected: expected, events: norm, done: make(chan appendResult, 1)}, nil
}

// writeLoop is the only writer. It takes one pending append, gathers every
// other append already waiting, and commits them together.
func (s *Store) writeLoop() {
	defer close(s.stopped)
	w := &writer{s: s, heads: make(map[string]head), known: make(map[string]head)}
	for {
		select {
		case r := <-s.reqs:
			batch := []*appendReq{r}
		gather:
			for len(batch) < s.opts.MaxBatch {
				select {
				case r := <-s.reqs:
					batch = append(batch, r)
				default:
					break gather
				}
			}
			w.commit(batch)
		case <-s.closing:
			return
		}
	}
}

// The writer's statements, prepared once (Store.openDBs).
const (
	insertSQL = `INSERT INTO events (` + columns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`
	byIDSQL   = `SELECT ` + columns + ` FROM events WHERE event_id = ?`
	headSQL   = `SELECT revision, hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1`
)

// txStmts are the writer's statements bound to one transaction.
type txStmts struct{ insert, byID, head *sql.Stmt }

// maxKnownHeads bounds the stream heads the writer keeps between batches
// (one batch may bring more).
const maxKnownHeads = 1024

type head struct {
	revision int64 // domain.NoRevision if the stream is new
	hash     string
}

type writer struct {
	s     *Store
	heads map[string]head // stream heads read or written in the current batch
	// known holds stream heads as committed batches left them. Only the
	// writer writes, so they are still the stored heads, and a stream that
	// is appended to again needs no look-up. It forgets everything when it
	// would outgrow maxKnownHeads, and when a commit fails.
	known map[string]head
	// lastRecorded keeps recordedAt from going backwards in position order
	// when the wall clock steps back, so "as of" queries stay consistent.
	lastRecorded time.Time
}

func (w *writer) commit(batch []*appendReq) {
	ctx := context.Background()
	start := time.Now()
	results := make([]appendResult, len(batch))
	nextPos := w.s.lastPos.Load() + 1
	firstPos := nextPos
	lastRecorded := w.lastRecorded
	clear(w.heads)

	err := func() error {
		tx, err := w.s.wdb.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
		// The statements are prepared on the connection once; binding them
		// to the transaction costs no new prepare. They close with it.
		st := txStmts{
			insert: tx.StmtContext(ctx, w.s.insertStmt),
			byID:   tx.StmtContext(ctx, w.s.byIDStmt),
			head:   tx.StmtContext(ctx, w.s.headStmt),
		}
		for i, r := range batch {
			if err := r.ctx.Err(); err != nil {
				results[i].err = fmt.Errorf("append to %s: %w", r.stream, err)
				continue
			}
			evs, err := w.apply(ctx, st, r, &nextPos, &lastRecorded)
			if err != nil && !isRefusal(err) {
				return err
			}
			results[i] = appendResult{events: evs, err: err}
		}
		if nextPos == firstPos {
			return nil // nothing written: no sync needed
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}()

	stats := CommitStats{Appends: len(batch), Events: int(nextPos - firstPos), Duration: time.Since(start), Err: err}
	if err != nil {
		// A full disk refuses the batch whole (the transaction rolled
		// back); the typed error lets callers say "retry later".
		err = fmt.Errorf("append: store %s: %w", w.s.dir, w.s.fullErr(err))
		w.s.opts.Logger.Error("group commit failed", "err", err, "appends", len(batch))
		for i := range results {
			results[i] = appendResult{err: err}
		}
		stats.Events = 0
		clear(w.known)
	} else {
		if len(w.known)+len(w.heads) > maxKnownHeads {
			clear(w.known)
		}
		maps.Copy(w.known, w.heads)
	}
	if err == nil && nextPos != firstPos {
		w.s.lastPos.Store(nextPos - 1)
		w.lastRecorded = lastRecorded
		// Requests were applied in order, so their new events (not the
		// ones a retry found stored) are in position order.
		committed := make([]domain.RecordedEvent, 0, nextPos-firstPos)
		for _, r := range results {
			for _, e := range r.events {
				if r.err == nil && e.Position >= firstPos {
					committed = append(committed, e)
				}
			}
		}
		w.s.broadcast(committed)
	}
	if w.s.opts.OnCommit != nil {
		w.s.opts.OnCommit(stats)
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// refusal marks an error that refuses one append without failing the batch.
type refusal struct{ error }

func (r refusal) Unwrap() error { return r.error }

func isRefusal(err error) bool {
	var r refusal
	return errors.As(err, &r)
}

// apply checks one append against the stored state (including earlier appends
// of the same batch) and inserts its events. A refused append writes
// nothing: the refusal comes before any insert, or of an insert that the
// unique index refused before it wrote.
func (w *writer) apply(ctx context.Context, st txStmts, r *appendReq, nextPos *uint64, lastRecorded *time.Time) ([]domain.RecordedEvent, error) {
	h, err := w.head(ctx, st.head, r.stream)
	if err != nil {
		return nil, err
	}
	if len(r.events) == 1 && domain.CheckExpected(r.stream, r.expected, h.revision) == nil {
		// Most appends are one new event that fits: insert it without
		// first looking its id up. The unique index on event ids refuses
		// an id already stored, before the statement writes anything, and
		// only then is the stored event read, to answer the retry.
		evs, err := w.insert(ctx, st, r, h, nextPos, lastRecorded)
		if err == nil {
			return evs, nil
		}
		stored, lookErr := w.storedByID(ctx, st.byID, r)
		if lookErr != nil || stored == nil {
			return nil, err
		}
		return retried(r, h, stored)
	}
	stored, err := w.storedByID(ctx, st.byID, r)
	if err != nil {
		return nil, err
	}
	if stored != nil {
		return retried(r, h, stored)
	}
	if err := domain.CheckExpected(r.stream, r.expected, h.revision); err != nil {
		return nil, refusal{err}
	}
	return w.insert(ctx, st, r, h, nextPos, lastRecorded)
}

// retried answers an append whose events are stored already (as stored):
// with the stored events if it is the same append, else with a refusal.
func retried(r *appendReq, h head, stored []domain.RecordedEvent) ([]domain.RecordedEvent, error) {
	if err := domain.CheckRetry(r.stream, r.expected, h.revision, r.events, stored); err != nil {
		return nil, refusal{err}
	}
	return stored, nil
}

// insert stores r's events after head h. It advances nextPos past each
// event stored; the first that fails ends it.
func (w *writer) insert(ctx context.Context, st txStmts, r *appendReq, h head, nextPos *uint64, lastRecorded *time.Time) ([]domain.RecordedEvent, error) {
	now := domain.CanonicalTime(w.s.opts.Now())
	if now.Before(*lastRecorded) {
		now = *lastRecorded
	}
	*lastRecorded = now
	out := make([]domain.RecordedEvent, len(r.events))
	for i, e := range r.events {
		rec := domain.RecordedEvent{
			ID:         e.ID,
			Type:       e.Type,
			Stream:     r.stream,
			Revision:   uint64(h.revision + 1),
			Position:   *nextPos,
			RecordedAt: now,
			OccurredAt: e.OccurredAt,
			Actor:      e.Actor,
			PrevHash:   h.hash,
			Data:       e.Data,
		}
		if rec.OccurredAt.IsZero() {
			rec.OccurredAt = now
		}
		salt, err := newSalt()
		if err != nil {
			return nil, fmt.Errorf("record %s@%d: %w", rec.Stream, rec.Revision, err)
		}
		rec.Salt = salt
		rec.Hash = domain.EventHash(rec)
		rec = rec.WithDecodedOf(e)
		if _, err := st.insert.ExecContext(ctx,
			rec.Position, rec.ID.String(), rec.Stream, rec.Revision, rec.Type,
			domain.FormatTime(rec.OccurredAt), domain.FormatTime(rec.RecordedAt),
			rec.Actor.Role, rec.Actor.Name, string(rec.Data), rec.PrevHash, rec.Hash, rec.Salt,
		); err != nil {
			return nil, fmt.Errorf("insert %s@%d: %w", rec.Stream, rec.Revision, err)
		}
		out[i] = rec
		h = head{revision: int64(rec.Revision), hash: rec.Hash}
		*nextPos++
	}
	w.heads[r.stream] = h
	return out, nil
}

// newSalt draws a fresh salt for one event: 16 random bytes as 32
// lower-case hex digits (domain.ValidSalt). The hash covers it so that
// nobody without it, a researcher holding everything else included, can
// recompute the hash from a guessed learner id.
func newSalt() (string, error) {
	var b [domain.SaltLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("draw salt: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// storedByID returns the stored events for r's ids if every one is stored,
// nil if none is, and a refusal if only some are: an append is retried whole
// or not at all.
func (w *writer) storedByID(ctx context.Context, byID *sql.Stmt, r *appendReq) ([]domain.RecordedEvent, error) {
	var stored []domain.RecordedEvent
	for _, e := range r.events {
		rows, err := byID.QueryContext(ctx, e.ID.String())
		if err != nil {
			return nil, fmt.Errorf("look up event %s: %w", e.ID, err)
		}
		evs, err := scanEvents(rows, 0)
		if err != nil {
			return nil, fmt.Errorf("look up event %s: %w", e.ID, err)
		}
		stored = append(stored, evs...)
	}
	if len(stored) == 0 || len(stored) == len(r.events) {
		return stored, nil
	}
	s := stored[0]
	return nil, refusal{&domain.EventIDConflictError{EventID: s.ID.String(), Stream: s.Stream, Revision: s.Revision,
		Reason: fmt.Sprintf("the append stores %d of its %d events already; an append is retried whole or not at all", len(stored), len(r.events))}}
}

// head returns the last revision and hash of stream, as the batch has left
// it so far.
func (w *writer) head(ctx context.Context, headStmt *sql.Stmt, stream string) (head, error) {
	if h, ok := w.heads[stream]; ok {
		return h, nil
	}
	if h, ok := w.known[stream]; ok {
		w.heads[stream] = h
		return h, nil
	}
	var h head
	err := headStmt.QueryRowContext(ctx, stream).Scan(&h.revision, &h.hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		h = head{revision: domain.NoRevision, hash: domain.ZeroHash}
	case err != nil:
		return head{}, fmt.Errorf("read head of %s: %w", stream, err)
	}
	w.heads[stream] = h
	return h, nil
}
