package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masteryledger/ledger/domain"
)

// subscription is a Subscribe call running in its own goroutine. Its handler
// hands each event to the test over an unbuffered channel, so the store's
// delivery advances only as fast as the test takes events.
type subscription struct {
	events chan domain.RecordedEvent
	result chan error
	cancel context.CancelFunc
	calls  atomic.Int64

	ended bool
	err   error
}

// subscribe starts Subscribe(after). hook, if not nil, is called with the
// handler's call count after each event was taken, and its error is the
// handler's. The subscription is cancelled and awaited in t's cleanup.
func subscribe(t *testing.T, st domain.EventStore, after uint64, hook func(n int64) error) *subscription {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	sub := &subscription{events: make(chan domain.RecordedEvent), result: make(chan error, 1), cancel: cancel}
	go func() {
		sub.result <- st.Subscribe(ctx, after, func(e domain.RecordedEvent) error {
			n := sub.calls.Add(1)
			select {
			case sub.events <- e:
			case <-ctx.Done():
				return nil // the store must notice the cancellation itself
			}
			if hook != nil {
				return hook(n)
			}
			return nil
		})
	}()
	t.Cleanup(func() {
		if !sub.ended {
			sub.stop(t)
		}
	})
	return sub
}

// take receives n events, failing the test if the subscription ends or
// stalls first.
func (sub *subscription) take(t *testing.T, n int) []domain.RecordedEvent {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	got := make([]domain.RecordedEvent, 0, n)
	for len(got) < n {
		select {
		case e := <-sub.events:
			got = append(got, e)
		case err := <-sub.result:
			sub.ended, sub.err = true, err
			t.Fatalf("subscription ended after %d of %d events: %v", len(got), n, err)
		case <-timer.C:
			t.Fatalf("subscription delivered %d of %d events in %v", len(got), n, waitTimeout)
		}
	}
	return got
}

// wait waits for Subscribe to return and returns its error.
func (sub *subscription) wait(t *testing.T) error {
	t.Helper()
	if sub.ended {
		return sub.err
	}
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	select {
	case err := <-sub.result:
		sub.ended, sub.err = true, err
		return err
	case e := <-sub.events:
		sub.cancel()
		t.Fatalf("subscription delivered %s@%d (position %d) when it should have ended", e.Stream, e.Revision, e.Position)
	case <-timer.C:
		sub.cancel()
		t.Fatalf("Subscribe did not return within %v", waitTimeout)
	}
	return nil
}

// stop cancels the subscription and returns Subscribe's error.
func (sub *subscription) stop(t *testing.T) error {
	t.Helper()
	sub.cancel()
	return sub.wait(t)
}

// wantCanceled checks that err is the cancelled context's error.
func wantCanceled(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Subscribe returned %v after cancel, want an error matching context.Canceled", err)
	}
}

// checkDelivered checks events delivered by one subscription: positions
// strictly growing (from after, densely if promised).
func (s *suite) checkDelivered(t *testing.T, after uint64, got []domain.RecordedEvent) {
	t.Helper()
	last := after
	for i, e := range got {
		switch {
		case e.Position <= last:
			t.Fatalf("delivery %d: position %d after %d (a repeat or out of order)", i, e.Position, last)
		case s.opts.DensePositions && e.Position != last+1:
			t.Fatalf("delivery %d: position %d after %d (a gap)", i, e.Position, last)
		}
		last = e.Position
	}
}

// history appends n events in batches of up to 4 over three streams and
// returns them in order.
func (s *suite) history(t *testing.T, st domain.EventStore, n int) []domain.RecordedEvent {
	t.Helper()
	var all []domain.RecordedEvent
	for i := 0; len(all) < n; i++ {
		size := min(1+i%4, n-len(all))
		all = append(all, s.appendChecked(t, st, fmt.Sprintf("learner-h%d", i%3), domain.Any{}, batch(size)...)...)
	}
	return all
}

