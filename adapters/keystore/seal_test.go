package keystore

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

var (
	eventA  = uuid.MustParse("00000000-0000-4000-8000-00000000000a")
	eventB  = uuid.MustParse("00000000-0000-4000-8000-00000000000b")
	teacher = domain.Actor{Role: domain.RoleTeacher, Name: "Ms Rivera"}
	t0      = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
)

func profile() domain.Profile {
	return domain.Profile{DisplayName: "Zephyrine Quartermaine", Interests: []string{"astrophotography"},
		LearningPreferences: []string{"worked examples"}, BackgroundKnowledge: "fractions", CollegeCareerGoals: "architecture"}
}

// profileData is a profile update as the command service hands it to Seal.
func profileData(t *testing.T, id uuid.UUID, p domain.Profile) domain.EventData {
	t.Helper()
	d, err := domain.NewEventData(domain.Meta{EventID: id, OccurredAt: t0, Actor: teacher}, domain.LearnerProfileUpdated{Personal: &p})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sealed seals a profile update for stream and returns it as stored.
func sealed(t *testing.T, s *Sealer, stream string, id uuid.UUID, p domain.Profile) domain.RecordedEvent {
	t.Helper()
	d := profileData(t, id, p)
	if err := s.Seal(t.Context(), stream, &d); err != nil {
		t.Fatal(err)
	}
	return domain.RecordedEvent{ID: d.ID, Type: d.Type, Stream: stream, Actor: d.Actor, OccurredAt: d.OccurredAt, RecordedAt: t0, Data: d.Data}
}

func TestSealOpenRoundTrip(t *testing.T) {
	s := NewSealer(openStore(t))
	stream := domain.LearnerStream("l-0001")
	rec := sealed(t, s, stream, eventA, profile())
	for _, plain := range []string{"Zephyrine", "astrophotography", "worked examples", "fractions", "architecture", "personal"} {
		if bytes.Contains(rec.Data, []byte(plain)) {
			t.Errorf("the sealed data holds %q: %s", plain, rec.Data)
		}
	}
	ev, err := domain.DecodeEvent(rec)
	if err != nil {
		t.Fatalf("the sealed event does not decode: %v\n%s", err, rec.Data)
	}
	if u := ev.(domain.LearnerProfileUpdated); u.Sealed == nil || u.Personal != nil || u.Sealed.Alg != domain.SealAlgA256GCM {
		t.Fatalf("decoded %+v", u)
	}
	got, err := s.Open(t.Context(), rec)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, profile()) {
		t.Fatalf("opened %+v, want %+v", got, profile())
	}
}

// The command service recognises a retry by comparing bytes, so the same
// event seals to the same bytes; another event id or another profile gets
// another nonce.
func TestSealIsDeterministic(t *testing.T) {
	s := NewSealer(openStore(t))
	stream := domain.LearnerStream("l-0001")
	first := sealed(t, s, stream, eventA, profile())
	if again := sealed(t, s, stream, eventA, profile()); !bytes.Equal(again.Data, first.Data) {
		t.Fatalf("sealing twice differs:\n%s\n%s", first.Data, again.Data)
	}
	nonce := func(r domain.RecordedEvent) []byte {
		ev, err := domain.DecodeEvent(r)
		if err != nil {
			t.Fatal(err)
		}
		return ev.(domain.LearnerProfileUpdated).Sealed.Nonce
	}
	other := profile()
	other.Interests = []string{"chess"}
	for name, r := range map[string]domain.RecordedEvent{
		"another event":   sealed(t, s, stream, eventB, profile()),
		"another profile": sealed(t, s, stream, eventA, other),
	} {
		if bytes.Equal(nonce(r), nonce(first)) {
			t.Errorf("%s: the same nonce", name)
		}
	}
}

// What does not open: another learner's key, a ciphertext moved to another
// event or another learner's stream, altered bytes.
func TestOpenRefuses(t *testing.T) {
	keys := openStore(t)
	s := NewSealer(keys)
	stream := domain.LearnerStream("l-0001")
	rec := sealed(t, s, stream, eventA, profile())
	ev, err := domain.DecodeEvent(rec)
	if err != nil {
		t.Fatal(err)
	}
	sp := *ev.(domain.LearnerProfileUpdated).Sealed
	key := mustKey(t, keys, "l-0001")
	otherKey := mustKey(t, keys, "l-0002")

	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 1
		return c
	}
	cases := []struct {
		name    string
		key     []byte
		stream  string
		eventID uuid.UUID
		sealed  domain.SealedProfile
	}{
		{"another learner's key", otherKey, stream, eventA, sp},
		{"moved to another event", key, stream, eventB, sp},
		{"moved to another learner", key, domain.LearnerStream("l-0002"), eventA, sp},
		{"altered ciphertext", key, stream, eventA, domain.SealedProfile{Alg: sp.Alg, Nonce: sp.Nonce, Ciphertext: flip(sp.Ciphertext, 0)}},
		{"altered tag", key, stream, eventA, domain.SealedProfile{Alg: sp.Alg, Nonce: sp.Nonce, Ciphertext: flip(sp.Ciphertext, len(sp.Ciphertext)-1)}},
		{"altered nonce", key, stream, eventA, domain.SealedProfile{Alg: sp.Alg, Nonce: flip(sp.Nonce, 3), Ciphertext: sp.Ciphertext}},
		{"another algorithm", key, stream, eventA, domain.SealedProfile{Alg: "A128GCM", Nonce: sp.Nonce, Ciphertext: sp.Ciphertext}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if plain, err := OpenProfile(tc.key, tc.stream, tc.eventID, tc.sealed); !errors.Is(err, ErrUnopenable) {
				t.Fatalf("got %q, %v; want ErrUnopenable", plain, err)
			}
		})
	}
	if plain, err := OpenProfile(key, stream, eventA, sp); err != nil || !bytes.Contains(plain, []byte("Zephyrine")) {
		t.Fatalf("the untouched ciphertext: %q, %v", plain, err)
	}

	t.Run("an event whose id was changed", func(t *testing.T) {
		moved := rec
		moved.ID = eventB
		if _, err := s.Open(t.Context(), moved); !errors.Is(err, ErrUnopenable) {
			t.Fatalf("got %v, want ErrUnopenable", err)
		}
	})
}

