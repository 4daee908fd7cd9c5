package casefile_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/casefile"
	"github.com/masteryledger/ledger/domain"
)

// want is what a test expects of one mapped standard.
type want struct {
	id, code, title string
	components      []string // component ids, in order
	statements      []string // their statements, when checked
	scale           *domain.Scale
}

// lv is a level of a scale.
func lv(n int, label string) domain.Level { return domain.Level{Level: n, Label: label} }

func TestMapRealPackages(t *testing.T) {
	p := mustParser(t)
	ratioScale := &domain.Scale{Levels: []domain.Level{lv(1, "Not yet"), lv(2, "Approaching"), lv(3, "Meets the standard"), lv(4, "Exceeds")}, Proficient: 3}
	cases := []struct {
		file string
		want []want
	}{
		{
			// No item types: an item whose children are leaves is a
			// standard, its children its components.
			file: "opensalt-SmartLevelFramework.json",
			want: []want{
				{id: "case-00000000-0000-0000-0000-000000000001", code: "00000000-0000-0000-0000-000000000001", title: "Item 1",
					components: []string{
						"00000000-0000-0000-0000-000000000003", "00000000-0000-0000-0000-000000000004", "00000000-0000-0000-0000-000000000005",
						"00000000-0000-0000-0000-000000000006", "00000000-0000-0000-0000-000000000007", "00000000-0000-0000-0000-000000000008",
						"00000000-0000-0000-0000-000000000009", "00000000-0000-0000-0000-000000000010", "00000000-0000-0000-0000-000000000011",
						"00000000-0000-0000-0000-000000000012"},
					statements: []string{"Item 1.1", "Item 1.2", "Item 1.3", "Item 1.4", "Item 1.5", "Item 1.6", "Item 1.7", "Item 1.8", "Item 1.9", "Item 1.10"}},
				{id: "case-00000000-0000-0000-0000-000000000002", code: "00000000-0000-0000-0000-000000000002", title: "Item 2",
					components: []string{"00000000-0000-0000-0000-000000000013", "00000000-0000-0000-0000-000000000014"},
					statements: []string{"Item 2.1", "Item 2.2"}},
			},
		},
		{
			// Leaves under the document: each a standard with one
			// component, its own statement.
			file: "opensalt-SequenceNumberFramework.json",
			want: []want{
				{id: "SNT.1", code: "SNT.1", title: "First Added Item", components: []string{"SNT.1"}, statements: []string{"First Added Item"}},
				{id: "SNT.2", code: "SNT.2", title: "Second added item, but should be first", components: []string{"SNT.2"}},
			},
		},
		{
			file: "opensalt-ItemTypeTestFramework.json",
			want: []want{{id: "case-00000000-0000-0000-0000-000000000001", title: "Item 1", components: []string{"00000000-0000-0000-0000-000000000001"}}},
		},
		{
			// Typed: only Standard items are standards, the Cluster is
			// not; Component children in sequenceNumber order; a rubric
			// ordered by score, proficient at "Meets".
			file: "rubric-framework.json",
			want: []want{
				{id: "6.RP.A.1", code: "6.RP.A.1", title: "Ratios", components: []string{"6.RP.A.1"}, scale: ratioScale},
				{id: "6.RP.A.3", code: "6.RP.A.3", title: "Use ratio and rate reasoning to solve real-world and mathematical problems.",
					components: []string{"6.RP.A.3b", "6.RP.A.3a"}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			pkg := mustParse(t, p, readTestdata(t, tc.file))
			got, err := casefile.Map(pkg)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("mapped %d standards, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				checkMapped(t, got[i], w)
				if got[i].Case.DocumentIdentifier != pkg.Document.Identifier || got[i].Case.ItemIdentifier == "" {
					t.Errorf("%s: case ref %+v", w.id, got[i].Case)
				}
				for _, c := range got[i].Components {
					if c.CaseIdentifier == "" || c.CaseURI == "" {
						t.Errorf("%s: component %s keeps no CASE source", w.id, c.ID)
					}
				}
			}
			again, _ := casefile.Map(mustParse(t, p, readTestdata(t, tc.file)))
			if !reflect.DeepEqual(again, got) {
				t.Error("the same package mapped twice gives different standards")
			}
		})
	}
}

func checkMapped(t *testing.T, m casefile.Mapped, w want) {
	t.Helper()
	if m.StandardID != w.id {
		t.Errorf("standard id %q, want %q", m.StandardID, w.id)
	}
	if w.code != "" && m.Code != w.code {
		t.Errorf("%s: code %q, want %q", w.id, m.Code, w.code)
	}
	if w.title != "" && m.Title != w.title {
		t.Errorf("%s: title %q, want %q", w.id, m.Title, w.title)
	}
	var ids, statements []string
	for _, c := range m.Components {
		ids = append(ids, c.ID)
		statements = append(statements, c.Statement)
	}
	if fmt.Sprint(ids) != fmt.Sprint(w.components) {
		t.Errorf("%s: components %v, want %v", w.id, ids, w.components)
	}
	if w.statements != nil && fmt.Sprint(statements) != fmt.Sprint(w.statements) {
		t.Errorf("%s: statements %q, want %q", w.id, statements, w.statements)
	}
	if fmt.Sprint(m.Scale) != fmt.Sprint(w.scale) {
		t.Errorf("%s: scale %+v, want %+v", w.id, m.Scale, w.scale)
	}
}

// pkgOf builds a package in memory: items as code → statement, a parent
// map child → parent, with identifiers made from the codes.
func pkgOf(items [][2]string, parent map[string]string) *casefile.Package {
	pkg := &casefile.Package{Document: casefile.Document{Identifier: "doc", URI: "https://example.org/doc", Title: "Test"}}
	ident := func(code string) string { return "id-" + code }
	for _, it := range items {
		pkg.Items = append(pkg.Items, casefile.Item{Identifier: ident(it[0]), URI: "https://example.org/" + it[0], HumanCodingScheme: it[0], FullStatement: it[1]})
	}
	for c, p := range parent {
		dest := "doc"
		if p != "" {
			dest = ident(p)
		}
		pkg.Associations = append(pkg.Associations, casefile.Association{AssociationType: "isChildOf",
			OriginNodeURI: casefile.LinkURI{Identifier: ident(c)}, DestinationNodeURI: casefile.LinkURI{Identifier: dest}})
	}
	return pkg
}

func TestMapRules(t *testing.T) {
	long := strings.Repeat("Very.Long.Code.", 6)
	cases := []struct {
		name   string
		items  [][2]string
		parent map[string]string
		want   []want
	}{
		{
			name:   "a grouping of standards is no standard; its standards' leaves are components",
			items:  [][2]string{{"G", "grouping"}, {"S1", "first"}, {"S1.a", "a"}, {"S1.b", "b"}, {"S2", "second"}},
			parent: map[string]string{"G": "", "S1": "G", "S1.a": "S1", "S1.b": "S1", "S2": "G"},
			want:   []want{{id: "S1", components: []string{"S1.a", "S1.b"}}, {id: "S2", components: []string{"S2"}, statements: []string{"second"}}},
		},
		{
			name:  "a code that is no ledger id becomes a slug with a hash of the item",
			items: [][2]string{{"CCSS Math 6/RP", "odd code"}, {long, "long code"}},
			want: []want{
				{id: "CCSS-Math-6-RP-" + hash8("id-CCSS Math 6/RP"), components: []string{"CCSS-Math-6-RP-" + hash8("id-CCSS Math 6/RP")}},
				{id: strings.TrimRight(long[:55], "-.") + "-" + hash8("id-"+long)},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := casefile.Map(pkgOf(tc.items, tc.parent))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("mapped %d standards, want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				if !domain.ValidID(got[i].StandardID) {
					t.Errorf("standard id %q is no ledger id", got[i].StandardID)
				}
				if w.components == nil {
					w.components = idsOf(got[i].Components)
				}
				checkMapped(t, got[i], w)
			}
		})
	}
}

