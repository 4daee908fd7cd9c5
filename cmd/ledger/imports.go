package main

import (
	"context"
	"fmt"
	"io"
)

const importUsage = `usage: ledger import <format> [flags] FILE

formats:
  oneroster  schools and learners from a OneRoster 1.1 or 1.2 bulk CSV set (a zip or a directory)

Run 'ledger import <format> -h' for a format's flags.
`

// runImport is `ledger import <format>`: it hands the rest of the command
// line to the format's importer.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, importUsage)
		return fmt.Errorf("import: no format given: %w", errUsage)
	}
	switch args[0] {
	case "oneroster":
		return runImportOneRoster(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, importUsage)
		return nil
	default:
		fmt.Fprint(stderr, importUsage)
		return fmt.Errorf("import: unknown format %q: %w", args[0], errUsage)
	}
}
