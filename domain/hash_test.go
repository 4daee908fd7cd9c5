package domain

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// eventHashSpec is EventHash written as its doc comment states the
// encoding, field by field, with no care for allocation: the oracle the
// fast one must agree with.
func eventHashSpec(e RecordedEvent) string {
	h := sha256.New()
	head := []string{"mastery-ledger/event/v1"}
	if e.Salt != "" {
		head = []string{"mastery-ledger/event/v2", e.Salt}
	}
	for _, f := range append(head, []string{
		e.PrevHash, e.Stream, strconv.FormatUint(e.Revision, 10), e.ID.String(), e.Type,
		FormatTime(e.OccurredAt), FormatTime(e.RecordedAt), e.Actor.Role, e.Actor.Name, string(e.Data),
	}...) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestEventHashFollowsItsSpec(t *testing.T) {
	east := time.FixedZone("UTC+5:30", 5*3600+1800)
	base := sampleRecorded(t, sampleEvents()[8])
	cases := map[string]func(e *RecordedEvent){
		"as recorded":         func(e *RecordedEvent) {},
		"first of its stream": func(e *RecordedEvent) { e.PrevHash = ZeroHash; e.Revision = 0 },
		"largest revision":    func(e *RecordedEvent) { e.Revision = ^uint64(0) },
		"nanoseconds":         func(e *RecordedEvent) { e.RecordedAt = t0.Add(123456789) },
		"another zone":        func(e *RecordedEvent) { e.OccurredAt, e.RecordedAt = t0.In(east), t0.Add(time.Hour).In(east) },
		"zero times":          func(e *RecordedEvent) { e.OccurredAt, e.RecordedAt = time.Time{}, time.Time{} },
		"all-ones id": func(e *RecordedEvent) {
			e.ID = uuid.UUID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		},
		"non-ASCII actor":       func(e *RecordedEvent) { e.Actor.Name = "Chloé Ñúñez 先生" },
		"salted (v2)":           func(e *RecordedEvent) { e.Salt = "00112233445566778899aabbccddeeff" },
		"empty data":            func(e *RecordedEvent) { e.Data = nil },
		"data beyond the stack": func(e *RecordedEvent) { e.Data = []byte(`{"note":"` + strings.Repeat("é", 3000) + `"}`) },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			e := base
			change(&e)
			if got, want := EventHash(e), eventHashSpec(e); got != want {
				t.Errorf("EventHash %s, the spec's %s", got, want)
			}
		})
	}
	for _, ev := range sampleEvents() {
		e := sampleRecorded(t, ev)
		if got, want := EventHash(e), eventHashSpec(e); got != want {
			t.Errorf("%s: EventHash %s, the spec's %s", ev.EventType(), got, want)
		}
	}
}

// BenchmarkEventHash times one hash against the spec's way of computing
// it. A per-event figure needs many iterations: run it without make bench's
// -benchtime 1x (go test -run '^$' -bench EventHash ./domain/).
func BenchmarkEventHash(b *testing.B) {
	e := sampleRecorded(b, sampleEvents()[8])
	b.Run("EventHash", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			EventHash(e)
		}
	})
	b.Run("spec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			eventHashSpec(e)
		}
	})
}

// A salted event must hash differently for every salt, and differently from
// the same event unsalted: otherwise the salt would not stop a dictionary
// of learner ids from matching hashes.
func TestSaltChangesTheHash(t *testing.T) {
	e := sampleRecorded(t, sampleEvents()[8])
	seen := map[string]string{EventHash(e): "no salt"}
	for _, salt := range []string{
		"00000000000000000000000000000000",
		"00000000000000000000000000000001",
		"ffffffffffffffffffffffffffffffff",
	} {
		e.Salt = salt
		h := EventHash(e)
		if prev, ok := seen[h]; ok {
			t.Errorf("salt %s hashes as %s did", salt, prev)
		}
		seen[h] = salt
	}
}

func TestChainVerifierRefusesAMalformedSalt(t *testing.T) {
	for _, salt := range []string{"abc", "00112233445566778899AABBCCDDEEFF", "00112233445566778899aabbccddeeff0", "g0112233445566778899aabbccddeeff"} {
		e := sampleRecorded(t, sampleEvents()[8])
		e.Revision, e.PrevHash, e.Position, e.Salt = 0, ZeroHash, 1, salt
		e.Hash = EventHash(e)
		var v ChainVerifier
		if err := v.Next(e); err == nil {
			t.Errorf("salt %q verified", salt)
		}
	}
}
