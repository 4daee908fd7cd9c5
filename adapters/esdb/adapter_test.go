package esdb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/adapters/esdb"
	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
	"github.com/masteryledger/ledger/domain"
)

// waitTimeout bounds every wait on a subscription.
const waitTimeout = 10 * time.Second

var teacher = domain.Actor{Role: "teacher", Name: "Ms Rivera"}

var seq atomic.Uint64

func events(n int) []domain.EventData {
	evs := make([]domain.EventData, n)
	for i := range evs {
		evs[i] = domain.EventData{ID: uuid.New(), Type: "EvidenceRecorded", Actor: teacher,
			Data: json.RawMessage(fmt.Sprintf(`{"seq":%d}`, seq.Add(1)))}
	}
	return evs
}

func mustAppend(t *testing.T, st domain.EventStore, stream string, expected domain.ExpectedRevision, evs ...domain.EventData) []domain.RecordedEvent {
	t.Helper()
	out, err := st.Append(t.Context(), stream, expected, evs...)
	if err != nil {
		t.Fatalf("Append(%s, %v): %v", stream, expected, err)
	}
	return out
}

func mustReadAll(t *testing.T, st domain.EventStore, after uint64) []domain.RecordedEvent {
	t.Helper()
	evs, err := st.ReadAll(t.Context(), after, 0)
	if err != nil {
		t.Fatalf("ReadAll(%d): %v", after, err)
	}
	return evs
}

func ids(evs []domain.RecordedEvent) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "%s@%d/%d ", e.Stream, e.Revision, e.Position)
	}
	return b.String()
}

func sameIDs(t *testing.T, what string, got, want []domain.RecordedEvent) {
	t.Helper()
	if ids(got) != ids(want) {
		t.Errorf("%s:\n got %s\nwant %s", what, ids(got), ids(want))
	}
}

// subscription runs Subscribe on a goroutine and hands its events over a
// channel.
type subscription struct {
	events chan domain.RecordedEvent
	result chan error
	cancel context.CancelFunc
}

func subscribe(t *testing.T, st domain.EventStore, after uint64) *subscription {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	sub := &subscription{events: make(chan domain.RecordedEvent), result: make(chan error, 1), cancel: cancel}
	go func() {
		sub.result <- st.Subscribe(ctx, after, func(e domain.RecordedEvent) error {
			select {
			case sub.events <- e:
			case <-ctx.Done():
			}
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-sub.result:
		case <-time.After(waitTimeout):
			t.Error("Subscribe did not return after cancel")
		}
	})
	return sub
}

func (sub *subscription) take(t *testing.T, n int) []domain.RecordedEvent {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	var got []domain.RecordedEvent
	for len(got) < n {
		select {
		case e := <-sub.events:
			got = append(got, e)
		case err := <-sub.result:
			t.Fatalf("subscription ended after %d of %d events: %v", len(got), n, err)
		case <-timer.C:
			t.Fatalf("subscription delivered %d of %d events in %v", len(got), n, waitTimeout)
		}
	}
	return got
}

