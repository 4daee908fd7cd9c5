// Package projections holds the ledger's read models. Each is rebuilt from
// the events alone: an Engine feeds the store's global order to a model
// through a catch-up subscription and keeps the position it has reached (its
// checkpoint), so rebuilding from position 0 gives exactly what following
// the live feed gave.
//
// Read models do no I/O of their own: they fold what they are handed. Time
// enters only as event fields (occurredAt, recordedAt) or as query
// parameters.
package projections
