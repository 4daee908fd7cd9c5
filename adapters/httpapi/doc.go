// Package httpapi is the ledger's HTTP adapter: it maps requests onto the
// domain's command service and projections, and domain errors onto RFC 9457
// problem responses. It holds no state of its own.
package httpapi