// TestNamespaces: stores in different namespaces of one server, and other
// applications' and system streams, never see each other's events.
func TestNamespaces(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	a := openStore(t, fake.URL(), &esdb.Options{Namespace: "a-"})
	b := openStore(t, fake.URL(), &esdb.Options{Namespace: "b-"})
	plain := openStore(t, fake.URL(), &esdb.Options{Namespace: ""})
	fake.Inject("orders-1", esdbfake.Event{Type: "OrderPlaced", Data: []byte(`{}`)})
	fake.Inject("$ce-learner", esdbfake.Event{Type: "$>", Data: []byte(`0@a-learner-1`)})

	subA := subscribe(t, a, 0)
	wantA := mustAppend(t, a, "learner-1", domain.NoStream{}, events(2)...)
	wantB := mustAppend(t, b, "learner-1", domain.NoStream{}, events(1)...)
	wantPlain := mustAppend(t, plain, "learner-1", domain.NoStream{}, events(1)...)
	fake.Inject("orders-1", esdbfake.Event{Type: "OrderShipped", Data: []byte(`{}`)})
	wantA = append(wantA, mustAppend(t, a, "school-north", domain.Any{}, events(1)...)...)

	sameIDs(t, "a: ReadAll", mustReadAll(t, a, 0), wantA)
	sameIDs(t, "b: ReadAll", mustReadAll(t, b, 0), wantB)
	sameIDs(t, "no namespace: ReadAll", mustReadAll(t, plain, 0), wantPlain)
	got, err := b.ReadStream(t.Context(), "learner-1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameIDs(t, "b: ReadStream", got, wantB)
	sameIDs(t, "a: subscription", subA.take(t, len(wantA)), wantA)
	if wantA[0].Stream != "learner-1" {
		t.Errorf("stream %q as recorded, want the name without the namespace", wantA[0].Stream)
	}
}

// TestStreamNames: the store writes and reads only the ledger's streams,
// and leaves event types starting with $ to the server.
func TestStreamNames(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	st := openStore(t, fake.URL(), nil)
	for _, stream := range []string{"", "orders-1", "$ce-learner", "Learner-1"} {
		if _, err := st.Append(t.Context(), stream, domain.Any{}, events(1)...); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Append(%q): %v, want domain.ErrInvalid", stream, err)
		}
		if _, err := st.ReadStream(t.Context(), stream, 0, 0); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("ReadStream(%q): %v, want domain.ErrInvalid", stream, err)
		}
	}
	system := events(1)
	system[0].Type = "$metadata"
	if _, err := st.Append(t.Context(), "learner-1", domain.Any{}, system...); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("Append of a $ type: %v, want domain.ErrInvalid", err)
	}
	custom := openStore(t, fake.URL(), &esdb.Options{StreamPrefixes: []string{"orders-"}})
	mustAppend(t, custom, "orders-1", domain.NoStream{}, events(1)...)
	if _, err := custom.Append(t.Context(), "learner-1", domain.Any{}, events(1)...); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("Append outside custom prefixes: %v, want domain.ErrInvalid", err)
	}
}

// TestPositionsBetweenEvents: ReadAll and Subscribe after a number that is
// no event's position, which the server refuses to start a read at, still
// give exactly the events after it.
func TestPositionsBetweenEvents(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	st := openStore(t, fake.URL(), nil)
	var all []domain.RecordedEvent
	for i, stream := range []string{"learner-a", "learner-b", "learner-a", "school-c"} {
		all = append(all, mustAppend(t, st, stream, domain.Any{}, events(1+i%2)...)...)
	}
	for k, e := range all {
		if k > 0 && e.Position-all[k-1].Position < 3 {
			t.Fatalf("positions %d and %d are too close for this test", all[k-1].Position, e.Position)
		}
		for _, after := range []uint64{e.Position - 1, e.Position + 1, e.Position + 2} {
			want := all[k:]
			if after >= e.Position {
				want = all[k+1:]
			}
			sameIDs(t, fmt.Sprintf("ReadAll(%d)", after), mustReadAll(t, st, after), want)
			got, err := st.ReadAll(t.Context(), after, 1)
			if err != nil {
				t.Fatal(err)
			}
			sameIDs(t, fmt.Sprintf("ReadAll(%d, 1)", after), got, want[:min(1, len(want))])
		}
	}
	after := all[1].Position + 1
	sub := subscribe(t, st, after)
	got := sub.take(t, len(all)-2)
	live := mustAppend(t, st, "learner-z", domain.NoStream{}, events(1)...)
	got = append(got, sub.take(t, 1)...)
	sameIDs(t, fmt.Sprintf("Subscribe(%d)", after), got, append(all[2:len(all):len(all)], live...))

	beyond := live[0].Position + 1000
	subBeyond := subscribe(t, st, beyond)
	sameIDs(t, "ReadAll beyond the end", mustReadAll(t, st, beyond), nil)
	var later []domain.RecordedEvent
	for len(later) == 0 || later[len(later)-1].Position <= beyond {
		later = append(later, mustAppend(t, st, "learner-z", domain.Any{}, events(4)...)...)
		if len(later) > 400 {
			t.Fatal("positions do not pass the mark")
		}
	}
	var want []domain.RecordedEvent
	for _, e := range later {
		if e.Position > beyond {
			want = append(want, e)
		}
	}
	sameIDs(t, fmt.Sprintf("Subscribe(%d) beyond the end", beyond), subBeyond.take(t, len(want)), want)
}

