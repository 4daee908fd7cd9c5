package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	data := fs.String("data", envDefault(getenv, "LEDGER_DATA", "./data"), "data directory (LEDGER_DATA)")
	out := fs.String("out", envDefault(getenv, "LEDGER_OUT", ""), "write to this file instead of standard output (LEDGER_OUT)")
	pseudoDefault, err := strconv.ParseBool(envDefault(getenv, "LEDGER_PSEUDONYMISE", "false"))
	if err != nil {
		return fmt.Errorf("export: LEDGER_PSEUDONYMISE: want true or false: %w", errUsage)
	}
	pseudo := fs.Bool("pseudonymise", pseudoDefault, "the research copy: learner ids replaced by keyed pseudonyms; free text (unless the school shares it), salts and personal events left out (LEDGER_PSEUDONYMISE)")
	sc := storeFlags(fs, getenv)
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := sc.check(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	store, err := openEvents(ctx, *data, *sc, "GET /v1/events?after=POSITION (NDJSON)")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer store.Close()
	var p *researchCopy
	if *pseudo {
		key, err := research.LoadPseudonymizer(*data)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		// The whole log first: the copy of an early event must know every
		// learner id and each school's latest setting.
		p = &researchCopy{view: research.NewView(key)}
		if p.folded, err = projections.Rebuild(ctx, store, p.view); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}

	if *out == "" {
		bw := bufio.NewWriter(stdout)
		n, left, err := exportEvents(ctx, store, bw, p)
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintln(stderr, exportReport(n, left, "standard output"))
		return nil
	}
	// A file appears whole or not at all, readable by its owner only: an
	// export that is not pseudonymised holds personal data.
	f, err := os.CreateTemp(filepath.Dir(*out), ".export-*.ndjson")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(f.Name())
	bw := bufio.NewWriter(f)
	n, left, err := exportEvents(ctx, store, bw, p)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o600)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), *out)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintln(stdout, exportReport(n, left, *out))
	return nil
}

func exportReport(n, left int, to string) string {
	s := fmt.Sprintf("ledger: exported %d events to %s", n, to)
	if left > 0 {
		s += fmt.Sprintf(" (%d personal events left out)", left)
	}
	return s
}

// researchCopy is the research view of an export and the last position it
// has folded.
type researchCopy struct {
	view   *research.View
	folded uint64
}

// exportEvents writes every event in global order, one envelope a line, as
// GET /v1/events does: data byte for byte as stored (no HTML escaping), so
// that every hash can be recomputed from the line (docs/hash-chain.md). With
// a research view it writes the research copy instead.
func exportEvents(ctx context.Context, store interface {
	ReadAll(ctx context.Context, after uint64, limit int) ([]domain.RecordedEvent, error)
}, w io.Writer, p *researchCopy) (written, left int, err error) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var after uint64
	for {
		page, err := store.ReadAll(ctx, after, 10_000)
		if err != nil {
			return written, left, err
		}
		if len(page) == 0 {
			return written, left, nil
		}
		for _, e := range page {
			var line any = e
			if p != nil {
				// An event stored since the fold (another process on
				// EventStoreDB) is folded before it is copied; one
				// folded already is not folded again, or an older
				// setting would apply for a while.
				if e.Position > p.folded {
					if err := p.view.Apply(e); err != nil {
						return written, left, err
					}
					p.folded = e.Position
				}
				c, keep, err := p.view.Copy(e)
				if err != nil {
					return written, left, err
				} else if !keep {
					left++
					continue
				}
				line = c
			}
			if err := enc.Encode(line); err != nil {
				return written, left, err
			}
			written++
		}
		after = page[len(page)-1].Position
	}
}
