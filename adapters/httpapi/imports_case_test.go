package httpapi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/httpapi"
)

// casePackage reads one of the real CASE packages the casefile package
// keeps (OpenSALT's fixtures; see its testdata/SOURCES.md).
func casePackage(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "casefile", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

type importReport struct {
	Published, Revised, Unchanged, Missing, Retired struct {
		Count int      `json:"count"`
		IDs   []string `json:"ids"`
	}
	DryRun bool `json:"dryRun"`
}

func (r reply) report(t *testing.T) importReport {
	t.Helper()
	var rep importReport
	if err := json.Unmarshal(r.body, &rep); err != nil {
		t.Fatalf("not an import report: %v\n%s", err, r.body)
	}
	return rep
}

// standardRow is what the CASE import's tests read of GET /v1/standards.
type standardRow struct {
	StandardID string `json:"standardId"`
	Components []struct {
		ID             string `json:"id"`
		CaseIdentifier string `json:"caseIdentifier"`
	} `json:"components"`
	Case struct {
		DocumentIdentifier string `json:"documentIdentifier"`
		ItemIdentifier     string `json:"itemIdentifier"`
	} `json:"case"`
}

func TestCaseImportOverHTTP(t *testing.T) {
	onEveryStore(t, func(t *testing.T, a *api) {
		smart := casePackage(t, "opensalt-SmartLevelFramework.json")

		rep := a.must(201, "POST", "/v1/imports/case", adminToken, smart).report(t)
		want := []string{"case-00000000-0000-0000-0000-000000000001", "case-00000000-0000-0000-0000-000000000002"}
		if !slices.Equal(rep.Published.IDs, want) || rep.Published.Count != 2 || rep.DryRun {
			t.Fatalf("import: %+v", rep)
		}
		// Answered once the read model shows them: the next read lists them.
		var got struct {
			Standards []standardRow `json:"standards"`
		}
		if err := json.Unmarshal(a.must(200, "GET", "/v1/standards", teacherToken, nil).body, &got); err != nil {
			t.Fatal(err)
		}
		list := got.Standards
		// The import publishes up to 16 standards at once, so the catalog's
		// order (the order published) is the order the appends won.
		slices.SortFunc(list, func(a, b standardRow) int { return strings.Compare(a.StandardID, b.StandardID) })
		if len(list) != 2 || list[0].StandardID != want[0] || len(list[0].Components) != 10 ||
			list[0].Components[0].CaseIdentifier != "00000000-0000-0000-0000-000000000003" ||
			list[0].Case.DocumentIdentifier != "d0000000-0000-0000-0000-000000000000" || list[1].Case.ItemIdentifier != "00000000-0000-0000-0000-000000000002" {
			t.Errorf("GET /v1/standards after the import: %+v", list)
		}

		// The same package again appends nothing.
		pos := a.lastPosition()
		rep = a.must(200, "POST", "/v1/imports/case", adminToken, smart).report(t)
		if rep.Unchanged.Count != 2 || rep.Published.Count != 0 {
			t.Errorf("import again: %+v", rep)
		}
		// A dry run of another package writes nothing.
		rep = a.must(200, "POST", "/v1/imports/case?dryRun=true", adminToken, casePackage(t, "opensalt-SequenceNumberFramework.json")).report(t)
		if !rep.DryRun || !slices.Equal(rep.Published.IDs, []string{"SNT.1", "SNT.2"}) {
			t.Errorf("dry run: %+v", rep)
		}
		if got := a.lastPosition(); got != pos {
			t.Errorf("a repeated import and a dry run appended events: position %d, was %d", got, pos)
		}
		a.must(404, "GET", "/v1/standards/SNT.1", adminToken, nil)
	})
}

func TestCaseImportRefusals(t *testing.T) {
	a := newAPI(t, stores[0])
	smart := strings.TrimSpace(casePackage(t, "opensalt-SmartLevelFramework.json"))
	a.must(403, "POST", "/v1/imports/case", teacherToken, smart)
	a.must(401, "POST", "/v1/imports/case", "", smart)
	a.must(400, "POST", "/v1/imports/case?dryRun=maybe", adminToken, smart)

	bad := strings.Replace(smart, `"identifier": "00000000-0000-0000-0000-000000000002"`, `"identifier": "item-2"`, 1)
	p := a.must(400, "POST", "/v1/imports/case", adminToken, bad).json(t)
	errs, _ := p["errors"].([]any)
	found := false
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == "$.CFItems[1].identifier" && strings.Contains(m["message"].(string), "uuid") {
			found = true
		}
	}
	if !found {
		t.Errorf("the 400 names no $.CFItems[1].identifier: %v", p)
	}
	a.must(400, "POST", "/v1/imports/case", adminToken, `{"CFDocument": `)

	// Over the route's own limit (not the 1 MiB of commands): 413.
	a.must(201, "POST", "/v1/imports/case", adminToken, smart[:len(smart)-1]+strings.Repeat(" ", 2<<20)+"}")
	a.must(413, "POST", "/v1/imports/case", adminToken, smart[:len(smart)-1]+strings.Repeat(" ", httpapi.MaxCaseImportBytes)+"}")

	// A standard written by hand under an id the package maps to: 409,
	// and nothing written.
	a.must(201, "POST", "/v1/standards", adminToken, obj{"standardId": "SNT.1", "framework": "Local", "code": "SNT.1", "title": "Ours",
		"statement": "Ours", "components": []obj{{"id": "c1", "statement": "ours"}}})
	pos := a.lastPosition()
	a.must(409, "POST", "/v1/imports/case", adminToken, casePackage(t, "opensalt-SequenceNumberFramework.json"))
	if a.lastPosition() != pos {
		t.Error("a refused import appended events")
	}
}
