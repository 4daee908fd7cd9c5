package esdb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	esdbc "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/masteryledger/ledger/domain"
)

// ReadStream implements domain.EventStore.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]domain.RecordedEvent, error) {
	op := "read stream " + stream
	if err := s.checkStream(op, stream); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if from > math.MaxInt64 {
		return nil, nil // beyond any revision the server can hold
	}
	var out []domain.RecordedEvent
	err := s.run(ctx, func(ctx context.Context, c *esdbc.Client) error {
		var err error
		out, err = s.readStream(ctx, c, stream, from, limit)
		return err
	})
	if err != nil {
		return nil, wrapOp(op, err)
	}
	return out, nil
}

// readStream reads up to limit events of stream from revision from on
// (limit <= 0: all). A stream that does not exist reads as empty.
func (s *Store) readStream(ctx context.Context, c *esdbc.Client, stream string, from uint64, limit int) ([]domain.RecordedEvent, error) {
	count := uint64(math.MaxUint64)
	if limit > 0 {
		count = uint64(limit)
	}
	what := "read stream " + stream
	rs, err := c.ReadStream(ctx, s.serverName(stream), esdbc.ReadStreamOptions{Direction: esdbc.Forwards, From: esdbc.Revision(from)}, count)
	if err != nil {
		return nil, s.fail(ctx, c, err, what)
	}
	defer rs.Close()
	var out []domain.RecordedEvent
	for {
		ev, err := rs.Recv()
		switch {
		case isEOF(err):
			return out, nil
		case isStreamNotFound(err):
			return nil, nil
		case err != nil:
			return nil, s.fail(ctx, c, err, what)
		}
		e := ev.OriginalEvent()
		if e == nil {
			return nil, fmt.Errorf("%s: the server sent a read result without an event", what)
		}
		rec, err := s.decode(e)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, rec)
	}
}

// ReadAll implements domain.EventStore. It reads $all forwards from the
// event at after (see docs/esdb.md for the mapping of positions), keeping
// the ledger's streams in this store's namespace and leaving out system
// streams and events. If after is not the position of an event, which the
// server refuses to start at, it first finds the last event before it.
func (s *Store) ReadAll(ctx context.Context, after uint64, limit int) ([]domain.RecordedEvent, error) {
	op := fmt.Sprintf("read all after %d", after)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var out []domain.RecordedEvent
	err := s.run(ctx, func(ctx context.Context, c *esdbc.Client) error {
		var from esdbc.AllPosition = esdbc.Start{}
		if after > 0 {
			from = fromPosition(after)
		}
		var err error
		out, err = s.readAll(ctx, c, from, after, limit)
		if err != nil && after > 0 && isInvalidPosition(err) {
			if from, err = s.locate(ctx, c, after); err != nil {
				return err
			}
			out, err = s.readAll(ctx, c, from, after, limit)
		}
		return err
	})
	if err != nil {
		return nil, wrapOp(op, err)
	}
	return out, nil
}

// readAll reads $all forwards from from (inclusive) and keeps up to limit of
// the ledger's events with a position after after.
func (s *Store) readAll(ctx context.Context, c *esdbc.Client, from esdbc.AllPosition, after uint64, limit int) ([]domain.RecordedEvent, error) {
	const what = "read $all"
	rs, err := c.ReadAll(ctx, esdbc.ReadAllOptions{Direction: esdbc.Forwards, From: from}, math.MaxUint64)
	if err != nil {
		return nil, s.fail(ctx, c, err, what)
	}
	defer rs.Close()
	var out []domain.RecordedEvent
	last := after
	for {
		ev, err := rs.Recv()
		switch {
		case isEOF(err):
			return out, nil
		case err != nil:
			return nil, s.fail(ctx, c, err, what)
		}
		rec, ok, err := s.ledgerEvent(ev)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if !ok || rec.Position <= after {
			continue
		}
		if rec.Position <= last {
			return nil, fmt.Errorf("%s: position %d came after %d", what, rec.Position, last)
		}
		last = rec.Position
		out = append(out, rec)
		if limit > 0 && len(out) >= limit {
			return out, nil
		}
	}
}

