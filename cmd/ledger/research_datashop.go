package main

import (
	"bufio"
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// evidenceItem is one current (not retracted) piece of evidence, as the
// research commands read it.
type evidenceItem struct {
	id          uuid.UUID
	learner     string
	standard    string
	component   string
	level       int
	source      domain.Source
	occurredAt  time.Time
	recordedAt  time.Time
	position    uint64
	proficient  int
	correct     bool
	retractedAt *time.Time
}

// loadEvidence folds the source into the read model and keeps every
// EvidenceRecorded, then drops the retracted ones: a retraction withdraws
// evidence from every count, so it is no transaction and no observation.
// The items are in learner, then occurredAt, then global order.
func (s researchSource) loadEvidence(ctx context.Context, progress *progressLine) ([]evidenceItem, *researchData, error) {
	d := &researchData{view: projections.NewView(noStreams{})}
	var items []evidenceItem
	retracted := map[uuid.UUID]bool{}
	err := s.eachEvent(ctx, func(e domain.RecordedEvent) error {
		ev, err := domain.DecodeEvent(e)
		if err != nil {
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
		if err := d.view.ApplyDecoded(e, ev); err != nil {
			return err
		}
		_, learner, _ := domain.ParseStream(e.Stream)
		switch ev := ev.(type) {
		case domain.LearnerEnrolled:
			if !slices.Contains(d.learners, learner) {
				d.learners = append(d.learners, learner)
			}
		case domain.EvidenceRecorded:
			items = append(items, evidenceItem{id: e.ID, learner: learner, standard: ev.StandardID, component: ev.ComponentID,
				level: ev.Level, source: ev.Source, occurredAt: e.OccurredAt, recordedAt: e.RecordedAt, position: e.Position})
		case domain.EvidenceRetracted:
			retracted[ev.EvidenceID] = true
		}
		d.events++
		progress.every(d.events, 100_000, "read %d events", d.events)
		return nil
	})
	progress.done()
	if err != nil {
		return nil, nil, err
	}
	kept := items[:0]
	for _, it := range items {
		if retracted[it.id] {
			continue
		}
		std, err := d.view.Standard(it.standard)
		if err != nil {
			return nil, nil, err
		}
		it.proficient = std.Scale.Proficient
		it.correct = it.level >= it.proficient
		kept = append(kept, it)
	}
	slices.SortStableFunc(kept, func(a, b evidenceItem) int {
		return cmp.Or(strings.Compare(a.learner, b.learner), a.occurredAt.Compare(b.occurredAt), cmp.Compare(a.position, b.position))
	})
	return kept, d, nil
}

// datashopHeader is PSLC DataShop's tab-delimited transaction format, with
// its documented column names (DataShop "Tab-delimited import format"):
// the required Anon Student Id, Session Id, Time, and the step's Level,
// Problem Name, Step Name, Outcome; two knowledge-component models, one KC
// per component and one per standard, each with its Opportunity count; and
// custom fields (CF) for what DataShop has no column for.
var datashopHeader = []string{
	"Row", "Anon Student Id", "Session Id", "Time", "Time Zone", "Student Response Type", "Tutor Response Type",
	"Level (Standard)", "Problem Name", "Step Name", "Attempt At Step", "Outcome", "Selection", "Action", "Input",
	"KC (Component)", "Opportunity (Component)", "KC (Standard)", "Opportunity (Standard)",
	"CF (Evidence Id)", "CF (Level)", "CF (Proficient)", "CF (Source)", "CF (Recorded At)",
}

func runResearchDatashop(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("research datashop", flag.ContinueOnError)
	src := sourceFlags(fs, getenv)
	if help, err := parseResearchFlags(fs, args, stderr); help || err != nil {
		return err
	}
	items, _, err := src.loadEvidence(ctx, newProgress(stderr))
	if err != nil {
		return fmt.Errorf("research datashop: %w", err)
	}
	bw := bufio.NewWriter(stdout)
	if err := writeDatashop(bw, items); err != nil {
		return fmt.Errorf("research datashop: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("research datashop: %w", err)
	}
	return nil
}

// writeDatashop writes one transaction per piece of current evidence, in
// learner and occurredAt order. A session is a learner's day (UTC): the
// ledger has no tutoring sessions, and DataShop needs one. The problem is
// the standard, the step the component; every transaction is a first
// attempt at its own step occurrence, so Attempt At Step is 1 and the
// Opportunity columns count the learner's evidence on the KC so far.
func writeDatashop(w io.Writer, items []evidenceItem) error {
	if _, err := fmt.Fprintln(w, strings.Join(datashopHeader, "\t")); err != nil {
		return err
	}
	compOpp := map[string]int{}
	stdOpp := map[string]int{}
	for i, it := range items {
		kc := it.standard + "/" + it.component
		compOpp[it.learner+"\x00"+kc]++
		stdOpp[it.learner+"\x00"+it.standard]++
		outcome := "INCORRECT"
		if it.correct {
			outcome = "CORRECT"
		}
		t := it.occurredAt.UTC()
		row := []string{
			strconv.Itoa(i + 1), it.learner, it.learner + "-" + t.Format("2006-01-02"), t.Format("2006-01-02 15:04:05"), "UTC",
			"ATTEMPT", "RESULT", it.standard, it.standard, it.component, "1", outcome, it.component, "evidence", strconv.Itoa(it.level),
			kc, strconv.Itoa(compOpp[it.learner+"\x00"+kc]), it.standard, strconv.Itoa(stdOpp[it.learner+"\x00"+it.standard]),
			it.id.String(), strconv.Itoa(it.level), strconv.Itoa(it.proficient), string(it.source), it.recordedAt.UTC().Format(time.RFC3339),
		}
		for j, c := range row {
			row[j] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(c) // a tab or newline would shift every column
		}
		if _, err := fmt.Fprintln(w, strings.Join(row, "\t")); err != nil {
			return err
		}
	}
	return nil
}
