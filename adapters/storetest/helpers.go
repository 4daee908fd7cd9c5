package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

// waitTimeout bounds every wait on the store under test, so that a store that
// never delivers or never returns fails the test instead of hanging it.
const waitTimeout = 10 * time.Second

// seq makes every generated payload distinct, so that a mix-up of two events
// shows in their data as well as their ids.
var seq atomic.Uint64

// teacher is the actor of generated events.
var teacher = domain.Actor{Role: "teacher", Name: "Ms Rivera"}

// newEvent returns an event with a fresh id, type and payload.
func newEvent(typ, data string) domain.EventData {
	return domain.EventData{ID: uuid.New(), Type: typ, Actor: teacher, Data: json.RawMessage(data)}
}

// batch returns n new events with distinct payloads.
func batch(n int) []domain.EventData {
	evs := make([]domain.EventData, n)
	for i := range evs {
		evs[i] = newEvent("EvidenceRecorded", fmt.Sprintf(`{"seq":%d,"level":3}`, seq.Add(1)))
	}
	return evs
}

// store opens a store and checks that it is empty.
func (s *suite) store(t *testing.T) domain.EventStore {
	t.Helper()
	st := s.open(t)
	if st == nil {
		t.Fatal("open returned a nil store")
	}
	evs, err := st.ReadAll(t.Context(), 0, 0)
	if err != nil {
		t.Fatalf("ReadAll on a fresh store: %v", err)
	}
	if len(evs) != 0 {
		t.Fatalf("open must return an empty store; ReadAll found %d events", len(evs))
	}
	return st
}

// mustAppend appends and fails the test on an error or a short answer.
func mustAppend(t *testing.T, st domain.EventStore, stream string, expected domain.ExpectedRevision, evs ...domain.EventData) []domain.RecordedEvent {
	t.Helper()
	out, err := st.Append(t.Context(), stream, expected, evs...)
	if err != nil {
		t.Fatalf("Append(%q, %v, %d events): %v", stream, expected, len(evs), err)
	}
	if len(out) != len(evs) {
		t.Fatalf("Append(%q, %v, %d events) returned %d events", stream, expected, len(evs), len(out))
	}
	return out
}

// appendChecked appends to stream and checks the recorded events against the
// stream as it was just before: revisions follow on, the hash chain links up
// and every field is as appended. Not for concurrent use on one stream.
func (s *suite) appendChecked(t *testing.T, st domain.EventStore, stream string, expected domain.ExpectedRevision, evs ...domain.EventData) []domain.RecordedEvent {
	t.Helper()
	first, prev := nextOf(readStream(t, st, stream))
	out := mustAppend(t, st, stream, expected, evs...)
	s.checkAppended(t, stream, first, prev, evs, out)
	return out
}

// nextOf returns the revision and prevHash that the next event of a stream
// holding evs must have.
func nextOf(evs []domain.RecordedEvent) (revision uint64, prevHash string) {
	if n := len(evs); n > 0 {
		return evs[n-1].Revision + 1, evs[n-1].Hash
	}
	return 0, domain.ZeroHash
}

// readStream reads a whole stream.
func readStream(t *testing.T, st domain.EventStore, stream string) []domain.RecordedEvent {
	t.Helper()
	evs, err := st.ReadStream(t.Context(), stream, 0, 0)
	if err != nil {
		t.Fatalf("ReadStream(%q, 0, 0): %v", stream, err)
	}
	return evs
}

// readAll reads the whole store.
func readAll(t *testing.T, st domain.EventStore) []domain.RecordedEvent {
	t.Helper()
	evs, err := st.ReadAll(t.Context(), 0, 0)
	if err != nil {
		t.Fatalf("ReadAll(0, 0): %v", err)
	}
	return evs
}

// checkAppended checks events recorded by one append to stream against what
// was appended: ids, types, actors and compact data as given, revisions from
// firstRev, positions growing (consecutive if dense), times canonical,
// occurredAt defaulted to recordedAt or kept, a salt on every event, and the
// hash chain from prevHash with every hash recomputing.
func (s *suite) checkAppended(t *testing.T, stream string, firstRev uint64, prevHash string, in []domain.EventData, out []domain.RecordedEvent) {
	t.Helper()
	if len(out) != len(in) {
		t.Errorf("append to %q of %d events recorded %d", stream, len(in), len(out))
		return
	}
	for i, e := range out {
		d := in[i]
		at := fmt.Sprintf("%s event %d of the append", stream, i)
		if e.ID != d.ID {
			t.Errorf("%s: id %s, want %s", at, e.ID, d.ID)
		}
		if e.Type != d.Type {
			t.Errorf("%s: type %q, want %q", at, e.Type, d.Type)
		}
		if e.Stream != stream {
			t.Errorf("%s: stream %q, want %q", at, e.Stream, stream)
		}
		if want := firstRev + uint64(i); e.Revision != want {
			t.Errorf("%s: revision %d, want %d", at, e.Revision, want)
		}
		if e.Actor != d.Actor {
			t.Errorf("%s: actor %+v, want %+v", at, e.Actor, d.Actor)
		}
		want, err := domain.CompactJSONObject(d.Data)
		if err != nil {
			t.Fatalf("%s: the test appended invalid data: %v", at, err)
		}
		if !bytes.Equal(e.Data, want) {
			t.Errorf("%s: data %s, want %s", at, e.Data, want)
		}
		if e.Position == 0 {
			t.Errorf("%s: position 0; positions start at 1", at)
		}
		if i > 0 {
			p := out[i-1].Position
			if e.Position <= p {
				t.Errorf("%s: position %d does not follow %d", at, e.Position, p)
			} else if s.opts.DensePositions && e.Position != p+1 {
				t.Errorf("%s: position %d, want %d (a batch takes consecutive positions)", at, e.Position, p+1)
			}
		}
		checkTime(t, at+": recordedAt", e.RecordedAt)
		checkTime(t, at+": occurredAt", e.OccurredAt)
		if d.OccurredAt.IsZero() {
			if !e.OccurredAt.Equal(e.RecordedAt) {
				t.Errorf("%s: occurredAt %v, want recordedAt %v (none was given)", at, e.OccurredAt, e.RecordedAt)
			}
		} else if !e.OccurredAt.Equal(d.OccurredAt) {
			t.Errorf("%s: occurredAt %v, want %v", at, e.OccurredAt, d.OccurredAt)
		}
		if e.PrevHash != prevHash {
			t.Errorf("%s: prevHash %s, want %s", at, e.PrevHash, prevHash)
		}
		if !domain.ValidSalt(e.Salt) {
			t.Errorf("%s: salt %q, want %d lower-case hex digits drawn by the store", at, e.Salt, domain.SaltLen)
		}
		if h := domain.EventHash(e); e.Hash != h {
			t.Errorf("%s: hash %s, want domain.EventHash = %s", at, e.Hash, h)
		}
		prevHash = e.Hash
	}
}

