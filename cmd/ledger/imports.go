package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/masteryledger/ledger/adapters/sqlite"
)

const importUsage = `usage: ledger import <kind> [flags] FILE

kinds:
  case       a CASE 1.1 CFPackage (JSON): competency frameworks become standards
  oneroster  schools and learners from a OneRoster 1.1 or 1.2 bulk CSV set (a zip or a directory)

Run 'ledger import <kind> -h' for a kind's flags. An import writes to the data
directory, so the service must be stopped; POST /v1/imports/<kind> imports
through a running one.
`

// runImport is `ledger import <kind>`: it hands each kind of import to its
// own command, each in its own import_<kind>.go.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, importUsage)
		return fmt.Errorf("import: no kind given: %w", errUsage)
	}
	switch args[0] {
	case "case":
		return runImportCase(ctx, args[1:], getenv, stdout, stderr)
	case "oneroster":
		return runImportOneRoster(ctx, args[1:], getenv, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, importUsage)
		return nil
	default:
		fmt.Fprint(stderr, importUsage)
		return fmt.Errorf("import: unknown kind %q: %w", args[0], errUsage)
	}
}

// openForImport opens the embedded store of data for writing, creating it
// if need be. A running service holds the directory's lock; the error then
// says to stop it, or to import through it over HTTP.
func openForImport(ctx context.Context, data, overHTTP string) (*sqlite.Store, error) {
	store, err := sqlite.Open(ctx, data, nil)
	if errors.Is(err, sqlite.ErrLocked) {
		return nil, fmt.Errorf("%w: an import writes to the data directory, so stop the server first, or import through it: %s", err, overHTTP)
	}
	return store, err
}