// ledgerEvent decodes an event of $all if it belongs to the ledger in this
// namespace; ok is false for anything else (system streams and events,
// links, other namespaces, other applications' streams).
func (s *Store) ledgerEvent(ev *esdbc.ResolvedEvent) (rec domain.RecordedEvent, ok bool, err error) {
	e := ev.OriginalEvent()
	if e == nil || !s.ours(e.StreamID) || strings.HasPrefix(e.EventType, "$") {
		return domain.RecordedEvent{}, false, nil
	}
	rec, err = s.decode(e)
	if err != nil {
		return domain.RecordedEvent{}, false, err
	}
	return rec, true, nil
}

// locate finds where to start reading or subscribing so that the first
// event after after comes next: the event at after itself if there is one,
// else the last event before it, else the start of $all. A subscription's
// start is exclusive because the server skips the first event at or after
// it, so the start must be an event: a position that is not would make the
// server skip the event after it.
func (s *Store) locate(ctx context.Context, c *esdbc.Client, after uint64) (esdbc.AllPosition, error) {
	const what = "find a start in $all"
	at := fromPosition(after)
	rs, err := c.ReadAll(ctx, esdbc.ReadAllOptions{Direction: esdbc.Forwards, From: at}, 1)
	if err != nil {
		return nil, s.fail(ctx, c, err, what)
	}
	ev, err := rs.Recv()
	rs.Close()
	switch {
	case err == nil:
		if e := ev.OriginalEvent(); e != nil && e.Position == at {
			return at, nil
		}
	case isEOF(err), isInvalidPosition(err):
	default:
		return nil, s.fail(ctx, c, err, what)
	}

	// Scan back from the end for the last event before it. after is then
	// not a position this store handed out, so this is rare; its cost is
	// the number of events after it.
	rs, err = c.ReadAll(ctx, esdbc.ReadAllOptions{Direction: esdbc.Backwards, From: esdbc.End{}}, math.MaxUint64)
	if err != nil {
		return nil, s.fail(ctx, c, err, what)
	}
	defer rs.Close()
	for {
		ev, err := rs.Recv()
		switch {
		case isEOF(err):
			return esdbc.Start{}, nil
		case err != nil:
			return nil, s.fail(ctx, c, err, what)
		}
		if e := ev.OriginalEvent(); e != nil && e.Position.Commit <= at.Commit {
			return e.Position, nil
		}
	}
}

// Subscribe implements domain.EventStore with a catch-up subscription to
// $all, filtered on the server by the ledger's stream prefixes. If the
// server drops the subscription, it subscribes again after the last event it
// delivered, so nothing is skipped or repeated; it gives up after
// Options.MaxResubscribes attempts in a row that deliver nothing. It returns
// ctx's error when ctx ends, domain.ErrClosed when the store closes, and the
// handler's error wrapped.
func (s *Store) Subscribe(ctx context.Context, after uint64, handle func(domain.RecordedEvent) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.life, cancel)()

	last := after
	fruitless := 0
	for {
		sub, release, err := s.subscribe(ctx, last)
		if err == nil {
			var progressed bool
			var fatal error
			progressed, fatal, err = s.pump(ctx, sub, &last, handle)
			sub.Close()
			release()
			if fatal != nil {
				return fatal
			}
			if progressed {
				fruitless = 0
			}
		}
		switch {
		case s.life.Err() != nil || errors.Is(err, domain.ErrClosed):
			return fmt.Errorf("subscribe after %d: %w", last, domain.ErrClosed)
		case ctx.Err() != nil:
			return ctx.Err()
		}
		fruitless++
		if fruitless > s.opts.MaxResubscribes {
			return fmt.Errorf("subscribe after %d: %d subscriptions in a row failed or were dropped before delivering anything: %w", last, fruitless, err)
		}
		s.opts.Logger.Warn("eventstoredb subscription dropped; subscribing again", "after", last, "err", err)
		if fruitless > 1 {
			// The error is ctx's, which the next round reports.
			_ = s.opts.Sleep(ctx, min(50*time.Millisecond<<(fruitless-2), 5*time.Second))
		}
	}
}

