package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/masteryledger/ledger/adapters/atomicfile"
	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
)

// errBadBackup marks a backup file that restore refuses: not a backup, of
// another format version, or a file whose size or checksum is not the
// manifest's. Nothing is written when it is returned.
var errBadBackup = errors.New("not a good backup")

// errDataNotEmpty marks a restore into a data directory that holds files,
// without --force.
var errDataNotEmpty = errors.New("the data directory is not empty")

func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	in := fs.String("in", "", "the backup file, as `ledger backup` wrote it (required)")
	data := fs.String("data", envDefault(getenv, "LEDGER_DATA", "./data"), "data directory to restore into; new or empty unless --force (LEDGER_DATA)")
	force := fs.Bool("force", false, "restore into a data directory that holds files, replacing them; a newer last signed checkpoint it holds is kept")
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *in == "" {
		return fmt.Errorf("restore: want --in FILE: %w", errUsage)
	}
	res, err := restore(ctx, *in, *data, *force)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	m := res.manifest
	fmt.Fprintf(stdout, "ledger: restored %d events (last position %d) and a log of %d leaves from the backup of %s into %s\n",
		m.Events, m.LastPosition, m.TreeSize, m.Created.Format("2006-01-02 15:04:05 UTC"), *data)
	if res.keptSigned != nil {
		fmt.Fprintf(stdout, "ledger: kept the data directory's last signed checkpoint (size %d), newer than the backup's: the node will refuse to start until it holds those events\n", res.keptSigned.Size)
	}
	if res.keptErased > 0 {
		fmt.Fprintf(stdout, "ledger: left out %d learners' keys destroyed since the backup was taken\n", res.keptErased)
	}
	if res.shredded > 0 {
		fmt.Fprintf(stdout, "ledger: destroyed %d learners' keys whose erasure the events record\n", res.shredded)
	}
	fmt.Fprintf(stdout, "ledger: next, check it: ledger verify --data %s\n", shellQuote(*data))
	return nil
}

type restoreResult struct {
	manifest backupManifest
	// keptSigned is the data directory's own last signed checkpoint when
	// it was newer than the backup's and so was kept.
	keptSigned *translog.Checkpoint
	// keptErased counts keys in the backup left out because the data
	// directory holds their tombstone.
	keptErased int
	// shredded counts keys destroyed after the restore because the
	// restored events hold their learner's erasure.
	shredded int
}

// restore checks every file of the backup at in against its manifest, then
// writes them into data. Before the check passes nothing is written; the
// files are then written to a directory beside data and moved into place.
func restore(ctx context.Context, in, data string, force bool) (restoreResult, error) {
	var res restoreResult
	m, err := readBackup(in, nil)
	if err != nil {
		return res, err
	}
	res.manifest = m
	existing, err := dataEntries(data)
	if err != nil {
		return res, err
	}
	if len(existing) > 0 && !force {
		return res, fmt.Errorf("%w: %s holds %s: restore into a new or empty directory, or pass --force to replace its files", errDataNotEmpty, data, strings.Join(existing, ", "))
	}
	unlock := func() {}
	if len(existing) > 0 {
		// A running node holds this lock; it must not have its files
		// replaced under it.
		if unlock, err = lockData(data); err != nil {
			return res, err
		}
	}
	defer func() { unlock() }()
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(data)), 0o750); err != nil {
		return res, err
	}
	stage, err := os.MkdirTemp(filepath.Dir(filepath.Clean(data)), "."+filepath.Base(filepath.Clean(data))+".restore-*")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(stage)
	if _, err := readBackup(in, func(f backupFile, r io.Reader) error { return stageFile(stage, f, r) }); err != nil {
		return res, err
	}
	// The store would make it 0640; nothing restore writes is readable
	// by others.
	if err := os.WriteFile(filepath.Join(stage, "LOCK"), nil, 0o600); err != nil {
		return res, err
	}
	if _, err := os.Stat(data); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(stage, data); err != nil {
			return res, err
		}
		if err := atomicfile.SyncDir(filepath.Dir(filepath.Clean(data))); err != nil {
			return res, err
		}
	} else if err := replaceFiles(stage, data, m, &res); err != nil {
		return res, err
	}
	// The store takes the lock itself, and refuses if a node took it
	// meanwhile.
	unlock()
	unlock = func() {}
	if res.shredded, err = rerunErasures(ctx, data); err != nil {
		return res, fmt.Errorf("restored into %s, but: %w", data, err)
	}
	return res, nil
}

