// Package credential turns a met standard into an Open Badges 3.0
// AchievementCredential (W3C Verifiable Credentials 2.0 data model), signed
// as an OB 3.0 VC-JWT, and verifies such credentials offline.
//
// # What is signed
//
// The JWS payload is the credential itself, with the JWT claims OB 3.0 asks
// for beside it (iss, jti, nbf, sub). It names the school, the learner, the
// standard at the revision met with its rubric, the level reached in the
// summative attempt that met it, and, as evidence, every event the claim
// rests on. Its ledgerProof extension carries, for each of those events, the
// event's hash, its leaf index in the ledger's transparency log and an
// inclusion proof against a signed checkpoint of the log, which it carries
// too. The same Ed25519 key signs the checkpoints and the credentials.
//
// So a verifier holding only the ledger's note verifier key checks, with no
// server and no data directory, that the credential is the ledger's, that
// the checkpoint is the ledger's, and that every event behind the claim was
// in the log when the checkpoint was signed. An auditor holding the events
// recomputes their hashes to see that the events themselves are the ones
// logged.
//
// # Why did:key
//
// The issuer is a did:key derived from the public key: self-certifying, so
// a verifier resolves it from the identifier alone, offline, without
// fetching a web document that could be changed or go away. The public key
// also travels in the JOSE header (jwk); Verify checks that both are the
// key it was given. A school that wants a did:web can publish the same key
// in its DID document.
//
// # Caveats
//
// Verify checks what the ledger signed; it reads no clock, so it does not
// compare nbf with the current time, and it knows no revocation list.
// Proofs are inclusion proofs only: checking that a checkpoint is consistent
// with a later one is the log's business.
package credential
