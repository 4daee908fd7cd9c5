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
package domain
