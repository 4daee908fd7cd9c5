package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

func (s *suite) testReadStream(t *testing.T) {
	st := s.store(t)
	// Ten events of "learner-l-1" in four appends, between events of
	// "learner-l-10" (whose name the first one prefixes).
	const stream, other = "learner-l-1", "learner-l-10"
	var want, others []domain.RecordedEvent
	want = append(want, s.appendChecked(t, st, stream, domain.NoStream{}, batch(3)...)...)
	others = append(others, s.appendChecked(t, st, other, domain.NoStream{}, batch(2)...)...)
	want = append(want, s.appendChecked(t, st, stream, domain.Revision(2), batch(4)...)...)
	others = append(others, s.appendChecked(t, st, other, domain.Any{}, batch(1)...)...)
	want = append(want, s.appendChecked(t, st, stream, domain.Revision(6), batch(1)...)...)
	want = append(want, s.appendChecked(t, st, stream, domain.Any{}, batch(2)...)...)

	tests := []struct {
		name   string
		stream string
		from   uint64
		limit  int
		want   []domain.RecordedEvent
	}{
		{"all", stream, 0, 0, want},
		{"negative limit means all", stream, 0, -1, want},
		{"limit", stream, 0, 3, want[:3]},
		{"limit of one", stream, 0, 1, want[:1]},
		{"limit equal to the length", stream, 0, 10, want},
		{"from", stream, 4, 0, want[4:]},
		{"from and limit", stream, 4, 3, want[4:7]},
		{"limit past the end", stream, 8, 5, want[8:]},
		{"last event", stream, 9, 1, want[9:]},
		{"from the end", stream, 10, 0, nil},
		{"from beyond the end with a limit", stream, 11, 2, nil},
		{"from far beyond the end", stream, 1 << 40, 0, nil},
		{"other stream", other, 0, 0, others},
		{"other stream from 1", other, 1, 0, others[1:]},
		{"unknown stream", "learner-l-2", 0, 0, nil},
		{"unknown stream from and limit", "learner-l", 5, 3, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.ReadStream(t.Context(), tc.stream, tc.from, tc.limit)
			if err != nil {
				t.Fatalf("ReadStream(%q, %d, %d): %v", tc.stream, tc.from, tc.limit, err)
			}
			sameEvents(t, fmt.Sprintf("ReadStream(%q, %d, %d)", tc.stream, tc.from, tc.limit), got, tc.want)
		})
	}
}

func (s *suite) testReadAll(t *testing.T) {
	st := s.store(t)
	var want []domain.RecordedEvent
	for _, a := range []struct {
		stream string
		n      int
	}{{"learner-a", 1}, {"learner-b", 1}, {"learner-a", 1}, {"learner-c", 1}, {"learner-b", 2}, {"learner-a", 3}, {"learner-c", 1}, {"learner-b", 1}} {
		want = append(want, s.appendChecked(t, st, a.stream, domain.Any{}, batch(a.n)...)...)
	}
	n := len(want)

	t.Run("order", func(t *testing.T) {
		all := readAll(t, st)
		sameEvents(t, "ReadAll(0, 0)", all, want)
		s.checkOrder(t, "ReadAll(0, 0)", all)
		if s.opts.DensePositions {
			for i, e := range all {
				if e.Position != uint64(i+1) {
					t.Errorf("event %d: position %d, want %d", i, e.Position, i+1)
				}
			}
		}
		got, err := st.ReadAll(t.Context(), 0, -1)
		if err != nil {
			t.Fatalf("ReadAll(0, -1): %v", err)
		}
		sameEvents(t, "ReadAll(0, -1)", got, want)
	})

	for _, limit := range []int{1, 2, 3, 5, n, n + 7} {
		t.Run(fmt.Sprintf("pages of %d", limit), func(t *testing.T) {
			var got []domain.RecordedEvent
			var after uint64
			for pages := 0; ; pages++ {
				if pages > n+1 {
					t.Fatalf("paging does not end: %d pages", pages)
				}
				page, err := st.ReadAll(t.Context(), after, limit)
				if err != nil {
					t.Fatalf("ReadAll(%d, %d): %v", after, limit, err)
				}
				if len(page) > limit {
					t.Fatalf("ReadAll(%d, %d): %d events, over the limit", after, limit, len(page))
				}
				if rest := n - len(got); len(page) != min(rest, limit) {
					t.Fatalf("ReadAll(%d, %d): %d events, want %d", after, limit, len(page), min(rest, limit))
				}
				if len(page) == 0 {
					break
				}
				got = append(got, page...)
				after = lastPosition(page)
			}
			sameEvents(t, "pages joined", got, want)
		})
	}

	t.Run("after each position", func(t *testing.T) {
		for k, e := range want {
			got, err := st.ReadAll(t.Context(), e.Position, 0)
			if err != nil {
				t.Fatalf("ReadAll(%d, 0): %v", e.Position, err)
			}
			sameEvents(t, fmt.Sprintf("ReadAll(%d, 0)", e.Position), got, want[k+1:])
			got, err = st.ReadAll(t.Context(), e.Position, 2)
			if err != nil {
				t.Fatalf("ReadAll(%d, 2): %v", e.Position, err)
			}
			sameEvents(t, fmt.Sprintf("ReadAll(%d, 2)", e.Position), got, want[k+1:min(k+3, n)])
		}
	})

	t.Run("after the end", func(t *testing.T) {
		for _, after := range []uint64{lastPosition(want), lastPosition(want) + 1, 1 << 40} {
			got, err := st.ReadAll(t.Context(), after, 0)
			if err != nil {
				t.Fatalf("ReadAll(%d, 0): %v", after, err)
			}
			sameEvents(t, fmt.Sprintf("ReadAll(%d, 0)", after), got, nil)
		}
	})
}

