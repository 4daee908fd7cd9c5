package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/sqlitefile"
	"github.com/masteryledger/ledger/adapters/sqlitefile/mounttest"
	"github.com/masteryledger/ledger/domain"
)

func appendN(t *testing.T, s *sqlite.Store, n int) {
	t.Helper()
	for i := range n {
		if _, err := s.Append(context.Background(), fmt.Sprintf("s-%d", i), domain.NoStream{}, event(t, "T", map[string]int{"n": i})); err != nil {
			t.Fatal(err)
		}
	}
}

// copyFiles copies the named files of src into dst.
func copyFiles(t *testing.T, src, dst string, names ...string) {
	t.Helper()
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// A copy or snapshot of a data directory reads whole on a read-only mount,
// where nothing, not even root, can create the LOCK or -shm files: a
// cleanly closed store, and a snapshot taken while the store was open,
// whose last events are only in the write-ahead log.
func TestOpenReadOnlyOnAReadOnlyMount(t *testing.T) {
	ctx := context.Background()
	mnt := mounttest.Tmpfs(t, "16m")

	clean := filepath.Join(mnt, "clean")
	s, err := sqlite.Open(ctx, clean, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, s, 5)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(clean, "LOCK")); err != nil {
		t.Fatal(err)
	}

	// A snapshot of an open store: events.db, its -wal (holding the
	// events) and its -shm, copied while the store runs.
	live := t.TempDir()
	s = mustOpen(t, live, nil)
	appendN(t, s, 7)
	snapshot := filepath.Join(mnt, "snapshot")
	noShm := filepath.Join(mnt, "no-shm")
	for _, d := range []string{snapshot, noShm} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	copyFiles(t, live, snapshot, sqlite.FileName, sqlite.FileName+"-wal", sqlite.FileName+"-shm", "LOCK")
	copyFiles(t, live, noShm, sqlite.FileName, sqlite.FileName+"-wal")
	mounttest.ReadOnly(t, mnt)

	for dir, want := range map[string]int{clean: 5, snapshot: 7} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			r, err := sqlite.OpenReadOnly(ctx, dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			evs, err := r.ReadAll(ctx, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != want || r.LastPosition() != uint64(want) {
				t.Errorf("read %d events, last position %d; want %d", len(evs), r.LastPosition(), want)
			}
			var chain domain.ChainVerifier
			for _, e := range evs {
				if err := chain.Next(e); err != nil {
					t.Error(err)
				}
			}
			_, err = r.Append(ctx, "s-x", domain.NoStream{}, event(t, "T", map[string]int{"n": 1}))
			if !errors.Is(err, sqlite.ErrReadOnly) {
				t.Errorf("append to a read-only store: got %v, want ErrReadOnly", err)
			}
		})
	}

	// The database file alone lacks the events in the log: refused, never
	// read short.
	_, err = sqlite.OpenReadOnly(ctx, noShm, nil)
	if !errors.Is(err, sqlitefile.ErrUnreadableCopy) {
		t.Errorf("a read-only copy with a -wal and no -shm: got %v, want ErrUnreadableCopy", err)
	}
}

// A reader shares the directory with other readers, not with a writer.
func TestOpenReadOnlyLocks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, s, 2)
	if _, err := sqlite.OpenReadOnly(ctx, dir, nil); !errors.Is(err, sqlite.ErrLocked) {
		t.Fatalf("read-only open while a writer has the directory: got %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r1, err := sqlite.OpenReadOnly(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := sqlite.OpenReadOnly(ctx, dir, nil)
	if err != nil {
		t.Fatalf("a second reader: %v", err)
	}
	defer r2.Close()
	if _, err := sqlite.Open(ctx, dir, nil); !errors.Is(err, sqlite.ErrLocked) {
		t.Fatalf("open for writing while readers have the directory: got %v, want ErrLocked", err)
	}
	if _, err := sqlite.OpenReadOnly(ctx, t.TempDir(), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only open of an empty directory: got %v, want ErrNotExist", err)
	}
}
