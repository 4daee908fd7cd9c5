// Package efficacy is the collective-efficacy read model: per school and
// cohort, over time, the measured outcomes of the Learner Improvement Cycle
// (proficiency rate, growth per period, persistence, time to mastery, goals
// met, the wins feed, proficiency across survey rounds over one population)
// beside the perceived efficacy that survey rounds record, and learner
// agency: the share of their own cycle the learners record themselves.
// The measured figures are outcomes, proxies of efficacy; the report's
// Labels say which member is which.
//
// Learner-centered collective efficacy is "the shared perception that the
// effort expended by the learners and staff of a school will result in
// increased proficiency". The survey rounds measure the perception; the
// ledger's events measure whether effort did turn into proficiency, and the
// report sets the two side by side. Every figure is defined in
// docs/metrics.md, which names the test that checks each number.
//
// # Pure
//
// A Projection folds the store's global order, one event at a time
// (projections.Model). It does no I/O and reads no clock: "when" comes only
// from the events' occurredAt (when it happened in the classroom) and from
// the query's window. Reports are deterministic: the same events give the
// same report, bit for bit, whatever the map iteration order.
//
// # What it keeps
//
// Per learner: school, cohort, enrolment and withdrawal times, goals (their
// standards and evaluations), the steps of the cycle with who recorded
// them (the actor's role: learner, staff or tool), and per standard a
// handful of facts (first
// activity, first evidence, the open agreement, the first not-yet attempt,
// whether a linked plan adjustment followed it, and the claim once met). No
// personal data: profile updates are read for their type only, and learners
// appear by their pseudonymous ids.
//
// # Strict
//
// Apply refuses (returns an error, changing nothing) an event it cannot
// decode, a type outside the catalog, an event in a stream of the wrong kind,
// a position that does not advance, and a learner's stream that contradicts
// itself where the figures depend on it: an event before the enrolment, an
// attempt that does not consume the open agreement, a plan adjustment or an
// evaluation of an unknown goal. References across streams (a standard or a
// school not seen yet) are not refused: the events are the truth, and such a
// standard is shown without code and title, such a school is reported only
// once registered.
package efficacy
