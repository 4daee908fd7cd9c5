package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/review"
)

// replayReview is `ledger replay --school S --review R`: the review's
// events of the school's stream with their positions and hashes, and the
// figures its conclusion recorded, which are what the staff looked at. An
// open review has no recorded figures: it shows those the read model
// computes from every stored event, as the API's "now".
func replayReview(ctx context.Context, data, schoolID, reviewID string, stdout io.Writer) error {
	store, err := openData(ctx, data, fmt.Sprintf("GET /v1/schools/%s/practice-reviews/%s/replay", schoolID, reviewID))
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer store.Close()
	evs, err := httpapi.ReviewEvents(ctx, store, schoolID, reviewID)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	if len(evs) == 0 {
		return fmt.Errorf("replay: school %q has no practice review %q: %w", schoolID, reviewID, domain.ErrNotFound)
	}
	var (
		started   domain.PracticeReviewStarted
		concluded *domain.PracticeReviewConcluded
	)
	fmt.Fprintf(stdout, "practice review %s of school %s\n\n", reviewID, schoolID)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "POS\tREV\tRECORDED\tOCCURRED\tTYPE\tACTOR\tSUMMARY\tHASH")
	for _, e := range evs {
		ev, err := domain.DecodeEvent(e)
		if err != nil {
			return fmt.Errorf("replay: event %s: %w", e.ID, err)
		}
		switch ev := ev.(type) {
		case domain.PracticeReviewStarted:
			started = ev
		case domain.PracticeReviewConcluded:
			concluded = &ev
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s %s\t%s\t%s\n", e.Position, e.Revision, tableTime(e.RecordedAt), tableTime(e.OccurredAt),
			e.Type, e.Actor.Role, e.Actor.Name, eventSummary(e, ev), e.Hash[:12])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\npractice: %s\nintended result: %s\nstandards: %s\n", started.Practice, started.IntendedResult, strings.Join(started.StandardIDs, ", "))

	var figs domain.ReviewFigures
	if concluded != nil {
		fmt.Fprintf(stdout, "decision: %s\nlearned: %s\n\nfigures the conclusion recorded, as of position %d:\n", concluded.Decision, concluded.Learned, concluded.Figures.AsOfPosition)
		figs = concluded.Figures
	} else {
		p := review.New()
		if _, err := projections.Rebuild(ctx, store, p); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		rv, ok := p.Review(schoolID, reviewID)
		if !ok {
			return fmt.Errorf("replay: the read model has no practice review %q of school %q", reviewID, schoolID)
		}
		figs = p.Figures(rv)
		fmt.Fprintf(stdout, "decision: open, to be looked at on %s\n\nfigures now, as of position %d (none recorded yet):\n", started.ReviewDate, figs.AsOfPosition)
	}
	return printReviewFigures(stdout, figs)
}

// printReviewFigures is the figures' table: each group before and during
// the review, the difference and its bootstrap interval.
func printReviewFigures(w io.Writer, f domain.ReviewFigures) error {
	fmt.Fprintf(w, "%d learners in the scope, %d in the comparison; %.0f%% intervals from %d bootstrap resamples; observational\n\n",
		f.ScopeLearners, f.ComparisonLearners, 100*f.Level, f.Resamples)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIGURE\tSCOPE BEFORE\tSCOPE DURING\tCOMPARISON BEFORE\tCOMPARISON DURING\tDIFFERENCE\tINTERVAL")
	for _, x := range f.Figures {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t[%s, %s]\n", x.Name, figureValue(x.ScopeBefore), figureValue(x.ScopeDuring),
			figureValue(x.ComparisonBefore), figureValue(x.ComparisonDuring), figureValue(x.Difference), figureValue(x.Low), figureValue(x.High))
	}
	return tw.Flush()
}

// figureValue prints a figure as recorded, or "-" where it has no
// denominator.
func figureValue(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// scopeSummary names a scope's cohorts and counts its listed learners.
func scopeSummary(s domain.ReviewScope) string {
	var parts []string
	if len(s.Cohorts) > 0 {
		parts = append(parts, "cohort "+strings.Join(s.Cohorts, ", "))
	}
	if n := len(s.LearnerIDs); n == 1 {
		parts = append(parts, "1 learner")
	} else if n > 1 {
		parts = append(parts, strconv.Itoa(n)+" learners")
	}
	return strings.Join(parts, " and ")
}
