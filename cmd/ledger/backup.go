package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/masteryledger/ledger/adapters/atomicfile"
	"github.com/masteryledger/ledger/adapters/credential"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
)

// A backup is one tar file (gzip-compressed if its name ends in .gz or
// .tgz): first manifestName, then every file it lists, by its path in the
// data directory.
const (
	manifestName   = "MANIFEST.json"
	backupFormat   = "mastery-ledger-backup"
	backupVersion  = 1
	tokensFileName = "tokens.json"
)

// backupManifest describes a backup: what it holds, and the checksums
// restore checks before it writes anything.
type backupManifest struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	// Events is how many events events.db holds; LastPosition is the
	// last one's global position.
	Events       uint64 `json:"events"`
	LastPosition uint64 `json:"lastPosition"`
	// TreeSize is how many leaves the transparency log's tree holds (at
	// most Events: the log was copied first).
	TreeSize uint64 `json:"treeSize"`
	// LastSigned is the last checkpoint the log had signed when the copy
	// was taken, if any.
	LastSigned *signedSummary `json:"lastSignedCheckpoint,omitempty"`
	Files      []backupFile   `json:"files"`
}

type signedSummary struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Root   string `json:"root"` // base64, as in the checkpoint
}

type backupFile struct {
	Path   string `json:"path"` // slash-separated, relative to the data directory
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex
}

// errBackupInconsistent marks a data directory whose log is ahead of its
// events: a copy of it would not restore to a node that can sign.
var errBackupInconsistent = errors.New("the data directory is not consistent")

func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	data := fs.String("data", envDefault(getenv, "LEDGER_DATA", "./data"), "data directory to copy, while the service runs or not (LEDGER_DATA)")
	out := fs.String("out", "", "the backup file to create (required; gzip-compressed if it ends in .gz or .tgz); never overwritten")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *out == "" {
		return fmt.Errorf("backup: want --out FILE: %w", errUsage)
	}
	m, err := backup(ctx, *data, *out)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	signed := "no signed checkpoint"
	if m.LastSigned != nil {
		signed = fmt.Sprintf("the last signed checkpoint of size %d", m.LastSigned.Size)
	}
	fmt.Fprintf(stdout, "ledger: backed up %d events (last position %d), a log of %d leaves, %s and %d files to %s\n",
		m.Events, m.LastPosition, m.TreeSize, signed, len(m.Files), *out)
	fmt.Fprintln(stdout, "ledger: the file holds the signing key, the learners' keys and the tokens: keep it as secret as the data directory")
	return nil
}

