// Package web serves the ledger's pages: server-rendered HTML on the same
// port as the JSON API, reading the same projections and obeying the same
// rules (adapters/access), so that a page is never a way around a 403.
//
// # Layout
//
// Templates and the one style sheet are embedded. templates/layout.html is
// the page around every page; templates/pages holds one template per page,
// each parsed with the layout once, in New. routes.go holds the table of
// pages: a path, the access rule it is read under, its template and its
// handler. Adding a page is one template, one handler and one line there.
// The one answer that is not a page, a learner's OB 3.0 credentials as a
// file (transcript.go), is routed in New beside the sign-in, under the
// same rule as the transcript page.
//
// # Caveats
//
// A page renders into a buffer first, so a template that fails answers a
// 500 page with a log line, never half a page. Pages carry no inline script
// and no inline style: the Content-Security-Policy (headers.go) allows
// 'self' only. The one script, static/verify.js, is loaded by src on the
// trail page and /verify and checks records in the browser; every page
// works without it but that check. Sessions live in memory: a restart signs
// everyone out.
package web