// readBackup reads the backup at in: its manifest, then every file, whose
// size and SHA-256 must be the manifest's. With each nil it only checks;
// otherwise each is given every file's content as it is read, and the
// check still applies (each must not keep a file before readBackup
// returns nil).
func readBackup(in string, each func(backupFile, io.Reader) error) (backupManifest, error) {
	var m backupManifest
	f, err := os.Open(in)
	if err != nil {
		return m, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return m, fmt.Errorf("%w: %s: %w", errBadBackup, in, err)
		}
		defer gz.Close()
		r = gz
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", errBadBackup, in, fmt.Sprintf(format, args...))
	}
	tr := tar.NewReader(r)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != manifestName {
		return m, bad("it does not begin with %s (%v)", manifestName, err)
	}
	raw, err := io.ReadAll(io.LimitReader(tr, 64<<20))
	if err != nil {
		return m, bad("%s: %v", manifestName, err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, bad("%s: %v", manifestName, err)
	}
	if m.Format != backupFormat || m.Version != backupVersion {
		return m, bad("format %q version %d; this ledger reads %q version %d", m.Format, m.Version, backupFormat, backupVersion)
	}
	want := map[string]backupFile{}
	for _, bf := range m.Files {
		if !cleanArchivePath(bf.Path) {
			return m, bad("the manifest lists %q, which is no file of a data directory", bf.Path)
		}
		if _, dup := want[bf.Path]; dup {
			return m, bad("the manifest lists %q twice", bf.Path)
		}
		want[bf.Path] = bf
	}
	if _, ok := want[sqlite.FileName]; !ok {
		return m, bad("it holds no %s", sqlite.FileName)
	}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, bad("%v", err)
		}
		bf, ok := want[hdr.Name]
		if !ok {
			return m, bad("it holds %q, which the manifest does not list (or lists once)", hdr.Name)
		}
		delete(want, hdr.Name)
		if hdr.Typeflag != tar.TypeReg || hdr.Size != bf.Size {
			return m, bad("%s: %d bytes, the manifest says %d", hdr.Name, hdr.Size, bf.Size)
		}
		h := sha256.New()
		body := io.TeeReader(io.LimitReader(tr, bf.Size), h)
		if each != nil {
			if err := each(bf, body); err != nil {
				return m, err
			}
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return m, bad("%s: %v", hdr.Name, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != bf.SHA256 {
			return m, bad("%s: SHA-256 %s, the manifest says %s: the file is damaged", hdr.Name, got, bf.SHA256)
		}
	}
	if len(want) > 0 {
		var missing []string
		for p := range want {
			missing = append(missing, p)
		}
		return m, bad("the manifest lists %s, which it does not hold", strings.Join(missing, ", "))
	}
	return m, nil
}