func (s *suite) testHashChain(t *testing.T) {
	st := s.store(t)
	streams := []string{"learner-l-1", "learner-l-2", "learner-l-3", "school-north", "standard-math-6-rp-1"}
	next := make(map[string]uint64) // each stream's next revision
	total := 0
	for i := range 40 {
		stream := streams[(i*3)%len(streams)]
		var expected domain.ExpectedRevision
		switch r, ok := next[stream]; {
		case !ok:
			expected = domain.NoStream{}
		case i%3 == 0:
			expected = domain.Any{}
		case i%3 == 1:
			expected = domain.StreamExists{}
		default:
			expected = domain.Revision(r - 1)
		}
		out := s.appendChecked(t, st, stream, expected, batch(1+i%3)...)
		next[stream] = lastOf(out).Revision + 1
		total += len(out)
	}

	verify := func(t *testing.T, pageSize int) {
		v := domain.ChainVerifier{Dense: s.opts.DensePositions}
		var after uint64
		for {
			page, err := st.ReadAll(t.Context(), after, pageSize)
			if err != nil {
				t.Fatalf("ReadAll(%d, %d): %v", after, pageSize, err)
			}
			for _, e := range page {
				if err := v.Next(e); err != nil {
					t.Fatalf("ChainVerifier: %v", err)
				}
			}
			if len(page) == 0 || pageSize <= 0 {
				break
			}
			after = lastPosition(page)
		}
		if v.Count() != uint64(total) || v.Streams() != len(streams) {
			t.Errorf("verified %d events in %d streams, want %d in %d", v.Count(), v.Streams(), total, len(streams))
		}
	}
	t.Run("one read", func(t *testing.T) { verify(t, 0) })
	t.Run("pages of 7", func(t *testing.T) { verify(t, 7) })
	t.Run("streams", func(t *testing.T) {
		for _, stream := range streams {
			evs := readStream(t, st, stream)
			if uint64(len(evs)) != next[stream] {
				t.Errorf("%s: %d events, want %d", stream, len(evs), next[stream])
			}
			prev := domain.ZeroHash
			for i, e := range evs {
				if e.Revision != uint64(i) || e.PrevHash != prev || domain.EventHash(e) != e.Hash {
					t.Fatalf("%s event %d: revision %d, prevHash %s (want %s), hash %s (recomputed %s)",
						stream, i, e.Revision, e.PrevHash, prev, e.Hash, domain.EventHash(e))
				}
				prev = e.Hash
			}
		}
	})
}

func (s *suite) testTailingReader(t *testing.T) {
	st := s.store(t)
	const writers, appends, pageSize = 4, 15, 5
	var (
		wg      sync.WaitGroup
		notify  = make(chan struct{}, 1)
		done    = make(chan struct{})
		mu      sync.Mutex
		written int
	)
	for w := range writers {
		wg.Go(func() {
			stream := fmt.Sprintf("learner-%d", w%2)
			for i := range appends {
				out, err := st.Append(t.Context(), stream, domain.Any{}, batch(1+2*(i%2))...)
				if err != nil {
					t.Errorf("writer %d: Append: %v", w, err)
					return
				}
				mu.Lock()
				written += len(out)
				mu.Unlock()
				select {
				case notify <- struct{}{}:
				default:
				}
			}
		})
	}
	defer wg.Wait() // no writer outlives the test, even if it fails
	go func() {
		wg.Wait()
		close(done)
	}()

	var (
		seen  []domain.RecordedEvent
		last  uint64
		reads int
	)
	drain := func() {
		for {
			page, err := st.ReadAll(t.Context(), last, pageSize)
			reads++
			if err != nil {
				t.Fatalf("ReadAll(%d, %d): %v", last, pageSize, err)
			}
			for _, e := range page {
				switch {
				case e.Position <= last:
					t.Fatalf("ReadAll(%d, %d) handed position %d: not after the last seen", last, pageSize, e.Position)
				case s.opts.DensePositions && e.Position != last+1:
					t.Fatalf("ReadAll(%d, %d) handed position %d: a gap", last, pageSize, e.Position)
				}
				last = e.Position
				seen = append(seen, e)
			}
			if len(page) == 0 {
				return
			}
		}
	}
	for finished := false; !finished; {
		select {
		case <-notify:
		case <-done:
			finished = true
		}
		drain()
	}
	if t.Failed() {
		return
	}
	// The tail skipped nothing: it holds exactly what the store holds.
	all := readAll(t, st)
	if len(all) != written {
		t.Errorf("ReadAll: %d events, writers wrote %d", len(all), written)
	}
	sameEvents(t, "events seen by the tailing reader", seen, all)
	t.Logf("%d events seen in %d reads", len(seen), reads)
}

// lastOf is the last of evs, which must not be empty.
func lastOf(evs []domain.RecordedEvent) domain.RecordedEvent { return evs[len(evs)-1] }
