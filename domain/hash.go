package domain

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// ZeroHash is the prevHash of the first event of every stream.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// The version tag opens every hashed encoding so that a later change of the
// encoding can never produce a hash that verifies under another. v2 adds
// the event's salt; an event without one (recorded before salts) hashes
// as v1, so that history keeps verifying.
const (
	hashVersionV1 = "mastery-ledger/event/v1"
	hashVersionV2 = "mastery-ledger/event/v2"
)

// SaltLen is the length of an event's salt: 32 hex digits, 128 bits.
const SaltLen = 32

// ValidSalt reports whether s is a salt as stores draw them: SaltLen
// lower-case hex digits.
func ValidSalt(s string) bool {
	if len(s) != SaltLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// EventHash returns the hex SHA-256 of the canonical encoding of e's hashed
// fields: the version tag, then (v2 only) the salt, then prevHash, stream,
// revision, eventId, type, occurredAt, recordedAt, actor role, actor name
// and data, each as a 4-byte big-endian length followed by its UTF-8 bytes.
// An event with a salt is v2, one without is v1. Numbers are decimal, times are RFC 3339
// in UTC as the envelope prints them, the event id is the lower-case UUID and
// data is the stored compact JSON. docs/hash-chain.md has a worked example.
//
// The global position is left out on purpose: EventStoreDB assigns it only at
// commit, after the hash must already be fixed.
func EventHash(e RecordedEvent) string {
	// One buffer on the stack for the whole encoding (a typical event is
	// well under it; a bigger one grows it on the heap): the writer hashes
	// every event it commits and verify every event it reads.
	var scratch [2048]byte
	var b []byte
	if e.Salt == "" {
		b = appendField(scratch[:0], hashVersionV1)
	} else {
		b = appendField(scratch[:0], hashVersionV2)
		b = appendField(b, e.Salt)
	}
	b = appendField(b, e.PrevHash)
	b = appendField(b, e.Stream)
	var num [20]byte
	b = appendField(b, strconv.AppendUint(num[:0], e.Revision, 10))
	var id [36]byte
	b = appendField(b, appendUUID(id[:0], e.ID))
	b = appendField(b, e.Type)
	var t [len(time.RFC3339Nano) + 8]byte
	b = appendField(b, e.OccurredAt.UTC().AppendFormat(t[:0], time.RFC3339Nano))
	b = appendField(b, e.RecordedAt.UTC().AppendFormat(t[:0], time.RFC3339Nano))
	b = appendField(b, e.Actor.Role)
	b = appendField(b, e.Actor.Name)
	b = appendField(b, e.Data)
	sum := sha256.Sum256(b)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// appendField appends f as the encoding has every field: its length, 4
// bytes big-endian, then its bytes.
func appendField[T ~string | ~[]byte](b []byte, f T) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(f))), f...)
}

// appendUUID appends id as uuid.UUID.String prints it (lower-case hex,
// 8-4-4-4-12), without the string String allocates.
func appendUUID(b []byte, id uuid.UUID) []byte {
	var s [36]byte
	hex.Encode(s[0:8], id[0:4])
	hex.Encode(s[9:13], id[4:6])
	hex.Encode(s[14:18], id[6:8])
	hex.Encode(s[19:23], id[8:10])
	hex.Encode(s[24:36], id[10:16])
	s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
	return append(b, s[:]...)
}

// FormatTime prints t as the envelope and the hash encoding do: RFC 3339 in
// UTC with as many fractional digits as needed (time.RFC3339Nano).
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// CompactJSONObject checks that raw is one JSON object and returns it in
// compact form (no insignificant white space; key order kept).
func CompactJSONObject(raw []byte) ([]byte, error) {
	if !json.Valid(raw) {
		return nil, fmt.Errorf("not valid JSON: %w", ErrInvalid)
	}
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := json.Compact(&buf, raw); err != nil {
		return nil, fmt.Errorf("compact JSON: %w", ErrInvalid)
	}
	b := buf.Bytes()
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("must be a JSON object: %w", ErrInvalid)
	}
	return b, nil
}

// ChainError names the first event at which a hash chain or the global order
// breaks.
type ChainError struct {
	Stream   string
	Revision uint64
	Position uint64
	EventID  string
	Reason   string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("event %s (%s@%d, position %d): %s", e.EventID, e.Stream, e.Revision, e.Position, e.Reason)
}

// ChainVerifier checks events handed to it in global order: positions grow,
// each stream's revisions run 0, 1, 2, … with no gap, each prevHash is the
// previous event's hash, and each hash recomputes. It remembers one head per
// stream.
type ChainVerifier struct {
	// Dense requires positions to run 1, 2, 3, … (the embedded store's
	// promise); otherwise they need only grow.
	Dense bool

	last  uint64
	heads map[string]chainHead
	count uint64
}

type chainHead struct {
	revision uint64
	hash     string
}

// Next checks one event. It returns a *ChainError naming the event if the
// event breaks the chain or the order.
func (v *ChainVerifier) Next(e RecordedEvent) error {
	fail := func(format string, args ...any) error {
		return &ChainError{Stream: e.Stream, Revision: e.Revision, Position: e.Position, EventID: e.ID.String(), Reason: fmt.Sprintf(format, args...)}
	}
	if v.heads == nil {
		v.heads = make(map[string]chainHead)
	}
	switch {
	case v.Dense && e.Position != v.last+1:
		return fail("position %d follows %d: the global order has a gap or a repeat", e.Position, v.last)
	case e.Position <= v.last:
		return fail("position %d does not follow %d", e.Position, v.last)
	}
	head, seen := v.heads[e.Stream]
	wantRev, wantPrev := uint64(0), ZeroHash
	if seen {
		wantRev, wantPrev = head.revision+1, head.hash
	}
	if e.Revision != wantRev {
		return fail("revision %d where %d was due: the stream has a gap or a repeat", e.Revision, wantRev)
	}
	if e.PrevHash != wantPrev {
		return fail("prevHash %s is not the previous event's hash %s", e.PrevHash, wantPrev)
	}
	if e.Salt != "" && !ValidSalt(e.Salt) {
		return fail("salt %q is not %d lower-case hex digits", e.Salt, SaltLen)
	}
	if got := EventHash(e); got != e.Hash {
		return fail("stored hash %s does not match the recomputed %s: the event was altered", e.Hash, got)
	}
	v.heads[e.Stream] = chainHead{revision: e.Revision, hash: e.Hash}
	v.last = e.Position
	v.count++
	return nil
}

// Count is how many events have verified.
func (v *ChainVerifier) Count() uint64 { return v.count }

// Streams is how many streams have been seen.
func (v *ChainVerifier) Streams() int { return len(v.heads) }