// TestSubscriptionResumes: a subscription the server drops resumes after
// the last event delivered, with no gap and no repeat.
func TestSubscriptionResumes(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	st := openStore(t, fake.URL(), nil)
	hist := mustAppend(t, st, "learner-1", domain.NoStream{}, events(5)...)
	sub := subscribe(t, st, 0)
	got := sub.take(t, 3)
	fake.DropSubscriptions() // while catching up: two history events pending
	got = append(got, sub.take(t, 2)...)
	live := mustAppend(t, st, "learner-2", domain.NoStream{}, events(2)...)
	got = append(got, sub.take(t, 2)...)
	fake.DropSubscriptions() // while live
	more := mustAppend(t, st, "learner-1", domain.Revision(4), events(3)...)
	got = append(got, sub.take(t, 3)...)
	sameIDs(t, "delivered across drops", got, append(append(hist, live...), more...))
}

// TestWrongExpectedVersionFromServer: when another writer gets in between
// the read of the stream's head and the append, the server refuses the
// append; the error carries the revision the server reports, and an append
// with Any tries again on the new head, keeping the chain.
func TestWrongExpectedVersionFromServer(t *testing.T) {
	var (
		ns      = "race-"
		intrude atomic.Int32
		server  atomic.Pointer[esdbfake.Server]
	)
	fake := esdbfake.StartTB(t, &esdbfake.Options{BeforeAppend: func(_ context.Context, stream string) error {
		if stream == ns+"learner-1" && intrude.Add(-1) >= 0 {
			server.Load().Inject(stream, intruder())
		}
		return nil
	}})
	server.Store(fake)
	st := openStore(t, fake.URL(), &esdb.Options{Namespace: ns})
	first := mustAppend(t, st, "learner-1", domain.NoStream{}, events(1)...)

	intrude.Store(1)
	_, err := st.Append(t.Context(), "learner-1", domain.Revision(first[0].Revision), events(1)...)
	var wrong *domain.WrongExpectedRevisionError
	if !errors.As(err, &wrong) || wrong.Actual != 1 || wrong.Expected != domain.Revision(0) {
		t.Fatalf("Append after an intruder: %v, want *domain.WrongExpectedRevisionError with Actual 1", err)
	}

	intrude.Store(1)
	out := mustAppend(t, st, "learner-1", domain.Any{}, events(2)...)
	evs, err := st.ReadStream(t.Context(), "learner-1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 5 || out[0].Revision != 3 || out[0].PrevHash != evs[2].Hash {
		t.Fatalf("Any after an intruder recorded %s, prevHash %s; stream is %s", ids(out), out[0].PrevHash, ids(evs))
	}
}

// intruder is an event another writer appends, in the ledger's format.
func intruder() esdbfake.Event {
	meta := fmt.Sprintf(`{"v":1,"occurredAt":"2026-01-01T00:00:00Z","recordedAt":"2026-01-01T00:00:00Z","actor":{"role":"admin","name":"x"},"prevHash":"%s","hash":"%s"}`,
		domain.ZeroHash, strings.Repeat("1", 64))
	return esdbfake.Event{Type: "Intruded", Data: []byte(`{}`), Metadata: []byte(meta)}
}

// TestServerDeadline: the client's own deadline passing on the server
// reads as context.DeadlineExceeded, and nothing is written.
func TestServerDeadline(t *testing.T) {
	ns := "slow-"
	fake := esdbfake.StartTB(t, &esdbfake.Options{BeforeAppend: func(ctx context.Context, stream string) error {
		if stream == ns+"learner-slow" {
			<-ctx.Done() // hold the append until the client gives up
			return ctx.Err()
		}
		return nil
	}})
	st := openStore(t, fake.URL()+"&defaultDeadline=300", &esdb.Options{Namespace: ns})
	_, err := st.Append(t.Context(), "learner-slow", domain.NoStream{}, events(1)...)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Append held past the deadline: %v, want an error matching context.DeadlineExceeded", err)
	}
	if evs := mustReadAll(t, st, 0); len(evs) != 0 {
		t.Errorf("ReadAll after a failed append: %s", ids(evs))
	}
}

// TestServerMaxAppendSize: a server with the default max append size of
// 1 MiB refuses the port's largest event; the error says what to change.
func TestServerMaxAppendSize(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	st := openStore(t, fake.URL(), nil)
	e := events(1)[0]
	e.Data = json.RawMessage(`{"s":"` + strings.Repeat("x", domain.MaxEventDataSize-8) + `"}`)
	_, err := st.Append(t.Context(), "learner-1", domain.NoStream{}, e)
	if err == nil || !strings.Contains(err.Error(), "max append size") {
		t.Fatalf("Append of %d bytes: %v, want an error about the server's max append size", len(e.Data), err)
	}
	if errors.Is(err, domain.ErrInvalid) || errors.Is(err, domain.ErrConflict) {
		t.Errorf("a server limit reported as the caller's fault: %v", err)
	}
	if evs := mustReadAll(t, st, 0); len(evs) != 0 {
		t.Errorf("ReadAll after a refused append: %s", ids(evs))
	}
}

