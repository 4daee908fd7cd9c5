// Package research is the one door through which every answer a researcher
// can read passes: the feed (GET /v1/events with a researcher's token), the
// research export (ledger export --pseudonymise) and the school aggregates
// (GET /v1/schools/{schoolId}/efficacy), and whatever researchers are given
// next. The privacy rules live here, so they are read, tested and changed in
// one place; docs/research.md states them for researchers and admins.
//
// # The rules
//
//   - A learner id is replaced by its pseudonym wherever it appears: the
//     stream name, a learner's actor name, every learnerId member at any
//     depth, a field that names someone (an assessor typed as a learner id)
//     and any whole token of any string that is a known learner id (or
//     learner-<id>). The pseudonym is HMAC-SHA256 under a key kept in the
//     data directory (KeyFile), the same for the feed, the export and the
//     aggregates, so they join on it and on nothing else.
//   - The data of each event type is cut to an allowlist of fields that are
//     not free text: ids, levels, sources, dates, booleans, enumerations. A
//     field the allowlist does not name is left out, so a field added to an
//     event later is private until someone decides otherwise here. An event
//     type the allowlist does not know keeps its envelope and empty data.
//   - Free text (notes, feedback, goals, plans, reasons, reflections,
//     artifact addresses, an assessor that is not a learner id) is left out
//     unless an admin set the school's ResearchSharingSet with
//     includeFreeText; then it is shared with learner ids replaced as
//     above. A name typed into free text is not recognised: that is what
//     the setting's warning is for.
//   - Personal events (LearnerProfileUpdated) are left out.
//   - An event's salt is left out, so its hash cannot be recomputed from the
//     copy and a dictionary of learner ids cannot find which stream a
//     pseudonym stands for. An event without a salt (recorded before salts,
//     hash encoding v1) also loses its hash and prevHash: a v1 hash can be
//     recomputed from the rest of the copy.
//
// # Caveats
//
// The public transparency log still answers the hash of any event by its
// id, and the copy keeps event ids. For v2 events that is harmless (the
// salt is secret); the hash of a v1 event, recorded before salts, can still
// be tried against a dictionary of ids. History recorded before salts stays
// linkable that way: a residual risk that only re-recording could remove.
//
// A View knows what it has applied of the global order (which learner is at
// which school, each school's setting, every learner id). The feed waits for
// the read models to reach the last event of a page before it copies the
// page, and the export folds the whole log before it writes, so a copy never
// meets a learner id the View has not seen.
//
// The package does no I/O beyond reading or creating the key file.
package research
