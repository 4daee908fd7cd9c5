// Package service is the ledger's application layer: for each command it
// loads the streams the decision needs through the domain.EventStore port,
// folds them, asks the pure decision, and appends the event it returns,
// guarded by the revision it read.
//
// # Concurrency
//
// Without a client's expected revision (HTTP If-Match), a command that loses
// a race for its stream is decided again on the newer state, a bounded number
// of times: two valid concurrent commands on one learner both succeed, and a
// command that the other made invalid is refused by its decision (two
// summative attempts racing for one agreement: exactly one is recorded).
// Contention alone never surfaces as a conflict. Commands on one stream
// within this process also queue on a per-stream lock, so they rarely race at
// all; the retries are what keep several processes on one EventStoreDB safe.
// A client's explicit expected revision is never retried: it is a question
// ("is the stream still at n?") that only the client can re-ask.
//
// # Idempotency
//
// A command whose event id is already in its stream is answered with the
// stored event if deciding the same command on the state just before that
// event gives the same event, and refused as a conflict otherwise: the same
// id with the same body is the same command, however much the learner's
// record has moved on since.
//
// # Personal data
//
// Options.Seal rewrites each event between the decision and the append, so
// that personal data reaches the store encrypted. The service knows nothing
// of keys: sealing, opening and destroying keys are an adapter's.
//
// The package reaches storage only through the port and time only through an
// injected clock; it imports no adapter.
package service