// backup copies the data directory into a new archive at out. The service
// may be running: the SQLite files are read through connections of their
// own (WAL lets them read beside the writer) and never through the data
// directory's lock. The order makes the copy consistent: the log's last
// signed checkpoint, then its tree, then the events, so that nothing the
// log holds or signed is missing from the events copied; then the
// learners' keys, so that every key an event copied was sealed under is
// there (a key destroyed in between stays destroyed: its tombstone is
// copied); then the secrets. The copy is checked as `ledger verify` would
// before the archive is written.
func backup(ctx context.Context, data, out string) (backupManifest, error) {
	var m backupManifest
	if _, err := os.Stat(filepath.Join(data, sqlite.FileName)); err != nil {
		return m, fmt.Errorf("%s holds no embedded store (%s): %w", data, sqlite.FileName, err)
	}
	if _, err := os.Lstat(out); err == nil {
		return m, fmt.Errorf("%s exists: a backup is never written over another file", out)
	}
	stage, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".stage-*")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(stage)
	for _, d := range []string{"log", "keys"} {
		if err := os.Mkdir(filepath.Join(stage, d), 0o700); err != nil {
			return m, err
		}
	}

	// 1. The log: key, last signed checkpoint, tree.
	var files []string
	// The credential keys sign every credential issued: without them, a
	// restored ledger would issue under a new issuer.
	copied, err := copySmallFiles(data, stage, "log/"+translog.KeyFile, "log/"+translog.LastCheckpointFile,
		"log/"+credential.KeyFile(credential.ES256), "log/"+credential.KeyFile(credential.RS256))
	if err != nil {
		return m, err
	}
	files = append(files, copied...)
	treeRel := "log/" + translog.TreeFile
	if _, err := os.Stat(filepath.Join(data, treeRel)); err == nil {
		if err := snapshotSQLite(ctx, filepath.Join(data, treeRel), filepath.Join(stage, treeRel)); err != nil {
			return m, fmt.Errorf("copy the log's tree: %w", err)
		}
		files = append(files, treeRel)
	}
	// 2. The events.
	if err := snapshotSQLite(ctx, filepath.Join(data, sqlite.FileName), filepath.Join(stage, sqlite.FileName)); err != nil {
		return m, fmt.Errorf("copy the events: %w", err)
	}
	files = append(files, sqlite.FileName)
	// 3. The learners' keys and tombstones.
	keys, err := keyFiles(data)
	if err != nil {
		return m, err
	}
	if copied, err = copySmallFiles(data, stage, keys...); err != nil {
		return m, err
	}
	files = append(files, copied...)
	// 4. The secrets of the data directory itself.
	if copied, err = copySmallFiles(data, stage, research.KeyFile, tokensFileName); err != nil {
		return m, err
	}
	files = append(files, copied...)

	if m, err = describeCopy(ctx, stage); err != nil {
		return m, err
	}
	for _, rel := range files {
		f, err := checksum(filepath.Join(stage, filepath.FromSlash(rel)))
		if err != nil {
			return m, err
		}
		f.Path = rel
		m.Files = append(m.Files, f)
	}
	if err := writeArchive(out, stage, m); err != nil {
		return m, err
	}
	return m, nil
}

