package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/oneroster"
	"github.com/masteryledger/ledger/adapters/sqlite"
)

// sample is a public sample set (adapters/oneroster/testdata).
func sample(name string) string {
	return filepath.Join("..", "..", "adapters", "oneroster", "testdata", name)
}

// zipDir zips the files of dir into a file in a temporary directory.
func zipDir(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create("roster/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "roster.zip")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func importReport(t *testing.T, out string) oneroster.Report {
	t.Helper()
	var rep oneroster.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not a report: %v\n%s", err, out)
	}
	return rep
}

func TestImportOneRosterCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	set := zipDir(t, sample("catalyst-1.2-delta"))

	// A dry run on a directory with no ledger writes nothing, not even
	// the directory.
	out, err := runLedger(t, "import", "oneroster", "--data", data, "--dry-run", "--profiles", set)
	if err != nil {
		t.Fatal(err)
	}
	if rep := importReport(t, out); !rep.DryRun || rep.Enrolled.Count != 1 || rep.Registered.Count != 1 {
		t.Errorf("dry run: %+v", rep)
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the dry run made %s", data)
	}

	out, err = runLedger(t, "import", "oneroster", "--profiles", set, "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	rep := importReport(t, out)
	if rep.DryRun || rep.Enrolled.IDs[0] != "USER_0" || rep.Registered.IDs[0] != "ORG_1" || rep.Profiles.Count != 1 {
		t.Errorf("import: %+v", rep)
	}
	evs := readEvents(t, data)
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3", len(evs))
	}
	for _, e := range evs {
		for _, v := range []string{"Bruce", "Wayne", "bruce", "Batman"} {
			if bytes.Contains(e.Data, []byte(v)) {
				t.Errorf("%s holds %q", e.Type, v)
			}
		}
	}

	// The same set again, as a directory this time: nothing new.
	out, err = runLedger(t, "import", "oneroster", "--data", data, "--profiles", "--withdraw-missing", sample("catalyst-1.2-delta"))
	if err != nil {
		t.Fatal(err)
	}
	if rep := importReport(t, out); rep.Unchanged.Count != 1 || rep.Enrolled.Count+rep.Profiles.Count+rep.Withdrawn.Count != 0 || len(readEvents(t, data)) != 3 {
		t.Errorf("again: %+v", rep)
	}

	// A bad set: the error names the file, the line and the column, and
	// nothing is written.
	_, err = runLedger(t, "import", "oneroster", "--data", data, sample("catalyst-1.2-full"))
	if err == nil || !strings.Contains(err.Error(), `users.csv line 2, column 3 (dateLastModified): "1/05/2023" is not a date`) ||
		!strings.Contains(err.Error(), "nothing was written") || exitCode(err) != 1 {
		t.Errorf("bad set: %v", err)
	}
	if n := len(readEvents(t, data)); n != 3 {
		t.Errorf("a bad set wrote: %d events", n)
	}

	// The service running: the import is refused, and says what to do.
	tokens := writeTokens(t, t.TempDir())
	url, stop := startServe(t, "--data", data, "--tokens", tokens, "--checkpoint-every", "0")
	for _, args := range [][]string{{"--dry-run"}, {}} {
		_, err = runLedger(t, append([]string{"import", "oneroster", "--data", data, set}, args...)...)
		if !errors.Is(err, sqlite.ErrLocked) || !strings.Contains(err.Error(), "/v1/imports/oneroster") {
			t.Errorf("import %v while serving: got %v, want the lock refused and the route named", args, err)
		}
	}
	// The served ledger holds what the import wrote.
	if status, body := call(t, "GET", url+"/v1/learners/USER_0/mastery", "admin-token-for-tests", nil); status != 200 {
		t.Errorf("GET the imported learner: %d %s", status, body)
	}
	if status, body := call(t, "GET", url+"/v1/events", "admin-token-for-tests", nil); status != 200 || bytes.Contains(body, []byte("Wayne")) {
		t.Errorf("feed: %d %s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if out, err := runLedger(t, "verify", "--data", data); err != nil {
		t.Errorf("verify after the import: %v\n%s", err, out)
	}
}

func TestImportUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"import"}, {"import", "csv"}, {"import", "oneroster"}, {"import", "oneroster", "a", "b"}, {"import", "oneroster", "--nope", "a"},
	} {
		err := run(t.Context(), args, noEnv, io.Discard, io.Discard)
		if !errors.Is(err, errUsage) || exitCode(err) != 2 {
			t.Errorf("run %q: got %v, want a usage error (exit 2)", args, err)
		}
	}
}
