package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

func (s *suite) testRaces(t *testing.T) {
	const writers, perWriter = 16, 4

	t.Run("exact revisions on one stream", func(t *testing.T) {
		st := s.store(t)
		const stream = "learner-l-0001"
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			won      []domain.RecordedEvent
			conflict int
		)
		for w := range writers {
			wg.Go(func() {
				var next uint64 // the first revision this writer has not seen
				for i, attempts := 0, 0; i < perWriter; attempts++ {
					if attempts == 100*writers*perWriter {
						t.Errorf("writer %d: %d attempts without finishing", w, attempts)
						return
					}
					// Read the last revision, then append right after it.
					tail, err := st.ReadStream(t.Context(), stream, next, 0)
					if err != nil {
						t.Errorf("writer %d: ReadStream: %v", w, err)
						return
					}
					if len(tail) > 0 {
						next = lastOf(tail).Revision + 1
					}
					var expected domain.ExpectedRevision = domain.NoStream{}
					if next > 0 {
						expected = domain.Revision(next - 1)
					}
					e := newEvent("EvidenceRecorded", fmt.Sprintf(`{"writer":%d,"n":%d}`, w, i))
					out, err := st.Append(t.Context(), stream, expected, e)
					var wrong *domain.WrongExpectedRevisionError
					switch {
					case err == nil:
						if len(out) != 1 || out[0].ID != e.ID || out[0].Revision != next {
							t.Errorf("writer %d: Append(%v) recorded %s, want %s at revision %d", w, expected, summary(out), e.ID, next)
							return
						}
						mu.Lock()
						won = append(won, out[0])
						mu.Unlock()
						next++
						i++
					case errors.As(err, &wrong):
						// Someone else won this revision: the stream moved on.
						if wrong.Actual < int64(next) {
							t.Errorf("writer %d: expected %v, told the stream is at %d, behind what was read", w, expected, wrong.Actual)
							return
						}
						mu.Lock()
						conflict++
						mu.Unlock()
					default:
						t.Errorf("writer %d: Append(%v): %v", w, expected, err)
						return
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		t.Logf("%d appends won, %d lost a race and retried", len(won), conflict)
		const total = writers * perWriter
		if len(won) != total {
			t.Fatalf("%d appends succeeded, want %d", len(won), total)
		}
		byRevision := make(map[uint64]domain.RecordedEvent, total)
		for _, e := range won {
			if prior, dup := byRevision[e.Revision]; dup {
				t.Errorf("revision %d won twice: %s and %s", e.Revision, prior.ID, e.ID)
			}
			byRevision[e.Revision] = e
		}
		evs := readStream(t, st, stream)
		if len(evs) != total {
			t.Fatalf("stream has %d events, want %d", len(evs), total)
		}
		seen := make(map[uuid.UUID]bool, total)
		for i, e := range evs {
			if e.Revision != uint64(i) {
				t.Errorf("event %d has revision %d", i, e.Revision)
			}
			if seen[e.ID] {
				t.Errorf("event %s stored twice", e.ID)
			}
			seen[e.ID] = true
			if d := diffEvent(e, byRevision[uint64(i)]); d != nil {
				t.Errorf("revision %d as stored differs from its winning append: %v", i, d)
			}
		}
		s.verifyChain(t, st, total)
	})

	t.Run("Any on one stream", func(t *testing.T) {
		st := s.store(t)
		const stream = "learner-l-0001"
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			ids = make(map[uuid.UUID]uint64)
		)
		for w := range writers {
			wg.Go(func() {
				for range perWriter {
					out, err := st.Append(t.Context(), stream, domain.Any{}, batch(1)...)
					if err != nil {
						t.Errorf("writer %d: Append(Any): %v", w, err)
						return
					}
					mu.Lock()
					ids[out[0].ID] = out[0].Revision
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		evs := readStream(t, st, stream)
		if len(evs) != writers*perWriter || len(ids) != writers*perWriter {
			t.Fatalf("stream has %d events, %d appends succeeded, want %d", len(evs), len(ids), writers*perWriter)
		}
		for i, e := range evs {
			if rev, ok := ids[e.ID]; !ok || rev != uint64(i) || e.Revision != uint64(i) {
				t.Errorf("event %d: %s at revision %d, its append answered revision %d (known: %v)", i, e.ID, e.Revision, rev, ok)
			}
		}
		s.verifyChain(t, st, writers*perWriter)
	})

	t.Run("one append retried concurrently", func(t *testing.T) {
		st := s.store(t)
		const stream = "learner-l-0001"
		s.appendChecked(t, st, "learner-other", domain.NoStream{}, batch(1)...)
		in := batch(3)
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			answers = make([][]domain.RecordedEvent, writers)
		)
		for w := range writers {
			wg.Go(func() {
				var expected domain.ExpectedRevision = domain.NoStream{}
				if w%2 == 1 {
					expected = domain.Any{}
				}
				<-start
				out, err := st.Append(t.Context(), stream, expected, in...)
				if err != nil {
					t.Errorf("copy %d: Append(%v): %v", w, expected, err)
					return
				}
				answers[w] = out
			})
		}
		close(start)
		wg.Wait()
		if t.Failed() {
			return
		}
		evs := readStream(t, st, stream)
		s.checkAppended(t, stream, 0, domain.ZeroHash, in, evs)
		for w, out := range answers {
			sameEvents(t, fmt.Sprintf("copy %d's answer", w), out, evs)
		}
		s.verifyChain(t, st, 1+len(in))
	})

	t.Run("one stream per writer", func(t *testing.T) {
		st := s.store(t)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				stream := fmt.Sprintf("learner-l-%04d", w)
				var expected domain.ExpectedRevision = domain.NoStream{}
				for i := range perWriter {
					out, err := st.Append(t.Context(), stream, expected, batch(1+i%2)...)
					if err != nil {
						t.Errorf("writer %d: Append(%v): %v", w, expected, err)
						return
					}
					expected = domain.Revision(lastOf(out).Revision)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		perStream := perWriter/2*1 + perWriter/2*2
		for w := range writers {
			evs := readStream(t, st, fmt.Sprintf("learner-l-%04d", w))
			if len(evs) != perStream {
				t.Errorf("writer %d's stream has %d events, want %d", w, len(evs), perStream)
			}
		}
		s.verifyChain(t, st, writers*perStream)
	})
}

// verifyChain reads the whole store through domain.ChainVerifier and checks
// that it holds total events.
func (s *suite) verifyChain(t *testing.T, st domain.EventStore, total int) {
	t.Helper()
	v := domain.ChainVerifier{Dense: s.opts.DensePositions}
	for _, e := range readAll(t, st) {
		if err := v.Next(e); err != nil {
			t.Fatalf("ChainVerifier: %v", err)
		}
	}
	if v.Count() != uint64(total) {
		t.Errorf("ReadAll holds %d events, want %d", v.Count(), total)
	}
}