// snapshotSQLite writes a consistent copy of the database at src to dst
// through a read-only connection of its own: VACUUM INTO reads in one
// transaction, so the copy is the database as of one commit, whatever the
// writer does meanwhile.
func snapshotSQLite(ctx context.Context, src, dst string) error {
	u := url.URL{Scheme: "file", OmitHost: true, Path: src, RawQuery: "mode=ro&_pragma=busy_timeout(10000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return os.Chmod(dst, 0o600)
}

// copySmallFiles copies the files rels (slash-separated, relative to data)
// that exist from data to stage, mode 0600, and returns those it copied.
func copySmallFiles(data, stage string, rels ...string) ([]string, error) {
	var copied []string
	for _, rel := range rels {
		raw, err := os.ReadFile(filepath.Join(data, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", rel, err)
		}
		if err := os.WriteFile(filepath.Join(stage, filepath.FromSlash(rel)), raw, 0o600); err != nil {
			return nil, fmt.Errorf("copy %s: %w", rel, err)
		}
		copied = append(copied, rel)
	}
	return copied, nil
}

// keyFiles lists the learners' keys and tombstones in data's key store,
// leaving out the temporary files of a key being made.
func keyFiles(data string) ([]string, error) {
	entries, err := os.ReadDir(keysDir(data))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list the learners' keys: %w", err)
	}
	var out []string
	for _, e := range entries {
		if isKeyStoreFile(e.Name()) && e.Type().IsRegular() {
			out = append(out, "keys/"+e.Name())
		}
	}
	return out, nil
}

// isKeyStoreFile reports whether name is a key or a tombstone of the key
// store (adapters/keystore names them by the learner id in hex).
func isKeyStoreFile(name string) bool {
	base, ok := strings.CutSuffix(name, ".key")
	if !ok {
		base, ok = strings.CutSuffix(name, ".destroyed")
	}
	if !ok || base == "" {
		return false
	}
	_, err := hex.DecodeString(base)
	return err == nil
}

// describeCopy checks the copy in stage as `ledger verify` does (every
// chain, every leaf, every signed checkpoint including the last one
// recorded) and returns its manifest without files.
func describeCopy(ctx context.Context, stage string) (backupManifest, error) {
	m := backupManifest{Format: backupFormat, Version: backupVersion, Created: time.Now().UTC().Truncate(time.Second)}
	report, err := verifyDataDir(ctx, stage, storeConfig{kind: "embedded"}, "", nil)
	if err != nil {
		return m, fmt.Errorf("%w: the copy does not verify: %w", errBackupInconsistent, err)
	}
	m.Events, m.TreeSize = report.events, report.leaves
	store, err := sqlite.Open(ctx, stage, nil)
	if err != nil {
		return m, err
	}
	m.LastPosition = store.LastPosition()
	if err := store.Close(); err != nil {
		return m, err
	}
	if _, err := os.Stat(filepath.Join(stage, "log", translog.KeyFile)); err != nil {
		return m, nil
	}
	key, err := translog.LoadKey(filepath.Join(stage, "log"))
	if err != nil {
		return m, err
	}
	l, err := translog.Open(ctx, filepath.Join(stage, "log"), key)
	if err != nil {
		return m, err
	}
	last := l.LastSigned()
	if err := l.Close(); err != nil {
		return m, err
	}
	if last.Note != nil {
		if last.Size > m.Events {
			// verifyDataDir catches this too; said here in the words of
			// a backup.
			return m, fmt.Errorf("%w: the log signed %d events but the copy holds %d", errBackupInconsistent, last.Size, m.Events)
		}
		m.LastSigned = &signedSummary{Origin: last.Origin, Size: last.Size, Root: base64.StdEncoding.EncodeToString(last.Root)}
	}
	return m, nil
}

func checksum(p string) (backupFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return backupFile{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return backupFile{}, fmt.Errorf("checksum %s: %w", p, err)
	}
	return backupFile{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func gzipped(name string) bool {
	return strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".tgz")
}

// writeArchive writes the manifest and the staged files to a temporary
// file beside out, mode 0600, syncs it and links it into place, so that
// out is either absent or whole, and never replaces another file.
func writeArchive(out, stage string, m backupManifest) (err error) {
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer func() {
		if cerr := tmp.Close(); err == nil && cerr != nil && !errors.Is(cerr, os.ErrClosed) {
			err = cerr
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	var w io.Writer = tmp
	var gz *gzip.Writer
	if gzipped(out) {
		gz = gzip.NewWriter(tmp)
		w = gz
	}
	tw := tar.NewWriter(w)
	add := func(name string, size int64, r io.Reader) error {
		hdr := &tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: m.Created, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := io.Copy(tw, r)
		return err
	}
	if err := add(manifestName, int64(len(manifest)), strings.NewReader(string(manifest))); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	for _, f := range m.Files {
		src, err := os.Open(filepath.Join(stage, filepath.FromSlash(f.Path)))
		if err != nil {
			return err
		}
		err = add(f.Path, f.Size, src)
		src.Close()
		if err != nil {
			return fmt.Errorf("write %s: %s: %w", out, f.Path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return fmt.Errorf("write %s: %w", out, err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	// A link, unlike a rename, refuses to replace a file that appeared
	// meanwhile.
	if err := os.Link(tmp.Name(), out); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return atomicfile.SyncDir(filepath.Dir(out))
}

// cleanArchivePath reports whether name is a path restore may write: a
// file the data directory holds, relative, clean, inside it.
func cleanArchivePath(name string) bool {
	if name == "" || path.IsAbs(name) || path.Clean(name) != name || strings.HasPrefix(name, "../") || name == ".." {
		return false
	}
	switch name {
	case sqlite.FileName, "log/" + translog.TreeFile, "log/" + translog.KeyFile, "log/" + translog.LastCheckpointFile,
		"log/" + credential.KeyFile(credential.ES256), "log/" + credential.KeyFile(credential.RS256),
		research.KeyFile, tokensFileName:
		return true
	}
	rest, ok := strings.CutPrefix(name, "keys/")
	return ok && !strings.Contains(rest, "/") && isKeyStoreFile(rest)
}
