package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/masteryledger/ledger/domain"
)

func (s *suite) testContext(t *testing.T) {
	contexts := []struct {
		name string
		make func(t *testing.T) context.Context
		want error
	}{
		{"cancelled", func(t *testing.T) context.Context {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			return ctx
		}, context.Canceled},
		{"deadline passed", func(t *testing.T) context.Context {
			ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
			t.Cleanup(cancel)
			return ctx
		}, context.DeadlineExceeded},
	}
	const existing = "learner-l-0001"
	ops := []struct {
		name string
		call func(ctx context.Context, st domain.EventStore) error
	}{
		{"Append to a new stream", func(ctx context.Context, st domain.EventStore) error {
			_, err := st.Append(ctx, "learner-l-0002", domain.NoStream{}, batch(1)...)
			return err
		}},
		{"Append to an existing stream", func(ctx context.Context, st domain.EventStore) error {
			_, err := st.Append(ctx, existing, domain.Revision(1), batch(2)...)
			return err
		}},
		{"ReadStream", func(ctx context.Context, st domain.EventStore) error {
			_, err := st.ReadStream(ctx, existing, 0, 0)
			return err
		}},
		{"ReadAll", func(ctx context.Context, st domain.EventStore) error {
			_, err := st.ReadAll(ctx, 0, 0)
			return err
		}},
		{"Subscribe", func(ctx context.Context, st domain.EventStore) error {
			result := make(chan error, 1)
			go func() { result <- st.Subscribe(ctx, 0, func(domain.RecordedEvent) error { return nil }) }()
			timer := time.NewTimer(waitTimeout)
			defer timer.Stop()
			select {
			case err := <-result:
				return err
			case <-timer.C:
				return errors.New("Subscribe did not return")
			}
		}},
	}
	for _, c := range contexts {
		for _, op := range ops {
			t.Run(op.name+" "+c.name, func(t *testing.T) {
				st := s.store(t)
				s.appendChecked(t, st, existing, domain.NoStream{}, batch(2)...)
				before := readAll(t, st)
				err := op.call(c.make(t), st)
				if !errors.Is(err, c.want) {
					t.Errorf("error %v, want one matching %v", err, c.want)
				}
				sameEvents(t, "ReadAll afterwards (nothing written)", readAll(t, st), before)
			})
		}
	}
}
