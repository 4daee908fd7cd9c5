package translog

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/masteryledger/ledger/adapters/atomicfile"
)

// LastCheckpointFile is the file, in the log's directory beside the signing
// key, that holds the last checkpoint the log signed, as the signed note.
// It is written and synced before a new checkpoint is handed out, and it is
// not derived data: it is what stops a node whose events or tree were
// rolled back from signing a second history under the same key.
const LastCheckpointFile = "last-checkpoint"

// ErrFork marks a tree that does not extend the last checkpoint this log
// signed: fewer leaves than that checkpoint's size, or another root at its
// size. Signing it would put two histories under one key and origin, so
// the log refuses. Errors wrapping it are *ForkError.
var ErrFork = errors.New("the log does not extend the last checkpoint it signed")

// ForkError says what was signed, what the data holds now, and what to do.
// It matches ErrFork under errors.Is.
type ForkError struct {
	// Path is the file that records the last signed checkpoint.
	Path string
	// Signed is the last checkpoint the log signed.
	Signed Checkpoint
	// Size is the number of leaves the tree holds: after catching up with
	// the store, as many as it has events.
	Size uint64
	// Root is the tree's root at Signed.Size, or nil if the tree is
	// smaller than that.
	Root []byte
}

func (e *ForkError) Error() string {
	const fix = "restore the missing events (a backup at least as new as that checkpoint, or the events.db it was signed over) and start again; never delete or edit the file, and see docs/operations.md"
	signed := fmt.Sprintf("this log (%s) signed a checkpoint of %d events with root %s (recorded in %s)",
		e.Signed.Origin, e.Signed.Size, base64.StdEncoding.EncodeToString(e.Signed.Root), e.Path)
	if e.Root == nil {
		return fmt.Sprintf("%v: %s, but the data holds only %d: signing now would give a history that checkpoint already covers a second root; %s",
			ErrFork, signed, e.Size, fix)
	}
	return fmt.Sprintf("%v: %s, but the first %d events the data holds now have root %s: they are not the events that were signed; %s",
		ErrFork, signed, e.Signed.Size, base64.StdEncoding.EncodeToString(e.Root), fix)
}

// Is makes errors.Is(err, ErrFork) true.
func (e *ForkError) Is(target error) bool { return target == ErrFork }

// ReadLastSigned reads the last signed checkpoint recorded in the log
// directory dir and checks it against key. It returns a zero Checkpoint
// (nil Note) and no error if none is recorded.
func ReadLastSigned(dir string, key *Key) (Checkpoint, error) {
	path := filepath.Join(dir, LastCheckpointFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Checkpoint{}, nil
	}
	if err != nil {
		return Checkpoint{}, fmt.Errorf("last signed checkpoint: %w", err)
	}
	cp, err := openCheckpoint(raw, key.Verifier)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("last signed checkpoint %s does not open with the log's key: %w", path, err)
	}
	return cp, nil
}

// LastSigned is the last checkpoint the log signed, from its record or
// from the tree's file, whichever is larger; a zero Checkpoint if none.
func (l *Log) LastSigned() Checkpoint {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.signed
}

// loadSigned sets l.signed to the larger of the recorded last checkpoint
// and the tree file's latest (l.latest): a tree file restored from a copy
// taken after the record, or written by a version that kept no record,
// may hold a later one. Two roots for one size are a fork in themselves.
func (l *Log) loadSigned() error {
	rec, err := ReadLastSigned(l.dir, l.key)
	if err != nil {
		return err
	}
	l.signed, l.signedRecorded = rec, true
	switch {
	case l.latest.Note == nil:
	case rec.Note == nil || l.latest.Size > rec.Size:
		l.signed, l.signedRecorded = l.latest, false
	case l.latest.Size == rec.Size && !bytes.Equal(l.latest.Root, rec.Root):
		return &ForkError{Path: filepath.Join(l.dir, LastCheckpointFile), Signed: rec, Size: l.latest.Size, Root: l.latest.Root}
	}
	return nil
}

// recordLocked makes cp the recorded last signed checkpoint, durably, before
// anyone is given it. l.mu is held.
func (l *Log) recordLocked(cp Checkpoint) error {
	if err := atomicfile.Replace(filepath.Join(l.dir, LastCheckpointFile), cp.Note, 0o600); err != nil {
		return fmt.Errorf("log: record the checkpoint of size %d: %w", cp.Size, err)
	}
	l.signed, l.signedRecorded = cp, true
	return nil
}

// checkExtendsLocked returns a *ForkError unless the flushed tree extends
// the last signed checkpoint: at least as many leaves, and the same root
// at its size. l.mu is held and nothing is pending.
func (l *Log) checkExtendsLocked(ctx context.Context) error {
	s := l.signed
	if s.Note == nil {
		return nil
	}
	fork := &ForkError{Path: filepath.Join(l.dir, LastCheckpointFile), Signed: s, Size: l.flushedSize}
	if l.flushedSize < s.Size {
		return fork
	}
	root, err := l.rootAt(ctx, s.Size)
	if err != nil {
		return fmt.Errorf("log: check the last signed checkpoint (size %d): %w", s.Size, err)
	}
	if !bytes.Equal(root, s.Root) {
		fork.Root = root
		return fork
	}
	return nil
}

// CheckSigned makes sure the log may sign: it records the last signed
// checkpoint if only the tree's file held it, adds the store's events to
// the tree until it is as large as that checkpoint (a tree file lost or
// behind is rebuilt this far now, not later), and checks that the tree
// extends it. It returns a *ForkError (ErrFork) if the store holds fewer
// events than were signed, or others; the node must then not start. Call
// it after CheckTip, before Run.
func (l *Log) CheckSigned(ctx context.Context, src AllReader) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.signed.Note == nil {
		return nil
	}
	if !l.signedRecorded {
		if err := l.recordLocked(l.signed); err != nil {
			return err
		}
	}
	const page = 4096
	for l.flushedSize < l.signed.Size {
		evs, err := src.ReadAll(ctx, l.added, page)
		if err != nil {
			return fmt.Errorf("log: catch up with the store from position %d: %w", l.added, err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if err := l.addLocked(e); err != nil {
				return err
			}
		}
		if err := l.flushLocked(ctx); err != nil {
			return err
		}
	}
	if err := l.flushLocked(ctx); err != nil {
		return err
	}
	return l.checkExtendsLocked(ctx)
}
