package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/policy"
)

// policyFlags collects repeated --policy NAME[,k=v…].
type policyFlags []policy.Policy

func (p *policyFlags) String() string { return "" }

func (p *policyFlags) Set(s string) error {
	pol, err := policy.Parse(s)
	if err != nil {
		return err
	}
	*p = append(*p, pol)
	return nil
}

// PolicyRow is one policy over one learner's evidence for one standard,
// beside the official rule.
type PolicyRow struct {
	Learner          string             `json:"learner"`
	Standard         string             `json:"standard"`
	Policy           string             `json:"policy"`
	Version          string             `json:"version"`
	Params           map[string]float64 `json:"params"`
	Value            *float64           `json:"value"`
	Mastered         bool               `json:"mastered"`
	PredictedCorrect *float64           `json:"predictedCorrect,omitempty"`
	OfficialStatus   domain.Status      `json:"officialStatus"`
	OfficialMet      bool               `json:"officialMet"`
	FirstEvidenceAt  *time.Time         `json:"firstEvidenceAt"`
	PolicyMasteredAt *time.Time         `json:"policyMasteredAt"`
	OfficialMetAt    *time.Time         `json:"officialMetAt"`
	// DaysToMastery and OfficialDaysToMastery count from the first
	// evidence to the policy's first "mastered" and to the official metAt.
	DaysToMastery         *float64 `json:"daysToMastery"`
	OfficialDaysToMastery *float64 `json:"officialDaysToMastery"`
	EvidenceIDs           []string `json:"evidenceIds"`
	Error                 string   `json:"error,omitempty"`
}

// AgreementRow is one policy's decisions against the official rule's over
// every pair.
type AgreementRow struct {
	Policy    string             `json:"policy"`
	Version   string             `json:"version"`
	Params    map[string]float64 `json:"params"`
	Pairs     int                `json:"pairs"`
	Confusion policy.Confusion   `json:"confusion"`
	Agreement *float64           `json:"agreement"`
	Kappa     *float64           `json:"kappa"`
	// WithMoment is how many pairs the policy gives a moment of mastery.
	WithMoment                  int      `json:"withMoment"`
	MedianDaysToMastery         *float64 `json:"medianDaysToMastery"`
	OfficialMedianDaysToMastery *float64 `json:"officialMedianDaysToMastery"`
}

// PolicyReport is `ledger research policies --format json`.
type PolicyReport struct {
	Events    int            `json:"events"`
	Pairs     int            `json:"pairs"`
	Agreement []AgreementRow `json:"agreement"`
	Rows      []PolicyRow    `json:"rows"`
}

func runResearchPolicies(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("research policies", flag.ContinueOnError)
	src := sourceFlags(fs, getenv)
	var pols policyFlags
	fs.Var(&pols, "policy", "a policy and its parameters, NAME[,k=v…] (repeat; default: every policy with its defaults), e.g. bkt,pT=0.3,pF=0.05 or decaying-average,canvas=1")
	format := fs.String("format", "", "csv, json or table (default: table on a terminal, csv otherwise)")
	report := fs.String("report", "", "for csv and table: rows (one per learner, standard and policy) or agreement (one per policy); default: rows for csv, agreement for table")
	if help, err := parseResearchFlags(fs, args, stderr); help || err != nil {
		return err
	}
	if *format == "" {
		*format = "csv"
		if isTerminal(stdout) {
			*format = "table"
		}
	}
	if *format != "csv" && *format != "json" && *format != "table" {
		return fmt.Errorf("research policies: --format %q: want csv, json or table: %w", *format, errUsage)
	}
	if *report == "" {
		*report = map[string]string{"csv": "rows", "table": "agreement", "json": ""}[*format]
	} else if *report != "rows" && *report != "agreement" {
		return fmt.Errorf("research policies: --report %q: want rows or agreement: %w", *report, errUsage)
	}
	if len(pols) == 0 {
		pols = policy.Defaults()
	}
	progress := newProgress(stderr)
	data, err := src.load(ctx, progress)
	if err != nil {
		return fmt.Errorf("research policies: %w", err)
	}
	// The agreement table alone needs no rows: at a million events they
	// are a third of a million structs held only to be dropped.
	rep, err := comparePolicies(ctx, data, pols, progress, *format == "json" || *report == "rows")
	if err != nil {
		return fmt.Errorf("research policies: %w", err)
	}
	switch {
	case *format == "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	case *report == "rows":
		err = writePolicyRows(stdout, rep.Rows, *format)
	default:
		err = writeAgreement(stdout, rep, *format)
	}
	if err != nil {
		return fmt.Errorf("research policies: %w", err)
	}
	return nil
}

