package service

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestTimeOrderedID(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 16, 10, 0, 123_000_000, time.UTC)
	seen := make(map[uuid.UUID]bool)
	var prev uuid.UUID
	for i := range 1000 {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		id := TimeOrderedID(now)
		if v := id.Version(); v != 7 {
			t.Fatalf("%s: version %d, want 7", id, v)
		}
		if id.Variant() != uuid.RFC4122 {
			t.Fatalf("%s: variant %s, want RFC 4122/9562", id, id.Variant())
		}
		sec, nsec := id.Time().UnixTime()
		if got := time.Unix(sec, nsec).UTC(); !got.Equal(now) {
			t.Fatalf("%s carries %s, want %s", id, got, now)
		}
		if i > 0 && bytes.Compare(prev[:], id[:]) >= 0 {
			t.Fatalf("%s made a millisecond after %s sorts before it", id, prev)
		}
		if seen[id] {
			t.Fatalf("%s made twice", id)
		}
		seen[id], prev = true, id
	}
	// Within one millisecond the random bits tell ids apart.
	a, b := TimeOrderedID(t0), TimeOrderedID(t0)
	if a == b {
		t.Fatalf("two ids in one millisecond are equal: %s", a)
	}
	if !bytes.Equal(a[:6], b[:6]) {
		t.Fatalf("ids of one millisecond differ in their time: %s, %s", a, b)
	}
}

func TestServiceStampsIDsWithItsClock(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s := New(nil, &Options{Now: func() time.Time { return at }})
	id := s.opts.NewID()
	sec, nsec := id.Time().UnixTime()
	if got := time.Unix(sec, nsec).UTC(); !got.Equal(at) || id.Version() != 7 {
		t.Fatalf("default id %s (version %d) carries %s, want version 7 at %s", id, id.Version(), got, at)
	}
}