// Other events, and a profile already sealed, pass through Seal unchanged;
// a profile stored before sealing opens as stored.
func TestSealLeavesOtherEventsAlone(t *testing.T) {
	s := NewSealer(openStore(t))
	stream := domain.LearnerStream("l-0001")
	ev, err := domain.NewEventData(domain.Meta{EventID: eventA, Actor: teacher}, domain.GoalReviewed{GoalID: "g1", Reflection: "Zephyrine helped"})
	if err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(ev.Data)
	if err := s.Seal(t.Context(), stream, &ev); err != nil || !bytes.Equal(ev.Data, before) {
		t.Fatalf("a goal review: %v, %s", err, ev.Data)
	}
	rec := sealed(t, s, stream, eventB, profile())
	again := domain.EventData{ID: rec.ID, Type: rec.Type, Actor: rec.Actor, Data: bytes.Clone(rec.Data)}
	if err := s.Seal(t.Context(), stream, &again); err != nil || !bytes.Equal(again.Data, rec.Data) {
		t.Fatalf("a sealed profile sealed again: %v\n%s\n%s", err, rec.Data, again.Data)
	}

	legacy := profileData(t, eventA, profile())
	old := domain.RecordedEvent{ID: legacy.ID, Type: legacy.Type, Stream: stream, Data: legacy.Data}
	if got, err := s.Open(t.Context(), old); err != nil || !reflect.DeepEqual(got, profile()) {
		t.Fatalf("a plain profile from before sealing: %+v, %v", got, err)
	}
	bad := profileData(t, eventA, profile())
	if err := s.Seal(t.Context(), domain.SchoolStream("north"), &bad); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("a profile outside a learner's stream: got %v, want ErrInvalid", err)
	}
}

// After Destroy nothing seals or opens for the learner, and the refusal is
// the domain's rule.
func TestSealAndOpenAfterDestroy(t *testing.T) {
	keys := openStore(t)
	s := NewSealer(keys)
	stream := domain.LearnerStream("l-0001")
	rec := sealed(t, s, stream, eventA, profile())
	if err := keys.Destroy(t.Context(), "l-0001"); err != nil {
		t.Fatal(err)
	}
	d := profileData(t, eventB, profile())
	sealErr := s.Seal(t.Context(), stream, &d)
	_, openErr := s.Open(t.Context(), rec)
	for name, err := range map[string]error{"seal": sealErr, "open": openErr} {
		var re *domain.RuleError
		if !errors.As(err, &re) || re.Rule != domain.RulePersonalDataErased || !errors.Is(err, ErrDestroyed) {
			t.Errorf("%s after Destroy: got %v, want RuleError %s wrapping ErrDestroyed", name, err, domain.RulePersonalDataErased)
		}
	}
	if bytes.Contains(d.Data, []byte("sealed")) {
		t.Error("a refused seal rewrote the event")
	}
	if files(t, keys)[0] != fileOf("l-0001", ".destroyed") {
		t.Errorf("a refused seal made a key: %v", files(t, keys))
	}
}

func TestShredderDestroysOnErasure(t *testing.T) {
	keys := openStore(t)
	mustKey(t, keys, "l-0001")
	mustKey(t, keys, "l-0002")
	sh := NewShredder(keys)
	event := func(stream, typ string) domain.RecordedEvent {
		return domain.RecordedEvent{ID: eventA, Type: typ, Stream: stream, Data: []byte(`{}`)}
	}
	for _, e := range []domain.RecordedEvent{
		event(domain.LearnerStream("l-0001"), domain.TypeLearnerProfileUpdated),
		event(domain.LearnerStream("l-0001"), domain.TypeLearnerWithdrawn),
	} {
		if err := sh.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := keys.Existing(t.Context(), "l-0001"); err != nil {
		t.Fatalf("a non-erasure event destroyed the key: %v", err)
	}
	erasure := event(domain.LearnerStream("l-0001"), domain.TypeLearnerPersonalDataErased)
	for range 2 { // fed again at the next start
		if err := sh.Apply(erasure); err != nil {
			t.Fatal(err)
		}
	}
	_, err := keys.Existing(t.Context(), "l-0001")
	wantDestroyed(t, err, "l-0001")
	if _, err := keys.Existing(t.Context(), "l-0002"); err != nil {
		t.Fatalf("another learner's key: %v", err)
	}
	if err := sh.Apply(event(domain.SchoolStream("north"), domain.TypeLearnerPersonalDataErased)); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("an erasure outside a learner's stream: got %v, want ErrInvalid", err)
	}
}
