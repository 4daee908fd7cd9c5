// Package atomicfile writes small files so that after a crash each is
// whole: Create makes secrets (keys, a tokens file) that are absent or
// whole and never replace one another process created first; Replace
// moves a record forward (the last signed checkpoint), old or new, never
// half of either.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Create writes data to a new file at path with permission perm: a
// temporary file in the same directory is written and synced, then linked
// into place, and the directory is synced. If path exists, Create writes
// nothing and returns an error wrapping fs.ErrExist, so that of two
// processes creating the same secret at once both end up using the one that
// won.
func Create(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	// The temporary name goes whatever happens; once linked, the file
	// lives on under path.
	defer os.Remove(tmp)
	// A link, unlike a rename, fails rather than replace an existing file.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create %s: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return nil
}

// writeTemp writes data, synced, to a new temporary file with permission
// perm beside path, and returns its name. A file it could not finish is
// removed.
func writeTemp(path string, data []byte, perm fs.FileMode) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	err = tmp.Chmod(perm)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

// SyncDir makes dir's entries (a file created, renamed or removed in it)
// durable: without it a crash can lose a rename that was acknowledged.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// Replace writes data to path with permission perm, replacing whatever was
// there, so that after a crash path holds either the old content or the
// new, whole: a temporary file in the same directory is written and
// synced, renamed over path, and the directory is synced. It returns only
// once the new content is durable. It is for records that must move
// forward (the last signed checkpoint, the tokens file), never for secrets
// made once, which
// Create guards against replacement.
func Replace(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replace %s: %w", path, err)
	}
	if err := SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