// comparePolicies runs every policy over every learner × standard with any
// evidence or attempt: a pair where nothing happened would agree ("not
// yet" twice) and inflate the agreement. With rows false it fills the
// agreement table only.
func comparePolicies(ctx context.Context, d *researchData, pols []policy.Policy, progress *progressLine, rows bool) (PolicyReport, error) {
	rep := PolicyReport{Events: d.events, Rows: []PolicyRow{}}
	agree := make([]AgreementRow, len(pols))
	days := make([][]float64, len(pols))
	var officialDays []float64
	for i, p := range pols {
		agree[i] = AgreementRow{Policy: p.ID(), Version: p.Version(), Params: p.Params()}
	}
	standards := d.view.Standards()
	for li, learner := range d.learners {
		if li%256 == 0 && ctx.Err() != nil {
			return rep, ctx.Err()
		}
		progress.every(li+1, 1000, "compared policies for %d of %d learners", li+1, len(d.learners))
		for _, std := range standards {
			cmp, err := d.view.CompareStandardPolicies(learner, std.StandardID, pols)
			if err != nil {
				return rep, err
			}
			scores := cmp.Standard.Scores
			if len(scores) == 0 && cmp.Official.Status == domain.StatusNotStarted {
				continue
			}
			rep.Pairs++
			met := cmp.Official.Status == domain.StatusMet
			var first *time.Time
			for _, s := range scores {
				if first == nil || s.OccurredAt.Before(*first) {
					t := s.OccurredAt
					first = &t
				}
			}
			var officialDaysTo *float64
			if met && first != nil && cmp.Official.MetAt != nil {
				officialDaysTo = daysBetween(*first, *cmp.Official.MetAt)
				officialDays = append(officialDays, *officialDaysTo)
			}
			scale := scaleOf(std.Scale)
			for i, res := range cmp.Standard.Results {
				row := PolicyRow{Learner: learner, Standard: std.StandardID, Policy: res.Policy, Version: res.Version,
					Params: res.Params, Value: res.Value, Mastered: res.Mastered, PredictedCorrect: res.PredictedCorrect,
					OfficialStatus: cmp.Official.Status, OfficialMet: met, FirstEvidenceAt: first, OfficialMetAt: cmp.Official.MetAt,
					OfficialDaysToMastery: officialDaysTo, EvidenceIDs: res.EvidenceIDs}
				if res.Err != nil {
					row.Error = res.Err.Error()
				}
				if at, ok := policy.FirstMastered(pols[i], scale, scores); ok {
					row.PolicyMasteredAt = &at
					row.DaysToMastery = daysBetween(*first, at)
					agree[i].WithMoment++
					days[i] = append(days[i], *row.DaysToMastery)
				}
				agree[i].Confusion.Add(res.Mastered, met)
				if rows {
					rep.Rows = append(rep.Rows, row)
				}
			}
		}
	}
	progress.done()
	for i := range agree {
		agree[i].Pairs = agree[i].Confusion.N()
		if a, ok := agree[i].Confusion.Agreement(); ok {
			agree[i].Agreement = &a
		}
		if k, ok := agree[i].Confusion.Kappa(); ok {
			agree[i].Kappa = &k
		}
		agree[i].MedianDaysToMastery = median(days[i])
		agree[i].OfficialMedianDaysToMastery = median(officialDays)
	}
	rep.Agreement = agree
	return rep, nil
}

func scaleOf(s domain.Scale) policy.Scale {
	out := policy.Scale{Proficient: float64(s.Proficient)}
	for i, l := range s.Levels {
		if i == 0 || float64(l.Level) < out.Min {
			out.Min = float64(l.Level)
		}
		if i == 0 || float64(l.Level) > out.Max {
			out.Max = float64(l.Level)
		}
	}
	return out
}

func daysBetween(a, b time.Time) *float64 {
	d := math.Round(b.Sub(a).Hours()/24*1000) / 1000
	return &d
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := slices.Sorted(slices.Values(xs))
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		// The mean of two thousandths is a ten-thousandth; rounding to it
		// drops the binary noise of the sum (12.408000000000001).
		m = math.Round((s[len(s)/2-1]+s[len(s)/2])/2*1e4) / 1e4
	}
	return &m
}

