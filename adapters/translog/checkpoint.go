package translog

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// ErrUnverified marks every check that failed: a bad signature, a proof that
// does not reach its root, a leaf that is not the event's hash. Errors
// wrapping it name what failed.
var ErrUnverified = errors.New("not verified")

// ErrNotInLog marks a question about an event or a tree size the log does
// not hold (yet).
var ErrNotInLog = errors.New("not in the log")

// Checkpoint is a signed tree head.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
	// Note is the signed note as served and archived: the checkpoint's
	// three lines, a blank line and the signature line.
	Note []byte
}

// signCheckpoint signs the tree head (size, root) with key.
func signCheckpoint(key *Key, size uint64, root []byte) (Checkpoint, error) {
	body := log.Checkpoint{Origin: key.Origin(), Size: size, Hash: root}.Marshal()
	signed, err := note.Sign(&note.Note{Text: string(body)}, key.Signer)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("sign checkpoint at size %d: %w", size, err)
	}
	return Checkpoint{Origin: key.Origin(), Size: size, Root: bytes.Clone(root), Note: signed}, nil
}

// OpenCheckpoint checks a signed checkpoint against the log's verifier key
// (as GET /v1/log/key serves it): the signature verifies and the origin is
// the key's name. Returns an error wrapping ErrUnverified otherwise.
func OpenCheckpoint(signed []byte, verifierKey string) (Checkpoint, error) {
	v, _, err := ParseVerifierKey(verifierKey)
	if err != nil {
		return Checkpoint{}, err
	}
	return openCheckpoint(signed, v)
}

func openCheckpoint(signed []byte, v note.Verifier) (Checkpoint, error) {
	cp, _, _, err := log.ParseCheckpoint(signed, v.Name(), v)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: %w: %w", ErrUnverified, err)
	}
	if len(cp.Hash) != hashSize {
		return Checkpoint{}, fmt.Errorf("checkpoint: root hash of %d bytes: %w", len(cp.Hash), ErrUnverified)
	}
	return Checkpoint{Origin: cp.Origin, Size: cp.Size, Root: cp.Hash, Note: bytes.Clone(signed)}, nil
}
