package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

func runReplay(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	data := fs.String("data", envDefault(getenv, "LEDGER_DATA", "./data"), "data directory (LEDGER_DATA)")
	school := fs.String("school", "", "the school of --review")
	reviewID := fs.String("review", "", "replay this practice review of --school instead of a claim")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: ledger replay [--data DIR] LEARNER STANDARD\n"+
			"       ledger replay [--data DIR] --school SCHOOL --review REVIEW\n\n"+
			"Prints, event by event, the trail behind a learner's claim on a standard,\n"+
			"or the events of a school's practice review and the figures its conclusion recorded.\n\n")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *reviewID != "" || *school != "" {
		if len(pos) != 0 || *reviewID == "" || *school == "" {
			return fmt.Errorf("replay: want --school SCHOOL --review REVIEW and no argument: %w", errUsage)
		}
		return replayReview(ctx, *data, *school, *reviewID, stdout)
	}
	if len(pos) != 2 {
		return fmt.Errorf("replay: want LEARNER STANDARD, got %d arguments: %w", len(pos), errUsage)
	}
	learnerID, standardID := pos[0], pos[1]
	store, err := openData(ctx, *data, fmt.Sprintf("GET /v1/learners/%s/standards/%s/replay", learnerID, standardID))
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer store.Close()

	view := projections.NewView(store)
	if _, err := projections.Rebuild(ctx, store, view); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	r, err := view.Replay(ctx, learnerID, standardID)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	std, err := view.Standard(standardID)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	m, err := view.StandardMastery(ctx, learnerID, standardID, nil)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}

	fmt.Fprintf(stdout, "%s on %s: %s %s %q (revision %d)\n\n", learnerID, standardID, std.Framework, std.Code, std.Title, std.Revision)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "POS\tREV\tRECORDED\tOCCURRED\tTYPE\tACTOR\tSUMMARY\tHASH")
	for _, e := range r.Events {
		ev, err := domain.DecodeEvent(e)
		if err != nil {
			return fmt.Errorf("replay: event %s: %w", e.ID, err)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s %s\t%s\t%s\n", e.Position, e.Revision, tableTime(e.RecordedAt), tableTime(e.OccurredAt),
			e.Type, e.Actor.Role, e.Actor.Name, eventSummary(e, ev), e.Hash[:12])
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	attempts := fmt.Sprintf("%d summative attempts", len(m.Attempts))
	if len(m.Attempts) == 1 {
		attempts = "1 summative attempt"
	}
	status := string(r.Status)
	if r.Status == domain.StatusMet && m.MetAt != nil && m.RecordedAt != nil {
		status = fmt.Sprintf("met (revision %d) on %s, recorded %s", m.StandardRevision, tableTime(*m.MetAt), tableTime(*m.RecordedAt))
	}
	fmt.Fprintf(stdout, "\nstatus: %s; %s; %d events\n", status, attempts, len(r.Events))
	return nil
}

// openData opens the embedded store of an existing data directory for a tool
// that reads it. It opens it read-only and writes nothing, so the tools work
// on a copy or snapshot that cannot be written. A server that runs on the
// directory excludes them (it holds the directory's lock), so the error
// then says what to ask the server instead.
func openData(ctx context.Context, data, overHTTP string) (*sqlite.Store, error) {
	if _, err := os.Stat(filepath.Join(data, sqlite.FileName)); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s holds no ledger: run 'ledger demo --data %s' (or serve) first", data, shellQuote(data))
	}
	store, err := sqlite.OpenReadOnly(ctx, data, nil)
	if errors.Is(err, sqlite.ErrLocked) {
		return nil, fmt.Errorf("%w: stop the server, or ask it over HTTP: %s", err, overHTTP)
	}
	return store, err
}

// parseArgs parses flags wherever they stand among the positional arguments
// (`replay l-0001 math-6-rp-1 --data DIR` too) and returns the positional
// ones. After "--" everything is positional.
func parseArgs(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	fs.SetOutput(stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%s: %w: %w", fs.Name(), err, errUsage)
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// tableTime prints a time to the second: the table is for reading; the hash
// prefix and the export carry the exact values.
func tableTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func shortID(id uuid.UUID) string { return id.String()[:8] }

// clip shortens free text for a table cell.
func clip(s string) string {
	const width = 40
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:width-1])) + "…"
}

