package domain

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// MaxEventDataSize is the largest event payload a store accepts, in bytes of
// compact JSON. A 1 MiB document fits; one byte more is refused with
// *EventTooLargeError.
const MaxEventDataSize = 1 << 20

// EventStore is the port every store implements: the embedded SQLite store and
// the EventStoreDB adapter. Its semantics copy EventStoreDB's so that both map
// onto it one to one.
//
// Streams' revisions start at 0; global positions start at 1 and only grow.
// Position 0 means "before the first event".
type EventStore interface {
	// Append writes events to the end of stream, atomically, if the stream's
	// last revision matches expected, and returns them as recorded.
	//
	// Returns *WrongExpectedRevisionError (ErrConflict) on a mismatch,
	// carrying the actual revision. Appending events whose ids are already
	// stored in this stream, in this order and with the same content, writes
	// nothing and returns the events as first recorded (an idempotent retry).
	// Returns *EventIDConflictError (ErrConflict) if an id is stored with
	// other content or elsewhere, *EventTooLargeError (ErrInvalid) if a
	// payload exceeds MaxEventDataSize, and an error wrapping ErrInvalid for
	// an empty batch, a bad id, type or JSON payload. Returns an error
	// wrapping ErrStorageFull, having written nothing, if the store's disk
	// is full.
	//
	// A nil error means the events are durable: they survive a crash.
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) ([]RecordedEvent, error)

	// ReadStream returns up to limit events of stream from revision from on,
	// in revision order; limit <= 0 means no limit. A stream that does not
	// exist reads as empty.
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]RecordedEvent, error)

	// ReadAll returns up to limit events with a global position greater than
	// after, in position order; limit <= 0 means no limit. A reader that
	// resumes after the last position it saw never skips an event: the
	// positions it is handed are committed in order.
	ReadAll(ctx context.Context, after uint64, limit int) ([]RecordedEvent, error)

	// Subscribe calls handle for every event after position after, in
	// position order: first the history, then live events as they are
	// committed, with no gap and no duplicate across the switch. It blocks
	// until ctx is done (returning ctx.Err()), handle returns an error
	// (returned wrapped), or the store fails. Events handed to handle may
	// share their Data with other subscribers: handle must not modify them.
	Subscribe(ctx context.Context, after uint64, handle func(RecordedEvent) error) error
}

// StreamVersioner is an optional extension of an EventStore that knows,
// without a query, how many events a stream holds. ok false means it does
// not know: read the stream. An answer may lag a commit by as long as a
// read racing that commit would.
type StreamVersioner interface {
	StreamVersion(stream string) (version uint64, ok bool)
}

// ExpectedRevision is the optimistic-concurrency guard of an append: one of
// Any, NoStream, StreamExists or Revision. It is a closed set.
type ExpectedRevision interface {
	fmt.Stringer
	expectedRevision()
}

// Any skips the concurrency check.
type Any struct{}

// NoStream requires that the stream does not exist yet.
type NoStream struct{}

// StreamExists requires that the stream has at least one event.
type StreamExists struct{}

// Revision requires that the stream's last event has exactly this revision.
type Revision uint64

func (Any) expectedRevision()          {}
func (NoStream) expectedRevision()     {}
func (StreamExists) expectedRevision() {}
func (Revision) expectedRevision()     {}

func (Any) String() string          { return "any revision" }
func (NoStream) String() string     { return "no stream" }
func (StreamExists) String() string { return "an existing stream" }
func (r Revision) String() string   { return "revision " + strconv.FormatUint(uint64(r), 10) }

// CheckExpected reports whether a stream whose last revision is actual
// (NoRevision if it does not exist) satisfies expected. Stores call it under
// their write lock.
func CheckExpected(stream string, expected ExpectedRevision, actual int64) error {
	ok := false
	switch e := expected.(type) {
	case Any:
		ok = true
	case NoStream:
		ok = actual == NoRevision
	case StreamExists:
		ok = actual != NoRevision
	case Revision:
		ok = actual == int64(e)
	default:
		return fmt.Errorf("stream %q: unknown expected revision %T: %w", stream, expected, ErrInvalid)
	}
	if !ok {
		return &WrongExpectedRevisionError{Stream: stream, Expected: expected, Actual: actual}
	}
	return nil
}

// Actor says who recorded an event, and in what role.
type Actor struct {
	Role string `json:"role"`
	Name string `json:"name"`
}

// EventData is an event proposed for appending.
type EventData struct {
	ID   uuid.UUID
	Type string
	// OccurredAt is when it happened in the classroom. Zero means "when
	// recorded": the store sets it to RecordedAt.
	OccurredAt time.Time
	Actor      Actor
	// Data is the payload, a JSON object. Stores keep it in compact form,
	// which is the form the hash covers. To change it, replace it: its
	// bytes are not to be written in place, since the payload NewEventData
	// decided stays with them (see RecordedEvent.WithDecodedOf).
	Data json.RawMessage

	decoded decoded // set by NewEventData
}

