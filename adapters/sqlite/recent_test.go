package sqlite

import (
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// The ring of recent events answers, across its wrap, exactly what a slice
// of every committed event would: the events after a position, up to a
// limit, or "read the file" once they are no longer held.
func TestRecentRing(t *testing.T) {
	s := &Store{changed: make(chan struct{})}
	var all []domain.RecordedEvent // every event broadcast since the last hole
	next := uint64(1)
	commit := func(n int) {
		t.Helper()
		evs := make([]domain.RecordedEvent, n)
		for i := range evs {
			evs[i] = domain.RecordedEvent{Position: next, Stream: "s"}
			next++
		}
		s.broadcast(evs)
		all = append(all, evs...)
	}
	check := func() {
		t.Helper()
		held := all[max(0, len(all)-recentCap):]
		for _, after := range []uint64{0, held[0].Position - 2, held[0].Position - 1, held[0].Position,
			held[len(held)/2].Position, held[len(held)-1].Position - 1, held[len(held)-1].Position, held[len(held)-1].Position + 5} {
			for _, limit := range []int{1, 7, subscribePage, 0} {
				got, covered := s.recentAfter(after, limit)
				if after+1 < held[0].Position {
					if covered {
						t.Fatalf("after %d (oldest held %d): covered", after, held[0].Position)
					}
					continue
				}
				if !covered {
					t.Fatalf("after %d (oldest held %d): not covered", after, held[0].Position)
				}
				var want []domain.RecordedEvent
				for _, e := range held {
					if e.Position > after && (limit <= 0 || len(want) < limit) {
						want = append(want, e)
					}
				}
				if len(got) != len(want) {
					t.Fatalf("after %d, limit %d: %d events, want %d", after, limit, len(got), len(want))
				}
				for i := range got {
					if got[i].Position != want[i].Position {
						t.Fatalf("after %d, limit %d: event %d at position %d, want %d", after, limit, i, got[i].Position, want[i].Position)
					}
				}
			}
		}
	}

	if _, covered := s.recentAfter(0, 10); covered {
		t.Fatal("an empty store's memory covers position 0")
	}
	commit(3)
	check()
	for range 40 { // past the wrap, several times
		commit(301)
		check()
	}
	commit(recentCap + 17) // one commit larger than the ring
	check()
	commit(5)
	check()

	// A commit that leaves a hole empties memory until the next commit.
	next += 3
	s.broadcast([]domain.RecordedEvent{{Position: next}})
	next++
	if _, covered := s.recentAfter(next-2, 10); covered {
		t.Fatal("memory covers a range with a hole")
	}
	all = nil
	commit(9)
	check()
}
