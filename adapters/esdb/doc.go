// Package esdb is the EventStoreDB (KurrentDB) adapter of the
// domain.EventStore port, through the official gRPC client
// (github.com/EventStore/EventStore-Client-Go/v4).
//
// # Basics
//
// Open takes a connection string ("esdb://host:2113?tls=false", or several
// hosts or esdb+discover:// for a cluster). Streams keep their names (with
// an optional namespace in front); each event keeps its id, type and JSON
// data, and the envelope fields EventStoreDB does not hold (occurredAt,
// recordedAt, actor, prevHash, hash) travel in the event's metadata as JSON.
// docs/esdb.md describes the format, the mapping of positions, idempotency
// and the mapping of errors.
//
// An append reads the stream's last event, chains the hashes from it and
// appends with exactly that revision as the expected revision, so a racing
// writer fails on the server instead of forking the chain. EventStoreDB
// keeps event ids unique only per stream, and only on a best-effort basis
// with "any"; the port wants them unique in the whole store, so each event
// id is claimed in a small stream of its own before it is appended. A claim
// whose append never stored the id is taken over once it is
// Options.ClaimTimeout old; until then the id is refused elsewhere with a
// *ClaimBusyError, which says when to retry.
//
// Global positions are EventStoreDB's commit positions plus one: strictly
// increasing, unique, not dense.
//
// # Caveats
//
// The client does not watch contexts while it looks for a node, and after
// ten failed attempts it refuses every call for good. The store runs each
// call on a goroutine of its own, so callers get their context's error in
// time, and replaces a client that gave up. Close leaves the connection open
// rather than close it under a call still stuck in the client.
//
// The store needs EventStoreDB 22.10 or later (positions on stream reads)
// and a max append size above 1 MiB plus the metadata, for the port's
// largest events.
//
// Tests run against esdbfake, an in-memory FAKE of the server, and against
// a real server when LEDGER_TEST_EVENTSTOREDB_URL is set.
package esdb
