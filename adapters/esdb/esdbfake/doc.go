// Package esdbfake is a FAKE EventStoreDB node, for tests only. It is not a
// database and must never hold real data.
//
// It serves, from memory, the part of EventStoreDB's gRPC protocol that the
// ledger's EventStoreDB adapter uses, on a real loopback port, so that the
// adapter runs through the official client (github.com/EventStore/
// EventStore-Client-Go/v4) end to end on every test run, where no
// EventStoreDB server can run. It is built on the client module's own
// generated server interfaces (protos/streams, protos/serverfeatures).
//
// # What it models
//
// The behaviour the adapter depends on, as the server documents and
// implements it:
//
//   - One transaction log whose positions are byte offsets: sparse, strictly
//     increasing, the same number as commit and prepare position for every
//     event (events written through gRPC commit themselves). A fresh fake
//     starts with a few system records and events, like a fresh node.
//   - Appends with the four expected-revision kinds and the server's
//     idempotency rules: a re-append of the same event ids where they are
//     stored answers success without writing; a mismatch answers
//     WrongExpectedVersion with the expected and the current revision in the
//     fields the client reads (both the current and the 20.6.0 fields). The
//     maximum append size (1 MiB by default, as on the server) and the
//     required "type" and "content-type" metadata are enforced.
//   - Stream reads forwards and backwards, answering StreamNotFound for a
//     stream that does not exist; every event carries the "created" metadata
//     (.NET ticks since the Unix epoch) that the client requires.
//   - $all reads in position order, inclusive of the start position, refusing
//     a position that is not the start of a record with InvalidArgument
//     ("Trying to read from an invalid position."), and answering nothing
//     past the end.
//   - Catch-up subscriptions to $all with the server-side stream or event
//     type filter: a confirmation first, then history, then caught-up, then
//     live events, with checkpoints on filtered subscriptions. A start
//     position is exclusive the way the server makes it so: the first event
//     at or after it is skipped.
//   - ServerFeatures.GetSupportedMethods, or Unimplemented as on servers
//     before 21.10.
//   - Since 25.0, the per-event append limit (Options.MaxAppendEventSize)
//     beside the total one, with the server's message.
//   - A leader and followers (cluster.go): a follower holds a copy of the
//     leader's log as far as it has caught up (SetLagging, CatchUp), serves
//     reads from it, forwards appends, and answers a request with the
//     "requires-leader" header "not-leader" with the leader's address, as
//     the server does; HandOver changes the leader.
//
// # What it does not model
//
// Security and credentials, TLS, gossip (a single-host connection string
// never asks for it), quorum writes and the truncation of an old leader's
// unreplicated records, persistent subscriptions,
// projections, stream deletion and metadata, explicit transactions, link
// events, scavenging, stream subscriptions, batch appends, and durability.
// The server's event-id cache for idempotent appends with "any" or "stream
// exists" is bounded; the fake's is not, so it answers idempotently where a
// busy server might already have forgotten.
package esdbfake
