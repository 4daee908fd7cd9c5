package service

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// streamCache keeps the folded state of recently written streams, so that a
// command reads only the events appended since the last one (by this
// process or another) instead of the whole stream. An entry is read and
// changed only by the holder of its stream's lock.
type streamCache struct {
	max int
	mu  sync.Mutex
	m   map[string]*streamState
}

type streamState struct {
	state   folder
	version uint64               // events folded: the next revision
	ids     map[uuid.UUID]uint64 // event id → revision, to recognise retries
	stale   bool                 // never read from the store yet
}

func newStreamCache(max int) *streamCache {
	return &streamCache{max: max, m: make(map[string]*streamState)}
}

// current returns stream's state. A state this cache has never read, or
// one refresh asks for, is caught up with the store first, and fresh says
// so; otherwise it is what this process last appended.
func (c *streamCache) current(ctx context.Context, store domain.EventStore, stream string, newState func() folder, refresh bool) (st *streamState, fresh bool, err error) {
	c.mu.Lock()
	st = c.m[stream]
	if st == nil {
		if len(c.m) >= c.max {
			for k := range c.m { // evict one at random; a miss costs a read
				delete(c.m, k)
				break
			}
		}
		st = &streamState{state: newState(), ids: make(map[uuid.UUID]uint64), stale: true}
		c.m[stream] = st
	}
	c.mu.Unlock()
	if !refresh && !st.stale {
		return st, false, nil
	}
	evs, err := store.ReadStream(ctx, stream, st.version, 0)
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", stream, err)
	}
	if err := st.apply(evs); err != nil {
		c.forget(stream)
		return nil, false, err
	}
	st.stale = false
	return st, true, nil
}

func (st *streamState) apply(evs []domain.RecordedEvent) error {
	for _, e := range evs {
		if err := st.state.Apply(e); err != nil {
			return fmt.Errorf("fold %s: %w", e.Stream, err)
		}
		st.ids[e.ID] = e.Revision
		st.version = e.Revision + 1
	}
	return nil
}

// appended folds events this process just appended.
func (c *streamCache) appended(stream string, st *streamState, recs []domain.RecordedEvent) {
	if err := st.apply(recs); err != nil {
		c.forget(stream) // the next command folds the stream afresh
	}
}

func (c *streamCache) forget(stream string) {
	c.mu.Lock()
	delete(c.m, stream)
	c.mu.Unlock()
}

// sharedCache keeps the states of standards and schools, which many commands
// read at once. A state is never changed after it is cached: when its stream
// grows, a new state is folded and replaces it, so readers need no lock.
type sharedCache struct {
	mu        sync.Mutex
	standards map[string]*domain.StandardState
	schools   map[string]*domain.SchoolState
}

func newSharedCache() *sharedCache {
	return &sharedCache{standards: make(map[string]*domain.StandardState), schools: make(map[string]*domain.SchoolState)}
}

func (c *sharedCache) standard(ctx context.Context, store domain.EventStore, id string) (*domain.StandardState, error) {
	c.mu.Lock()
	cached := c.standards[id]
	c.mu.Unlock()
	st, err := refresh(ctx, store, domain.StandardStream(id), cached, func() *domain.StandardState { return &domain.StandardState{} },
		func(s *domain.StandardState) uint64 { return s.Version })
	if err != nil {
		return nil, err
	}
	if st != cached {
		c.mu.Lock()
		c.standards[id] = st
		c.mu.Unlock()
	}
	return st, nil
}

func (c *sharedCache) school(ctx context.Context, store domain.EventStore, id string) (*domain.SchoolState, error) {
	c.mu.Lock()
	cached := c.schools[id]
	c.mu.Unlock()
	st, err := refresh(ctx, store, domain.SchoolStream(id), cached, func() *domain.SchoolState { return &domain.SchoolState{} },
		func(s *domain.SchoolState) uint64 { return s.Version })
	if err != nil {
		return nil, err
	}
	if st != cached {
		c.mu.Lock()
		c.schools[id] = st
		c.mu.Unlock()
	}
	return st, nil
}

// refresh returns cached if the stream has not grown since it was folded,
// else a state folded afresh from the whole (short) stream.
func refresh[S folder](ctx context.Context, store domain.EventStore, stream string, cached S, empty func() S, version func(S) uint64) (S, error) {
	var from uint64
	var zero S
	isNil := any(cached) == any(zero)
	if !isNil {
		from = version(cached)
		// A store that knows the stream's head spares a query per command.
		if sv, ok := store.(domain.StreamVersioner); ok {
			if v, known := sv.StreamVersion(stream); known && v == from {
				return cached, nil
			}
		}
	}
	newer, err := store.ReadStream(ctx, stream, from, 1)
	if err != nil {
		return zero, fmt.Errorf("read %s: %w", stream, err)
	}
	if !isNil && len(newer) == 0 {
		return cached, nil
	}
	evs, err := store.ReadStream(ctx, stream, 0, 0)
	if err != nil {
		return zero, fmt.Errorf("read %s: %w", stream, err)
	}
	return foldInto(empty(), evs)
}
