package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/masteryledger/ledger/projections/policy"
)

// FitRow is the fit of one skill (a standard, or one component of one).
type FitRow struct {
	Skill         string           `json:"skill"`
	Sequences     int              `json:"sequences"`
	HeldOut       int              `json:"heldOutSequences"`
	Fit           policy.FitResult `json:"fit"`
	Train         policy.BKTScore  `json:"train"`
	Test          *policy.BKTScore `json:"test"`
	Seed          uint64           `json:"seed"`
	Starts        int              `json:"starts"`
	Forgetting    bool             `json:"forgetting"`
	HeldOutShare  float64          `json:"heldOutShare"`
	PolicyFlagArg string           `json:"policy"` // the --policy argument that runs the fit
}

func runResearchFitBKT(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("research fit-bkt", flag.ContinueOnError)
	src := sourceFlags(fs, getenv)
	by := fs.String("by", "standard", "fit per standard or per component")
	starts := fs.Int("starts", 5, "random starting points per skill")
	seed := fs.Uint64("seed", 1, "seed of the starting points and of the held-out split: the same seed, the same figures")
	forgetting := fs.Bool("forgetting", false, "fit pF (forgetting) too")
	holdout := fs.Float64("holdout", 0.2, "share of learners held out to score the fit (0 for none)")
	format := fs.String("format", "", "csv, json or table (default: table on a terminal, csv otherwise)")
	if help, err := parseResearchFlags(fs, args, stderr); help || err != nil {
		return err
	}
	if *by != "standard" && *by != "component" {
		return fmt.Errorf("research fit-bkt: --by %q: want standard or component: %w", *by, errUsage)
	}
	if *starts < 1 || *holdout < 0 || *holdout >= 1 {
		return fmt.Errorf("research fit-bkt: --starts at least 1, --holdout in [0, 1): %w", errUsage)
	}
	if *format == "" {
		*format = "csv"
		if isTerminal(stdout) {
			*format = "table"
		}
	}
	if *format != "csv" && *format != "json" && *format != "table" {
		return fmt.Errorf("research fit-bkt: --format %q: want csv, json or table: %w", *format, errUsage)
	}
	items, _, err := src.loadEvidence(ctx, newProgress(stderr))
	if err != nil {
		return fmt.Errorf("research fit-bkt: %w", err)
	}
	train, test, order := splitSequences(items, *by, *seed, *holdout)
	rows := make([]FitRow, 0, len(order))
	for _, skill := range order {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if len(train[skill]) == 0 {
			continue
		}
		fit, err := policy.FitBKT(train[skill], policy.FitOptions{Starts: *starts, Seed: *seed, Forgetting: *forgetting})
		if err != nil {
			return fmt.Errorf("research fit-bkt: %s: %w", skill, err)
		}
		row := FitRow{Skill: skill, Sequences: len(train[skill]), HeldOut: len(test[skill]), Fit: fit,
			Train: policy.ScoreBKT(train[skill], fit.Params), Seed: *seed, Starts: *starts, Forgetting: *forgetting, HeldOutShare: *holdout,
			PolicyFlagArg: bktPolicyArg(fit.Params, *forgetting)}
		if len(test[skill]) > 0 {
			s := policy.ScoreBKT(test[skill], fit.Params)
			row.Test = &s
		}
		rows = append(rows, row)
	}
	return writeFits(stdout, rows, *format)
}

// bktPolicyArg is the --policy argument that runs the fitted model in
// `ledger research policies`.
func bktPolicyArg(p policy.BKTParams, forgetting bool) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	s := "bkt,pL0=" + f(p.PriorKnown) + ",pT=" + f(p.Learn) + ",pS=" + f(p.Slip) + ",pG=" + f(p.Guess)
	if forgetting {
		s += ",pF=" + f(p.Forget)
	}
	return s
}

// splitSequences makes one response sequence per learner and skill and
// holds out a share of the learners, chosen by a seeded hash of the
// learner's id (pseudonym or not): the same learner is held out of every
// skill, and the split does not depend on the order of the file.
func splitSequences(items []evidenceItem, by string, seed uint64, share float64) (train, test map[string][][]bool, order []string) {
	train, test = map[string][][]bool{}, map[string][][]bool{}
	seq := map[string][]bool{}
	var keys []string
	for _, it := range items { // learner, then occurredAt order
		skill := it.standard
		if by == "component" {
			skill += "/" + it.component
		}
		k := it.learner + "\x00" + skill
		if _, ok := seq[k]; !ok {
			keys = append(keys, k)
			if _, seen := train[skill]; !seen {
				train[skill] = nil
				order = append(order, skill)
			}
		}
		seq[k] = append(seq[k], it.correct)
	}
	for _, k := range keys {
		var learner, skill string
		for i := range len(k) {
			if k[i] == 0 {
				learner, skill = k[:i], k[i+1:]
				break
			}
		}
		h := fnv.New64a()
		fmt.Fprintf(h, "%d\x00%s", seed, learner)
		if float64(h.Sum64()%1_000_000)/1_000_000 < share {
			test[skill] = append(test[skill], seq[k])
		} else {
			train[skill] = append(train[skill], seq[k])
		}
	}
	return train, test, order
}

func writeFits(w io.Writer, rows []FitRow, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	opt := func(s *policy.BKTScore, get func(policy.BKTScore) string) string {
		if s == nil {
			return ""
		}
		return get(*s)
	}
	aucOf := func(s policy.BKTScore) string {
		if s.AUC == nil {
			return ""
		}
		return f(*s.AUC)
	}
	header := []string{"skill", "sequences", "heldOut", "pL0", "pT", "pS", "pG", "pF", "iterations", "trainLogLikelihood",
		"testLogLikelihood", "testAUC", "testRMSE", "seed", "starts", "policy"}
	cells := func(r FitRow) []string {
		p := r.Fit.Params
		return []string{r.Skill, strconv.Itoa(r.Sequences), strconv.Itoa(r.HeldOut), f(p.PriorKnown), f(p.Learn), f(p.Slip), f(p.Guess), f(p.Forget),
			strconv.Itoa(r.Fit.Iterations), f(r.Fit.LogLikelihood),
			opt(r.Test, func(s policy.BKTScore) string { return f(s.LogLikelihood) }), opt(r.Test, aucOf),
			opt(r.Test, func(s policy.BKTScore) string { return f(s.RMSE) }), strconv.FormatUint(r.Seed, 10), strconv.Itoa(r.Starts), r.PolicyFlagArg}
	}
	if format == "csv" {
		cw := csv.NewWriter(w)
		cw.Write(header)
		for _, r := range rows {
			cw.Write(cells(r))
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SKILL\tSEQ\tHELD OUT\tpL0\tpT\tpS\tpG\tpF\tLOG-LIK (TRAIN)\tAUC (TEST)\tRMSE (TEST)")
	for _, r := range rows {
		c := cells(r)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[9], orDash(c[11]), orDash(c[12]))
	}
	return tw.Flush()
}
