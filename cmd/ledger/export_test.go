package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

func exportLines(t *testing.T, out string) []domain.RecordedEvent {
	t.Helper()
	var evs []domain.RecordedEvent
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		var e domain.RecordedEvent
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("line %d does not parse: %v\n%s", i+1, err, line)
		}
		evs = append(evs, e)
	}
	return evs
}

func TestExportRoundTrips(t *testing.T) {
	dir, _ := demoData(t)
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"export", "--data", dir}, noEnv, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	evs := exportLines(t, out.String())
	total := countEvents(t, dir)
	if len(evs) != total {
		t.Fatalf("exported %d events, the store holds %d", len(evs), total)
	}
	if !strings.Contains(errOut.String(), "exported "+itoaU(uint64(total))+" events") {
		t.Errorf("export reported %q", errOut.String())
	}
	// The data is printed byte for byte, so every hash recomputes from the
	// lines alone.
	v := domain.ChainVerifier{Dense: true}
	for _, e := range evs {
		if err := v.Next(e); err != nil {
			t.Fatalf("the export does not verify: %v", err)
		}
	}
	if !strings.Contains(out.String(), "worked examples & the class") || !strings.Contains(out.String(), "b ≠ 0") {
		t.Error("the export escapes characters that the stored data holds as they are")
	}

	// --out writes the same, readable by its owner only.
	file := filepath.Join(t.TempDir(), "events.ndjson")
	var report strings.Builder
	if err := run(t.Context(), []string{"export", "--data", dir, "--out", file}, noEnv, &report, io.Discard); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, []byte(out.String())) {
		t.Error("export --out differs from export to standard output")
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(report.String(), file) {
		t.Errorf("export --out reported %q", report.String())
	}
}

func TestExportPseudonymised(t *testing.T) {
	dir, _ := demoData(t)
	var out strings.Builder
	if err := run(t.Context(), []string{"export", "--data", dir, "--pseudonymise"}, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	evs := exportLines(t, out.String())
	var profiles int
	store := openStore(t, dir)
	for _, e := range readAllEvents(t, store) {
		if e.Type == domain.TypeLearnerProfileUpdated {
			profiles++
		}
	}
	store.Close()
	if total := countEvents(t, dir); len(evs) != total-profiles {
		t.Errorf("pseudonymised export: %d events, want %d (%d less %d profiles)", len(evs), total-profiles, total, profiles)
	}
	if strings.Contains(out.String(), "l-0001") || strings.Contains(out.String(), `"learnerId":"l-`) {
		t.Error("the pseudonymised export names a learner")
	}
	for _, e := range evs {
		if e.Type == domain.TypeLearnerProfileUpdated {
			t.Fatal("the pseudonymised export holds a profile")
		}
		if cat, id, _ := domain.ParseStream(e.Stream); cat == domain.LearnerCategory && !strings.HasPrefix(id, "p-") {
			t.Fatalf("stream %s is not pseudonymised", e.Stream)
		}
	}

	// The pseudonyms are stable: the key stays in the data directory.
	env := func(name string) string {
		return map[string]string{"LEDGER_DATA": dir, "LEDGER_PSEUDONYMISE": "true"}[name]
	}
	var again strings.Builder
	if err := run(t.Context(), []string{"export"}, env, &again, io.Discard); err != nil || again.String() != out.String() {
		t.Errorf("a second pseudonymised export (flags from the environment): %v, same: %v", err, again.String() == out.String())
	}
}