// TestServerMaxAppendEventSize: a server since 25.0 also limits one event
// (MaxAppendEventSize); its refusal is reported like the total's.
func TestServerMaxAppendEventSize(t *testing.T) {
	fake := esdbfake.StartTB(t, &esdbfake.Options{MaxAppendSize: 8 << 20, MaxAppendEventSize: 1 << 20})
	st := openStore(t, fake.URL(), nil)
	e := events(1)[0]
	e.Data = json.RawMessage(`{"s":"` + strings.Repeat("x", domain.MaxEventDataSize-8) + `"}`)
	_, err := st.Append(t.Context(), "learner-1", domain.NoStream{}, e)
	if err == nil || !strings.Contains(err.Error(), "max append size") || !strings.Contains(err.Error(), "Maximum Append Event Size") {
		t.Fatalf("Append of %d bytes: %v, want an error about the server's max append (event) size", len(e.Data), err)
	}
	if errors.Is(err, domain.ErrInvalid) || errors.Is(err, domain.ErrConflict) || errors.Is(err, esdb.ErrUnavailable) {
		t.Errorf("a server limit reported as the caller's fault or an outage: %v", err)
	}
}

// TestServerWithoutStreamReadPositions: a server before 22.10 is refused at
// Open, not after a first append.
func TestServerWithoutStreamReadPositions(t *testing.T) {
	fake := esdbfake.StartTB(t, &esdbfake.Options{NoStreamReadPositions: true})
	_, err := esdb.Open(t.Context(), fake.URL(), nil)
	if err == nil || !strings.Contains(err.Error(), "22.10") {
		t.Fatalf("Open: %v, want an error naming the server version needed", err)
	}
}

// TestServerWithoutServerFeatures: servers before 21.10 answer the
// features call with Unimplemented, which the client takes in its stride.
func TestServerWithoutServerFeatures(t *testing.T) {
	fake := esdbfake.StartTB(t, &esdbfake.Options{NoServerFeatures: true})
	st := openStore(t, fake.URL(), nil)
	want := mustAppend(t, st, "learner-1", domain.NoStream{}, events(2)...)
	sameIDs(t, "ReadAll", mustReadAll(t, st, 0), want)
}

// TestEventIDClaims: an id that an unfinished append claimed for one place
// is refused elsewhere, for now, until that place holds another event
// (TestStaleClaims covers the claims that grow old).
func TestEventIDClaims(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	st := openStore(t, fake.URL(), nil)
	e := events(1)[0]

	// A refused append leaves its claim on learner-x@0.
	_, err := st.Append(t.Context(), "learner-x", domain.Revision(5), e)
	var wrong *domain.WrongExpectedRevisionError
	if !errors.As(err, &wrong) || wrong.Actual != domain.NoRevision {
		t.Fatalf("Append with a wrong revision: %v", err)
	}
	_, err = st.Append(t.Context(), "learner-y", domain.NoStream{}, e)
	var busy *esdb.ClaimBusyError
	if !errors.As(err, &busy) || busy.Stream != "learner-x" || busy.Revision != 0 || !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Append of an id claimed for learner-x@0 to learner-y: %v, want *esdb.ClaimBusyError naming learner-x@0", err)
	}
	var conflict *domain.EventIDConflictError
	// Where the claim points, the id is welcome.
	// Once learner-x@0 holds another event, the claim is stale.
	mustAppend(t, st, "learner-x", domain.NoStream{}, events(1)...)
	out := mustAppend(t, st, "learner-y", domain.NoStream{}, e)
	if out[0].ID != e.ID || out[0].Stream != "learner-y" {
		t.Fatalf("Append after the claim went stale recorded %s", ids(out))
	}
	// From now on the id is stored: a retry is idempotent, another stream a
	// conflict.
	again := mustAppend(t, st, "learner-y", domain.Any{}, e)
	sameIDs(t, "retry", again, out)
	if _, err := st.Append(t.Context(), "learner-x", domain.Any{}, e); !errors.As(err, &conflict) || conflict.Stream != "learner-y" {
		t.Fatalf("Append of a stored id to another stream: %v", err)
	}
	// The same place: a retry after a refused append goes through.
	f := events(1)[0]
	if _, err := st.Append(t.Context(), "learner-z", domain.Revision(0), f); !errors.As(err, &wrong) {
		t.Fatalf("Append with a wrong revision: %v", err)
	}
	mustAppend(t, st, "learner-z", domain.NoStream{}, f)
}

