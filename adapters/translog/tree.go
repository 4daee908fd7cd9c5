package translog

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

const hashSize = 32

var (
	hasher       = rfc6962.DefaultHasher
	rangeFactory = &compact.RangeFactory{Hash: hasher.HashChildren}
)

// LeafHash is the leaf hash of an event whose envelope hash is eventHash
// (64 hex digits): SHA-256(0x00 || the 32 bytes of the hash).
func LeafHash(eventHash string) ([]byte, error) {
	data, err := hex.DecodeString(eventHash)
	if err != nil || len(data) != hashSize {
		return nil, fmt.Errorf("event hash %q is not 64 hex digits: %w", eventHash, ErrUnverified)
	}
	return hasher.HashLeaf(data), nil
}

// Tree computes roots over leaves handed to it in order, in O(log n) memory:
// what a verifier uses to recompute a checkpoint from an export.
type Tree struct {
	r *compact.Range
}

// NewTree returns an empty tree.
func NewTree() *Tree { return &Tree{r: rangeFactory.NewEmptyRange(0)} }

// Size is the number of leaves appended.
func (t *Tree) Size() uint64 { return t.r.End() }

// AppendEvent appends the leaf of an event whose hash is eventHash.
func (t *Tree) AppendEvent(eventHash string) error {
	lh, err := LeafHash(eventHash)
	if err != nil {
		return err
	}
	return t.r.Append(lh, nil)
}

// Root is the root hash of the leaves appended so far.
func (t *Tree) Root() []byte {
	if t.r.End() == 0 {
		return hasher.EmptyRoot()
	}
	root, err := t.r.GetRootHash(nil)
	if err != nil {
		// A range that starts at 0 always has a root; this is unreachable.
		return nil
	}
	return root
}

// VerifyInclusion checks that the event whose hash is eventHash is leaf
// index of the tree cp signs, given the proof's sibling hashes. Returns an
// error wrapping ErrUnverified otherwise.
func VerifyInclusion(cp Checkpoint, index uint64, eventHash string, hashes [][]byte) error {
	lh, err := LeafHash(eventHash)
	if err != nil {
		return err
	}
	if err := proof.VerifyInclusion(hasher, index, cp.Size, lh, hashes, cp.Root); err != nil {
		return fmt.Errorf("leaf %d in the tree of size %d: %w: %w", index, cp.Size, ErrUnverified, err)
	}
	return nil
}

// VerifyConsistency checks that the tree older signs is a prefix of the tree
// newer signs, given the consistency proof's hashes: the log only grew
// between them. Returns an error wrapping ErrUnverified otherwise.
func VerifyConsistency(older, newer Checkpoint, hashes [][]byte) error {
	if older.Origin != newer.Origin {
		return fmt.Errorf("checkpoints of two logs, %q and %q: %w", older.Origin, newer.Origin, ErrUnverified)
	}
	if older.Size > newer.Size {
		return fmt.Errorf("the older checkpoint (size %d) is larger than the newer (size %d): the log shrank: %w", older.Size, newer.Size, ErrUnverified)
	}
	if older.Size == newer.Size && !bytes.Equal(older.Root, newer.Root) {
		return fmt.Errorf("two roots for size %d: the log was rewritten: %w", older.Size, ErrUnverified)
	}
	if err := proof.VerifyConsistency(hasher, older.Size, newer.Size, hashes, older.Root, newer.Root); err != nil {
		return fmt.Errorf("size %d to %d: %w: %w", older.Size, newer.Size, ErrUnverified, err)
	}
	return nil
}

// EncodeHashes and DecodeHashes carry proofs in JSON as base64 strings, as
// checkpoints carry roots.
func EncodeHashes(hs [][]byte) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = base64.StdEncoding.EncodeToString(h)
	}
	return out
}

// DecodeHashes is EncodeHashes' inverse; every hash must be 32 bytes.
func DecodeHashes(enc []string) ([][]byte, error) {
	out := make([][]byte, len(enc))
	for i, s := range enc {
		h, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(h) != hashSize {
			return nil, fmt.Errorf("proof hash %d is not 32 bytes of base64", i)
		}
		out[i] = h
	}
	return out, nil
}
