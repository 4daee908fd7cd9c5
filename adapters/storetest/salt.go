package storetest

import (
	"fmt"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// testSalts checks the store's part in keeping hashes from being a
// dictionary oracle: a researcher holds every hashed field of an event but
// its salt, and the stream names a guessable learner id. So every event
// must carry a salt of its own that the store drew, the hash must depend on
// it, and the salt must never change once recorded: every read, and the
// answer to a retried append, give back the salt Append first returned,
// or the hash would no longer recompute.
func (s *suite) testSalts(t *testing.T) {
	st := s.store(t)
	streams := []string{"learner-l-0001", "learner-l-0002", "school-north"}
	var appended []domain.RecordedEvent
	for i := range 12 {
		appended = append(appended, mustAppend(t, st, streams[i%len(streams)], domain.Any{}, batch(1+i%3)...)...)
	}
	// Two events alike in every field a researcher could guess but the id
	// still get salts of their own.
	twin := batch(2)
	twin[1].Data = twin[0].Data
	appended = append(appended, mustAppend(t, st, "learner-l-0003", domain.NoStream{}, twin...)...)

	seen := make(map[string]string, len(appended))
	for _, e := range appended {
		at := fmt.Sprintf("%s@%d", e.Stream, e.Revision)
		if !domain.ValidSalt(e.Salt) {
			t.Errorf("%s: salt %q, want %d lower-case hex digits", at, e.Salt, domain.SaltLen)
			continue
		}
		if other, ok := seen[e.Salt]; ok {
			t.Errorf("%s has the salt of %s (%s): salts must be drawn per event", at, other, e.Salt)
		}
		seen[e.Salt] = at
		unsalted := e
		unsalted.Salt = ""
		if domain.EventHash(unsalted) == e.Hash {
			t.Errorf("%s: the hash recomputes without the salt", at)
		}
	}

	t.Run("ReadAll", func(t *testing.T) {
		sameEvents(t, "ReadAll against the appends' answers", readAll(t, st), appended)
	})
	t.Run("ReadStream", func(t *testing.T) {
		for _, stream := range append(streams, "learner-l-0003") {
			var want []domain.RecordedEvent
			for _, e := range appended {
				if e.Stream == stream {
					want = append(want, e)
				}
			}
			sameEvents(t, "ReadStream("+stream+") against the appends' answers", readStream(t, st, stream), want)
		}
	})
	t.Run("Subscribe", func(t *testing.T) {
		sub := subscribe(t, st, 0, nil)
		sameEvents(t, "history delivered against the appends' answers", sub.take(t, len(appended)), appended)
		live := mustAppend(t, st, "learner-l-0001", domain.Any{}, batch(2)...)
		sameEvents(t, "live events delivered against the append's answer", sub.take(t, len(live)), live)
		wantCanceled(t, sub.stop(t))
	})
	t.Run("retry", func(t *testing.T) {
		in := batch(2)
		first := mustAppend(t, st, "learner-l-0004", domain.NoStream{}, in...)
		again := mustAppend(t, st, "learner-l-0004", domain.NoStream{}, in...)
		for i := range first {
			if again[i].Salt != first[i].Salt || again[i].Hash != first[i].Hash {
				t.Errorf("retried event %d: salt %s, hash %s; first recorded with salt %s, hash %s",
					i, again[i].Salt, again[i].Hash, first[i].Salt, first[i].Hash)
			}
		}
		sameEvents(t, "the stream after the retry", readStream(t, st, "learner-l-0004"), first)
	})
}
