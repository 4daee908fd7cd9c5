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
	for _, f := range []string{
		hashVersion, e.PrevHash, e.Stream, strconv.FormatUint(e.Revision, 10), e.ID.String(), e.Type,
		FormatTime(e.OccurredAt), FormatTime(e.RecordedAt), e.Actor.Role, e.Actor.Name, string(e.Data),
	} {
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