// subscribe opens a subscription after the event at position after. The
// client may block without watching ctx while it looks for a node, so the
// work runs on a goroutine of its own. release must be called once the
// subscription is closed.
func (s *Store) subscribe(ctx context.Context, after uint64) (sub *esdbc.Subscription, release func(), err error) {
	c, err := s.begin()
	if err != nil {
		return nil, nil, err
	}
	type opened struct {
		sub *esdbc.Subscription
		err error
	}
	result := make(chan opened, 1)
	ctx = leaderOnly(ctx)
	go func() {
		var from esdbc.AllPosition = esdbc.Start{}
		if after > 0 {
			var err error
			if from, err = s.locate(ctx, c, after); err != nil {
				result <- opened{err: err}
				return
			}
		}
		sub, err := c.SubscribeToAll(ctx, esdbc.SubscribeToAllOptions{
			From:   from,
			Filter: &esdbc.SubscriptionFilter{Type: esdbc.StreamFilterType, Prefixes: s.prefix},
		})
		if err != nil {
			err = s.fail(ctx, c, err, fmt.Sprintf("subscribe after %d", after))
		}
		result <- opened{sub: sub, err: err}
	}()
	select {
	case r := <-result:
		if r.err != nil {
			s.end(c)
			return nil, nil, r.err
		}
		return r.sub, func() { s.end(c) }, nil
	case <-ctx.Done():
		go func() {
			if r := <-result; r.sub != nil {
				r.sub.Close()
			}
			s.end(c)
		}()
		return nil, nil, ctx.Err()
	}
}

// pump hands the subscription's events to handle until it drops (dropped),
// the handler fails or an event cannot be decoded (fatal). progressed
// reports whether it delivered anything.
func (s *Store) pump(ctx context.Context, sub *esdbc.Subscription, last *uint64, handle func(domain.RecordedEvent) error) (progressed bool, fatal, dropped error) {
	for {
		ev := sub.Recv()
		switch {
		case ev.SubscriptionDropped != nil:
			return progressed, nil, ev.SubscriptionDropped.Error
		case ev.EventAppeared != nil:
			rec, ok, err := s.ledgerEvent(ev.EventAppeared)
			if err != nil {
				return progressed, fmt.Errorf("subscribe after %d: %w", *last, err), nil
			}
			if !ok || rec.Position <= *last {
				continue
			}
			if err := ctx.Err(); err != nil {
				return progressed, nil, err
			}
			if err := handle(rec); err != nil {
				return progressed, fmt.Errorf("subscription handler at position %d: %w", rec.Position, err), nil
			}
			*last = rec.Position
			progressed = true
		}
		// Checkpoints, caught-up and fell-behind notices need nothing: the
		// position to resume from is the last event delivered.
	}
}

// wrapOp adds the operation to the bare errors run returns when the caller
// stops waiting; other errors already say what failed.
func wrapOp(op string, err error) error {
	if err == domain.ErrClosed || err == context.Canceled || err == context.DeadlineExceeded {
		return fmt.Errorf("%s: %w", op, err)
	}
	return err
}

// LastPosition is the position of the last of the ledger's events in this
// namespace, 0 if there is none: what a node's read models must reach
// before it serves, and the head its lag is measured from. It reads $all
// backwards from the end until it meets one; the records after the last
// ledger event are few (an append's claims come before its events), unless
// another application writes to the same server.
func (s *Store) LastPosition(ctx context.Context) (uint64, error) {
	const op = "find the last position"
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	var last uint64
	err := s.run(ctx, func(ctx context.Context, c *esdbc.Client) error {
		rs, err := c.ReadAll(ctx, esdbc.ReadAllOptions{Direction: esdbc.Backwards, From: esdbc.End{}}, math.MaxUint64)
		if err != nil {
			return s.fail(ctx, c, err, op)
		}
		defer rs.Close()
		for {
			ev, err := rs.Recv()
			switch {
			case isEOF(err):
				last = 0
				return nil
			case err != nil:
				return s.fail(ctx, c, err, op)
			}
			rec, ok, err := s.ledgerEvent(ev)
			if err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			if ok {
				last = rec.Position
				return nil
			}
		}
	})
	if err != nil {
		return 0, wrapOp(op, err)
	}
	return last, nil
}
