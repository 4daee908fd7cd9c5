package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// The readers' statements, prepared once (Store.openDBs).
const (
	readStreamSQL = `SELECT ` + columns + ` FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`
	readAllSQL    = `SELECT ` + columns + ` FROM events WHERE position > ? ORDER BY position LIMIT ?`
)

// subscribePage is how many events a subscription reads per query while it
// catches up.
const subscribePage = 512

// ReadStream implements domain.EventStore.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]domain.RecordedEvent, error) {
	if from > math.MaxInt64 {
		return nil, nil
	}
	rows, err := s.streamStmt.QueryContext(ctx, stream, int64(from), sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", stream, s.readErr(ctx, err))
	}
	evs, err := scanEvents(rows, 0)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", stream, s.readErr(ctx, err))
	}
	if from == 0 && limit <= 0 && len(evs) > 0 {
		// The whole stream: its head as of this read.
		s.mu.Lock()
		s.noteVersion(stream, uint64(len(evs)))
		s.mu.Unlock()
	}
	return evs, nil
}

// ReadAll implements domain.EventStore.
func (s *Store) ReadAll(ctx context.Context, after uint64, limit int) ([]domain.RecordedEvent, error) {
	if after >= math.MaxInt64 {
		return nil, nil
	}
	// Positions are dense and an event is visible before lastPos counts it,
	// so the query returns at least this many: room for them is made once.
	var hint uint64
	if last := s.lastPos.Load(); last > after {
		hint = last - after
		if limit > 0 {
			hint = min(hint, uint64(limit))
		}
	}
	rows, err := s.allStmt.QueryContext(ctx, int64(after), sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("read all after %d: %w", after, s.readErr(ctx, err))
	}
	evs, err := scanEvents(rows, hint)
	if err != nil {
		return nil, fmt.Errorf("read all after %d: %w", after, s.readErr(ctx, err))
	}
	return evs, nil
}

// Subscribe implements domain.EventStore. It reads pages after the last
// position it delivered and, once caught up, waits for the writer's next
// commit. Because it always resumes by position and the writer commits in
// position order, the switch from history to live can neither skip nor
// repeat an event.
func (s *Store) Subscribe(ctx context.Context, after uint64, handle func(domain.RecordedEvent) error) error {
	last := after
	for {
		// Take the notifier before reading, so a commit that lands between
		// the read and the wait still wakes us.
		changed := s.notifier()
		evs, inMemory := s.recentAfter(last, subscribePage)
		var err error
		if !inMemory {
			evs, err = s.ReadAll(ctx, last, subscribePage)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("subscribe after %d: %w", last, err)
		}
		for _, e := range evs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := handle(e); err != nil {
				return fmt.Errorf("subscription handler at position %d: %w", e.Position, err)
			}
			last = e.Position
		}
		if len(evs) == subscribePage {
			continue
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closing:
			return fmt.Errorf("subscribe after %d: %w", last, domain.ErrClosed)
		}
	}
}

// readErr prefers the context's error, so callers can test for cancellation,
// and reports a closed store as ErrClosed.
func (s *Store) readErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	select {
	case <-s.closing:
		return fmt.Errorf("%w: %w", domain.ErrClosed, err)
	default:
		return err
	}
}

func sqlLimit(limit int) int64 {
	if limit <= 0 {
		return -1 // SQLite: no limit
	}
	return int64(limit)
}

// scanEvents reads every row and closes rows. hint, if not 0, is how many
// rows are expected.
func scanEvents(rows *sql.Rows, hint uint64) ([]domain.RecordedEvent, error) {
	defer rows.Close()
	var out []domain.RecordedEvent
	if hint > 0 {
		out = make([]domain.RecordedEvent, 0, hint)
	}
	for rows.Next() {
		var (
			e                  domain.RecordedEvent
			id, occ, rec, data string
			pos, rev           int64
		)
		if err := rows.Scan(&pos, &id, &e.Stream, &rev, &e.Type, &occ, &rec, &e.Actor.Role, &e.Actor.Name, &data, &e.PrevHash, &e.Hash, &e.Salt); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		var err error
		if e.ID, err = uuid.Parse(id); err != nil {
			return nil, fmt.Errorf("event at position %d: stored id %q: %w", pos, id, err)
		}
		if e.OccurredAt, err = time.Parse(time.RFC3339Nano, occ); err != nil {
			return nil, fmt.Errorf("event %s: stored occurred_at %q: %w", id, occ, err)
		}
		if e.RecordedAt, err = time.Parse(time.RFC3339Nano, rec); err != nil {
			return nil, fmt.Errorf("event %s: stored recorded_at %q: %w", id, rec, err)
		}
		e.Position, e.Revision = uint64(pos), uint64(rev)
		e.Data = []byte(data)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}
