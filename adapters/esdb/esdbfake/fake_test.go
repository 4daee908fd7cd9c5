package esdbfake_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	esdbc "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
)

// These tests speak to the fake through the official client only, and pin
// the server behaviour the adapter relies on.

func client(t *testing.T, fake *esdbfake.Server) *esdbc.Client {
	t.Helper()
	cfg, err := esdbc.ParseConnectionString(fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = esdbc.NoopLogging()
	c, err := esdbc.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func event(typ string) esdbc.EventData {
	return esdbc.EventData{EventID: uuid.New(), EventType: typ, ContentType: esdbc.ContentTypeJson, Data: []byte(`{"a":1}`), Metadata: []byte(`{"m":2}`)}
}

func readStream(t *testing.T, c *esdbc.Client, stream string) ([]*esdbc.RecordedEvent, error) {
	t.Helper()
	rs, err := c.ReadStream(t.Context(), stream, esdbc.ReadStreamOptions{}, 1000)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []*esdbc.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev.OriginalEvent())
	}
}

func readAll(t *testing.T, c *esdbc.Client, from esdbc.AllPosition) ([]*esdbc.RecordedEvent, error) {
	t.Helper()
	rs, err := c.ReadAll(t.Context(), esdbc.ReadAllOptions{From: from}, 1000)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []*esdbc.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev.OriginalEvent())
	}
}

func errCode(err error) esdbc.ErrorCode {
	var e *esdbc.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return -1
}

