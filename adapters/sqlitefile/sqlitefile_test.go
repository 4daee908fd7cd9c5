package sqlitefile_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/masteryledger/ledger/adapters/sqlitefile"
	"github.com/masteryledger/ledger/adapters/sqlitefile/mounttest"
)

// A directory others can read whose mode cannot be changed is refused,
// not used: here a read-only mount, where not even root can chmod.
func TestExposedDirectoryThatCannotBeFixedIsRefused(t *testing.T) {
	mnt := mounttest.Tmpfs(t, "1m")
	dir := filepath.Join(mnt, "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mounttest.ReadOnly(t, mnt)
	fixes, err := sqlitefile.MkdirPrivate(dir)
	if !errors.Is(err, sqlitefile.ErrExposed) {
		t.Fatalf("MkdirPrivate on a 0755 directory that cannot be changed: fixes %v, err %v; want ErrExposed", fixes, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("mode changed to %#o", fi.Mode().Perm())
	}
}

func TestMkdirPrivateFixesAndSays(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o751); err != nil {
		t.Fatal(err)
	}
	fixes, err := sqlitefile.MkdirPrivate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(fixes) != 1 || fixes[0].From != 0o751 || fixes[0].To != 0o700 || fixes[0].Path != dir {
		t.Fatalf("fixes %v, want %s from 0751 to 0700", fixes, dir)
	}
	if fixes, err := sqlitefile.MkdirPrivate(dir); err != nil || len(fixes) != 0 {
		t.Errorf("a private directory: fixes %v, err %v; want none", fixes, err)
	}
}
