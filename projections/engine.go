package projections

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/masteryledger/ledger/domain"
)

// Model is a read model fed the global order, one event at a time. It must
// be safe for its readers while Apply runs.
type Model interface {
	Apply(e domain.RecordedEvent) error
}

// Subscriber is what an Engine needs of a store.
type Subscriber interface {
	Subscribe(ctx context.Context, after uint64, handle func(domain.RecordedEvent) error) error
}

// Engine follows a store's global order into a Model and keeps the position
// it has applied, so readers can wait for their own writes.
type Engine struct {
	src   Subscriber
	model Model

	mu       sync.Mutex
	position uint64
	// waiters are the WaitFor calls not yet answered. Each is woken once,
	// when its position is applied: a channel that every advance closed
	// would wake every waiter at every event, and a commit of ten events
	// with ten writers waiting on them cost up to a hundred wake-ups.
	waiters []waiter
	// nextWake is the lowest position a waiter waits for, so that an
	// event no one waits for (most of a rebuild) scans no waiters.
	nextWake uint64
}

type waiter struct {
	pos  uint64
	done chan struct{}
}

// NewEngine returns an engine that feeds model every event after position
// from. A model rebuilt from nothing starts at 0.
func NewEngine(src Subscriber, model Model, from uint64) *Engine {
	return &Engine{src: src, model: model, position: from}
}

// Run follows the store until ctx ends (returning ctx.Err()) or the model
// refuses an event (returning that error, wrapped with the event's
// position). A model that refuses an event is stuck: the events are the
// truth, so the model is wrong and must be fixed, not the feed skipped.
func (e *Engine) Run(ctx context.Context) error {
	err := e.src.Subscribe(ctx, e.Position(), func(ev domain.RecordedEvent) error {
		if err := e.model.Apply(ev); err != nil {
			return fmt.Errorf("projection: event %s at position %d: %w", ev.ID, ev.Position, err)
		}
		e.advance(ev.Position)
		return nil
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (e *Engine) advance(pos uint64) {
	e.mu.Lock()
	e.position = pos
	if len(e.waiters) > 0 && pos >= e.nextWake {
		kept := e.waiters[:0]
		e.nextWake = math.MaxUint64
		for _, w := range e.waiters {
			if w.pos <= pos {
				close(w.done)
			} else {
				kept = append(kept, w)
				e.nextWake = min(e.nextWake, w.pos)
			}
		}
		clear(e.waiters[len(kept):])
		e.waiters = kept
	}
	e.mu.Unlock()
}

// Position is the global position of the last event applied: the
// checkpoint.
func (e *Engine) Position() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.position
}

// WaitFor blocks until the engine has applied position pos, so a client
// reads its own write, or ctx ends.
func (e *Engine) WaitFor(ctx context.Context, pos uint64) error {
	e.mu.Lock()
	if e.position >= pos {
		e.mu.Unlock()
		return nil
	}
	w := waiter{pos: pos, done: make(chan struct{})}
	if len(e.waiters) == 0 || pos < e.nextWake {
		e.nextWake = pos
	}
	e.waiters = append(e.waiters, w)
	e.mu.Unlock()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		e.mu.Lock()
		defer e.mu.Unlock()
		if i := slices.IndexFunc(e.waiters, func(o waiter) bool { return o.done == w.done }); i >= 0 {
			e.waiters = slices.Delete(e.waiters, i, i+1)
		} else {
			return nil // reached while ctx ended: the position is applied
		}
		return fmt.Errorf("wait for projection to reach position %d: %w", pos, ctx.Err())
	}
}

// Reader is what Rebuild needs of a store.
type Reader interface {
	ReadAll(ctx context.Context, after uint64, limit int) ([]domain.RecordedEvent, error)
}

// Rebuild feeds model every stored event from the start, page by page, and
// returns the last position applied.
func Rebuild(ctx context.Context, src Reader, model Model) (uint64, error) {
	const page = 10_000
	var last uint64
	for {
		evs, err := src.ReadAll(ctx, last, page)
		if err != nil {
			return last, fmt.Errorf("rebuild after position %d: %w", last, err)
		}
		for _, ev := range evs {
			if err := model.Apply(ev); err != nil {
				return last, fmt.Errorf("rebuild: event %s at position %d: %w", ev.ID, ev.Position, err)
			}
			last = ev.Position
		}
		if len(evs) < page {
			return last, nil
		}
	}
}

// DecodedModel is a Model that can take an event already decoded, so that
// several models fed one feed parse each event's JSON once.
type DecodedModel interface {
	Model
	// ApplyDecoded applies e, whose payload ev is domain.DecodeEvent(e).
	ApplyDecoded(e domain.RecordedEvent, ev domain.Event) error
}

// Models feeds one event to several models in order, so one engine (one
// subscription, one checkpoint) serves them all. It decodes each event once
// for the models that take decoded events.
type Models []Model

// Apply implements Model.
func (ms Models) Apply(e domain.RecordedEvent) error {
	var (
		ev      domain.Event
		decoded bool
	)
	for _, m := range ms {
		dm, ok := m.(DecodedModel)
		if !ok {
			if err := m.Apply(e); err != nil {
				return err
			}
			continue
		}
		if !decoded {
			var err error
			if ev, err = domain.DecodeEvent(e); err != nil {
				return fmt.Errorf("event %s: %w", e.ID, err)
			}
			decoded = true
		}
		if err := dm.ApplyDecoded(e, ev); err != nil {
			return err
		}
	}
	return nil
}
