package projections

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/masteryledger/ledger/domain"
)

// handFeed is a Subscriber whose events the test hands over one by one.
type handFeed struct{ events chan domain.RecordedEvent }

func (f handFeed) Subscribe(ctx context.Context, after uint64, handle func(domain.RecordedEvent) error) error {
	for {
		select {
		case e := <-f.events:
			if err := handle(e); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// countModel counts what it is fed.
type countModel struct{ n int }

func (m *countModel) Apply(domain.RecordedEvent) error { m.n++; return nil }

func TestWaitForWakesEachWaiterAtItsPosition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		feed := handFeed{events: make(chan domain.RecordedEvent)}
		e := NewEngine(feed, &countModel{}, 0)
		ran := make(chan error, 1)
		go func() { ran <- e.Run(ctx) }()

		// Waiters for positions 1..4, two for each.
		woken := make([]chan error, 8)
		for i := range woken {
			woken[i] = make(chan error, 1)
			pos := uint64(1 + i%4)
			go func() { woken[i] <- e.WaitFor(ctx, pos) }()
		}
		// One that gives up before its position comes.
		short, stop := context.WithCancel(ctx)
		gaveUp := make(chan error, 1)
		go func() { gaveUp <- e.WaitFor(short, 9) }()
		synctest.Wait()
		if n := e.waiting(); n != 9 {
			t.Fatalf("%d waiters registered, want 9", n)
		}
		stop()
		if err := <-gaveUp; !errors.Is(err, context.Canceled) {
			t.Fatalf("a waiter whose context ended: %v, want context.Canceled", err)
		}
		if n := e.waiting(); n != 8 {
			t.Fatalf("%d waiters left after one gave up, want 8", n)
		}

		for pos := uint64(1); pos <= 4; pos++ {
			feed.events <- domain.RecordedEvent{Position: pos}
			synctest.Wait()
			for i, w := range woken {
				want := uint64(1+i%4) <= pos
				select {
				case err := <-w:
					if !want {
						t.Fatalf("waiter for %d woken at %d", 1+i%4, pos)
					}
					if err != nil {
						t.Fatalf("waiter for %d: %v", 1+i%4, err)
					}
					woken[i] = nil // a nil channel is never ready
				default:
					if want && w != nil {
						t.Fatalf("waiter for %d still waits at %d", 1+i%4, pos)
					}
				}
			}
		}
		if n := e.waiting(); n != 0 {
			t.Fatalf("%d waiters left, want 0", n)
		}
		// A position already applied answers at once.
		if err := e.WaitFor(ctx, 3); err != nil {
			t.Fatal(err)
		}
		// A waiter for a nearer position than those already waiting is
		// woken at its own position, not at theirs.
		far, near := make(chan error, 1), make(chan error, 1)
		go func() { far <- e.WaitFor(ctx, 7) }()
		synctest.Wait()
		go func() { near <- e.WaitFor(ctx, 6) }()
		synctest.Wait()
		feed.events <- domain.RecordedEvent{Position: 5}
		feed.events <- domain.RecordedEvent{Position: 6}
		synctest.Wait()
		select {
		case err := <-near:
			if err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatal("the waiter for 6 still waits at 6 (behind one for 7)")
		}
		select {
		case <-far:
			t.Fatal("the waiter for 7 woken at 6")
		default:
		}
		feed.events <- domain.RecordedEvent{Position: 7}
		if err := <-far; err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := <-ran; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v", err)
		}
	})
}

// waiting is how many WaitFor calls are registered.
func (e *Engine) waiting() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.waiters)
}
