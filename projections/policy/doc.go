// Package policy computes alternative mastery policies over a learner's
// evidence, so that researchers can set them beside the official rule and
// compare the ledger with gradebooks that summarise rubric scores (latest,
// highest, mean, Canvas's weighted and decaying averages, n times at
// proficient, the power law of standards-based gradebooks, and Bayesian
// Knowledge Tracing).
//
// # Pure
//
// Every function here is pure: no I/O, no clock, no global state that
// changes after initialisation, and no randomness but what the caller
// seeds (FitBKT's starting points, SimulateBKT's generator), so a fit is
// reproducible from its seed. A result depends only on the
// policy (id, version, parameters), the scale and the scores passed in, so
// the same inputs give the same Result, bit for bit, every time, and any
// number of goroutines may evaluate at once. The caller chooses the evidence:
// typically the current (not retracted) EvidenceRecorded scores of one learner
// for one standard or one component, as of some recordedAt.
//
// The official rule (a summative attempt at or above proficient, taken after
// learner and teacher agreed the learner was ready) is not computed here: it is
// a fact recorded in the ledger, not a calculation over evidence. The policies
// here are research views; none of them writes or changes a claim.
//
// # Order
//
// Evaluate sorts the scores by OccurredAt (when the learner showed the
// evidence, not when it was recorded), with a stable sort: scores that
// occurred at the same instant keep the order in which the caller passed
// them. Callers should pass them in stream order so that ties break the way
// the ledger recorded them. The caller's slice is never modified.
//
// # Why a result names everything it used
//
// A Result carries the policy id, its version, every parameter value
// (defaults included), the scale, and the ids of the evidence it used, in the
// order used, plus one sentence that explains the number. A gradebook that
// silently recalculates a learner's history when someone changes a
// calculation method or a weight is one of teachers' most frequent
// complaints: last month's "mastered" becomes this month's "not yet" and
// nobody can say why. Here a changed formula gets a new version string, and a
// result can always be traced back to, and recomputed from, exactly the
// evidence and parameters it names.
//
// # Numbers
//
// Arithmetic is IEEE-754 double precision, in the order documented on each
// policy; products are rounded explicitly, so no platform fuses a
// multiply-add and changes the last bit. Each value is then rounded to 12
// decimal places, so that representation noise (3.6500000000000004, or
// exp(ln 3) landing just under 3) never flips a decision at the proficient
// boundary and never shows up in an export. The power-law policy uses the
// standard library's logarithm and exponential; the rounding also absorbs the
// last-bit differences those may have between architectures.
package policy
