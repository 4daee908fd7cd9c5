package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/casefile"
	"github.com/masteryledger/ledger/adapters/sqlite"
)

// caseFile is the path of one of the real CASE packages kept with the
// casefile package (OpenSALT's fixtures; see its testdata/SOURCES.md).
func caseFile(name string) string {
	return filepath.Join("..", "..", "adapters", "casefile", "testdata", name)
}

// importCase runs `ledger import case` and decodes the report it prints.
func importCase(t *testing.T, args ...string) (casefile.Report, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"import", "case"}, args...), noEnv, &out, io.Discard)
	var rep casefile.Report
	if out.Len() > 0 {
		if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
			t.Fatalf("import case printed no report: %v\n%s", jerr, out.String())
		}
	}
	return rep, err
}

func lastPosition(t *testing.T, data string) uint64 {
	t.Helper()
	store, err := sqlite.OpenReadOnly(context.Background(), data, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	return store.LastPosition()
}

func TestImportCaseCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	smart := caseFile("opensalt-SmartLevelFramework.json")

	rep, err := importCase(t, "--data", data, smart)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"case-00000000-0000-0000-0000-000000000001", "case-00000000-0000-0000-0000-000000000002"}
	if !slices.Equal(rep.Published.IDs, ids) {
		t.Fatalf("first import: %+v", rep)
	}
	pos := lastPosition(t, data)

	// Flags may follow the file, as with the other commands.
	rep, err = importCase(t, smart, "--data", data)
	if err != nil || !slices.Equal(rep.Unchanged.IDs, ids) || rep.Published.Count != 0 {
		t.Errorf("the same package again: %+v, %v", rep, err)
	}
	rep, err = importCase(t, "--data", data, "--dry-run", caseFile("opensalt-SequenceNumberFramework.json"))
	if err != nil || !rep.DryRun || !slices.Equal(rep.Published.IDs, []string{"SNT.1", "SNT.2"}) {
		t.Errorf("dry run: %+v, %v", rep, err)
	}
	if got := lastPosition(t, data); got != pos {
		t.Errorf("a repeated import and a dry run appended %d events", got-pos)
	}

	// The service sees the imported standards; while it runs, an offline
	// import is refused and says why.
	url, stop := startServe(t, "--data", data, "--tokens", writeTokens(t, t.TempDir()))
	status, body := call(t, "GET", url+"/v1/standards/"+ids[0], "teacher-token-for-tests", nil)
	if status != 200 || !strings.Contains(string(body), `"caseIdentifier":"00000000-0000-0000-0000-000000000003"`) {
		t.Errorf("GET the imported standard: %d %s", status, body)
	}
	_, err = importCase(t, "--data", data, caseFile("opensalt-SequenceNumberFramework.json"))
	if !errors.Is(err, sqlite.ErrLocked) || !strings.Contains(err.Error(), "stop the server") {
		t.Errorf("import while serving: %v, want ErrLocked saying to stop the server", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestImportCaseCommandRefusesABadFileWritingNothing(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(caseFile("opensalt-SmartLevelFramework.json"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, bytes.Replace(raw, []byte(`"lastChangeDateTime": "2017-09-22T23:15:13+00:00"`), []byte(`"lastChangeDateTime": 2017`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	_, err = importCase(t, "--data", data, bad)
	var invalid *casefile.InvalidPackageError
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "$.CFItems[0].lastChangeDateTime") {
		t.Fatalf("import of a bad file: %v", err)
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused file made the data directory: %v", err)
	}
	for _, args := range [][]string{{"import"}, {"import", "nonsense"}, {"import", "case"}, {"import", "case", "a.json", "b.json"}} {
		if err := run(context.Background(), args, noEnv, io.Discard, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("ledger %s: %v, want a usage error", strings.Join(args, " "), err)
		}
	}
}