// stageFile writes one file of a backup under stage: mode 0600, in
// directories of mode 0700, synced.
func stageFile(stage string, bf backupFile, r io.Reader) error {
	p := filepath.Join(stage, filepath.FromSlash(bf.Path))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// dataEntries lists what data holds; nothing if it does not exist.
func dataEntries(data string) ([]string, error) {
	entries, err := os.ReadDir(data)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

// lockData takes the data directory's lock as the store does, so that a
// restore never replaces the files of a running node.
func lockData(data string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(data, "LOCK"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w: stop the server first", data, sqlite.ErrLocked)
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}

// replaceFiles moves the staged files over those of data, one by one. Two
// files are not simply replaced: a last signed checkpoint in data at least
// as large as the backup's is kept, so that the node's fork check sees
// what it signed after the backup was taken; and the key of a learner
// whose tombstone data holds is left out, so that an erasure made after the
// backup stays made.
func replaceFiles(stage, data string, m backupManifest, res *restoreResult) error {
	// An empty directory, or a mount point, is filled file by file too.
	if _, err := os.Stat(filepath.Join(data, "LOCK")); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(filepath.Join(stage, "LOCK"), filepath.Join(data, "LOCK")); err != nil {
			return err
		}
	}
	lastRel := filepath.Join("log", translog.LastCheckpointFile)
	if keep, err := newerSigned(filepath.Join(stage, "log"), filepath.Join(data, "log")); err != nil {
		return err
	} else if keep != nil {
		res.keptSigned = keep
		if err := os.Remove(filepath.Join(stage, lastRel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	// Write-ahead logs of the files being replaced belong to the old
	// files: SQLite would apply them to the restored ones. A tree the
	// backup lacks goes too: its rows came from the events replaced, and
	// the next start rebuilds it from the restored ones.
	treeRel := filepath.Join("log", translog.TreeFile)
	if _, err := os.Stat(filepath.Join(stage, treeRel)); errors.Is(err, fs.ErrNotExist) {
		if err := os.Remove(filepath.Join(data, treeRel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	for _, db := range []string{sqlite.FileName, treeRel} {
		for _, suffix := range []string{"-wal", "-shm"} {
			if err := os.Remove(filepath.Join(data, db+suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	if err := os.Chmod(data, 0o700); err != nil {
		return err
	}
	dirs := map[string]bool{data: true}
	for _, bf := range m.Files {
		rel := filepath.FromSlash(bf.Path)
		src, dst := filepath.Join(stage, rel), filepath.Join(data, rel)
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			continue // the kept checkpoint
		}
		if base, ok := strings.CutSuffix(dst, ".key"); ok && strings.HasPrefix(bf.Path, "keys/") {
			if _, err := os.Stat(base + ".destroyed"); err == nil {
				res.keptErased++
				continue
			}
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		if err := os.Rename(src, dst); err != nil {
			return err
		}
		dirs[filepath.Dir(dst)] = true
	}
	for d := range dirs {
		if err := atomicfile.SyncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// newerSigned returns the last signed checkpoint recorded in the log
// directory dataLog if it opens with the backup's key (in stageLog) and is
// at least as large as the backup's own; nil otherwise (none, or another
// log's).
func newerSigned(stageLog, dataLog string) (*translog.Checkpoint, error) {
	if _, err := os.Stat(filepath.Join(stageLog, translog.KeyFile)); err != nil {
		return nil, nil
	}
	key, err := translog.LoadKey(stageLog)
	if err != nil {
		return nil, err
	}
	mine, err := translog.ReadLastSigned(dataLog, key)
	if err != nil || mine.Note == nil {
		// Not this log's (another key) or none: the backup's record
		// stands.
		return nil, nil
	}
	theirs, err := translog.ReadLastSigned(stageLog, key)
	if err != nil {
		return nil, err
	}
	if theirs.Note != nil && theirs.Size > mine.Size {
		return nil, nil
	}
	return &mine, nil
}

// rerunErasures destroys the key of every learner whose erasure the
// restored events record, as a node's start does: a backup's keys may
// predate an erasure its events hold. It returns how many keys it
// destroyed.
func rerunErasures(ctx context.Context, data string) (int, error) {
	store, err := sqlite.Open(ctx, data, nil)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	keys, err := keystore.Open(keysDir(data))
	if err != nil {
		return 0, err
	}
	counter := &destroyCounter{keys: keys}
	shredder := keystore.NewShredder(counter)
	var after uint64
	for {
		page, err := store.ReadAll(ctx, after, 4096)
		if err != nil {
			return counter.n, err
		}
		if len(page) == 0 {
			return counter.n, nil
		}
		for _, e := range page {
			if err := shredder.Apply(e); err != nil {
				return counter.n, err
			}
		}
		after = page[len(page)-1].Position
	}
}

// destroyCounter counts the keys a Shredder destroys that still existed.
type destroyCounter struct {
	keys *keystore.Store
	n    int
}

func (d *destroyCounter) Destroy(ctx context.Context, learnerID string) error {
	_, err := d.keys.Existing(ctx, learnerID)
	existed := err == nil
	if err := d.keys.Destroy(ctx, learnerID); err != nil {
		return err
	}
	if existed {
		d.n++
	}
	return nil
}
