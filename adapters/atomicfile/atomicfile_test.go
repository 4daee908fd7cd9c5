package atomicfile_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/masteryledger/ledger/adapters/atomicfile"
)

func TestCreateWritesAWholeNewFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	if err := atomicfile.Create(path, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "abc\n" {
		t.Fatalf("read %q, %v; want %q", got, err, "abc\n")
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("permission %v, want 0600", perm)
	}
	assertOnly(t, dir, "secret.key")
}

func TestCreateNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	if err := os.WriteFile(path, []byte("first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := atomicfile.Create(path, []byte("second\n"), 0o600)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("got %v, want fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "first\n" {
		t.Errorf("file now holds %q", got)
	}
	assertOnly(t, dir, "secret.key")
}

// Of many creators racing, one wins and every other is told the file
// exists; the file holds the winner's bytes whole.
func TestCreateRace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = atomicfile.Create(path, fmt.Appendf(nil, "creator %02d\n", i), 0o600) })
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("creators %d and %d both won", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, fs.ErrExist):
			t.Fatalf("creator %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no creator won")
	}
	if got, _ := os.ReadFile(path); string(got) != fmt.Sprintf("creator %02d\n", won) {
		t.Errorf("file holds %q, the winner was %d", got, won)
	}
	assertOnly(t, dir, "secret.key")
}

// assertOnly checks that dir holds exactly name: no temporary file is left.
func assertOnly(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only %s", names, name)
	}
}

// Replace writes a new file and replaces an existing one whole, with the
// permission asked for and no temporary file left behind.
func TestReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "record")
	for _, content := range []string{"first\n", "second, longer\n", "3\n"} {
		if err := atomicfile.Replace(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("permission %v, want 0600", perm)
		}
		assertOnly(t, dir, "record")
	}
}
