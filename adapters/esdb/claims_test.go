package esdb_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/esdb"
	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
	"github.com/masteryledger/ledger/domain"
)

// testClock is a clock the tests move by hand, shared by stores and fakes.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *testClock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// leaveClaim makes an append that claims e's id for stream@0 and then
// fails (a wrong expected revision), as an append that dies after its
// claims would leave it.
func leaveClaim(t *testing.T, st domain.EventStore, stream string, e domain.EventData) {
	t.Helper()
	_, err := st.Append(t.Context(), stream, domain.Revision(5), e)
	var wrong *domain.WrongExpectedRevisionError
	if !errors.As(err, &wrong) {
		t.Fatalf("Append with a wrong revision: %v", err)
	}
}

// countID is how many of the ledger's events carry e's id.
func countID(t *testing.T, st domain.EventStore, e domain.EventData) []domain.RecordedEvent {
	t.Helper()
	var found []domain.RecordedEvent
	for _, r := range mustReadAll(t, st, 0) {
		if r.ID == e.ID {
			found = append(found, r)
		}
	}
	return found
}

// TestStaleClaims: the claim of an append that never stored its event is
// refused elsewhere with a retryable error while it is younger than the
// claim timeout, and taken over once it is that old.
func TestStaleClaims(t *testing.T) {
	const timeout = 30 * time.Second
	clock := newTestClock()
	fake := esdbfake.StartTB(t, &esdbfake.Options{Now: clock.now})
	st := openStore(t, fake.URL(), &esdb.Options{Now: clock.now, ClaimTimeout: timeout})
	e := events(1)[0]
	leaveClaim(t, st, "learner-x", e)

	for _, age := range []time.Duration{0, timeout / 3, timeout - time.Millisecond} {
		clock.ns.Store(time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC).Add(age).UnixNano())
		_, err := st.Append(t.Context(), "learner-y", domain.NoStream{}, e)
		var busy *esdb.ClaimBusyError
		if !errors.As(err, &busy) || !errors.Is(err, domain.ErrUnavailable) {
			t.Fatalf("claim %v old: %v, want *esdb.ClaimBusyError matching domain.ErrUnavailable", age, err)
		}
		if busy.Stream != "learner-x" || busy.Revision != 0 || busy.RetryAfter() != timeout-age {
			t.Errorf("claim %v old: %+v, want learner-x@0, retry after %v", age, busy, timeout-age)
		}
	}
	if got := countID(t, st, e); len(got) != 0 {
		t.Fatalf("the id is stored while its claim was busy: %s", ids(got))
	}

	clock.advance(time.Millisecond) // the claim is now exactly the timeout old
	out := mustAppend(t, st, "learner-y", domain.NoStream{}, e)
	if out[0].Stream != "learner-y" || out[0].Revision != 0 {
		t.Fatalf("Append after the claim timed out recorded %s", ids(out))
	}
	sameIDs(t, "the id in ReadAll", countID(t, st, e), out)

	// The first place is free for other events, and the id is taken now:
	// a retry is idempotent, another stream a conflict.
	mustAppend(t, st, "learner-x", domain.NoStream{}, events(1)...)
	sameIDs(t, "retry", mustAppend(t, st, "learner-y", domain.Any{}, e), out)
	var conflict *domain.EventIDConflictError
	if _, err := st.Append(t.Context(), "learner-x", domain.Any{}, e); !errors.As(err, &conflict) || conflict.Stream != "learner-y" {
		t.Fatalf("Append of the stored id to another stream: %v, want a conflict naming learner-y", err)
	}
}

// TestStaleClaimWithoutTime: a claim written before claims carried their
// time ages by the server's "created" stamp.
func TestStaleClaimWithoutTime(t *testing.T) {
	clock := newTestClock()
	fake := esdbfake.StartTB(t, &esdbfake.Options{Now: clock.now})
	ns := newNamespace()
	st := openStore(t, fake.URL(), &esdb.Options{Namespace: ns, Now: clock.now})
	e := events(1)[0]
	fake.Inject(ns+"ledger-eventid-"+e.ID.String(), esdbfake.Event{Type: "LedgerEventIDClaimed",
		Data: []byte(`{"stream":"learner-x","revision":0,"owner":"an append from before"}`)})

	clock.advance(esdb.DefaultClaimTimeout - time.Second)
	var busy *esdb.ClaimBusyError
	if _, err := st.Append(t.Context(), "learner-y", domain.NoStream{}, e); !errors.As(err, &busy) || busy.RetryAfter() != time.Second {
		t.Fatalf("Append under a claim %v old: %v, want *esdb.ClaimBusyError, retry after 1s", esdb.DefaultClaimTimeout-time.Second, err)
	}
	clock.advance(time.Second)
	mustAppend(t, st, "learner-y", domain.NoStream{}, e)
}

// TestCommittedClaimNeverTakenOver: however old, the claim of a stored
// event keeps the id where it is stored, and is not even written to.
func TestCommittedClaimNeverTakenOver(t *testing.T) {
	clock := newTestClock()
	fake := esdbfake.StartTB(t, &esdbfake.Options{Now: clock.now})
	st := openStore(t, fake.URL(), &esdb.Options{Now: clock.now})
	e := events(1)[0]
	first := mustAppend(t, st, "learner-1", domain.NoStream{}, e)
	clock.advance(100 * esdb.DefaultClaimTimeout)

	before := fake.Stats()
	var conflict *domain.EventIDConflictError
	if _, err := st.Append(t.Context(), "learner-2", domain.NoStream{}, e); !errors.As(err, &conflict) || conflict.Stream != "learner-1" || conflict.Revision != 0 {
		t.Fatalf("Append of a stored id to another stream: %v, want a conflict naming learner-1@0", err)
	}
	if written := fake.Stats().Events - before.Events; written != 0 {
		t.Errorf("the refused append wrote %d events", written)
	}
	sameIDs(t, "retry", mustAppend(t, st, "learner-1", domain.Any{}, e), first)
	sameIDs(t, "the id in ReadAll", countID(t, st, e), first)
}

