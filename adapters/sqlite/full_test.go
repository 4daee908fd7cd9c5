package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/sqlitefile/mounttest"
	"github.com/masteryledger/ledger/domain"
)

// bulky is an event of about 4 KiB, to fill a small disk in few appends.
func bulky(t *testing.T, i int) domain.EventData {
	return event(t, "Noted", map[string]string{"i": fmt.Sprint(i), "text": strings.Repeat("x", 4000)})
}

// fillStore appends to stream s-fill until the disk is full, and returns
// how many appends were acknowledged. It fails the test on any other error.
func fillStore(t *testing.T, s *sqlite.Store, from int) int {
	t.Helper()
	for i := from; i < from+10_000; i++ {
		_, err := s.Append(context.Background(), "s-fill", domain.Any{}, bulky(t, i))
		if errors.Is(err, domain.ErrStorageFull) {
			if !strings.Contains(err.Error(), s.Dir()) {
				t.Errorf("the full-disk error does not name the data directory: %v", err)
			}
			return i - from
		}
		if err != nil {
			t.Fatalf("append %d: got %v, want success or ErrStorageFull", i, err)
		}
	}
	t.Fatal("10000 appends of 4 KiB fitted on a 1 MiB disk")
	return 0
}

// checkAll reads the whole store and checks that it holds exactly want
// events, with verifying chains.
func checkAll(t *testing.T, s *sqlite.Store, want int) {
	t.Helper()
	evs, err := s.ReadAll(context.Background(), 0, 0)
	if err != nil {
		t.Fatalf("read while the disk is full: %v", err)
	}
	if len(evs) != want {
		t.Errorf("the store holds %d events, want the %d acknowledged", len(evs), want)
	}
	chain := domain.ChainVerifier{Dense: true}
	for _, e := range evs {
		if err := chain.Next(e); err != nil {
			t.Error(err)
		}
	}
}

// A full disk refuses appends with ErrStorageFull, writing nothing, while
// reads go on; the store takes appends again as soon as space returns,
// without a restart; and it reopens, for reading, while the disk is full.
func TestFullDisk(t *testing.T) {
	ctx := context.Background()
	mnt := mounttest.Tmpfs(t, "1m")
	dir := filepath.Join(mnt, "data")
	s, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	acked := fillStore(t, s, 0)
	if acked == 0 {
		t.Fatal("not one append fitted")
	}
	// An append of several events is refused whole.
	_, err = s.Append(ctx, "s-three", domain.NoStream{}, bulky(t, -1), bulky(t, -2), bulky(t, -3))
	if !errors.Is(err, domain.ErrStorageFull) {
		t.Fatalf("an append of three events on a full disk: got %v, want ErrStorageFull", err)
	}
	if evs, err := s.ReadStream(ctx, "s-three", 0, 0); err != nil || len(evs) != 0 {
		t.Errorf("a refused append left %d events (%v)", len(evs), err)
	}
	checkAll(t, s, acked)

	// Space returns: the same store appends again.
	mounttest.Resize(t, mnt, "2m")
	if _, err := s.Append(ctx, "s-three", domain.NoStream{}, bulky(t, -1), bulky(t, -2), bulky(t, -3)); err != nil {
		t.Fatalf("append once space returned, without a restart: %v", err)
	}
	acked += 3
	acked += fillStore(t, s, acked)
	if err := s.Close(); err != nil {
		t.Fatalf("close on a full disk: %v", err)
	}

	// A restart while the disk is still full serves reads.
	s, err = sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatalf("reopen on a full disk: %v", err)
	}
	defer s.Close()
	checkAll(t, s, acked)
	if s.LastPosition() != uint64(acked) {
		t.Errorf("last position %d after reopening, want %d", s.LastPosition(), acked)
	}
	if _, err := s.Append(ctx, "s-fill", domain.Any{}, bulky(t, -4)); !errors.Is(err, domain.ErrStorageFull) {
		t.Fatalf("append after reopening on a full disk: got %v, want ErrStorageFull", err)
	}
	mounttest.Resize(t, mnt, "4m")
	if _, err := s.Append(ctx, "s-fill", domain.Any{}, bulky(t, -4)); err != nil {
		t.Fatalf("append once space returned: %v", err)
	}
	checkAll(t, s, acked+1)

	// A store closed with space to spare, on a disk that then fills,
	// also reopens for reading.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	filler := mounttest.Fill(t, mnt)
	s, err = sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatalf("reopen after a clean close, on a disk that filled since: %v", err)
	}
	defer s.Close()
	checkAll(t, s, acked+1)
	if _, err := s.Append(ctx, "s-fill", domain.Any{}, bulky(t, -5)); !errors.Is(err, domain.ErrStorageFull) {
		t.Fatalf("append on a disk that filled since: got %v, want ErrStorageFull", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "s-fill", domain.Any{}, bulky(t, -5)); err != nil {
		t.Fatalf("append once space returned: %v", err)
	}
	checkAll(t, s, acked+2)
}