// TestUnavailable: a node that goes away makes calls fail with
// ErrUnavailable; once it is back, the store works again, even though the
// client gave up on it in between.
func TestUnavailable(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	st := openStore(t, fake.URL()+"&maxDiscoverAttempts=2&discoveryInterval=1", nil)
	mustAppend(t, st, "learner-1", domain.NoStream{}, events(1)...)

	fake.Stop()
	for attempt := 0; ; attempt++ {
		_, err := st.Append(t.Context(), "learner-1", domain.Any{}, events(1)...)
		if errors.Is(err, esdb.ErrUnavailable) {
			break
		}
		if attempt == 20 {
			t.Fatalf("Append to a stopped node: %v, want ErrUnavailable", err)
		}
	}
	// Let the client exhaust its discovery attempts, so it gives up for good.
	for range 3 {
		if _, err := st.ReadAll(t.Context(), 0, 0); !errors.Is(err, esdb.ErrUnavailable) {
			t.Fatalf("ReadAll on a stopped node: %v, want ErrUnavailable", err)
		}
	}

	if err := fake.Restart(); err != nil {
		t.Fatal(err)
	}
	for attempt := 0; ; attempt++ {
		_, err := st.Append(t.Context(), "learner-1", domain.Any{}, events(1)...)
		if err == nil {
			break
		}
		if !errors.Is(err, esdb.ErrUnavailable) || attempt == 50 {
			t.Fatalf("Append after the node came back: %v", err)
		}
	}
	if evs := mustReadAll(t, st, 0); len(evs) != 2 {
		t.Errorf("ReadAll after the outage: %s", ids(evs))
	}
}

// TestOpenUnreachable: Open reports a node it cannot reach.
func TestOpenUnreachable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	_, err = esdb.Open(t.Context(), "esdb://"+addr+"?tls=false&maxDiscoverAttempts=1", nil)
	if !errors.Is(err, esdb.ErrUnavailable) {
		t.Fatalf("Open on a closed port: %v, want ErrUnavailable", err)
	}
}

// TestOpenBadURL: a malformed connection string is invalid, and the error
// does not repeat a password.
func TestOpenBadURL(t *testing.T) {
	for _, url := range []string{"http://127.0.0.1:2113", "esdb://admin:s3cret@127.0.0.1:notaport", "esdb://admin:s3cret@[::1"} {
		_, err := esdb.Open(t.Context(), url, nil)
		if !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Open(%q): %v, want domain.ErrInvalid", url, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q): the error shows the password: %v", url, err)
		}
	}
}

// TestClose: Close ends subscriptions with domain.ErrClosed and refuses
// every call after it.
func TestClose(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	st, err := esdb.Open(t.Context(), fake.URL(), &esdb.Options{Namespace: newNamespace()})
	if err != nil {
		t.Fatal(err)
	}
	sub := subscribe(t, st, 0)
	mustAppend(t, st, "learner-1", domain.NoStream{}, events(1)...)
	sub.take(t, 1) // the subscription is live
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-sub.result:
		if !errors.Is(err, domain.ErrClosed) {
			t.Errorf("Subscribe after Close: %v, want domain.ErrClosed", err)
		}
		sub.result <- err // for the cleanup
	case <-time.After(waitTimeout):
		t.Fatal("Subscribe did not end at Close")
	}
	if _, err := st.Append(t.Context(), "learner-1", domain.Any{}, events(1)...); !errors.Is(err, domain.ErrClosed) {
		t.Errorf("Append after Close: %v, want domain.ErrClosed", err)
	}
	if _, err := st.ReadAll(t.Context(), 0, 0); !errors.Is(err, domain.ErrClosed) {
		t.Errorf("ReadAll after Close: %v, want domain.ErrClosed", err)
	}
	if _, err := st.ReadStream(t.Context(), "learner-1", 0, 0); !errors.Is(err, domain.ErrClosed) {
		t.Errorf("ReadStream after Close: %v, want domain.ErrClosed", err)
	}
	if err := st.Subscribe(t.Context(), 0, func(domain.RecordedEvent) error { return nil }); !errors.Is(err, domain.ErrClosed) {
		t.Errorf("Subscribe after Close: %v, want domain.ErrClosed", err)
	}
	if err := st.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestAppendAfterEventsBeforeSalts: a stream written by the adapter before