func TestMapGivesRepeatedCodesDistinctIDs(t *testing.T) {
	pkg := pkgOf([][2]string{{"A", "one"}, {"B", "two"}}, nil)
	pkg.Items[1].HumanCodingScheme = "A"
	got, err := casefile.Map(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].StandardID != "A-"+hash8("id-A") || got[1].StandardID != "A-"+hash8("id-B") {
		t.Errorf("ids %q and %q for two standards coded A", got[0].StandardID, got[1].StandardID)
	}
}

func TestMapRefusesWhatTheLedgerCannotHold(t *testing.T) {
	items := [][2]string{{"S", "standard"}, {"S.a", strings.Repeat("x", domain.MaxTextLen+1)}, {"T", "   "}}
	_, err := casefile.Map(pkgOf(items, map[string]string{"S.a": "S"}))
	var bad *casefile.InvalidPackageError
	if !errors.As(err, &bad) {
		t.Fatalf("Map = %v, want *InvalidPackageError", err)
	}
	paths := map[string]bool{}
	for _, p := range bad.Problems {
		paths[p.Path] = true
	}
	if !paths["$.CFItems[1].fullStatement"] || !paths["$.CFItems[2].fullStatement"] {
		t.Errorf("problems %+v", bad.Problems)
	}
}

func TestMapScaleRules(t *testing.T) {
	score := func(f float64) *float64 { return &f }
	pos := func(n int64) *int64 { return &n }
	cases := []struct {
		name   string
		levels []casefile.CriterionLevel
		want   *domain.Scale
	}{
		{"one level is no scale: the default", []casefile.CriterionLevel{{Quality: "Done", Score: score(1)}}, nil},
		{"two levels: the top is proficient", []casefile.CriterionLevel{{Quality: "Yes", Score: score(1)}, {Quality: "No", Score: score(0)}},
			&domain.Scale{Levels: []domain.Level{lv(1, "No"), lv(2, "Yes")}, Proficient: 2}},
		{"no proficient label: one below the top", []casefile.CriterionLevel{{Quality: "A", Position: pos(3)}, {Quality: "B", Position: pos(1)}, {Quality: "C", Position: pos(2)}},
			&domain.Scale{Levels: []domain.Level{lv(1, "B"), lv(2, "C"), lv(3, "A")}, Proficient: 2}},
		{"a proficient label wins", []casefile.CriterionLevel{{Quality: "Novice", Score: score(0.5)}, {Quality: "Proficient", Score: score(1.5)}, {Quality: "Expert", Score: score(2)}, {Quality: "Master", Score: score(3)}},
			&domain.Scale{Levels: []domain.Level{lv(1, "Novice"), lv(2, "Proficient"), lv(3, "Expert"), lv(4, "Master")}, Proficient: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pkg := pkgOf([][2]string{{"S", "standard"}}, nil)
			pkg.Rubrics = []casefile.Rubric{{Identifier: "r", Criteria: []casefile.Criterion{{Identifier: "c", CFItemURI: &casefile.LinkURI{Identifier: "id-S"}, Levels: tc.levels}}}}
			got, err := casefile.Map(pkg)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got[0].Scale) != fmt.Sprint(tc.want) {
				t.Errorf("scale %+v, want %+v", got[0].Scale, tc.want)
			}
		})
	}
}

func idsOf(cs []domain.Component) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}