func (s *suite) testSubscribe(t *testing.T) {
	t.Run("catch-up then live", func(t *testing.T) {
		st := s.store(t)
		hist := s.history(t, st, 24)
		sub := subscribe(t, st, 0, nil)
		got := sub.take(t, len(hist))
		sameEvents(t, "history delivered", got, hist)

		// Live: writers on shared streams while the subscriber is caught up.
		const writers, appends = 4, 6
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			live int
		)
		defer wg.Wait() // no writer outlives the test, even if it fails
		for w := range writers {
			wg.Go(func() {
				for i := range appends {
					stream := fmt.Sprintf("learner-live%d", (w+i)%3)
					out, err := st.Append(t.Context(), stream, domain.Any{}, batch(1+i%2)...)
					if err != nil {
						t.Errorf("writer %d: Append: %v", w, err)
						return
					}
					mu.Lock()
					live += len(out)
					mu.Unlock()
				}
			})
		}
		want := writers * (appends/2*1 + appends/2*2)
		got = append(got, sub.take(t, want)...)
		wg.Wait()
		if live != want {
			t.Fatalf("writers wrote %d events, the test expects %d", live, want)
		}
		// Lock-step: each append waits for its own delivery, so a wake-up
		// the store loses stalls the subscriber instead of being covered by
		// the next commit.
		for i := range 10 {
			out := mustAppend(t, st, fmt.Sprintf("learner-step%d", i%2), domain.Any{}, batch(1)...)
			next := sub.take(t, 1)
			if next[0].ID != out[0].ID {
				t.Fatalf("lock-step append %d: delivered %s@%d (position %d), want %s@%d (position %d)",
					i, next[0].Stream, next[0].Revision, next[0].Position, out[0].Stream, out[0].Revision, out[0].Position)
			}
			got = append(got, next...)
		}
		// Nothing more is pending: the next event delivered is a new one.
		mark := s.appendChecked(t, st, "learner-mark", domain.NoStream{}, batch(1)...)
		next := sub.take(t, 1)
		if next[0].ID != mark[0].ID {
			t.Fatalf("after all live events, delivered %s@%d (position %d), want the new %s@0 (position %d): a duplicate or extra delivery",
				next[0].Stream, next[0].Revision, next[0].Position, mark[0].Stream, mark[0].Position)
		}
		got = append(got, next...)
		s.checkDelivered(t, 0, got)
		sameEvents(t, "delivered events against ReadAll", got, readAll(t, st))
		wantCanceled(t, sub.stop(t))
	})

	t.Run("from a middle position", func(t *testing.T) {
		st := s.store(t)
		hist := s.history(t, st, 10)
		after := hist[4].Position
		sub := subscribe(t, st, after, nil)
		got := sub.take(t, 5)
		sameEvents(t, fmt.Sprintf("history after %d", after), got, hist[5:])
		liveA := s.appendChecked(t, st, "learner-h0", domain.Any{}, batch(2)...)
		liveB := s.appendChecked(t, st, "learner-new", domain.NoStream{}, batch(1)...)
		got = append(got, sub.take(t, 3)...)
		s.checkDelivered(t, after, got)
		sameEvents(t, "delivered", got, concat(hist[5:], liveA, liveB))
		all, err := st.ReadAll(t.Context(), after, 0)
		if err != nil {
			t.Fatalf("ReadAll(%d, 0): %v", after, err)
		}
		sameEvents(t, "delivered against ReadAll", got, all)
		wantCanceled(t, sub.stop(t))
	})

	t.Run("from the last position", func(t *testing.T) {
		st := s.store(t)
		hist := s.history(t, st, 6)
		sub := subscribe(t, st, lastPosition(hist), nil)
		live := s.appendChecked(t, st, "learner-h1", domain.Any{}, batch(3)...)
		got := sub.take(t, 3)
		sameEvents(t, "delivered", got, live)
		wantCanceled(t, sub.stop(t))
	})

	cancels := []struct {
		name    string
		history int
		take    int
	}{
		{"cancel while catching up", 40, 1},
		{"cancel while live on an empty store", 0, 0},
		{"cancel while live", 3, 3},
	}
	for _, tc := range cancels {
		t.Run(tc.name, func(t *testing.T) {
			st := s.store(t)
			hist := s.history(t, st, tc.history)
			sub := subscribe(t, st, 0, nil)
			sameEvents(t, "delivered", sub.take(t, tc.take), hist[:tc.take])
			wantCanceled(t, sub.stop(t))
		})
	}

	failures := []struct {
		name    string
		history int
		live    int // events appended once the history is delivered
		failAt  int64
	}{
		{name: "handler error while catching up", history: 5, failAt: 3},
		{name: "handler error on the first event", history: 5, failAt: 1},
		{name: "handler error while live", history: 2, live: 3, failAt: 3},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			st := s.store(t)
			want := s.history(t, st, tc.history)
			errStop := errors.New("projection failed")
			sub := subscribe(t, st, 0, func(n int64) error {
				if n == tc.failAt {
					return fmt.Errorf("event %d: %w", n, errStop)
				}
				return nil
			})
			var got []domain.RecordedEvent
			if tc.live > 0 {
				got = sub.take(t, len(want))
				want = concat(want, s.appendChecked(t, st, "learner-live", domain.NoStream{}, batch(tc.live)...))
			}
			got = append(got, sub.take(t, int(tc.failAt)-len(got))...)
			sameEvents(t, "delivered", got, want[:tc.failAt])
			err := sub.wait(t)
			if !errors.Is(err, errStop) {
				t.Fatalf("Subscribe returned %v, want the handler's error wrapped", err)
			}
			if n := sub.calls.Load(); n != tc.failAt {
				t.Errorf("handler called %d times, want %d: a handler error stops the subscription", n, tc.failAt)
			}
		})
	}
}
