package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/masteryledger/ledger/adapters/casefile"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

// runImportCase is `ledger import case --data DIR [--dry-run]
// [--retire-missing] FILE`: a CASE 1.1 CFPackage into the data directory's
// standards, with the service stopped. It prints the report as JSON.
func runImportCase(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import case", flag.ContinueOnError)
	data := fs.String("data", envDefault(getenv, "LEDGER_DATA", "./data"), "data directory (LEDGER_DATA); the service must be stopped")
	dryRun := fs.Bool("dry-run", false, "report what would be published, revised, unchanged and missing; write nothing")
	retire := fs.Bool("retire-missing", false, "retire the standards imported earlier from this CASE document that the package no longer holds")
	files, err := parseArgs(fs, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if len(files) != 1 {
		return fmt.Errorf("import case: want one CFPackage FILE: %w", errUsage)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		return fmt.Errorf("import case: %w", err)
	}
	// Parsed before the store is opened: a bad file is refused without
	// touching the data directory.
	parser, err := casefile.NewParser()
	if err != nil {
		return fmt.Errorf("import case: %w", err)
	}
	pkg, err := parser.Parse(raw)
	if err != nil {
		return fmt.Errorf("import case %s: %w", files[0], err)
	}
	store, err := openForImport(ctx, *data, "POST /v1/imports/case")
	if err != nil {
		return fmt.Errorf("import case: %w", err)
	}
	rep, err := casefile.Import(ctx, service.New(store, nil), store, pkg, casefile.Options{
		// An admin, named for the tool: no token names a person here.
		Actor:  domain.Actor{Role: domain.RoleAdmin, Name: "ledger import case"},
		DryRun: *dryRun, RetireMissing: *retire,
	})
	if cerr := store.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		// What was recorded before the error stays recorded; running the
		// import again adds the rest.
		printReport(stdout, rep)
		return fmt.Errorf("import case %s: %w (run the import again to finish it: it appends only what is missing)", files[0], err)
	}
	printReport(stdout, rep)
	return nil
}

func printReport(w io.Writer, rep any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(rep) // a report is strings and numbers: it always encodes
}
