// Package casefile imports CASE 1.1 competency frameworks (1EdTech's
// Competencies and Academic Standards Exchange) into the ledger's standards
// catalog.
//
// A CFPackage is parsed and checked against the official CASE 1.1
// CFPackage JSON schema, embedded in this package (schema/), then mapped
// to standards: each CFItem that is a standard becomes one, its child items
// its ordered components. Import compares the mapping with the standards
// the ledger holds and publishes, revises or (on request) retires through
// the command service, with event ids derived from the package, so that
// running an import again, or again after a crash half way, appends exactly
// what is missing. docs/imports.md gives the rules and worked examples.
//
// # Caveats
//
// The package does no I/O of its own beyond what its Ledger and
// EventReader do: reading the file or the request body is the caller's.
// A standard's scale is set when it is published and never revised (the
// ledger keeps a standard's scale for life), so a rubric changed in a
// newer package does not change an imported standard's scale.
package casefile
