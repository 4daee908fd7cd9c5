package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

func (s *suite) testExpectedRevision(t *testing.T) {
	const stream = "learner-l-0001"
	tests := []struct {
		name     string
		existing int // events in the stream before the append; 0: no stream
		expected domain.ExpectedRevision
		wantErr  bool
		actual   int64 // the error's Actual, if wantErr
	}{
		{name: "NoStream on a new stream", expected: domain.NoStream{}},
		{name: "NoStream on an existing stream", existing: 3, expected: domain.NoStream{}, wantErr: true, actual: 2},
		{name: "StreamExists on a new stream", expected: domain.StreamExists{}, wantErr: true, actual: domain.NoRevision},
		{name: "StreamExists on an existing stream", existing: 3, expected: domain.StreamExists{}},
		{name: "Revision matching the last", existing: 3, expected: domain.Revision(2)},
		{name: "Revision 0 matching a one-event stream", existing: 1, expected: domain.Revision(0)},
		{name: "Revision stale", existing: 3, expected: domain.Revision(1), wantErr: true, actual: 2},
		{name: "Revision 0 stale", existing: 3, expected: domain.Revision(0), wantErr: true, actual: 2},
		{name: "Revision ahead", existing: 3, expected: domain.Revision(3), wantErr: true, actual: 2},
		{name: "Revision far ahead", existing: 3, expected: domain.Revision(1000), wantErr: true, actual: 2},
		{name: "Revision 0 on a new stream", expected: domain.Revision(0), wantErr: true, actual: domain.NoRevision},
		{name: "Any on a new stream", expected: domain.Any{}},
		{name: "Any on an existing stream", existing: 3, expected: domain.Any{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := s.store(t)
			// Another stream's events come first, so that the stream's
			// revisions and the global positions differ.
			s.appendChecked(t, st, "learner-other", domain.NoStream{}, batch(2)...)
			if tc.existing > 0 {
				s.appendChecked(t, st, stream, domain.NoStream{}, batch(tc.existing)...)
			}
			allBefore, streamBefore := readAll(t, st), readStream(t, st, stream)

			in := batch(2)
			out, err := st.Append(t.Context(), stream, tc.expected, in...)
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("Append(%v) to a stream of %d events: %v", tc.expected, tc.existing, err)
				}
				first, prev := nextOf(streamBefore)
				s.checkAppended(t, stream, first, prev, in, out)
				if first != uint64(tc.existing) {
					t.Errorf("stream had %d events, read %d", tc.existing, first)
				}
				if s.opts.DensePositions && len(out) > 0 && out[0].Position != lastPosition(allBefore)+1 {
					t.Errorf("first position %d, want %d", out[0].Position, lastPosition(allBefore)+1)
				}
				sameEvents(t, "ReadAll after the append", readAll(t, st), concat(allBefore, out))
				return
			}
			var wrong *domain.WrongExpectedRevisionError
			if !errors.As(err, &wrong) {
				t.Fatalf("Append(%v) to a stream of %d events: error %v, want *domain.WrongExpectedRevisionError", tc.expected, tc.existing, err)
			}
			if !errors.Is(err, domain.ErrConflict) {
				t.Errorf("errors.Is(%v, domain.ErrConflict) = false", err)
			}
			if wrong.Actual != tc.actual {
				t.Errorf("Actual = %d, want %d", wrong.Actual, tc.actual)
			}
			if wrong.Stream != stream {
				t.Errorf("Stream = %q, want %q", wrong.Stream, stream)
			}
			if wrong.Expected != tc.expected {
				t.Errorf("Expected = %v, want %v", wrong.Expected, tc.expected)
			}
			if len(out) != 0 {
				t.Errorf("a refused append returned %d events", len(out))
			}
			sameEvents(t, "stream after a refused append", readStream(t, st, stream), streamBefore)
			sameEvents(t, "ReadAll after a refused append", readAll(t, st), allBefore)
		})
	}
}