// eventSummary is one line about what an event of a replay says. Evidence,
// requests, agreements and attempts show the first 8 digits of their ids,
// so that a retraction, a request or an agreement can be traced to what it
// names.
func eventSummary(e domain.RecordedEvent, ev domain.Event) string {
	switch ev := ev.(type) {
	case domain.PreAssessmentRecorded:
		if len(ev.Demonstrated) == 0 {
			return "demonstrates no component yet"
		}
		return "demonstrates " + strings.Join(ev.Demonstrated, ", ")
	case domain.EvidenceRecorded:
		s := fmt.Sprintf("evidence %s: %s at %d from %s", shortID(e.ID), ev.ComponentID, ev.Level, ev.Source)
		if ev.Assessor != "" {
			s += " (" + clip(ev.Assessor) + ")"
		}
		return s
	case domain.EvidenceRetracted:
		return fmt.Sprintf("retracts %s (%s): %s", shortID(ev.EvidenceID), ev.ComponentID, clip(ev.Reason))
	case domain.FeedbackGiven:
		s := "causes: " + clip(ev.Causes)
		if n := len(ev.EvidenceIDs); n > 0 {
			s = fmt.Sprintf("on %d evidence; %s", n, s)
		}
		return s
	case domain.GoalSet:
		return fmt.Sprintf("goal %s by %s: %s", ev.GoalID, ev.TargetDate, clip(ev.Specific))
	case domain.PlanDrafted:
		return fmt.Sprintf("plan %s for goal %s", ev.PlanID, ev.GoalID)
	case domain.PlanAdjusted:
		return fmt.Sprintf("plan %s: %s", ev.PlanID, clip(ev.Change))
	case domain.GoalEvaluated:
		return fmt.Sprintf("goal %s: %s", ev.GoalID, ev.Result)
	case domain.GoalReviewed:
		return fmt.Sprintf("goal %s reviewed", ev.GoalID)
	case domain.ReadinessAgreed:
		parts := make([]string, 0, len(ev.Components))
		for _, c := range ev.Components {
			var by []string
			if c.PreAssessed {
				by = append(by, "pre-assessed")
			}
			for _, id := range c.EvidenceIDs {
				by = append(by, shortID(id))
			}
			parts = append(parts, c.ID+" "+strings.Join(by, " "))
		}
		s := fmt.Sprintf("agreement %s: %s", shortID(e.ID), strings.Join(parts, ", "))
		if ev.RequestID != uuid.Nil {
			s += "; answers request " + shortID(ev.RequestID)
		}
		return s
	case domain.ReadinessRequested:
		cited := make([]string, len(ev.EvidenceIDs))
		for i, id := range ev.EvidenceIDs {
			cited[i] = shortID(id)
		}
		return fmt.Sprintf("request %s: asks to be assessed, citing %s", shortID(e.ID), strings.Join(cited, " "))
	case domain.CredentialIssued:
		return fmt.Sprintf("credential %s issued (%s) for attempt %s, proofs to checkpoint %d", shortID(ev.CredentialID), ev.Alg, shortID(ev.AttemptID), ev.CheckpointSize)
	case domain.CredentialRevoked:
		return fmt.Sprintf("credential %s revoked: %s", shortID(ev.CredentialID), clip(ev.Reason))
	case domain.PracticeReviewStarted:
		s := fmt.Sprintf("%s, %s to %s: %s", ev.ReviewID, ev.StartDate, ev.ReviewDate, clip(ev.Practice))
		if ev.Comparison != nil {
			s += fmt.Sprintf(" (%s beside %s)", scopeSummary(ev.Scope), scopeSummary(*ev.Comparison))
		} else {
			s += " (" + scopeSummary(ev.Scope) + ")"
		}
		return s
	case domain.PracticeReviewConcluded:
		return fmt.Sprintf("%s: %s, figures as of position %d: %s", ev.ReviewID, ev.Decision, ev.Figures.AsOfPosition, clip(ev.Learned))
	case domain.SummativeAttemptRecorded:
		result := "not yet"
		if ev.Meets {
			result = "meets"
		}
		return fmt.Sprintf("attempt %s: level %d (proficient %d): %s; consumes %s", shortID(e.ID), ev.Level, ev.Proficient, result, shortID(ev.AgreementID))
	}
	return ""
}
