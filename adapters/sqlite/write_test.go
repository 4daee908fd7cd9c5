package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// The writer remembers stream heads between commits; these appends check
// that what it remembers is always what is stored.
func TestStreamHeadsAcrossCommits(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir, nil)
	appendOne := func(stream string, exp domain.ExpectedRevision) (domain.RecordedEvent, error) {
		t.Helper()
		recs, err := s.Append(ctx, stream, exp, event(t, "EvidenceRecorded", map[string]string{"s": stream}))
		if err != nil {
			return domain.RecordedEvent{}, err
		}
		return recs[0], nil
	}
	mustAppend := func(stream string, exp domain.ExpectedRevision, wantRev uint64, wantPrev string) domain.RecordedEvent {
		t.Helper()
		rec, err := appendOne(stream, exp)
		if err != nil {
			t.Fatalf("append to %s at %v: %v", stream, exp, err)
		}
		if rec.Revision != wantRev || rec.PrevHash != wantPrev {
			t.Fatalf("append to %s: revision %d prevHash %s, want %d and %s", stream, rec.Revision, rec.PrevHash, wantRev, wantPrev)
		}
		return rec
	}

	a0 := mustAppend("a", domain.NoStream{}, 0, domain.ZeroHash)
	a1 := mustAppend("a", domain.Revision(0), 1, a0.Hash)

	// A refusal after a remembered head reports the stored head.
	_, err := appendOne("a", domain.Revision(0))
	var wrong *domain.WrongExpectedRevisionError
	if !errors.As(err, &wrong) || wrong.Actual != 1 {
		t.Fatalf("stale expected revision: got %v, want a conflict at revision 1", err)
	}
	if _, err := appendOne("a", domain.NoStream{}); !errors.As(err, &wrong) {
		t.Fatalf("no stream on an existing stream: got %v, want a conflict", err)
	}
	a2 := mustAppend("a", domain.StreamExists{}, 2, a1.Hash)

	// More streams than the writer remembers: "a" is forgotten and read again.
	for i := range 1100 {
		mustAppend(fmt.Sprintf("b-%d", i), domain.NoStream{}, 0, domain.ZeroHash)
	}
	a3 := mustAppend("a", domain.Revision(2), 3, a2.Hash)

	// A new writer starts with nothing remembered.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, nil)
	mustAppend("a", domain.Revision(3), 4, a3.Hash)

	all, err := s.ReadAll(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	v := domain.ChainVerifier{Dense: true}
	for _, e := range all {
		if err := v.Next(e); err != nil {
			t.Fatal(err)
		}
	}
}
