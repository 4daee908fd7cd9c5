package esdb_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/esdb"
	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
	"github.com/masteryledger/ledger/domain"
)

// pauses records the store's retry pauses instead of waiting them out, so
// that the retry loops run without sleeping.
type pauses struct {
	mu sync.Mutex
	d  []time.Duration
}

func (p *pauses) sleep(ctx context.Context, d time.Duration) error {
	p.mu.Lock()
	p.d = append(p.d, d)
	p.mu.Unlock()
	return ctx.Err()
}

func (p *pauses) all() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.d)
}

func startFollower(t *testing.T, leader *esdbfake.Server) *esdbfake.Server {
	t.Helper()
	f, err := leader.StartFollower()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// TestLaggingFollower: a store whose connection string names a follower
// that lags behind is sent to the leader for every call. Served by the
// follower, the head read would be stale, so an append with Any would lose
// its revision race until the follower caught up, and the read-back would
// miss the acknowledged write.
func TestLaggingFollower(t *testing.T) {
	leader := esdbfake.StartTB(t, nil)
	follower := startFollower(t, leader)
	follower.SetLagging(true)
	var p pauses
	ns := newNamespace()
	st := openStore(t, follower.URL(), &esdb.Options{Namespace: ns, Sleep: p.sleep})
	// Another writer's events, which the follower has not copied.
	leader.Inject(ns+"learner-1", intruder())

	out := mustAppend(t, st, "learner-1", domain.Any{}, events(2)...)
	if out[0].Revision != 1 {
		t.Errorf("appended at revision %d, want 1 (after the other writer's event)", out[0].Revision)
	}
	all := mustReadAll(t, st, 0)
	if len(all) != 3 || all[2].Position != out[1].Position || all[2].Hash != out[1].Hash {
		t.Errorf("ReadAll: %s, appended %s", ids(all), ids(out))
	}
	if follower.FollowerReads() != 0 {
		t.Errorf("the follower served %d reads; every call must go to the leader", follower.FollowerReads())
	}
	if follower.NotLeaderAnswers() == 0 {
		t.Error("the follower never answered not-leader: the store did not require the leader")
	}
	if len(p.all()) > follower.NotLeaderAnswers() {
		t.Errorf("pauses %v for %d not-leader answers: the append lost races", p.all(), follower.NotLeaderAnswers())
	}
}

// TestLeaderChange: the leader hands over to a follower while a
// subscription runs and appends go on. Appends after the change reach the
// new leader; the subscription resumes there with nothing skipped or
// repeated; the chains verify.
func TestLeaderChange(t *testing.T) {
	a := esdbfake.StartTB(t, nil)
	b := startFollower(t, a)
	var p pauses
	st := openStore(t, a.URL(), &esdb.Options{Sleep: p.sleep})
	sub := subscribe(t, st, 0)

	var want []domain.RecordedEvent
	want = append(want, mustAppend(t, st, "learner-1", domain.NoStream{}, events(2)...)...)
	want = append(want, mustAppend(t, st, "learner-2", domain.NoStream{}, events(1)...)...)
	got := sub.take(t, 3)

	a.HandOver(b)
	want = append(want, mustAppend(t, st, "learner-1", domain.Revision(1), events(1)...)...)
	want = append(want, mustAppend(t, st, "learner-2", domain.Any{}, events(2)...)...)
	got = append(got, sub.take(t, 3)...)
	sameIDs(t, "subscription across the leader change", got, want)
	sameIDs(t, "ReadAll after the leader change", mustReadAll(t, st, 0), want)
	if a.NotLeaderAnswers() == 0 {
		t.Error("the old leader never answered not-leader")
	}
	if a.FollowerReads() != 0 {
		t.Errorf("the old leader served %d reads as a follower", a.FollowerReads())
	}
	var v domain.ChainVerifier
	for _, e := range mustReadAll(t, st, 0) {
		if err := v.Next(e); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAppendRetriesBackOff: an Any append whose stream moves under every
// attempt stops after MaxAppendAttempts, pausing as Backoff says from the
// third attempt on.
func TestAppendRetriesBackOff(t *testing.T) {
	ns := newNamespace()
	var server *esdbfake.Server
	server = esdbfake.StartTB(t, &esdbfake.Options{BeforeAppend: func(_ context.Context, stream string) error {
		if stream == ns+"learner-1" {
			server.Inject(stream, intruder())
		}
		return nil
	}})
	var p pauses
	st := openStore(t, server.URL(), &esdb.Options{Namespace: ns, Sleep: p.sleep, MaxAppendAttempts: 5,
		Backoff: func(n int) time.Duration { return time.Duration(n) * time.Millisecond }})
	_, err := st.Append(t.Context(), "learner-1", domain.Any{}, events(1)...)
	if err == nil || !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("Append on a stream that always moves: %v, want a conflict after 5 attempts", err)
	}
	if want := []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}; !slices.Equal(p.all(), want) {
		t.Errorf("pauses %v, want %v", p.all(), want)
	}
}

// TestNotLeaderRetriesBounded: a follower whose leader is gone answers
// not-leader to every call; the store gives up after MaxLeaderRedirects
// retries with ErrUnavailable (503 at the HTTP edge) instead of spinning.
func TestNotLeaderRetriesBounded(t *testing.T) {
	leader := esdbfake.StartTB(t, nil)
	follower := startFollower(t, leader)
	st := openStore(t, leader.URL(), nil)
	mustAppend(t, st, "learner-1", domain.NoStream{}, events(1)...)

	var p pauses
	st2 := openStore(t, follower.URL(), &esdb.Options{Sleep: p.sleep, MaxLeaderRedirects: 3})
	leader.Stop()
	_, err := st2.ReadStream(t.Context(), "learner-1", 0, 0)
	if !errors.Is(err, esdb.ErrUnavailable) {
		t.Fatalf("ReadStream with the leader down: %v, want ErrUnavailable", err)
	}
	if n := len(p.all()); n > 3 {
		t.Errorf("%d pauses, want at most MaxLeaderRedirects (3)", n)
	}
}

// TestAgree: the first value stored under a name is every later caller's
// answer, in the same namespace only; a racing first store is decided by
// the server.
func TestAgree(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	ns := newNamespace()
	a := openStore(t, fake.URL(), &esdb.Options{Namespace: ns})
	b := openStore(t, fake.URL(), &esdb.Options{Namespace: ns})
	got, err := a.Agree(t.Context(), "log-key", []byte("key-a"))
	if err != nil || string(got) != "key-a" {
		t.Fatalf("first Agree: %q, %v", got, err)
	}
	if got, err := b.Agree(t.Context(), "log-key", []byte("key-b")); err != nil || string(got) != "key-a" {
		t.Errorf("second Agree: %q, %v; want the first node's value", got, err)
	}
	other := openStore(t, fake.URL(), nil)
	if got, err := other.Agree(t.Context(), "log-key", []byte("key-c")); err != nil || string(got) != "key-c" {
		t.Errorf("Agree in another namespace: %q, %v", got, err)
	}
	if evs := mustReadAll(t, a, 0); len(evs) != 0 {
		t.Errorf("ReadAll shows the agreement: %s", ids(evs))
	}

	var wg sync.WaitGroup
	answers := make([]string, 8)
	for i := range answers {
		wg.Go(func() {
			v, err := a.Agree(t.Context(), "race", []byte{byte('0' + i)})
			if err != nil {
				t.Error(err)
			}
			answers[i] = string(v)
		})
	}
	wg.Wait()
	for _, v := range answers {
		if v != answers[0] {
			t.Fatalf("racing Agree answered %q", answers)
		}
	}
}

// TestAgreeReal runs the agreement against a real server when
// LEDGER_TEST_EVENTSTOREDB_URL names one, in a namespace of its own.
func TestAgreeReal(t *testing.T) {
	url := realServerURL(t)
	ns := newNamespace()
	a := openStore(t, url, &esdb.Options{Namespace: ns})
	b := openStore(t, url, &esdb.Options{Namespace: ns})
	if got, err := a.Agree(t.Context(), "log-key", []byte("key-a")); err != nil || string(got) != "key-a" {
		t.Fatalf("first Agree: %q, %v", got, err)
	}
	if got, err := b.Agree(t.Context(), "log-key", []byte("key-b")); err != nil || string(got) != "key-a" {
		t.Errorf("second Agree: %q, %v; want the first node's value", got, err)
	}
}
