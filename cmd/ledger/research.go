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
	"strings"
	"time"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

const researchUsage = `usage: ledger research <command> [flags]

Offline research over an export (ledger export, with or without --pseudonymise) or a
stopped data directory; never needs the service.

commands:
  policies  every mastery policy over every learner × standard, beside the official rule:
            one row per learner, standard and policy, and an agreement table per policy
  datashop  the evidence as PSLC DataShop tab-delimited transactions
  fit-bkt   fit knowledge tracing's parameters per standard or component by EM

Run 'ledger research <command> -h' for a command's flags.
`

// errNoSource is a research command given neither --in nor --data, or both.
var errNoSource = errors.New("want exactly one of --in FILE (an export) or --data DIR (a stopped data directory)")

func runResearch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, researchUsage)
		return fmt.Errorf("research: no command given: %w", errUsage)
	}
	switch args[0] {
	case "policies":
		return runResearchPolicies(ctx, args[1:], getenv, stdout, stderr)
	case "datashop":
		return runResearchDatashop(ctx, args[1:], getenv, stdout, stderr)
	case "fit-bkt":
		return runResearchFitBKT(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, researchUsage)
		return nil
	default:
		fmt.Fprint(stderr, researchUsage)
		return fmt.Errorf("research: unknown command %q: %w", args[0], errUsage)
	}
}

// researchSource is where a research command reads the events: an export
// file or a data directory, as known at some recordedAt.
type researchSource struct {
	in, data, asOf string
}

func sourceFlags(fs *flag.FlagSet, getenv func(string) string) *researchSource {
	s := &researchSource{}
	fs.StringVar(&s.in, "in", "", "an export file (NDJSON from ledger export, pseudonymised or not)")
	fs.StringVar(&s.data, "data", getenv("LEDGER_DATA"), "a data directory, read-only, with the service stopped (LEDGER_DATA)")
	fs.StringVar(&s.asOf, "as-known-at", "", "only events recorded at or before this RFC 3339 time: what the ledger knew then")
	return s
}

// researchData is the events folded into the read model, with every
// learner in the order enrolled.
type researchData struct {
	view     *projections.View
	learners []string
	events   int
}

// noStreams answers the read model's requests for a stream's past: an
// offline research run folds the whole log once and never asks.
type noStreams struct{}

func (noStreams) ReadStream(context.Context, string, uint64, int) ([]domain.RecordedEvent, error) {
	return nil, fmt.Errorf("research: no past streams offline: %w", domain.ErrInvalid)
}

// eachEvent calls fn with every event of the source in global order.
func (s researchSource) eachEvent(ctx context.Context, fn func(domain.RecordedEvent) error) error {
	if (s.in == "") == (s.data == "") {
		return fmt.Errorf("%w: %w", errNoSource, errUsage)
	}
	var asOf *time.Time
	if s.asOf != "" {
		t, err := time.Parse(time.RFC3339Nano, s.asOf)
		if err != nil {
			return fmt.Errorf("--as-known-at %q: want an RFC 3339 time: %w", s.asOf, errUsage)
		}
		asOf = &t
	}
	keep := func(e domain.RecordedEvent) error {
		if asOf != nil && e.RecordedAt.After(*asOf) {
			return nil
		}
		return fn(e)
	}
	if s.in != "" {
		f, err := os.Open(s.in)
		if err != nil {
			return err
		}
		defer f.Close()
		// The research copy leaves personal events out (a profile update),
		// so a learner's stream in a pseudonymised export has gaps in its
		// revisions, which the read model's fold refuses. The events keep
		// their order; only the revision is renumbered, per stream, which
		// changes nothing for an export without gaps.
		next := map[string]uint64{}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		line := 0
		for sc.Scan() {
			line++
			if len(sc.Bytes()) == 0 {
				continue
			}
			var e domain.RecordedEvent
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				return fmt.Errorf("%s line %d: not an exported event: %w", s.in, line, domain.ErrInvalid)
			}
			// A credential is neither evidence nor a decision, and its
			// research copy has no id (the id is derived from the learner's),
			// so the fold could not tell two apart: policies do not need it.
			if e.Type == domain.TypeCredentialIssued || e.Type == domain.TypeCredentialRevoked {
				continue
			}
			e.Revision = next[e.Stream]
			next[e.Stream]++
			if line%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if err := keep(e); err != nil {
				return err
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("%s: %w", s.in, err)
		}
		return nil
	}
	store, err := openData(ctx, s.data, "GET /v1/research/policies (researchers) or GET /v1/events")
	if err != nil {
		return err
	}
	defer store.Close()
	var after uint64
	for {
		page, err := store.ReadAll(ctx, after, 10_000)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, e := range page {
			if err := keep(e); err != nil {
				return err
			}
		}
		after = page[len(page)-1].Position
	}
}

// load folds the source into the read model.
func (s researchSource) load(ctx context.Context, progress *progressLine) (*researchData, error) {
	d := &researchData{view: projections.NewView(noStreams{})}
	// A set beside the list: looking each enrolment up in the list made
	// the load quadratic in the number of learners.
	seen := map[string]bool{}
	err := s.eachEvent(ctx, func(e domain.RecordedEvent) error {
		if err := d.view.Apply(e); err != nil {
			return err
		}
		if e.Type == domain.TypeLearnerEnrolled {
			if _, id, ok := domain.ParseStream(e.Stream); ok && !seen[id] {
				seen[id] = true
				d.learners = append(d.learners, id)
			}
		}
		d.events++
		progress.every(d.events, 100_000, "read %d events", d.events)
		return nil
	})
	progress.done()
	return d, err
}

// progressLine shows how far a long run is, on a terminal only: in a pipe
// or a file the output stays what the command promises.
type progressLine struct {
	w  io.Writer // nil: not a terminal
	on bool
}

func newProgress(stderr io.Writer) *progressLine {
	f, ok := stderr.(*os.File)
	if !ok {
		return &progressLine{}
	}
	// A character device is a terminal (or /dev/null, where it is harmless);
	// the standard library says so without a dependency.
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return &progressLine{}
	}
	return &progressLine{w: stderr}
}

func (p *progressLine) every(n, step int, format string, args ...any) {
	if p == nil || p.w == nil || n%step != 0 {
		return
	}
	fmt.Fprintf(p.w, "\r"+format, args...)
	p.on = true
}

func (p *progressLine) done() {
	if p != nil && p.on {
		fmt.Fprintln(p.w)
		p.on = false
	}
}

// isTerminal reports whether w is a terminal, for the default format.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// parseSources is the usual tail of a research command's flags: parse,
// and answer -h with nil.
func parseResearchFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (help bool, err error) {
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, err
	}
	return false, nil
}

// csvJoin joins ids for one CSV cell.
func csvJoin(ids []string) string { return strings.Join(ids, " ") }