// salts (version 1 metadata, hashes v1) reads back without salts and
// verifies, and events appended now get salts and v2 hashes chained onto
// the v1 ones, and the whole stream verifies.
func TestAppendAfterEventsBeforeSalts(t *testing.T) {
	const ns, stream = "old-", "learner-l-0001"
	fake := esdbfake.StartTB(t, nil)
	prev := domain.ZeroHash
	for i := range 3 {
		e := domain.RecordedEvent{ID: uuid.New(), Type: "EvidenceRecorded", Stream: stream, Revision: uint64(i),
			RecordedAt: time.Date(2026, 9, 1, 8, i, 0, 0, time.UTC), OccurredAt: time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC),
			Actor: teacher, PrevHash: prev, Data: json.RawMessage(fmt.Sprintf(`{"level":%d}`, 1+i))}
		e.Hash = domain.EventHash(e)
		meta := fmt.Sprintf(`{"v":1,"occurredAt":%q,"recordedAt":%q,"actor":{"role":%q,"name":%q},"prevHash":%q,"hash":%q}`,
			domain.FormatTime(e.OccurredAt), domain.FormatTime(e.RecordedAt), e.Actor.Role, e.Actor.Name, e.PrevHash, e.Hash)
		fake.Inject(ns+stream, esdbfake.Event{ID: e.ID, Type: e.Type, Data: e.Data, Metadata: []byte(meta)})
		prev = e.Hash
	}
	st := openStore(t, fake.URL(), &esdb.Options{Namespace: ns})
	old, err := st.ReadStream(t.Context(), stream, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != 3 || old[2].Hash != prev {
		t.Fatalf("read %s before the append, want the 3 events injected ending in hash %s", ids(old), prev)
	}
	out := mustAppend(t, st, stream, domain.Revision(2), events(2)...)
	if out[0].PrevHash != prev {
		t.Errorf("the first salted event's prevHash %s, want the last unsalted hash %s", out[0].PrevHash, prev)
	}
	var v domain.ChainVerifier
	for i, e := range mustReadAll(t, st, 0) {
		if salted := e.Salt != ""; salted != (i >= 3) {
			t.Errorf("event %d (%s@%d): salt %q; want none on the 3 old events and one on each new one", i, e.Stream, e.Revision, e.Salt)
		}
		if err := v.Next(e); err != nil {
			t.Errorf("event %d: %v", i, err)
		}
	}
	if v.Count() != 5 {
		t.Errorf("verified %d events, want 5", v.Count())
	}
}

// TestLastPosition: the last ledger event's position in the namespace,
// past other namespaces', other applications' and the claims' records.
func TestLastPosition(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	st := openStore(t, fake.URL(), nil)
	if p, err := st.LastPosition(t.Context()); err != nil || p != 0 {
		t.Fatalf("LastPosition of an empty namespace: %d, %v", p, err)
	}
	out := mustAppend(t, st, "learner-1", domain.NoStream{}, events(2)...)
	other := openStore(t, fake.URL(), nil)
	mustAppend(t, other, "learner-1", domain.NoStream{}, events(1)...)
	fake.Inject("orders-1", esdbfake.Event{Type: "OrderPlaced", Data: []byte(`{}`)})
	if p, err := st.LastPosition(t.Context()); err != nil || p != out[1].Position {
		t.Errorf("LastPosition: %d, %v; want %d", p, err, out[1].Position)
	}
}

// TestAppendCost measures what an append of N new events costs on the
// server: N+3 calls (the head, one claim per id, the append, the
// read-back) and 2N events (each event and its claim).
func TestAppendCost(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	st := openStore(t, fake.URL(), nil)
	mustAppend(t, st, "learner-0", domain.NoStream{}, events(1)...) // the client's first call set-up is not counted
	for _, n := range []int{1, 5, 20} {
		before := fake.Stats()
		mustAppend(t, st, fmt.Sprintf("learner-%d", n), domain.NoStream{}, events(n)...)
		after := fake.Stats()
		calls := after.Appends + after.Reads - before.Appends - before.Reads
		written := after.Events - before.Events
		t.Logf("append of %d events: %d calls, %d events written", n, calls, written)
		if calls != n+3 || written != 2*n {
			t.Errorf("append of %d events: %d calls and %d events written, want %d and %d", n, calls, written, n+3, 2*n)
		}
	}
}
