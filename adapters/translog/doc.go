// Package translog keeps the ledger's transparency log: an RFC 6962 / RFC
// 9162 Merkle tree whose leaves are the hashes of the stored events in global
// order, with signed checkpoints and the proofs an outsider needs to check
// that an event is in the log and that the log only ever grew.
//
// A leaf's data is the 32 bytes of an event's hash (the envelope's hex
// "hash", decoded); its leaf hash is SHA-256(0x00 || data) and an interior
// node is SHA-256(0x01 || left || right), as RFC 6962 section 2.1 says. Leaf
// i is the i-th event of the global order, counting from 0; on the embedded
// store, whose positions are dense, that is position − 1.
//
// Checkpoints are C2SP signed notes (the format of Go's checksum database
// and Sigstore): the log's origin, the tree size and the base64 root hash,
// signed with the ledger's Ed25519 key. The same key signs transcripts.
//
// The tree is persisted incrementally in its own SQLite file beside the
// store: one row per leaf and one per completed interior subtree, written in
// batches, so appending is O(log n) and a restart reads only the O(log n)
// hashes of the tree's right edge. The tree's rows are derived from the
// events: if the file is lost or lags behind, it is rebuilt from them, and
// `ledger verify` checks every row against them. So a full disk does not
// stop Run: the log falls behind and catches up once space is freed.
//
// # Never a fork
//
// The last checkpoint the log signed is not derived: it is recorded beside
// the signing key (LastCheckpointFile), durably, before the checkpoint is
// handed out, and every tree the log signs must extend it (as many leaves
// or more, the same root at its size). A store rolled back or rewritten
// under the log (an older backup restored, the tree deleted and rebuilt
// from it) fails that check with a *ForkError at start and at every
// signature, so the key never signs two roots for one size, nor a tree
// that does not contain one it signed.
package translog
