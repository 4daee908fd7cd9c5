// Package mounttest mounts small file systems for tests that need a real
// full disk or a real read-only directory: permission bits do not stop
// root, and a disk cannot be filled by pretending.
//
// Mounting needs root (or CAP_SYS_ADMIN). Where it is not permitted the
// tests skip and say why, unless LEDGER_REQUIRE_MOUNT_TESTS=1, as CI sets
// it: then they fail, so a skip can never pass unnoticed.
package mounttest

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// RequireEnv makes a test that cannot mount fail instead of skip.
const RequireEnv = "LEDGER_REQUIRE_MOUNT_TESTS"

// Tmpfs mounts a tmpfs of size bytes on a new directory of mode 0700 and
// unmounts it when the test ends.
func Tmpfs(t testing.TB, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "size="+size+",mode=0700"); err != nil {
		notPermitted(t, "mount a tmpfs", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			// Something still holds a file open: let the kernel finish
			// the unmount when it lets go, so the temporary directory
			// can go.
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				t.Errorf("unmount %s: %v", dir, err)
			}
		}
	})
	return dir
}

// Resize changes the size of the tmpfs mounted on dir: smaller than what
// it holds fills it, larger frees space.
func Resize(t testing.TB, dir, size string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_NOSUID|syscall.MS_NODEV, "size="+size); err != nil {
		t.Fatalf("resize the tmpfs on %s to %s: %v", dir, size, err)
	}
}

// ReadOnly remounts the tmpfs on dir read-only: nothing, not even root,
// can create, change or remove a file in it.
func ReadOnly(t testing.TB, dir string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY|syscall.MS_NOSUID|syscall.MS_NODEV, ""); err != nil {
		t.Fatalf("remount %s read-only: %v", dir, err)
	}
}

// Fill writes a file in dir until the disk is full and returns its path:
// removing the file frees the space.
func Fill(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			return path
		}
	}
}

func notPermitted(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("cannot %s (%v), and %s=1 requires this test to run: run it as root or with CAP_SYS_ADMIN", what, err, RequireEnv)
	}
	t.Skipf("SKIPPED, NOT TESTED: cannot %s (%v): this test needs root or CAP_SYS_ADMIN; set %s=1 to make this a failure", what, err, RequireEnv)
}
