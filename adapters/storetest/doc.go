// Package storetest is the conformance suite of the domain.EventStore port.
// Every store adapter runs it from its own tests with a factory that opens a
// fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) domain.EventStore {
//			s, err := sqlite.Open(t.Context(), t.TempDir(), nil)
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// # What it proves
//
// A store that passes keeps the promises the port documents, observed only
// through the port:
//
//   - The optimistic-concurrency guard: each expected revision (Any,
//     NoStream, StreamExists, Revision) accepts and refuses exactly where it
//     should, a refusal carries the stream's actual revision, and a refused
//     append writes nothing.
//   - The envelope: revisions from 0, global positions from 1 that only grow,
//     recordedAt set by the store, occurredAt defaulted or kept in UTC,
//     payloads stored as compact JSON, the actor kept, and each stream's hash
//     chain (prevHash, hash) recomputing with domain.EventHash.
//   - Salts: the store draws a salt for every event it records (hash
//     encoding v2), no two events share one, the hash cannot be recomputed
//     without it, and every read and a retried append give back the salt
//     first recorded.
//   - Idempotency by event id: a retry with the same ids and content writes
//     nothing and returns the events as first recorded; an id reused for other
//     content or in another stream is a *domain.EventIDConflictError.
//   - Validation before any write: empty batches, nil ids, bad types and
//     payloads that are not JSON objects are domain.ErrInvalid, and the size
//     limit (domain.MaxEventDataSize of compact JSON) is exact to the byte.
//   - Reads: ReadStream and ReadAll page correctly, ReadAll is in strictly
//     increasing position order (and dense, 1..N, when the store promises
//     it), and a reader tailing ReadAll never skips an event.
//   - Subscriptions: history then live events, every event exactly once in
//     position order across the switch, from any starting position; a
//     cancelled context or a handler error ends the subscription with that
//     error.
//   - Contexts: an operation under a cancelled or expired context fails with
//     its error, and a pre-cancelled append writes nothing.
//   - Concurrency: racing writers on one stream never lose or double an
//     event (exactly one wins each revision), writers on separate streams
//     all succeed, batches stay atomic and contiguous, and the whole store
//     verifies with domain.ChainVerifier.
//
// # Caveats
//
// The suite needs no clock of the store's: it checks that recordedAt is set
// and canonical, not what it says. It uses no sleeps; live tests coordinate
// with channels and give up after a generous timeout so that a broken store
// fails instead of hanging.
package storetest