func TestStreamReads(t *testing.T) {
	created := time.Date(2026, 9, 1, 8, 0, 0, 123456700, time.UTC)
	fake := esdbfake.StartTB(t, &esdbfake.Options{Now: func() time.Time { return created }})
	c := client(t, fake)

	if _, err := readStream(t, c, "missing"); errCode(err) != esdbc.ErrorCodeResourceNotFound {
		t.Errorf("read of a missing stream: %v, want ErrorCodeResourceNotFound", err)
	}
	e1, e2 := event("A"), event("B")
	if _, err := c.AppendToStream(t.Context(), "s-1", esdbc.AppendToStreamOptions{ExpectedRevision: esdbc.NoStream{}}, e1, e2); err != nil {
		t.Fatal(err)
	}
	evs, err := readStream(t, c, "s-1")
	if err != nil || len(evs) != 2 {
		t.Fatalf("read: %d events, %v", len(evs), err)
	}
	for i, want := range []esdbc.EventData{e1, e2} {
		got := evs[i]
		if got.EventID != want.EventID || got.EventType != want.EventType || got.EventNumber != uint64(i) ||
			string(got.Data) != string(want.Data) || string(got.UserMetadata) != string(want.Metadata) || got.ContentType != "application/json" {
			t.Errorf("event %d read as %+v", i, got)
		}
		if !got.CreatedDate.Equal(created) {
			t.Errorf("event %d created %v, want %v (ticks since the Unix epoch)", i, got.CreatedDate, created)
		}
		if got.Position.Commit != got.Position.Prepare || got.Position.Commit == ^uint64(0) {
			t.Errorf("event %d position %+v: want commit = prepare, reported on stream reads", i, got.Position)
		}
	}
	if evs[1].Position.Commit <= evs[0].Position.Commit+1 {
		t.Errorf("positions %d, %d: want byte offsets, sparse", evs[0].Position.Commit, evs[1].Position.Commit)
	}
	// Backwards from the end: the last event.
	rs, err := c.ReadStream(t.Context(), "s-1", esdbc.ReadStreamOptions{Direction: esdbc.Backwards, From: esdbc.End{}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	last, err := rs.Recv()
	rs.Close()
	if err != nil || last.OriginalEvent().EventID != e2.EventID {
		t.Errorf("backwards from the end: %v, %v", last, err)
	}
}

func TestAppendExpectedRevisionAndIdempotency(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	c := client(t, fake)
	opts := func(e esdbc.ExpectedRevision) esdbc.AppendToStreamOptions {
		return esdbc.AppendToStreamOptions{ExpectedRevision: e}
	}
	e1, e2 := event("A"), event("B")
	first, err := c.AppendToStream(t.Context(), "s-1", opts(esdbc.NoStream{}), e1, e2)
	if err != nil || first.NextExpectedVersion != 1 {
		t.Fatalf("first append: %+v, %v", first, err)
	}
	for _, retry := range []esdbc.ExpectedRevision{esdbc.NoStream{}, esdbc.Any{}, esdbc.StreamExists{}} {
		again, err := c.AppendToStream(t.Context(), "s-1", opts(retry), e1, e2)
		if err != nil || *again != *first {
			t.Errorf("re-append with %T: %+v, %v; want the first answer %+v", retry, again, err, first)
		}
	}
	if evs, _ := readStream(t, c, "s-1"); len(evs) != 2 {
		t.Fatalf("the stream holds %d events after idempotent re-appends, want 2", len(evs))
	}

	wrong := []struct {
		expected esdbc.ExpectedRevision
		stream   string
		msg      string
	}{
		{esdbc.NoStream{}, "s-1", "expecting 'no_stream' but got '1'"},
		{esdbc.Revision(0), "s-1", "expecting '0' but got '1'"},
		{esdbc.Revision(5), "s-1", "expecting '5' but got '1'"},
		{esdbc.StreamExists{}, "s-2", "expecting 'stream_exists' but got 'no_stream'"},
		{esdbc.Revision(0), "s-2", "expecting '0' but got 'no_stream'"},
	}
	for _, w := range wrong {
		_, err := c.AppendToStream(t.Context(), w.stream, opts(w.expected), event("C"))
		if errCode(err) != esdbc.ErrorCodeWrongExpectedVersion || !strings.Contains(err.Error(), w.msg) {
			t.Errorf("append to %s expecting %+v: %v, want a wrong expected version with %q", w.stream, w.expected, err, w.msg)
		}
	}
	// A stale revision with other ids, or a partial re-append, is refused.
	if _, err := c.AppendToStream(t.Context(), "s-1", opts(esdbc.Revision(0)), e2, event("D")); errCode(err) != esdbc.ErrorCodeWrongExpectedVersion {
		t.Errorf("partly idempotent append: %v, want a wrong expected version", err)
	}
	if _, err := c.AppendToStream(t.Context(), "s-1", opts(esdbc.Revision(1)), event("E")); err != nil {
		t.Errorf("append at the right revision: %v", err)
	}
}

func TestAppendLimits(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	c := client(t, fake)
	big := event("Big")
	big.Data = make([]byte, esdbfake.DefaultMaxAppendSize)
	_, err := c.AppendToStream(t.Context(), "s-1", esdbc.AppendToStreamOptions{ExpectedRevision: esdbc.Any{}}, big)
	if st, _ := status.FromError(errors.Unwrap(err)); err == nil || st.Code() != codes.InvalidArgument || !strings.Contains(err.Error(), "Maximum Append Size of 1048576 Exceeded") {
		t.Errorf("append over the max append size: %v", err)
	}

	// Since 25.0 one event has a limit of its own, checked first.
	fake = esdbfake.StartTB(t, &esdbfake.Options{MaxAppendSize: 8 << 20, MaxAppendEventSize: 1 << 20})
	c = client(t, fake)
	_, err = c.AppendToStream(t.Context(), "s-1", esdbc.AppendToStreamOptions{ExpectedRevision: esdbc.Any{}}, big)
	if st, _ := status.FromError(errors.Unwrap(err)); err == nil || st.Code() != codes.InvalidArgument || !strings.Contains(err.Error(), "exceeds Maximum Append Event Size of 1048576.") {
		t.Errorf("append over the max append event size: %v", err)
	}
}

func TestReadAll(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	c := client(t, fake)
	for _, s := range []string{"a-1", "b-1", "a-1"} {
		if _, err := c.AppendToStream(t.Context(), s, esdbc.AppendToStreamOptions{}, event("X"), event("Y")); err != nil {
			t.Fatal(err)
		}
	}
	all, err := readAll(t, c, esdbc.Start{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3+6 || !strings.HasPrefix(all[0].StreamID, "$") {
		t.Fatalf("$all holds %d events, first %q: want a fresh node's system events, then 6", len(all), all[0].StreamID)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Position.Commit <= all[i-1].Position.Commit || all[i].Position.Commit != all[i].Position.Prepare {
			t.Fatalf("positions %+v then %+v", all[i-1].Position, all[i].Position)
		}
	}

	mid := all[5]
	from, err := readAll(t, c, mid.Position)
	if err != nil || len(from) != len(all)-5 || from[0].EventID != mid.EventID {
		t.Errorf("read from an event's position: %d events, %v; want it and the rest (inclusive)", len(from), err)
	}
	inside := esdbc.Position{Commit: mid.Position.Commit + 1, Prepare: mid.Position.Commit + 1}
	_, err = readAll(t, c, inside)
	if st, ok := status.FromError(errors.Unwrap(err)); !ok || st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "invalid position") {
		t.Errorf("read from inside a record: %v, want InvalidArgument: invalid position", err)
	}
	past := esdbc.Position{Commit: all[len(all)-1].Position.Commit + 100_000, Prepare: all[len(all)-1].Position.Commit + 100_000}
	if evs, err := readAll(t, c, past); err != nil || len(evs) != 0 {
		t.Errorf("read past the end: %d events, %v; want none", len(evs), err)
	}
}

func TestSubscribeToAll(t *testing.T) {
	fake := esdbfake.StartTB(t, nil)
	c := client(t, fake)
	var hist []esdbc.EventData
	for _, s := range []string{"a-1", "b-1", "a-2"} {
		e := event("X")
		hist = append(hist, e)
		if _, err := c.AppendToStream(t.Context(), s, esdbc.AppendToStreamOptions{}, e); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := c.SubscribeToAll(t.Context(), esdbc.SubscribeToAllOptions{
		From:               esdbc.Start{},
		Filter:             &esdbc.SubscriptionFilter{Type: esdbc.StreamFilterType, Prefixes: []string{"a-"}},
		MaxSearchWindow:    1,
		CheckpointInterval: 1,
	})
	if err != nil {
		t.Fatal(err) // the client consumed the confirmation, or failed here
	}
	defer sub.Close()
	var seen []string
	next := func() *esdbc.SubscriptionEvent {
		ev := sub.Recv()
		switch {
		case ev.EventAppeared != nil:
			seen = append(seen, "event:"+ev.EventAppeared.OriginalEvent().StreamID)
		case ev.CheckPointReached != nil:
			seen = append(seen, "checkpoint")
		case ev.CaughtUp != nil:
			seen = append(seen, "caught-up")
		case ev.SubscriptionDropped != nil:
			t.Fatalf("dropped after %v: %v", seen, ev.SubscriptionDropped.Error)
		}
		return ev
	}
	for ev := next(); ev.CaughtUp == nil; ev = next() {
	}
	if _, err := c.AppendToStream(t.Context(), "a-3", esdbc.AppendToStreamOptions{}, event("Live")); err != nil {
		t.Fatal(err)
	}
	for ev := next(); ev.EventAppeared == nil; ev = next() {
	}
	got := strings.Join(seen, " ")
	for _, want := range []string{"event:a-1", "event:a-2", "caught-up", "event:a-3"} {
		i := strings.Index(got, want)
		if i < 0 {
			t.Fatalf("subscription delivered %q, want %q in order", got, want)
		}
		got = got[i+len(want):]
	}
	if strings.Contains(strings.Join(seen, " "), "b-1") || !strings.Contains(strings.Join(seen, " "), "checkpoint") {
		t.Errorf("filtered subscription delivered %v: want no b-1 and checkpoints", seen)
	}

	// From an event's position, that event is skipped.
	all, err := readAll(t, c, esdbc.Start{})
	if err != nil {
		t.Fatal(err)
	}
	at := all[len(all)-2]
	from, err := c.SubscribeToAll(t.Context(), esdbc.SubscribeToAllOptions{From: at.Position})
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	for ev := from.Recv(); ; ev = from.Recv() {
		if ev.EventAppeared != nil {
			if got := ev.EventAppeared.OriginalEvent().EventID; got != all[len(all)-1].EventID {
				t.Errorf("subscription from %+v delivered %s first, want the event after it", at.Position, got)
			}
			break
		}
		if ev.SubscriptionDropped != nil {
			t.Fatal(ev.SubscriptionDropped.Error)
		}
	}

	fake.DropSubscriptions()
	for ev := sub.Recv(); ; ev = sub.Recv() {
		if ev.SubscriptionDropped != nil {
			if st, _ := status.FromError(ev.SubscriptionDropped.Error); st.Code() != codes.Aborted {
				t.Errorf("drop: %v, want Aborted", ev.SubscriptionDropped.Error)
			}
			break
		}
	}
}
