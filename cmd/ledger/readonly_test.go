package main

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/sqlitefile/mounttest"
)

// copyTree copies the regular files and directories under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, raw, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// verify, export and replay read a copy of a data directory on a read-only
// mount, which nobody (not even root) can write, with no LOCK file: they
// need to write nothing, not the lock, not SQLite's -shm file.
func TestToolsReadAReadOnlyCopy(t *testing.T) {
	src, _ := demoData(t)
	mnt := mounttest.Tmpfs(t, "64m")
	dir := filepath.Join(mnt, "data")
	copyTree(t, src, dir)
	// A served directory has a transparency log too, which verify reads.
	_, stop := startServe(t, "--data", dir, "--checkpoint-every", "0")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "LOCK")); err != nil {
		t.Fatal(err)
	}
	before := listTree(t, dir)
	mounttest.ReadOnly(t, mnt)

	var out strings.Builder
	if err := run(t.Context(), []string{"verify", "--data", dir}, noEnv, &out, io.Discard); err != nil {
		t.Fatalf("verify on a read-only copy: %v", err)
	}
	if !strings.HasPrefix(out.String(), "ok: ") || !strings.Contains(out.String(), "leaves of the transparency log match") {
		t.Errorf("verify on a read-only copy printed %q, want the store and the log verified", out.String())
	}
	out.Reset()
	if err := run(t.Context(), []string{"export", "--data", dir}, noEnv, &out, io.Discard); err != nil {
		t.Fatalf("export on a read-only copy: %v", err)
	}
	if n := strings.Count(out.String(), "\n"); n != countEvents(t, src) {
		t.Errorf("export on a read-only copy wrote %d events, want %d", n, countEvents(t, src))
	}
	out.Reset()
	if err := run(t.Context(), []string{"replay", "--data", dir, "l-0001", "math-6-rp-1"}, noEnv, &out, io.Discard); err != nil {
		t.Fatalf("replay on a read-only copy: %v", err)
	}
	if !strings.Contains(out.String(), "SummativeAttemptRecorded") {
		t.Errorf("replay on a read-only copy printed no attempt:\n%s", out.String())
	}
	if after := listTree(t, dir); !slices.Equal(after, before) {
		t.Errorf("the tools changed the copy:\n%s\n---\n%s", before, after)
	}
}
