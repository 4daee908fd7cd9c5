package keystore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/masteryledger/ledger/adapters/atomicfile"
	"github.com/masteryledger/ledger/domain"
)

// KeySize is the size of a learner's key: AES-256.
const KeySize = 32

// File names in the key directory.
const (
	keySuffix       = ".key"
	tombstoneSuffix = ".destroyed"
	tmpPrefix       = ".tmp-"
)

// ErrDestroyed reports a learner whose key was destroyed: their personal
// data is erased, and no new key is ever made for them.
var ErrDestroyed = errors.New("key destroyed")

// ErrNoKey reports a learner who never had a key.
var ErrNoKey = errors.New("no key")

// DestroyedError reports that a learner's key was destroyed. It matches
// ErrDestroyed under errors.Is.
type DestroyedError struct {
	LearnerID string
}

func (e *DestroyedError) Error() string {
	return fmt.Sprintf("the key of learner %q was destroyed: their personal data is erased", e.LearnerID)
}

// Is makes errors.Is(err, ErrDestroyed) true.
func (e *DestroyedError) Is(target error) bool { return target == ErrDestroyed }

// Store keeps one key per learner in a directory. It is safe for
// concurrent use within one process; two processes must not share a
// directory unless they share it whole (see docs/storage.md).
type Store struct {
	dir string
	// stripes serialise creation and destruction per learner, so that a
	// key is never made while it is being destroyed, nor made twice. A
	// learner's lock is one of a fixed set, picked by a hash of the id:
	// keys of different learners are made (and synced to disk) side by
	// side, which a roster import of thousands of learners needs, while
	// the set never grows.
	stripes [lockStripes]sync.Mutex
}

// Open returns the store in dir, creating the directory (mode 0700) if it
// does not exist, and deals with the temporary files a crash left behind:
// one may hold a copy of a key.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key store %s: %w", dir, err)
	}
	if err := sweep(dir); err != nil {
		return nil, fmt.Errorf("key store %s: %w", dir, err)
	}
	return &Store{dir: dir}, nil
}

// lockStripes is how many learners' keys may be made at once.
const lockStripes = 64

// lock returns the lock of learnerID's key.
func (s *Store) lock(learnerID string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(learnerID))
	return &s.stripes[h.Sum32()%lockStripes]
}

// Dir is the directory the keys are kept in.
func (s *Store) Dir() string { return s.dir }

// name is the file name of a learner's key, without suffix: the id in hex,
// so that ids that differ only in letter case stay apart on filesystems
// that fold case.
func name(learnerID string) (string, error) {
	if !domain.ValidID(learnerID) {
		return "", fmt.Errorf("learner id %q: %w", learnerID, domain.ErrInvalid)
	}
	return hex.EncodeToString([]byte(learnerID)), nil
}

func (s *Store) paths(learnerID string) (key, tombstone string, err error) {
	n, err := name(learnerID)
	if err != nil {
		return "", "", err
	}
	return filepath.Join(s.dir, n+keySuffix), filepath.Join(s.dir, n+tombstoneSuffix), nil
}

// Key returns the learner's key, creating it on first use.
//
// Returns *DestroyedError (ErrDestroyed) once the key was destroyed, an
// error wrapping domain.ErrInvalid for an id that is not a learner id, and
// the filesystem's error otherwise.
func (s *Store) Key(ctx context.Context, learnerID string) ([]byte, error) {
	return s.key(ctx, learnerID, true)
}

// Existing returns the learner's key without creating one.
//
// Returns *DestroyedError (ErrDestroyed) once the key was destroyed, an
// error wrapping ErrNoKey if the learner never had one, and an error
// wrapping domain.ErrInvalid for an id that is not a learner id.
func (s *Store) Existing(ctx context.Context, learnerID string) ([]byte, error) {
	return s.key(ctx, learnerID, false)
}

func (s *Store) key(ctx context.Context, learnerID string, create bool) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	keyPath, tombPath, err := s.paths(learnerID)
	if err != nil {
		return nil, err
	}
	mu := s.lock(learnerID)
	mu.Lock()
	defer mu.Unlock()
	// The tombstone is checked first: a crash in the middle of Destroy can
	// leave the key file behind it, zeroed or not, and it must not count.
	if destroyed, err := exists(tombPath); err != nil {
		return nil, fmt.Errorf("key of learner %q: %w", learnerID, err)
	} else if destroyed {
		return nil, &DestroyedError{LearnerID: learnerID}
	}
	key, err := readKey(keyPath)
	switch {
	case err == nil:
		return key, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("key of learner %q: %w", learnerID, err)
	case !create:
		return nil, fmt.Errorf("learner %q: %w", learnerID, ErrNoKey)
	}
	key = make([]byte, KeySize)
	rand.Read(key) // never fails (crypto/rand)
	err = writeFile(s.dir, keyPath, key, false)
	if errors.Is(err, fs.ErrExist) {
		// Another process sharing the directory made it first: theirs is
		// the key, and may already seal data.
		key, err = readKey(keyPath)
	}
	if err != nil {
		return nil, fmt.Errorf("create the key of learner %q: %w", learnerID, err)
	}
	return key, nil
}

func readKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("%s holds %d bytes, not a %d-byte key", filepath.Base(path), len(key), KeySize)
	}
	return key, nil
}

// Destroy destroys the learner's key, whether or not they had one: it
// leaves a tombstone, so that Key refuses from now on, then overwrites the
// key file with zeros, syncs it and removes it. Destroying a destroyed key
// finishes what a crash may have left (a key file behind the tombstone) and
// is no error.
//
// Returns an error wrapping domain.ErrInvalid for an id that is not a
// learner id, and the filesystem's error otherwise; after an error, calling
// Destroy again is safe.
func (s *Store) Destroy(ctx context.Context, learnerID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	keyPath, tombPath, err := s.paths(learnerID)
	if err != nil {
		return err
	}
	mu := s.lock(learnerID)
	mu.Lock()
	defer mu.Unlock()
	// The tombstone goes first and durably: from the moment it is on disk
	// the key is refused, even if the process dies before the rest.
	if done, err := exists(tombPath); err != nil {
		return fmt.Errorf("destroy the key of learner %q: %w", learnerID, err)
	} else if !done {
		if err := writeFile(s.dir, tombPath, []byte("destroyed\n"), true); err != nil {
			return fmt.Errorf("destroy the key of learner %q: tombstone: %w", learnerID, err)
		}
	}
	if err := shred(s.dir, keyPath); err != nil {
		return fmt.Errorf("destroy the key of learner %q: %w", learnerID, err)
	}
	return nil
}

// Destroyed reports whether the learner's key was destroyed.
func (s *Store) Destroyed(ctx context.Context, learnerID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, tombPath, err := s.paths(learnerID)
	if err != nil {
		return false, err
	}
	return exists(tombPath)
}

// shred overwrites the file at path with zeros, syncs it, removes it and
// syncs the directory. A missing file is no error.
func shred(dir, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	info, err := f.Stat()
	if err == nil {
		_, err = f.WriteAt(make([]byte, info.Size()), 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("overwrite %s: %w", filepath.Base(path), err)
	}
	if err := os.Remove(path); err != nil {
		return err
	}
	return atomicfile.SyncDir(dir)
}

// writeFile writes data to path durably and atomically: a temporary file in
// dir, synced, then put in place, then dir synced. replace says whether an
// existing file at path may be replaced (a rename); a key never is, so it
// is linked into place, which fails with fs.ErrExist rather than overwrite
// one another process made meanwhile.
//
// A temporary file may hold a key, so one that is not put in place is
// shredded, and Open deals with those a crash left.
func writeFile(dir, path string, data []byte, replace bool) error {
	tmp, err := os.CreateTemp(dir, tmpPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && replace {
		err = os.Rename(tmp.Name(), path)
	} else if err == nil {
		if err = os.Link(tmp.Name(), path); err == nil {
			// Both names are one file now: the temporary name goes, and
			// nothing is shredded.
			if err := os.Remove(tmp.Name()); err != nil {
				return err
			}
			return atomicfile.SyncDir(dir)
		}
	}
	if err != nil {
		if serr := shred(dir, tmp.Name()); serr != nil {
			err = errors.Join(err, serr)
		}
		return err
	}
	return atomicfile.SyncDir(dir)
}

// sweep deals with the temporary files a crash left in dir: one that is a
// second name of the file it was written for (a key linked into place) is
// only unlinked; any other is shredded, since it may hold a key that never
// took effect.
func sweep(dir string) error {
	leftovers, err := filepath.Glob(filepath.Join(dir, tmpPrefix+"*"))
	if err != nil {
		return err
	}
	for _, path := range leftovers {
		rest := strings.TrimPrefix(filepath.Base(path), tmpPrefix)
		if i := strings.LastIndexByte(rest, '-'); i > 0 {
			tmpInfo, terr := os.Lstat(path)
			target, ferr := os.Lstat(filepath.Join(dir, rest[:i]))
			if terr == nil && ferr == nil && os.SameFile(tmpInfo, target) {
				if err := os.Remove(path); err != nil {
					return err
				}
				continue
			}
		}
		if err := shred(dir, path); err != nil {
			return err
		}
	}
	if len(leftovers) > 0 {
		return atomicfile.SyncDir(dir)
	}
	return nil
}

func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}