// TestConcurrentTakeover: two appends, on two nodes, take over the same
// stale claim at the same moment: the claim stream's revision check lets
// exactly one of them store the id.
func TestConcurrentTakeover(t *testing.T) {
	clock := newTestClock()
	// Once armed, the claim writes meet in pairs: the two takers' first
	// writes ("no stream", refused), then their takeovers, which the fake
	// receives together and decides one after the other.
	var (
		armed    atomic.Bool
		mu       sync.Mutex
		arrivals int
		pairs    = [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	)
	hook := func(ctx context.Context, stream string) error {
		if !armed.Load() || !strings.Contains(stream, "ledger-eventid-") {
			return nil
		}
		mu.Lock()
		i := arrivals
		arrivals++
		mu.Unlock()
		if i >= 2*len(pairs) {
			return nil
		}
		if i%2 == 1 {
			close(pairs[i/2])
		}
		select {
		case <-pairs[i/2]:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	fake := esdbfake.StartTB(t, &esdbfake.Options{Now: clock.now, BeforeAppend: hook})
	ns := newNamespace()
	nodes := []*esdb.Store{
		openStore(t, fake.URL(), &esdb.Options{Namespace: ns, Now: clock.now}),
		openStore(t, fake.URL(), &esdb.Options{Namespace: ns, Now: clock.now}),
	}
	e := events(1)[0]
	leaveClaim(t, nodes[0], "learner-x", e)
	clock.advance(esdb.DefaultClaimTimeout)
	armed.Store(true)

	streams := []string{"learner-a", "learner-b"}
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, st := range nodes {
		wg.Go(func() {
			_, errs[i] = st.Append(t.Context(), streams[i], domain.NoStream{}, e)
		})
	}
	wg.Wait()
	mu.Lock()
	n := arrivals
	mu.Unlock()
	if n < 2*len(pairs) {
		t.Fatalf("the takers made %d claim writes, want at least %d: they did not race", n, 2*len(pairs))
	}
	won := -1
	for i, err := range errs {
		var busy *esdb.ClaimBusyError
		var conflict *domain.EventIDConflictError
		switch {
		case err == nil && won < 0:
			won = i
		case err == nil:
			t.Fatalf("both takers stored the id: %v", errs)
		case errors.As(err, &busy), errors.As(err, &conflict):
			t.Logf("taker %d lost: %v", i, err)
		default:
			t.Fatalf("taker %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatalf("neither taker stored the id: %v", errs)
	}
	got := countID(t, nodes[0], e)
	if len(got) != 1 || got[0].Stream != streams[won] {
		t.Fatalf("the id is stored as %s, want once in %s", ids(got), streams[won])
	}
	// The winner's claim is a stored event's now: never taken over.
	clock.advance(100 * esdb.DefaultClaimTimeout)
	var conflict *domain.EventIDConflictError
	if _, err := nodes[1-won].Append(t.Context(), streams[1-won], domain.NoStream{}, e); !errors.As(err, &conflict) || conflict.Stream != streams[won] {
		t.Fatalf("the loser's retry: %v, want a conflict naming %s", err, streams[won])
	}
}

// TestAppendStartsWithinAThirdOfItsClaims: an append whose claims grew a
// third of the claim timeout old before it could send its events claims
// them afresh instead of sending them, so that no append relies on a claim
// another may take over.
func TestAppendStartsWithinAThirdOfItsClaims(t *testing.T) {
	tests := []struct {
		name   string
		slow   int // claim writes during which the clock jumps
		stored bool
	}{
		{"claims age once", 1, true},
		{"claims age every time", 1 << 30, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newTestClock()
			var slow atomic.Int64
			slow.Store(int64(tt.slow))
			fake := esdbfake.StartTB(t, &esdbfake.Options{Now: clock.now, BeforeAppend: func(_ context.Context, stream string) error {
				if strings.Contains(stream, "ledger-eventid-") && slow.Add(-1) >= 0 {
					clock.advance(esdb.DefaultClaimTimeout / 3)
				}
				return nil
			}})
			var p pauses
			st := openStore(t, fake.URL(), &esdb.Options{Now: clock.now, Sleep: p.sleep, MaxAppendAttempts: 4})
			e := events(1)[0]
			before := fake.Stats()
			_, err := st.Append(t.Context(), "learner-1", domain.NoStream{}, e)
			stored := countID(t, st, e)
			if tt.stored {
				if err != nil || len(stored) != 1 {
					t.Fatalf("Append: %v; stored %s", err, ids(stored))
				}
				// One claim, one fresh claim, one event.
				if written := fake.Stats().Events - before.Events; written != 3 {
					t.Errorf("wrote %d events, want 3", written)
				}
				return
			}
			if !errors.Is(err, domain.ErrUnavailable) || len(stored) != 0 {
				t.Fatalf("Append whose claims always age: %v; stored %s; want an error matching domain.ErrUnavailable and nothing stored", err, ids(stored))
			}
		})
	}
}
