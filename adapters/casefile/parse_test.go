package casefile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/casefile"
	"github.com/masteryledger/ledger/domain"
)

func mustParser(tb testing.TB) *casefile.Parser {
	tb.Helper()
	p, err := casefile.NewParser()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

func mustParse(tb testing.TB, p *casefile.Parser, raw []byte) *casefile.Package {
	tb.Helper()
	pkg, err := p.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return pkg
}

func TestParseAcceptsTheRealPackages(t *testing.T) {
	p := mustParser(t)
	for _, name := range []string{"opensalt-SmartLevelFramework.json", "opensalt-SequenceNumberFramework.json", "opensalt-ItemTypeTestFramework.json", "rubric-framework.json"} {
		t.Run(name, func(t *testing.T) {
			pkg := mustParse(t, p, readTestdata(t, name))
			if pkg.Document.Identifier == "" || len(pkg.Items) == 0 {
				t.Fatalf("parsed %s into %+v", name, pkg.Document)
			}
		})
	}
}

// edit returns the SmartLevel package with one textual replacement, so
// that each bad case is a real package with one thing wrong.
func edit(t *testing.T, old, new string) []byte {
	t.Helper()
	raw := string(readTestdata(t, "opensalt-SmartLevelFramework.json"))
	if !strings.Contains(raw, old) {
		t.Fatalf("the package holds no %q", old)
	}
	return []byte(strings.Replace(raw, old, new, 1))
}

func TestParseRefusesABadPackageNamingWhere(t *testing.T) {
	p := mustParser(t)
	cases := []struct {
		name     string
		raw      []byte
		path     string
		contains string
	}{
		{"not JSON", []byte(`{"CFDocument": `), "$", "malformed JSON"},
		{"two documents", []byte(`{} {}`), "$", "exactly one JSON document"},
		{"no document", []byte(`{"CFItems": []}`), "$", "CFDocument"},
		{"an unknown property", edit(t, `"creator": "OpenSALT Testing",`, `"creator": "OpenSALT Testing", "author": "x",`), "$.CFDocument", "author"},
		{"an identifier that is not a UUID", edit(t, `"identifier": "00000000-0000-0000-0000-000000000002"`, `"identifier": "item-2"`), "$.CFItems[1].identifier", "uuid"},
		{"a time that is not a date-time", edit(t, `"lastChangeDateTime": "2017-09-22T23:15:13+00:00"`, `"lastChangeDateTime": "yesterday"`), "$.CFItems[0].lastChangeDateTime", "date-time"},
		{"an item without a statement", edit(t, `"fullStatement": "Item 2"`, `"abbreviatedStatement": "Item 2"`), "$.CFItems[1]", "fullStatement"},
		{"a repeated identifier", edit(t, `"identifier": "00000000-0000-0000-0000-000000000002"`, `"identifier": "00000000-0000-0000-0000-000000000001"`), "$.CFItems[1].identifier", "repeats"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Parse(tc.raw)
			var bad *casefile.InvalidPackageError
			if !errors.As(err, &bad) {
				t.Fatalf("Parse = %v, want *InvalidPackageError", err)
			}
			if !errors.Is(err, casefile.ErrInvalidPackage) || !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalidPackage and domain.ErrInvalid", err)
			}
			for _, pr := range bad.Problems {
				if pr.Path == tc.path && strings.Contains(pr.Message, tc.contains) {
					return
				}
			}
			t.Errorf("problems %+v name no %s with %q", bad.Problems, tc.path, tc.contains)
		})
	}
}
