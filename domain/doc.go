// Package domain holds the mastery ledger's model: the event envelope and its
// hash chain, the EventStore port that every store implements, the events of
// the catalog, and the pure decisions that turn a command into new events.
//
// # Rules
//
// The package does no I/O, reads no clock and makes no ids: time and ids are
// passed in, so every decision is a pure function of (state, command, now) and
// can be replayed exactly. Adapters (stores, HTTP, metrics) live in adapters/
// and depend on this package, never the other way round.
//
// # Writing
//
// A write is: fold the streams the command needs (StandardState,
// SchoolState, LearnerState, each with Apply), call the command's Decide with
// them and the ledger's clock, pack the event with NewEventData, and append it
// to the subject's stream with the state's Expected revision. Decide validates
// first, so a malformed command answers the same whatever the state; Validate
// alone lets an adapter refuse one before reading any stream.
//
// # Errors
//
// A decision fails with one of four kinds, each mapped to one HTTP status:
// *ValidationError (ErrInvalid, 400) for a malformed field; an error wrapping
// ErrNotFound (404) when the subject of the command — the learner, school or
// standard whose stream it writes, or the evidence, goal or plan it acts on —
// does not exist; *RuleError (ErrRuleBroken, 422) when it would break an
// invariant, including an id in the body that does not resolve; and, from the
// store, ErrConflict (409). A *FoldError means a stored stream cannot be
// folded: an internal error, never the client's.
//
// # Reading
//
// Folds rebuild from any prefix of a stream, which is how "as of" views are
// made: fold the learner's and the standard's events recorded up to the
// moment, then ask LearnerState.Mastery.
package domain
