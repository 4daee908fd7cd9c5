// Package keystore keeps one AES-256 key per learner, apart from the event
// log, and seals each learner's personal data under it before the data
// reaches the log (crypto-shredding). Destroying a learner's key erases
// every profile they ever had, while the events, and so every hash chain,
// stay exactly as stored.
//
// # Basics
//
// Store keeps the keys as files in one directory (DATA/keys), one per
// learner, created on first use from crypto/rand and written durably
// (temporary file, fsync, link into place, fsync of the directory), mode
// 0600. Destroy leaves a tombstone first, then overwrites the key with
// zeros, syncs and removes it: a destroyed key never silently comes back,
// and destroying twice is no error.
//
// Sealer is the command service's Seal hook (domain/service.Options.Seal)
// and the profile reader's Open. It encrypts a LearnerProfileUpdated's
// personal part with AES-256-GCM. The nonce is derived from the key, the
// event id and the plaintext, so sealing is deterministic: a retried command
// seals to the bytes already stored and is recognised as a retry. The
// learner's stream and the event id are the additional data, so a
// ciphertext moved to another event or learner does not open.
//
// Shredder is a read model that destroys the key of every learner whose
// erasure event it is fed. Fed the whole log at every start, it closes the
// window between appending an erasure and destroying the key.
//
// # Caveats
//
// The package does not reach into the event log, and the domain never sees
// a key. What overwriting a file can and cannot guarantee on journaling
// filesystems and SSDs is in docs/storage.md: treat a copy of the key
// directory (a backup, a snapshot) as holding every learner's personal data.
// Keys are read from disk on every use and never cached, so a destroyed key
// is gone from this process too.
package keystore
