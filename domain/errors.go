package domain

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers test for them with errors.Is; the HTTP adapter maps
// each to one status code.
var (
	// ErrNotFound reports that a named stream, standard, learner or event
	// does not exist.
	ErrNotFound = errors.New("not found")

	// ErrConflict reports a clash with what is already stored: a stale
	// expected revision, an event id reused with other content, or an id
	// that is already taken.
	ErrConflict = errors.New("conflict")

	// ErrInvalid reports input that is malformed or breaks a rule before any
	// state is consulted (a missing field, an id of the wrong syntax, an
	// event over the size limit).
	ErrInvalid = errors.New("invalid")

	// ErrClosed reports use of a store after Close.
	ErrClosed = errors.New("store closed")
)

// WrongExpectedRevisionError reports that an append's expected revision did
// not match the stream. It matches ErrConflict under errors.Is.
type WrongExpectedRevisionError struct {
	Stream   string
	Expected ExpectedRevision
	// Actual is the stream's last revision, or NoRevision if the stream
	// does not exist.
	Actual int64
}

// NoRevision is the Actual revision of a stream that does not exist.
const NoRevision int64 = -1

func (e *WrongExpectedRevisionError) Error() string {
	actual := "no stream"
	if e.Actual != NoRevision {
		actual = fmt.Sprintf("revision %d", e.Actual)
	}
	return fmt.Sprintf("stream %q: expected %s, found %s", e.Stream, e.Expected, actual)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *WrongExpectedRevisionError) Is(target error) bool { return target == ErrConflict }

// EventIDConflictError reports that an event id is already stored with
// different content or at a different place. Retrying with the same id and the
// same content is idempotent; reusing an id for something else is refused. It
// matches ErrConflict under errors.Is.
type EventIDConflictError struct {
	EventID string
	// Stream and Revision locate the event already stored under the id.
	Stream   string
	Revision uint64
	Reason   string
}

func (e *EventIDConflictError) Error() string {
	return fmt.Sprintf("event id %s is already stored as %s@%d: %s", e.EventID, e.Stream, e.Revision, e.Reason)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *EventIDConflictError) Is(target error) bool { return target == ErrConflict }

// EventTooLargeError reports an event whose data exceeds MaxEventDataSize. It
// matches ErrInvalid under errors.Is.
type EventTooLargeError struct {
	EventID string
	Size    int
}

func (e *EventTooLargeError) Error() string {
	return fmt.Sprintf("event %s: data is %d bytes, over the limit of %d", e.EventID, e.Size, MaxEventDataSize)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *EventTooLargeError) Is(target error) bool { return target == ErrInvalid }