// checkTime checks that a recorded time is set and canonical: UTC, with no
// monotonic clock reading, as domain.CanonicalTime makes it.
func checkTime(t *testing.T, what string, v time.Time) {
	t.Helper()
	if v.IsZero() {
		t.Errorf("%s is zero", what)
		return
	}
	if v != domain.CanonicalTime(v) {
		t.Errorf("%s = %v is not canonical (UTC without a monotonic clock reading)", what, v)
	}
}

// diffEvent lists the fields in which got differs from want.
func diffEvent(got, want domain.RecordedEvent) []string {
	var d []string
	add := func(field string, g, w any) { d = append(d, fmt.Sprintf("%s %v, want %v", field, g, w)) }
	if got.ID != want.ID {
		add("id", got.ID, want.ID)
	}
	if got.Type != want.Type {
		add("type", got.Type, want.Type)
	}
	if got.Stream != want.Stream {
		add("stream", got.Stream, want.Stream)
	}
	if got.Revision != want.Revision {
		add("revision", got.Revision, want.Revision)
	}
	if got.Position != want.Position {
		add("position", got.Position, want.Position)
	}
	if !got.RecordedAt.Equal(want.RecordedAt) {
		add("recordedAt", got.RecordedAt, want.RecordedAt)
	}
	if !got.OccurredAt.Equal(want.OccurredAt) {
		add("occurredAt", got.OccurredAt, want.OccurredAt)
	}
	if got.Actor != want.Actor {
		add("actor", got.Actor, want.Actor)
	}
	if got.Salt != want.Salt {
		add("salt", got.Salt, want.Salt)
	}
	if got.PrevHash != want.PrevHash {
		add("prevHash", got.PrevHash, want.PrevHash)
	}
	if got.Hash != want.Hash {
		add("hash", got.Hash, want.Hash)
	}
	if !bytes.Equal(got.Data, want.Data) {
		add("data", string(got.Data), string(want.Data))
	}
	return d
}

// sameEvents checks that got holds exactly the events of want, field by
// field, in order.
func sameEvents(t *testing.T, what string, got, want []domain.RecordedEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d events, want %d\n got: %s\nwant: %s", what, len(got), len(want), summary(got), summary(want))
		return
	}
	reported := 0
	for i := range got {
		g, w := got[i], want[i]
		switch d := diffEvent(g, w); {
		case d == nil:
			continue
		case g.ID != w.ID:
			t.Errorf("%s: event %d is %s@%d (position %d, id %s), want %s@%d (position %d, id %s)",
				what, i, g.Stream, g.Revision, g.Position, g.ID, w.Stream, w.Revision, w.Position, w.ID)
		default:
			t.Errorf("%s: event %d (%s@%d, position %d): %v", what, i, w.Stream, w.Revision, w.Position, d)
		}
		if reported++; reported == 5 {
			t.Errorf("%s: more differences not shown", what)
			return
		}
	}
}

// summary prints events briefly as stream@revision/position, at most 40.
func summary(evs []domain.RecordedEvent) string {
	var b bytes.Buffer
	for i, e := range evs {
		if i == 40 {
			fmt.Fprintf(&b, "… (%d more)", len(evs)-i)
			break
		}
		fmt.Fprintf(&b, "%s@%d/%d ", e.Stream, e.Revision, e.Position)
	}
	return b.String()
}

// checkOrder checks that evs, read from the start of the store, have strictly
// increasing positions, running 1..N if the store promises dense positions.
func (s *suite) checkOrder(t *testing.T, what string, evs []domain.RecordedEvent) {
	t.Helper()
	var last uint64
	for i, e := range evs {
		switch {
		case e.Position <= last:
			t.Errorf("%s: event %d has position %d after %d: positions must grow strictly", what, i, e.Position, last)
			return
		case s.opts.DensePositions && e.Position != last+1:
			t.Errorf("%s: event %d has position %d after %d: positions must be dense", what, i, e.Position, last)
			return
		}
		last = e.Position
	}
}

// concat joins slices of events.
func concat(parts ...[]domain.RecordedEvent) []domain.RecordedEvent {
	var all []domain.RecordedEvent
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// lastPosition is the position of the last of evs, 0 if there are none.
func lastPosition(evs []domain.RecordedEvent) uint64 {
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].Position
}