// paramCell formats parameters as "n=3;w=0.65", sorted by name.
func paramCell(params map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(params)) {
		parts = append(parts, k+"="+strconv.FormatFloat(params[k], 'f', -1, 64))
	}
	return strings.Join(parts, ";")
}

func numCell(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func timeCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

var policyRowHeader = []string{"learner", "standard", "policy", "version", "params", "value", "mastered", "predictedCorrect",
	"officialStatus", "officialMet", "firstEvidenceAt", "policyMasteredAt", "officialMetAt", "daysToMastery", "officialDaysToMastery", "evidenceIds", "error"}

func (r PolicyRow) cells() []string {
	return []string{r.Learner, r.Standard, r.Policy, r.Version, paramCell(r.Params), numCell(r.Value), strconv.FormatBool(r.Mastered),
		numCell(r.PredictedCorrect), string(r.OfficialStatus), strconv.FormatBool(r.OfficialMet), timeCell(r.FirstEvidenceAt),
		timeCell(r.PolicyMasteredAt), timeCell(r.OfficialMetAt), numCell(r.DaysToMastery), numCell(r.OfficialDaysToMastery),
		csvJoin(r.EvidenceIDs), r.Error}
}

var agreementHeader = []string{"policy", "version", "params", "pairs", "both", "policyOnly", "officialOnly", "neither",
	"agreement", "kappa", "withMoment", "medianDaysToMastery", "officialMedianDaysToMastery"}

func (a AgreementRow) cells() []string {
	c := a.Confusion
	return []string{a.Policy, a.Version, paramCell(a.Params), strconv.Itoa(a.Pairs), strconv.Itoa(c.Both), strconv.Itoa(c.PolicyOnly),
		strconv.Itoa(c.OfficialOnly), strconv.Itoa(c.Neither), round4(a.Agreement), round4(a.Kappa), strconv.Itoa(a.WithMoment),
		numCell(a.MedianDaysToMastery), numCell(a.OfficialMedianDaysToMastery)}
}

func round4(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 4, 64)
}

func writePolicyRows(w io.Writer, rows []PolicyRow, format string) error {
	if format == "csv" {
		cw := csv.NewWriter(w)
		cw.Write(policyRowHeader)
		for _, r := range rows {
			cw.Write(r.cells())
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LEARNER\tSTANDARD\tPOLICY\tPARAMS\tVALUE\tMASTERED\tOFFICIAL\tPOLICY AT\tOFFICIAL AT\tEVIDENCE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\t%v\t%s\t%s\t%s\t%d\n", r.Learner, r.Standard, r.Policy, r.Version, paramCell(r.Params),
			numCell(r.Value), r.Mastered, r.OfficialStatus, dateCell(r.PolicyMasteredAt), dateCell(r.OfficialMetAt), len(r.EvidenceIDs))
	}
	return tw.Flush()
}

func dateCell(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

func writeAgreement(w io.Writer, rep PolicyReport, format string) error {
	if format == "csv" {
		cw := csv.NewWriter(w)
		cw.Write(agreementHeader)
		for _, a := range rep.Agreement {
			cw.Write(a.cells())
		}
		cw.Flush()
		return cw.Error()
	}
	fmt.Fprintf(w, "%d events, %d learner × standard pairs with evidence or an attempt; official rule: a summative attempt at or above proficient after an agreement\n\n", rep.Events, rep.Pairs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "POLICY\tPARAMS\tBOTH MET\tPOLICY ONLY\tOFFICIAL ONLY\tNEITHER\tAGREEMENT\tKAPPA\tMEDIAN DAYS (POLICY)\tMEDIAN DAYS (OFFICIAL)")
	for _, a := range rep.Agreement {
		c := a.Confusion
		fmt.Fprintf(tw, "%s %s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", a.Policy, a.Version, paramCell(a.Params), c.Both, c.PolicyOnly,
			c.OfficialOnly, c.Neither, orDash(round4(a.Agreement)), orDash(round4(a.Kappa)), orDash(numCell(a.MedianDaysToMastery)),
			orDash(numCell(a.OfficialMedianDaysToMastery)))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
