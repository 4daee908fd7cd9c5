// Package credential turns a met standard into an Open Badges 3.0
// AchievementCredential (W3C Verifiable Credentials 2.0 data model), signed
// as an OB 3.0 VC-JWT (ES256 by default, RS256 as an option), verifies such
// credentials offline, and signs and reads the ledger's revocation list (a
// W3C Bitstring Status List).
//
// # What is signed
//
// The JWS payload is the credential itself, with the JWT claims iss, nbf
// and sub beside it (no jti: it is no term of the VC 2.0 context). It names
// the school, the learner by a salted identity hash, the standard at the
// revision met with its rubric and its alignment, the level reached in the
// summative attempt that met it, and, as evidence, every event the claim
// rests on. Its ledgerProof extension carries a note of the log's Ed25519
// key vouching for the credential key, the signed checkpoint, and, for each
// event, its hash, its leaf index in the ledger's transparency log and an
// inclusion proof against that checkpoint.
//
// So a verifier holding only the log's note verifier key checks, with no
// server and no data directory, that the credential is the ledger's, that
// the checkpoint is the ledger's, and that every event behind the claim was
// in the log when the checkpoint was signed.
//
// # Why did:key
//
// The issuer is the did:key of the credential key: self-certifying, so a
// verifier resolves it from the identifier alone, offline, without fetching
// a web document that could be changed or go away. The public key also
// travels in the JOSE header (jwk), where 1EdTech's validator reads it.
//
// # Caveats
//
// Verify checks what the ledger signed; it reads no clock, so it does not
// compare nbf with the current time, and it fetches nothing: CheckStatus
// reads a revocation list the caller fetched. Proofs are inclusion proofs;
// consistency with a later checkpoint is the log's business (the caller
// checks it with translog.VerifyConsistency).
package credential
