package storetest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/adapters/storetest"
	"github.com/masteryledger/ledger/domain"
)

type mem struct {
	mu      sync.Mutex
	changed chan struct{}
	all     []domain.RecordedEvent
	streams map[string][]int
	ids     map[uuid.UUID]int
	gap     uint64 // position step
}

func newMem(gap uint64) *mem {
	return &mem{changed: make(chan struct{}), streams: map[string][]int{}, ids: map[uuid.UUID]int{}, gap: gap}
}

func (m *mem) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events ...domain.EventData) ([]domain.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("empty: %w", domain.ErrInvalid)
	}
	norm := make([]domain.EventData, len(events))
	for i, e := range events {
		n, err := e.Normalize()
		if err != nil {
			return nil, err
		}
		norm[i] = n
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	idx := m.streams[stream]
	// idempotency
	if i, ok := m.ids[norm[0].ID]; ok {
		first := m.all[i]
		if first.Stream == stream {
			var out []domain.RecordedEvent
			for k, e := range norm {
				r := int(first.Revision) + k
				if r >= len(idx) || m.all[idx[r]].ID != e.ID {
					out = nil
					break
				}
				if !e.SameContent(m.all[idx[r]]) {
					s := m.all[idx[r]]
					return nil, &domain.EventIDConflictError{EventID: e.ID.String(), Stream: s.Stream, Revision: s.Revision, Reason: "content"}
				}
				out = append(out, m.all[idx[r]])
			}
			if out != nil {
				return out, nil
			}
		}
	}
	for _, e := range norm {
		if i, ok := m.ids[e.ID]; ok {
			s := m.all[i]
			return nil, &domain.EventIDConflictError{EventID: e.ID.String(), Stream: s.Stream, Revision: s.Revision, Reason: "elsewhere"}
		}
	}
	actual := int64(len(idx)) - 1
	if err := domain.CheckExpected(stream, expected, actual); err != nil {
		return nil, err
	}
	now := domain.CanonicalTime(time.Now())
	prev := domain.ZeroHash
	if len(idx) > 0 {
		prev = m.all[idx[len(idx)-1]].Hash
	}
	var pos uint64
	if len(m.all) > 0 {
		pos = m.all[len(m.all)-1].Position
	}
	var out []domain.RecordedEvent
	for k, e := range norm {
		pos += m.gap
		r := domain.RecordedEvent{ID: e.ID, Type: e.Type, Stream: stream, Revision: uint64(len(idx) + k), Position: pos,
			RecordedAt: now, OccurredAt: e.OccurredAt, Actor: e.Actor, PrevHash: prev, Data: e.Data}
		if r.OccurredAt.IsZero() {
			r.OccurredAt = now
		}
		r.Hash = domain.EventHash(r)
		prev = r.Hash
		out = append(out, r)
	}
	for _, r := range out {
		m.ids[r.ID] = len(m.all)
		m.streams[stream] = append(m.streams[stream], len(m.all))
		m.all = append(m.all, r)
	}
	close(m.changed)
	m.changed = make(chan struct{})
	return out, nil
}

func (m *mem) ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]domain.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.RecordedEvent
	idx := m.streams[stream]
	for r := from; r < uint64(len(idx)); r++ {
		if limit > 0 && len(out) == limit {
			break
		}
		out = append(out, m.all[idx[r]])
	}
	return out, nil
}

func (m *mem) ReadAll(ctx context.Context, after uint64, limit int) ([]domain.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.RecordedEvent
	for _, e := range m.all {
		if e.Position <= after {
			continue
		}
		if limit > 0 && len(out) == limit {
			break
		}
		out = append(out, e)
	}
	return out, nil
}

func (m *mem) Subscribe(ctx context.Context, after uint64, handle func(domain.RecordedEvent) error) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.mu.Lock()
		changed := m.changed
		m.mu.Unlock()
		evs, err := m.ReadAll(ctx, after, 10)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := handle(e); err != nil {
				return fmt.Errorf("handler: %w", err)
			}
			after = e.Position
		}
		if len(evs) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

func TestMemDense(t *testing.T) {
	storetest.Run(t, func(t *testing.T) domain.EventStore { return newMem(1) })
}

func TestMemSparse(t *testing.T) {
	storetest.RunWithOptions(t, func(t *testing.T) domain.EventStore { return newMem(7) }, storetest.Options{})
}
