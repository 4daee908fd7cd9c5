// Package xapi is the ledger's xAPI 2.0 statement resource (IEEE
// 9274.1.1): /xapi/statements and /xapi/about, served by adapters/httpapi
// on the API's port. A learning tool, authenticated by a tokens-file entry
// of role "tool", writes and reads the statements of its school only.
//
// # Statements are events
//
// Every accepted statement is recorded as a domain.StatementRecorded whose
// event id is the statement id, in the stream of the learner its actor is
// linked to (an admin's XAPIAgentLinked of the school), or in the school's
// stream otherwise; a voiding statement goes to the stream of the
// statement it voids. Nothing is ever changed or deleted: a voided
// statement stays in its stream and is answered only by voidedStatementId.
//
// # Evidence
//
// A statement about a linked learner whose object id, or one of its
// context's category activities, is the CASE URI of a component, or an
// activity an admin aligned to a component (XAPIActivityAligned), gives
// domain.EvidenceRecorded of source technology that cites it, with a level
// from result.score.scaled through the alignment's cut scores (or
// domain.DefaultCutScores) or from result.success. Its id is derived from
// the statement and the component, so deriving it again writes nothing:
// that is how a late alignment or link (Realign) turns stored statements
// into evidence, reproducibly. Voiding a statement retracts its evidence.
//
// # Documents
//
// The state, activity profile and agent profile resources (documents.go)
// keep a tool's documents: each write a domain.XAPIDocumentPut with the
// whole content, each DELETE a domain.XAPIDocumentDeleted tombstone, in the
// linked learner's stream or the school's, folded by the Index into the
// current documents (documents_index.go). ETags are the content's SHA-256;
// If-Match, If-None-Match and the 409 of a PUT without either are checked
// under one lock with the write they allow.
//
// # Caveats
//
// A statement and its evidence are one append, and so are a batch's
// consecutive statements for one stream; a batch over several streams is
// several appends, after the whole batch has been checked. The retraction
// of a voided statement's evidence follows the voiding statement in a
// second append; Realign finishes it after a crash in between. Signed statements are stored, not verified. The package holds no state besides its Index, rebuilt from the
// log at start.
package xapi