// RecordedEvent is an event as stored: the envelope of DOMAIN.md.
type RecordedEvent struct {
	ID         uuid.UUID `json:"eventId"`
	Type       string    `json:"type"`
	Stream     string    `json:"stream"`
	Revision   uint64    `json:"revision"`
	Position   uint64    `json:"position"`
	RecordedAt time.Time `json:"recordedAt"`
	OccurredAt time.Time `json:"occurredAt"`
	Actor      Actor     `json:"actor"`
	// Salt is 32 lower-case hex digits (128 random bits) that the store
	// drew when it recorded the event, and the hash covers. Without it the
	// hash would be a function of values a researcher holds or can guess
	// (the stream names a learner id): a dictionary of ids would map every
	// pseudonymous stream back. The research copy leaves it out. Empty on
	// events recorded before salts (hash encoding v1).
	Salt     string          `json:"salt,omitempty"`
	PrevHash string          `json:"prevHash"`
	Hash     string          `json:"hash"`
	Data     json.RawMessage `json:"data"`

	decoded decoded // see WithDecodedOf
}

// WithDecodedOf returns r carrying the payload e was made from
// (NewEventData), if r.Data are e.Data's very bytes: a store calls it on the
// events it records, so that folding an event in the process that decided
// it decodes nothing. DecodeEvent(r) is the same with it or without.
func (r RecordedEvent) WithDecodedOf(e EventData) RecordedEvent {
	if e.decoded.of(r.Data) != nil {
		r.decoded = e.decoded
	}
	return r
}

// decoded is an event's payload as the decision that made it holds it, and
// the bytes that are its encoding. It is used only while an event's Data
// are still those very bytes, so code that replaces Data (sealing a profile,
// pseudonymising a feed) drops it without having to know of it. It is never
// stored, hashed or sent.
type decoded struct {
	ev   Event
	data *byte // the first byte of the encoding
	n    int
}

func decodedFor(ev Event, data []byte) decoded {
	if ev == nil || len(data) == 0 {
		return decoded{}
	}
	return decoded{ev: ev, data: &data[0], n: len(data)}
}

// of returns the payload if data are the very bytes it was made with.
func (d decoded) of(data []byte) Event {
	if d.ev == nil || len(data) != d.n || &data[0] != d.data {
		return nil
	}
	return d.ev
}

// Normalize checks an event proposed for appending and returns it in the form
// that is stored and hashed: compact JSON, times in UTC without a monotonic
// reading. Stores call it before anything else, so a refused event writes
// nothing.
func (e EventData) Normalize() (EventData, error) {
	if e.ID == uuid.Nil {
		return e, fmt.Errorf("event id is the nil UUID: %w", ErrInvalid)
	}
	if e.Type == "" || len(e.Type) > 128 {
		return e, fmt.Errorf("event %s: type must be 1 to 128 bytes: %w", e.ID, ErrInvalid)
	}
	if len(e.Data) > 2*MaxEventDataSize {
		// Refuse before compacting, so a huge payload costs no copy.
		return e, &EventTooLargeError{EventID: e.ID.String(), Size: len(e.Data)}
	}
	compact, err := CompactJSONObject(e.Data)
	if err != nil {
		return e, fmt.Errorf("event %s: data: %w", e.ID, err)
	}
	if len(compact) > MaxEventDataSize {
		return e, &EventTooLargeError{EventID: e.ID.String(), Size: len(compact)}
	}
	// Compacting changes no value, so the payload decided for the bytes is
	// the payload of their compact form.
	e.decoded = decodedFor(e.decoded.of(e.Data), compact)
	e.Data = compact
	if !e.OccurredAt.IsZero() {
		e.OccurredAt = CanonicalTime(e.OccurredAt)
	}
	return e, nil
}

// SameContent reports whether a retried event carries what stored holds, so
// that the retry is idempotent. A zero OccurredAt matches any, since the
// store filled it in.
func (e EventData) SameContent(stored RecordedEvent) bool {
	return e.ID == stored.ID &&
		e.Type == stored.Type &&
		e.Actor == stored.Actor &&
		string(e.Data) == string(stored.Data) &&
		(e.OccurredAt.IsZero() || e.OccurredAt.Equal(stored.OccurredAt))
}

// CanonicalTime is t in UTC without a monotonic clock reading: the form that
// is stored, hashed and printed.
func CanonicalTime(t time.Time) time.Time { return t.UTC().Round(0) }

// CheckRetry decides an append whose event ids are all stored already:
// stored[i] is what is stored under events[i].ID. It is an idempotent retry
// (nil) if they are stored together in stream, in this order, with the same
// content, at the place expected allows, as in EventStoreDB. Otherwise it
// returns *EventIDConflictError, or *WrongExpectedRevisionError (with actual,
// the stream's last revision) for a retry expecting another place. Every
// store calls it, so all agree on what a retry is.
func CheckRetry(stream string, expected ExpectedRevision, actual int64, events []EventData, stored []RecordedEvent) error {
	for i, e := range events {
		s := stored[i]
		conflict := func(reason string) error {
			return &EventIDConflictError{EventID: s.ID.String(), Stream: s.Stream, Revision: s.Revision, Reason: reason}
		}
		switch {
		case s.Stream != stream:
			return conflict(fmt.Sprintf("it belongs to another stream, not %s", stream))
		case i > 0 && s.Revision != stored[i-1].Revision+1:
			return conflict("the retried events are not stored together in this order")
		case !e.SameContent(s):
			return conflict("the retry carries different content under the same id")
		}
	}
	fits := true
	switch e := expected.(type) {
	case NoStream:
		fits = stored[0].Revision == 0
	case Revision:
		fits = stored[0].Revision == uint64(e)+1
	case StreamExists:
		fits = stored[0].Revision > 0
	}
	if !fits {
		return &WrongExpectedRevisionError{Stream: stream, Expected: expected, Actual: actual}
	}
	return nil
}
