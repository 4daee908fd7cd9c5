// Package sqlitefile is what the ledger's two SQLite files (the event
// store's events.db and the transparency log's tree.db) share below SQL:
// they and their directories are readable by their owner only, they open
// read-only on a copy or snapshot that cannot be written, and a full disk is
// told apart from every other failure.
//
// # Caveats
//
// It only looks at files; it opens no database. Permission bits are no
// protection from root, and a directory's own mode does not cover the
// directories above it.
package sqlitefile

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrExposed reports a data directory or file that other users may read
// and whose mode this process cannot change.
var ErrExposed = errors.New("readable by other users")

// ErrUnreadableCopy reports a read-only copy whose write-ahead log holds
// committed transactions but whose shared-memory index (the -shm file) is
// missing: SQLite cannot read such a log without creating the index, and
// opening the database file alone would silently miss those transactions.
var ErrUnreadableCopy = errors.New("the write-ahead log cannot be read without its -shm file in a directory that cannot be written")

// Private modes: the owner alone reads and writes.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// Fix is a mode this package tightened, so the caller can say so.
type Fix struct {
	Path     string
	From, To fs.FileMode
}

func (f Fix) String() string {
	return fmt.Sprintf("%s was mode %#o, readable by other users; changed to %#o", f.Path, f.From.Perm(), f.To.Perm())
}

// exposed are the permission bits of group and others.
const exposed fs.FileMode = 0o077

// MkdirPrivate creates dir, and any missing parent, with mode 0700, or, if
// dir exists and its group or others have any permission, takes those away
// and returns the fix made. If the mode cannot be changed (another user
// owns dir), it returns an error wrapping ErrExposed and changes nothing.
func MkdirPrivate(dir string) ([]Fix, error) {
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return nil, fmt.Errorf("create directory %s: %w", dir, err)
	}
	f, err := tighten(dir)
	if err != nil || f == nil {
		return nil, err
	}
	return []Fix{*f}, nil
}

// PrivateDB makes sure the SQLite database at path exists with mode 0600
// (an empty file is an empty database) and that neither it nor its -wal,
// -shm and -journal files are open to group or others. SQLite creates
// the -wal and -shm files with the database file's mode, so a private
// database file keeps them private too. It returns the fixes made.
func PrivateDB(path string) ([]Fix, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, FileMode)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	var fixes []Fix
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fix, err := tighten(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fixes, err
		}
		if fix != nil {
			fixes = append(fixes, *fix)
		}
	}
	return fixes, nil
}

// PrivateFile creates path, empty, with mode 0600 if it does not exist,
// tightens it if it does, and returns it open for reading and writing.
func PrivateFile(path string) (*os.File, []Fix, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, FileMode)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	fix, err := tighten(path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if fix == nil {
		return f, nil, nil
	}
	return f, []Fix{*fix}, nil
}

// tighten takes group's and others' permissions away from path.
func tighten(path string) (*Fix, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	mode := fi.Mode()
	if mode&fs.ModeSymlink != 0 {
		// A symlink's own mode means nothing: follow it.
		if fi, err = os.Stat(path); err != nil {
			return nil, err
		}
		mode = fi.Mode()
	}
	if mode.Perm()&exposed == 0 {
		return nil, nil
	}
	to := mode.Perm() &^ exposed
	if err := os.Chmod(path, to); err != nil {
		return nil, fmt.Errorf("%s is mode %#o, %w, and its mode cannot be changed (%w): make it mode %#o, or owned by the user the ledger runs as",
			path, mode.Perm(), ErrExposed, err, to)
	}
	return &Fix{Path: path, From: mode.Perm(), To: to}, nil
}

// ReadOnlyDSN returns the database/sql data source name that opens the
// SQLite database at path for reading only, writing nothing beside it,
// also when its directory cannot be written (a read-only mount, a copy
// made with chmod -R a-w).
//
// A database in WAL mode normally needs its -shm file, which SQLite
// creates if missing. So:
//   - no -wal file, or an empty one: everything committed is in the
//     database file, which is opened immutable (no -shm, no locks). The
//     caller must make sure nothing writes it meanwhile (the store holds a
//     shared lock on the data directory's LOCK file);
//   - a -wal file with content and its -shm file: read-only, and SQLite
//     reads the log even if it cannot write the index;
//   - a -wal file with content, no -shm file, and a directory that can be
//     written: read-only, SQLite creates the index;
//   - otherwise: an error wrapping ErrUnreadableCopy, never a silent read
//     of the database file without its log.
//
// Returns an error wrapping fs.ErrNotExist if path does not exist.
func ReadOnlyDSN(path string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("open %s for reading: %w", path, err)
	}
	ro := "file:" + path + "?mode=ro"
	wal, err := os.Stat(path + "-wal")
	switch {
	case errors.Is(err, fs.ErrNotExist) || (err == nil && wal.Size() == 0):
		return ro + "&immutable=1", nil
	case err != nil:
		return "", fmt.Errorf("open %s for reading: %w", path, err)
	}
	if _, err := os.Stat(path + "-shm"); err == nil {
		return ro, nil
	}
	if syscall.Access(filepath.Dir(path), 2 /* W_OK */) == nil {
		return ro, nil
	}
	return "", fmt.Errorf("open %s for reading: %w: copy the directory somewhere writable, or copy %s-shm with it", path, ErrUnreadableCopy, filepath.Base(path))
}

// WALLimit is the journal_size_limit OpenDB asks for: a write-ahead log
// larger than this is cut back when it restarts, and, because the limit is
// set, a clean close truncates the log to nothing (see OpenDB).
const WALLimit = 64 << 20

// OpenDB opens the SQLite database dsn names, for writing, in WAL mode,
// with every connection keeping the -wal and -shm files when it closes
// (SQLITE_FCNTL_PERSIST_WAL), and with journal_size_limit set to WALLimit.
//
// A process that restarts while the disk is full must still read: SQLite
// reads a WAL-mode database only through its -shm file, and creating that
// file takes space. So the files stay, their space allocated, across a
// clean close; the close still folds the log into the database file and
// truncates the log to nothing, so the database file alone holds every
// transaction (and a copy of it opens immutable: ReadOnlyDSN). dsn must
// not already set journal_size_limit.
func OpenDB(dsn string) (*sql.DB, error) {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	base, err := msqlite.NewConnector(dsn + sep + fmt.Sprintf("_pragma=journal_size_limit(%d)", WALLimit))
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(persistWAL{base}), nil
}

// persistWAL sets SQLITE_FCNTL_PERSIST_WAL on every connection it opens.
type persistWAL struct{ driver.Connector }

func (p persistWAL) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := p.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	fc, ok := c.(msqlite.FileControl)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("the SQLite driver's connection %T offers no file control", c)
	}
	if _, err := fc.FileControlPersistWAL("main", 1); err != nil {
		c.Close()
		return nil, fmt.Errorf("keep the write-ahead log on close: %w", err)
	}
	return c, nil
}

// IsFull reports whether err says the disk (or the quota) is full: SQLite's
// SQLITE_FULL, its failure to grow the -shm file (which it reports only
// when the space for the file's pages is missing), or ENOSPC or EDQUOT from
// the operating system.
func IsFull(err error) bool {
	if err == nil {
		return false
	}
	var se *msqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_FULL || se.Code() == sqlite3.SQLITE_IOERR_SHMSIZE) {
		return true
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