func (s *suite) testRecorded(t *testing.T) {
	t.Run("fields", func(t *testing.T) {
		st := s.store(t)
		occurred := time.Date(2026, 9, 1, 9, 30, 15, 123456789, time.FixedZone("IST", 5*3600+1800))
		recent := time.Now().Add(-36 * time.Hour) // local, with a monotonic reading
		in := []domain.EventData{
			{ID: uuid.New(), Type: "EvidenceRecorded", Actor: domain.Actor{Role: "teacher", Name: "Ms Rivera"}, Data: json.RawMessage(`{ "a" : 1 }`)},
			{ID: uuid.New(), Type: "GoalSet", OccurredAt: occurred, Actor: domain.Actor{Role: "learner", Name: "l-0001"},
				Data: json.RawMessage("{\n  \"b\" : \"x  y\",\n  \"a\" : [ 1 , 2 ],\t\"n\" : null }")},
			{ID: uuid.New(), Type: "FeedbackGiven", OccurredAt: recent, Actor: domain.Actor{Role: "teacher", Name: "Mr Okafor"}, Data: json.RawMessage(`{}`)},
		}
		out := s.appendChecked(t, st, "learner-l-0001", domain.NoStream{}, in...)

		// The exact forms, spelled out rather than derived.
		for i, want := range []string{`{"a":1}`, `{"b":"x  y","a":[1,2],"n":null}`, `{}`} {
			if string(out[i].Data) != want {
				t.Errorf("event %d: data %s, want %s (compact, key order and strings kept)", i, out[i].Data, want)
			}
		}
		if want := time.Date(2026, 9, 1, 4, 0, 15, 123456789, time.UTC); out[1].OccurredAt != want {
			t.Errorf("occurredAt %v, want %v (the given instant, in UTC, to the nanosecond)", out[1].OccurredAt, want)
		}
		if want := recent.UTC().Round(0); out[2].OccurredAt != want {
			t.Errorf("occurredAt %v, want %v", out[2].OccurredAt, want)
		}
		if out[0].PrevHash != domain.ZeroHash {
			t.Errorf("first prevHash %s, want domain.ZeroHash", out[0].PrevHash)
		}
		for i, e := range out {
			if e.Revision != uint64(i) {
				t.Errorf("event %d: revision %d, want %d", i, e.Revision, i)
			}
			if s.opts.DensePositions && e.Position != uint64(i+1) {
				t.Errorf("event %d: position %d, want %d (positions start at 1)", i, e.Position, i+1)
			}
		}
		sameEvents(t, "ReadStream", readStream(t, st, "learner-l-0001"), out)
		sameEvents(t, "ReadAll", readAll(t, st), out)
		// What is read back is canonical too, and hashes as stored.
		for i, e := range readAll(t, st) {
			at := fmt.Sprintf("event %d as read", i)
			checkTime(t, at+": recordedAt", e.RecordedAt)
			checkTime(t, at+": occurredAt", e.OccurredAt)
			if h := domain.EventHash(e); e.Hash != h {
				t.Errorf("%s: hash %s, want %s", at, e.Hash, h)
			}
		}
	})

	t.Run("streams interleaved", func(t *testing.T) {
		st := s.store(t)
		a1 := s.appendChecked(t, st, "learner-a", domain.NoStream{}, batch(2)...)
		b1 := s.appendChecked(t, st, "learner-b", domain.NoStream{}, batch(3)...)
		a2 := s.appendChecked(t, st, "learner-a", domain.Revision(1), batch(1)...)
		b2 := s.appendChecked(t, st, "learner-b", domain.Any{}, batch(2)...)

		if b1[0].PrevHash != domain.ZeroHash || b1[0].Revision != 0 {
			t.Errorf("a new stream's first event: revision %d prevHash %s, want 0 and domain.ZeroHash", b1[0].Revision, b1[0].PrevHash)
		}
		if a2[0].PrevHash != a1[1].Hash {
			t.Errorf("prevHash %s, want the stream's previous hash %s (not another stream's)", a2[0].PrevHash, a1[1].Hash)
		}
		if b2[0].PrevHash != b1[2].Hash {
			t.Errorf("prevHash %s, want %s", b2[0].PrevHash, b1[2].Hash)
		}
		all := readAll(t, st)
		sameEvents(t, "ReadAll", all, concat(a1, b1, a2, b2))
		s.checkOrder(t, "ReadAll", all)
		sameEvents(t, "ReadStream a", readStream(t, st, "learner-a"), concat(a1, a2))
		sameEvents(t, "ReadStream b", readStream(t, st, "learner-b"), concat(b1, b2))
	})

	t.Run("concurrent batches stay whole and contiguous", func(t *testing.T) {
		st := s.store(t)
		const writers, batches, size = 4, 8, 4
		var (
			mu      sync.Mutex
			written [][]domain.RecordedEvent
			wg      sync.WaitGroup
		)
		for w := range writers {
			wg.Go(func() {
				stream := fmt.Sprintf("learner-%d", w%2) // two writers per stream
				for range batches {
					in := batch(size)
					out, err := st.Append(t.Context(), stream, domain.Any{}, in...)
					if err != nil {
						t.Errorf("writer %d: Append: %v", w, err)
						return
					}
					if len(out) != size {
						t.Errorf("writer %d: Append of %d returned %d", w, size, len(out))
						return
					}
					mu.Lock()
					written = append(written, out)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		all := readAll(t, st)
		if len(all) != writers*batches*size {
			t.Fatalf("ReadAll: %d events, want %d", len(all), writers*batches*size)
		}
		s.checkOrder(t, "ReadAll", all)
		index := make(map[uuid.UUID]int, len(all))
		for i, e := range all {
			index[e.ID] = i
		}
		for _, b := range written {
			i, ok := index[b[0].ID]
			if !ok || i+size > len(all) {
				t.Errorf("batch starting %s@%d is not in ReadAll", b[0].Stream, b[0].Revision)
				continue
			}
			sameEvents(t, "a batch in ReadAll (atomic and contiguous)", all[i:i+size], b)
			for k := 1; k < size; k++ {
				if b[k].Revision != b[0].Revision+uint64(k) {
					t.Errorf("batch %s: revisions %d then %d", b[0].Stream, b[0].Revision, b[k].Revision)
				}
			}
		}
		v := domain.ChainVerifier{Dense: s.opts.DensePositions}
		for _, e := range all {
			if err := v.Next(e); err != nil {
				t.Fatalf("ChainVerifier: %v", err)
			}
		}
	})
}

// retryCase is an append retried with the same ids and content.
type retryCase struct {
	name         string
	before       int // events in the stream before the first append
	first, retry domain.ExpectedRevision
	later        int  // events appended by others between append and retry
	recompact    bool // the retry sends the payloads in compact form
}

func (s *suite) testIdempotentRetry(t *testing.T) {
	tests := []retryCase{
		{name: "NoStream", first: domain.NoStream{}, retry: domain.NoStream{}},
		{name: "NoStream retried with Any", first: domain.NoStream{}, retry: domain.Any{}},
		{name: "Revision", before: 2, first: domain.Revision(1), retry: domain.Revision(1)},
		{name: "Revision retried with Any", before: 2, first: domain.Revision(1), retry: domain.Any{}},
		{name: "StreamExists", before: 1, first: domain.StreamExists{}, retry: domain.StreamExists{}},
		{name: "Any", before: 2, first: domain.Any{}, retry: domain.Any{}},
		{name: "NoStream after later appends", first: domain.NoStream{}, retry: domain.NoStream{}, later: 2},
		{name: "Revision after later appends", before: 2, first: domain.Revision(1), retry: domain.Revision(1), later: 2},
		{name: "Any after later appends", before: 2, first: domain.Any{}, retry: domain.Any{}, later: 2},
		{name: "same content in other white space", before: 1, first: domain.Revision(0), retry: domain.Revision(0), recompact: true},
	}
	// One event and several take different paths in a store (one may be
	// inserted before its id is looked up), so both are retried.
	for _, tc := range tests {
		for _, n := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/%d events", tc.name, n), func(t *testing.T) { s.idempotentRetry(t, tc, n) })
		}
	}
}

// idempotentRetry appends n events as tc says, retries them, and checks the
// retry answers the events as first recorded and writes nothing.
func (s *suite) idempotentRetry(t *testing.T, tc retryCase, n int) {
	t.Helper()
	const stream = "learner-l-0001"
	st := s.store(t)
	if tc.before > 0 {
		s.appendChecked(t, st, stream, domain.NoStream{}, batch(tc.before)...)
	}
	s.appendChecked(t, st, "learner-other", domain.NoStream{}, batch(1)...)
	in := []domain.EventData{
		newEvent("EvidenceRecorded", `{ "componentId" : "c1", "level" : 3 }`),
		newEvent("FeedbackGiven", `{"nextSteps":"practise ratios"}`),
	}
	in[1].OccurredAt = time.Date(2026, 9, 2, 10, 0, 0, 5, time.FixedZone("PDT", -7*3600))
	in = in[:n]
	orig := s.appendChecked(t, st, stream, tc.first, in...)
	if tc.later > 0 {
		s.appendChecked(t, st, stream, domain.Any{}, batch(tc.later)...)
		s.appendChecked(t, st, "learner-other", domain.Any{}, batch(1)...)
	}
	allBefore := readAll(t, st)

	retry := append([]domain.EventData(nil), in...)
	if tc.recompact {
		for i := range retry {
			retry[i].Data = json.RawMessage(orig[i].Data)
		}
		retry[n-1].OccurredAt = retry[n-1].OccurredAt.UTC()
	}
	got, err := st.Append(t.Context(), stream, tc.retry, retry...)
	if err != nil {
		t.Fatalf("retry with %v (first appended with %v): %v", tc.retry, tc.first, err)
	}
	sameEvents(t, "the retry's answer (the events as first recorded)", got, orig)
	sameEvents(t, "ReadAll after the retry", readAll(t, st), allBefore)
}

func (s *suite) testEventIDConflict(t *testing.T) {
	const stream = "learner-l-0001"
	tests := []struct {
		name     string
		stream   string
		expected domain.ExpectedRevision
		change   func(e domain.EventData) domain.EventData
		newFirst bool // a new event precedes the reused id in the batch
	}{
		{name: "other data", stream: stream, expected: domain.Any{},
			change: func(e domain.EventData) domain.EventData { e.Data = json.RawMessage(`{"level":4}`); return e }},
		{name: "other type", stream: stream, expected: domain.Any{},
			change: func(e domain.EventData) domain.EventData { e.Type = "EvidenceRetracted"; return e }},
		{name: "other actor", stream: stream, expected: domain.Any{},
			change: func(e domain.EventData) domain.EventData { e.Actor.Name = "Mr Okafor"; return e }},
		{name: "other occurredAt", stream: stream, expected: domain.Any{},
			change: func(e domain.EventData) domain.EventData { e.OccurredAt = e.OccurredAt.Add(time.Second); return e }},
		{name: "other data after a new event in the batch", stream: stream, expected: domain.Any{}, newFirst: true,
			change: func(e domain.EventData) domain.EventData { e.Data = json.RawMessage(`{"level":4}`); return e }},
		{name: "same event in a new stream", stream: "learner-l-0002", expected: domain.NoStream{},
			change: func(e domain.EventData) domain.EventData { return e }},
		{name: "same event in another existing stream", stream: "learner-other", expected: domain.Any{},
			change: func(e domain.EventData) domain.EventData { return e }},
		{name: "same event after a new event in another stream", stream: "learner-other", expected: domain.Revision(0), newFirst: true,
			change: func(e domain.EventData) domain.EventData { return e }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := s.store(t)
			s.appendChecked(t, st, "learner-other", domain.NoStream{}, batch(1)...)
			target := newEvent("EvidenceRecorded", `{"level":3}`)
			target.OccurredAt = time.Date(2026, 9, 3, 8, 0, 0, 0, time.UTC)
			s.appendChecked(t, st, stream, domain.NoStream{}, append(batch(1), target)...) // target is stream@1
			s.appendChecked(t, st, stream, domain.Revision(1), batch(1)...)
			allBefore := readAll(t, st)

			in := []domain.EventData{tc.change(target)}
			fresh := batch(1)[0]
			if tc.newFirst {
				in = []domain.EventData{fresh, in[0]}
			}
			out, err := st.Append(t.Context(), tc.stream, tc.expected, in...)
			var conflict *domain.EventIDConflictError
			if !errors.As(err, &conflict) {
				t.Fatalf("Append to %q reusing id %s: error %v, want *domain.EventIDConflictError", tc.stream, target.ID, err)
			}
			if !errors.Is(err, domain.ErrConflict) {
				t.Errorf("errors.Is(%v, domain.ErrConflict) = false", err)
			}
			var wrong *domain.WrongExpectedRevisionError
			if errors.As(err, &wrong) {
				t.Errorf("an id conflict reported as a wrong expected revision: %v", err)
			}
			if conflict.EventID != target.ID.String() || conflict.Stream != stream || conflict.Revision != 1 {
				t.Errorf("conflict names %s at %s@%d, want %s at %s@1", conflict.EventID, conflict.Stream, conflict.Revision, target.ID, stream)
			}
			if len(out) != 0 {
				t.Errorf("a refused append returned %d events", len(out))
			}
			sameEvents(t, "ReadAll after a refused append", readAll(t, st), allBefore)
		})
	}
}

func (s *suite) testValidation(t *testing.T) {
	valid := func() domain.EventData { return batch(1)[0] }
	with := func(change func(e *domain.EventData)) []domain.EventData {
		e := valid()
		change(&e)
		return []domain.EventData{e}
	}
	withData := func(data string) []domain.EventData {
		return with(func(e *domain.EventData) { e.Data = json.RawMessage(data) })
	}
	tests := []struct {
		name   string
		events []domain.EventData
	}{
		{"empty batch", nil},
		{"nil id", with(func(e *domain.EventData) { e.ID = uuid.Nil })},
		{"empty type", with(func(e *domain.EventData) { e.Type = "" })},
		{"type over 128 bytes", with(func(e *domain.EventData) { e.Type = strings.Repeat("T", 129) })},
		{"no data", with(func(e *domain.EventData) { e.Data = nil })},
		{"data not JSON", withData(`{"a":`)},
		{"data with trailing bytes", withData(`{"a":1} x`)},
		{"two JSON values", withData(`{"a":1}{"b":2}`)},
		{"data an array", withData(`[{"a":1}]`)},
		{"data a string", withData(`"{}"`)},
		{"data a number", withData(`42`)},
		{"data null", withData(`null`)},
		{"invalid event after a valid one", append(batch(1), with(func(e *domain.EventData) { e.ID = uuid.Nil })...)},
		{"invalid data after a valid event", append(batch(1), withData(`[]`)...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := s.store(t)
			s.appendChecked(t, st, "learner-other", domain.NoStream{}, batch(1)...)
			allBefore := readAll(t, st)
			for _, stream := range []string{"learner-l-0001", "learner-other"} {
				out, err := st.Append(t.Context(), stream, domain.Any{}, tc.events...)
				if !errors.Is(err, domain.ErrInvalid) {
					t.Errorf("Append to %q: error %v, want one matching domain.ErrInvalid", stream, err)
				}
				if errors.Is(err, domain.ErrConflict) {
					t.Errorf("Append to %q: invalid input reported as a conflict: %v", stream, err)
				}
				if len(out) != 0 {
					t.Errorf("Append to %q: a refused append returned %d events", stream, len(out))
				}
			}
			sameEvents(t, "ReadAll after refused appends", readAll(t, st), allBefore)
		})
	}
	t.Run("type of 128 bytes", func(t *testing.T) {
		st := s.store(t)
		e := valid()
		e.Type = strings.Repeat("T", 128)
		s.appendChecked(t, st, "learner-l-0001", domain.NoStream{}, e)
	})
}

func (s *suite) testSizeLimit(t *testing.T) {
	// padded returns a payload whose compact form is exactly size bytes,
	// sent with white space around it so that the raw form is larger.
	padded := func(size int) (raw, compact []byte) {
		const open, closing = `{"s":"`, `"}`
		compact = []byte(open + strings.Repeat("x", size-len(open)-len(closing)) + closing)
		raw = []byte(`{ "s" : "` + strings.Repeat("x", size-len(open)-len(closing)) + `" }`)
		return raw, compact
	}
	t.Run("exactly the limit", func(t *testing.T) {
		st := s.store(t)
		raw, compact := padded(domain.MaxEventDataSize)
		if len(compact) != domain.MaxEventDataSize || len(raw) <= domain.MaxEventDataSize {
			t.Fatalf("test bug: payload sizes %d (compact), %d (raw)", len(compact), len(raw))
		}
		e := newEvent("EvidenceRecorded", "")
		e.Data = raw
		out := s.appendChecked(t, st, "learner-l-0001", domain.NoStream{}, e)
		got := readStream(t, st, "learner-l-0001")
		if len(got) != 1 {
			t.Fatalf("ReadStream: %d events, want 1", len(got))
		}
		if !bytes.Equal(got[0].Data, compact) {
			t.Errorf("data read back is %d bytes and differs from the %d bytes appended", len(got[0].Data), len(compact))
		}
		if got[0].Hash != out[0].Hash || domain.EventHash(got[0]) != got[0].Hash {
			t.Errorf("hash as read %s, as appended %s, recomputed %s", got[0].Hash, out[0].Hash, domain.EventHash(got[0]))
		}
	})
	t.Run("one byte over the limit", func(t *testing.T) {
		st := s.store(t)
		s.appendChecked(t, st, "learner-other", domain.NoStream{}, batch(1)...)
		allBefore := readAll(t, st)
		_, compact := padded(domain.MaxEventDataSize + 1)
		big := newEvent("EvidenceRecorded", "")
		big.Data = compact
		out, err := st.Append(t.Context(), "learner-l-0001", domain.Any{}, append(batch(1), big)...)
		var tooLarge *domain.EventTooLargeError
		if !errors.As(err, &tooLarge) {
			t.Fatalf("Append of %d bytes: error %v, want *domain.EventTooLargeError", len(compact), err)
		}
		if !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("errors.Is(%v, domain.ErrInvalid) = false", err)
		}
		if tooLarge.EventID != big.ID.String() || tooLarge.Size != domain.MaxEventDataSize+1 {
			t.Errorf("error names event %s of %d bytes, want %s of %d", tooLarge.EventID, tooLarge.Size, big.ID, domain.MaxEventDataSize+1)
		}
		if len(out) != 0 {
			t.Errorf("a refused append returned %d events", len(out))
		}
		sameEvents(t, "ReadAll after a refused append", readAll(t, st), allBefore)
	})
}
