package translog_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The log's directory and its SQLite files are the owner's alone, also
// when the umask would let others read them.
func TestLogFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := filepath.Join(t.TempDir(), "log")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l := openLog(t, dir)
	add(t, l, 1, 3)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"": 0o700, "tree.db": 0o600, "tree.db-wal": 0o600, "tree.db-shm": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %#o, want %#o", filepath.Join("log", name), got, want)
		}
	}
}
