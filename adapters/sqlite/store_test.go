package sqlite_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
)

// mustOpen opens a store in dir and closes it when the test ends.
func mustOpen(t testing.TB, dir string, opts *sqlite.Options) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

func event(t testing.TB, typ string, data any) domain.EventData {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return domain.EventData{ID: uuid.New(), Type: typ, Actor: domain.Actor{Role: "teacher", Name: "Ms Rivera"}, Data: raw}
}

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	mustOpen(t, dir, nil)
	_, err := sqlite.Open(context.Background(), dir, nil)
	if !errors.Is(err, sqlite.ErrLocked) {
		t.Fatalf("second open: got %v, want ErrLocked", err)
	}
}

func TestReopenKeepsEventsAndOrder(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []domain.RecordedEvent
	for i := range 5 {
		recs, err := s.Append(ctx, fmt.Sprintf("learner-%d", i%2), domain.Any{}, event(t, "EvidenceRecorded", map[string]int{"i": i}))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, recs...)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "learner-0", domain.Any{}, event(t, "X", map[string]int{})); !errors.Is(err, domain.ErrClosed) {
		t.Fatalf("append after close: got %v, want ErrClosed", err)
	}

	s2 := mustOpen(t, dir, nil)
	got, err := s2.ReadAll(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("reopened store holds %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Hash != want[i].Hash || got[i].Position != want[i].Position || !got[i].RecordedAt.Equal(want[i].RecordedAt) {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if s2.LastPosition() != 5 {
		t.Errorf("LastPosition = %d, want 5", s2.LastPosition())
	}
	// The chain continues across the restart.
	recs, err := s2.Append(ctx, "learner-0", domain.Revision(2), event(t, "X", map[string]int{}))
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].PrevHash != want[4].Hash || recs[0].Position != 6 {
		t.Errorf("append after reopen: prevHash %s position %d, want %s and 6", recs[0].PrevHash, recs[0].Position, want[4].Hash)
	}
}

// A wall clock that steps back must not make recordedAt go backwards in the
// global order: "as of" queries rely on it.
func TestRecordedAtNeverGoesBackwards(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	clock := []time.Time{base, base.Add(-time.Hour), base.Add(time.Minute)}
	i := 0
	s := mustOpen(t, t.TempDir(), &sqlite.Options{Now: func() time.Time { i++; return clock[i-1] }})
	var got []time.Time
	for range clock {
		recs, err := s.Append(ctx, "learner-a", domain.Any{}, event(t, "X", map[string]int{}))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, recs[0].RecordedAt)
	}
	want := []time.Time{base, base, base.Add(time.Minute)}
	for k := range want {
		if !got[k].Equal(want[k]) {
			t.Errorf("append %d recordedAt %s, want %s", k, got[k], want[k])
		}
	}
}

func TestOnCommitReportsBatches(t *testing.T) {
	ctx := context.Background()
	var events int
	done := make(chan struct{}, 16)
	s := mustOpen(t, t.TempDir(), &sqlite.Options{OnCommit: func(c sqlite.CommitStats) {
		events += c.Events
		done <- struct{}{}
	}})
	if _, err := s.Append(ctx, "learner-a", domain.NoStream{}, event(t, "X", map[string]int{}), event(t, "Y", map[string]int{})); err != nil {
		t.Fatal(err)
	}
	<-done
	if events != 2 {
		t.Errorf("OnCommit saw %d events, want 2", events)
	}
}

// TestStreamVersionFromMemory: the store answers a stream's version from
// memory once it has seen the stream's head (a commit, or a read of the
// whole stream), and says it does not know otherwise.
func TestStreamVersionFromMemory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	put := func(s *sqlite.Store, stream string, n int) {
		t.Helper()
		for range n {
			if _, err := s.Append(ctx, stream, domain.Any{}, domain.EventData{ID: uuid.New(), Type: "Noted", Data: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(s *sqlite.Store, stream string, want uint64, wantOK bool) {
		t.Helper()
		if v, ok := s.StreamVersion(stream); v != want || ok != wantOK {
			t.Fatalf("StreamVersion(%s) = %d, %v; want %d, %v", stream, v, ok, want, wantOK)
		}
	}
	check(s, "a", 0, false)
	put(s, "a", 3)
	check(s, "a", 3, true)
	put(s, "b", 1)
	s.Close()

	s, err = sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check(s, "a", 0, false) // not seen since this open
	if _, err := s.ReadStream(ctx, "a", 1, 1); err != nil {
		t.Fatal(err)
	}
	check(s, "a", 0, false) // a part of the stream says nothing of its head
	if _, err := s.ReadStream(ctx, "a", 0, 0); err != nil {
		t.Fatal(err)
	}
	check(s, "a", 3, true)
	put(s, "a", 2)
	check(s, "a", 5, true)
}
