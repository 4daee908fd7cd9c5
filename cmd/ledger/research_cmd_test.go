package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/policy"
	"github.com/masteryledger/ledger/projections/synthetic"
)

// researchInputs runs the demo and exports it twice: as is and
// pseudonymised. Every research command must give the same figures over
// the data directory and over both exports.
func researchInputs(t *testing.T) (dir, plain, pseudo string) {
	t.Helper()
	dir, _ = demoData(t)
	tmp := t.TempDir()
	plain, pseudo = filepath.Join(tmp, "plain.ndjson"), filepath.Join(tmp, "pseudo.ndjson")
	for _, args := range [][]string{
		{"export", "--data", dir, "--out", plain},
		{"export", "--data", dir, "--pseudonymise", "--out", pseudo},
	} {
		var out, errOut strings.Builder
		if err := run(t.Context(), args, noEnv, &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
	}
	return dir, plain, pseudo
}

func runOut(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut strings.Builder
	if err := run(t.Context(), args, noEnv, &out, &errOut); err != nil {
		t.Fatalf("ledger %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	if errOut.Len() > 0 {
		t.Errorf("ledger %s wrote to stderr off a terminal: %q", strings.Join(args, " "), errOut.String())
	}
	return out.String()
}

// withoutColumns drops the named CSV columns (the learner, which is a
// pseudonym in one export and an id in the other), to compare figures.
func withoutColumns(t *testing.T, text string, drop ...string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, text)
	}
	var idx []int
	for i, h := range recs[0] {
		if slices.Contains(drop, h) {
			idx = append(idx, i)
		}
	}
	out := make([][]string, len(recs))
	for r, rec := range recs {
		for i, c := range rec {
			if !slices.Contains(idx, i) {
				out[r] = append(out[r], c)
			}
		}
	}
	return out
}

func sortedRows(rows [][]string) [][]string {
	body := slices.Clone(rows[1:])
	slices.SortFunc(body, func(a, b []string) int { return strings.Compare(strings.Join(a, ","), strings.Join(b, ",")) })
	return append([][]string{rows[0]}, body...)
}

func TestResearchPoliciesOverDemo(t *testing.T) {
	dir, plain, pseudo := researchInputs(t)

	agreeData := runOut(t, "research", "policies", "--data", dir, "--report", "agreement")
	agreePlain := runOut(t, "research", "policies", "--in", plain, "--report", "agreement")
	agreePseudo := runOut(t, "research", "policies", "--in", pseudo, "--report", "agreement")
	if agreeData != agreePlain || agreePlain != agreePseudo {
		t.Errorf("agreement differs between the data directory, the export and the pseudonymised export:\n%s\n%s\n%s", agreeData, agreePlain, agreePseudo)
	}
	recs, err := csv.NewReader(strings.NewReader(agreeData)).ReadAll()
	if err != nil || len(recs) != 9 {
		t.Fatalf("want a header and 8 policies, got %d rows (%v)\n%s", len(recs), err, agreeData)
	}
	if got := strings.Join(recs[0], ","); got != strings.Join(agreementHeader, ",") {
		t.Errorf("header %s", got)
	}
	for _, r := range recs[1:] {
		if r[3] == "0" {
			t.Errorf("policy %s compared over no pair", r[0])
		}
	}

	// Rows: the same figures, the learner column aside (ids against
	// pseudonyms), and every row names what it used.
	rowsPlain := runOut(t, "research", "policies", "--in", plain)
	rowsPseudo := runOut(t, "research", "policies", "--in", pseudo)
	a := sortedRows(withoutColumns(t, rowsPlain, "learner"))
	b := sortedRows(withoutColumns(t, rowsPseudo, "learner"))
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Errorf("rows differ between the export and the pseudonymised export")
	}
	if !strings.Contains(rowsPseudo, "p-") || strings.Contains(rowsPseudo, "l-0001") {
		t.Errorf("the pseudonymised rows do not name learners by pseudonym")
	}
	recs, _ = csv.NewReader(strings.NewReader(rowsPlain)).ReadAll()
	for _, r := range recs[1:] {
		if r[2] == "" || r[3] == "" || (r[5] != "" && r[15] == "") {
			t.Errorf("a row without policy, version or evidence ids: %v", r)
		}
	}

	// JSON has both tables; one policy with parameters is taken as given.
	var rep PolicyReport
	out := runOut(t, "research", "policies", "--in", pseudo, "--format", "json", "--policy", "bkt,pT=0.3,pF=0.05", "--policy", "decaying-average,canvas=1")
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Agreement) != 2 || rep.Agreement[0].Params["pF"] != 0.05 || rep.Agreement[1].Params["canvas"] != 1 || rep.Pairs == 0 {
		t.Errorf("agreement %+v", rep.Agreement)
	}
	if len(rep.Rows) != 2*rep.Pairs {
		t.Errorf("%d rows for %d pairs and 2 policies", len(rep.Rows), rep.Pairs)
	}

	// As known at a moment before anything was recorded: nothing to compare.
	out = runOut(t, "research", "policies", "--in", plain, "--report", "agreement", "--as-known-at", "2000-01-01T00:00:00Z")
	if !strings.Contains(out, "bkt,v2,pG=0.2;pL0=0.1;pS=0.1;pT=0.2;threshold=0.95,0,") {
		t.Errorf("as known in 2000:\n%s", out)
	}

	table := runOut(t, "research", "policies", "--in", plain, "--format", "table")
	if !strings.Contains(table, "KAPPA") || !strings.Contains(table, "learner × standard pairs") {
		t.Errorf("table:\n%s", table)
	}
}

func TestResearchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"research"},
		{"research", "nonsense"},
		{"research", "policies"},
		{"research", "policies", "--in", "x", "--data", "y"},
		{"research", "policies", "--in", "x", "--format", "xml"},
		{"research", "policies", "--in", "x", "--policy", "median"},
		{"research", "fit-bkt", "--in", "x", "--by", "school"},
	} {
		err := run(t.Context(), args, noEnv, &strings.Builder{}, &strings.Builder{})
		if !errors.Is(err, errUsage) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

func TestResearchDatashopOverDemo(t *testing.T) {
	dir, plain, pseudo := researchInputs(t)
	fromData := runOut(t, "research", "datashop", "--data", dir)
	fromPlain := runOut(t, "research", "datashop", "--in", plain)
	fromPseudo := runOut(t, "research", "datashop", "--in", pseudo)
	if fromData != fromPlain {
		t.Errorf("datashop differs between the data directory and its export")
	}
	lines := strings.Split(strings.TrimSuffix(fromPlain, "\n"), "\n")
	if lines[0] != strings.Join(datashopHeader, "\t") {
		t.Errorf("header %q", lines[0])
	}
	if len(lines) < 2 {
		t.Fatalf("no transaction")
	}
	for i, l := range lines {
		if n := strings.Count(l, "\t"); n != len(datashopHeader)-1 {
			t.Fatalf("line %d has %d tabs: %q", i+1, n, l)
		}
	}
	if !strings.Contains(fromPlain, "\tCORRECT\t") {
		t.Errorf("no correct transaction")
	}
	// The pseudonymised export gives the same transactions, learner aside.
	drop := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			f := strings.Split(l, "\t")
			if len(f) > 3 {
				f[0], f[1], f[2] = "", "", f[2][strings.LastIndex(f[2], "-")+1:] // row numbers follow the learner order
			}
			out = append(out, strings.Join(f, "\t"))
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(drop(fromPlain), drop(fromPseudo)) {
		t.Errorf("datashop differs between the export and the pseudonymised export")
	}
}

func TestResearchFitBKTOverDemo(t *testing.T) {
	dir, plain, pseudo := researchInputs(t)
	args := []string{"--by", "standard", "--holdout", "0", "--seed", "3", "--starts", "2"}
	fromData := runOut(t, append([]string{"research", "fit-bkt", "--data", dir}, args...)...)
	fromPlain := runOut(t, append([]string{"research", "fit-bkt", "--in", plain}, args...)...)
	fromPseudo := runOut(t, append([]string{"research", "fit-bkt", "--in", pseudo}, args...)...)
	if fromData != fromPlain || fromPlain != fromPseudo {
		t.Errorf("fit-bkt differs:\n%s\n%s\n%s", fromData, fromPlain, fromPseudo)
	}
	recs, err := csv.NewReader(strings.NewReader(fromPlain)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("want at least one fitted standard: %v\n%s", err, fromPlain)
	}
	if !strings.HasPrefix(recs[1][len(recs[1])-1], "bkt,pL0=") {
		t.Errorf("no --policy argument: %v", recs[1])
	}
}

// Over the benchmarks' cohort every policy's confusion matrix has pairs
// met by both and by neither, and a kappa: the cohort can tell policies
// apart, which a cohort where every pair is met cannot.
func TestResearchPoliciesOverMixedCohort(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := synthetic.Populate(ctx, store, researchCohort(40)); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(runOut(t, "research", "policies", "--data", dir, "--report", "agreement", "--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if len(rows) != 1+len(policy.Defaults()) {
		t.Fatalf("%d agreement rows, want one per default policy:\n%v", len(rows)-1, rows)
	}
	for _, r := range rows[1:] {
		if r[col["both"]] == "0" || r[col["neither"]] == "0" || r[col["kappa"]] == "" {
			t.Errorf("%s: both %s, neither %s, kappa %q: want pairs in both cells and a kappa",
				r[col["policy"]], r[col["both"]], r[col["neither"]], r[col["kappa"]])
		}
	}
}

// cutExport picks T just before the middle piece of evidence was recorded
// in the export and writes the export as known at T: the events recorded
// at or before it. An event after T must change nothing.
func cutExport(t *testing.T, export string) (asOf, cut string) {
	t.Helper()
	raw, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	var evidenceAt []time.Time
	at := make([]time.Time, len(lines))
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		var e struct {
			Type       string    `json:"type"`
			RecordedAt time.Time `json:"recordedAt"`
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		at[i] = e.RecordedAt
		if e.Type == domain.TypeEvidenceRecorded {
			evidenceAt = append(evidenceAt, e.RecordedAt)
		}
	}
	if len(evidenceAt) < 2 {
		t.Fatalf("the export holds %d pieces of evidence", len(evidenceAt))
	}
	tm := evidenceAt[len(evidenceAt)/2].Add(-time.Nanosecond)
	var b strings.Builder
	kept := 0
	for i, l := range lines {
		if strings.TrimSpace(l) != "" && !at[i].After(tm) {
			b.WriteString(l)
			kept++
		}
	}
	if kept == 0 || kept == len(lines) {
		t.Fatalf("T = %s keeps %d of %d lines", tm, kept, len(lines))
	}
	cut = filepath.Join(t.TempDir(), "cut.ndjson")
	if err := os.WriteFile(cut, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return tm.Format(time.RFC3339Nano), cut
}

// --as-known-at T gives, over the whole history (an export or the data
// directory), what the history recorded up to T gives: the evidence and
// retractions recorded after T change no transaction and no fit.
func TestResearchAsKnownAt(t *testing.T) {
	dir, plain, _ := researchInputs(t)
	asOf, cut := cutExport(t, plain)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"datashop", []string{"datashop"}},
		{"fit-bkt", []string{"fit-bkt", "--by", "component", "--holdout", "0.3", "--seed", "5", "--starts", "2"}},
		{"policies", []string{"policies", "--format", "json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"research"}, c.args...)
			then := runOut(t, append(args, "--in", cut)...)
			if got := runOut(t, append(args, "--in", plain, "--as-known-at", asOf)...); got != then {
				t.Errorf("--in the whole export --as-known-at %s differs from the export cut at T:\n%s\nwant\n%s", asOf, got, then)
			}
			if got := runOut(t, append(args, "--data", dir, "--as-known-at", asOf)...); got != then {
				t.Errorf("--data --as-known-at %s differs from the export cut at T", asOf)
			}
			if now := runOut(t, append(args, "--in", plain)...); now == then {
				t.Errorf("the events after T changed nothing at all: T cuts nothing this command reads")
			}
		})
	}
}
