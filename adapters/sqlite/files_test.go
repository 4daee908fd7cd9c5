package sqlite_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
)

// withUmask runs the test under the usual umask 022, whatever the
// environment's, so that a file created with the default 0644 shows up.
func withUmask(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", filepath.Base(path), got, want)
	}
}

// Every file of the store, and the data directory, are the owner's alone:
// another local user must not read the raw events.
func TestStoreFilesArePrivate(t *testing.T) {
	withUmask(t)
	dir := filepath.Join(t.TempDir(), "data")
	s := mustOpen(t, dir, nil)
	if _, err := s.Append(context.Background(), "s-1", domain.NoStream{}, event(t, "T", map[string]int{"n": 1})); err != nil {
		t.Fatal(err)
	}
	wantMode(t, dir, 0o700)
	for _, name := range []string{sqlite.FileName, sqlite.FileName + "-wal", sqlite.FileName + "-shm", "LOCK"} {
		wantMode(t, filepath.Join(dir, name), 0o600)
	}
}

// A data directory others can read (the Dockerfile's /data was 0755), and
// files an older version left readable, are made private on open, and the
// store says so.
func TestExposedDataDirectoryIsFixedAndSaidSo(t *testing.T) {
	withUmask(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "s-1", domain.NoStream{}, event(t, "T", map[string]int{"n": 1})); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]fs.FileMode{dir: 0o755, filepath.Join(dir, sqlite.FileName): 0o644, filepath.Join(dir, "LOCK"): 0o644} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}

	var logged bytes.Buffer
	s = mustOpen(t, dir, &sqlite.Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if _, err := s.Append(ctx, "s-1", domain.Revision(0), event(t, "T", map[string]int{"n": 2})); err != nil {
		t.Fatal(err)
	}
	wantMode(t, dir, 0o700)
	for _, name := range []string{sqlite.FileName, sqlite.FileName + "-wal", sqlite.FileName + "-shm", "LOCK"} {
		wantMode(t, filepath.Join(dir, name), 0o600)
	}
	for _, name := range []string{dir + " was mode 0755", sqlite.FileName + " was mode 0644", "LOCK was mode 0644"} {
		if !strings.Contains(logged.String(), name) {
			t.Errorf("the store did not say it fixed %q; it logged:\n%s", name, logged.String())
		}
	}
}
