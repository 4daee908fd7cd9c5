package casefile_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/casefile"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

var admin = domain.Actor{Role: domain.RoleAdmin, Name: "Office"}

// ledger is a command service on a fresh embedded store.
type ledger struct {
	store *sqlite.Store
	svc   *service.Service
}

func newLedger(tb testing.TB) *ledger {
	tb.Helper()
	store, err := sqlite.Open(context.Background(), tb.TempDir(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	return &ledger{store: store, svc: service.New(store, nil)}
}

func (l *ledger) importPkg(tb testing.TB, pkg *casefile.Package, opts casefile.Options) casefile.Report {
	tb.Helper()
	opts.Actor = admin
	rep, err := casefile.Import(context.Background(), l.svc, l.store, pkg, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

// standards is every standard's stream as stored: event ids, types and
// data, which a single import and an interrupted one run again must
// agree on.
func (l *ledger) standards(tb testing.TB) map[string][]string {
	tb.Helper()
	evs, err := l.store.ReadAll(context.Background(), 0, 0)
	if err != nil {
		tb.Fatal(err)
	}
	out := make(map[string][]string)
	for _, e := range evs {
		out[e.Stream] = append(out[e.Stream], fmt.Sprintf("%d %s %s %s", e.Revision, e.ID, e.Type, e.Data))
	}
	return out
}

func ids(c casefile.Count) string { return strings.Join(c.IDs, ",") }

func TestImportThenReimportAppendsNothing(t *testing.T) {
	p := mustParser(t)
	l := newLedger(t)
	pkg := mustParse(t, p, readTestdata(t, "opensalt-SmartLevelFramework.json"))
	rep := l.importPkg(t, pkg, casefile.Options{})
	if rep.Published.Count != 2 || rep.Unchanged.Count != 0 {
		t.Fatalf("first import: %+v", rep)
	}
	pos := l.store.LastPosition()
	rep = l.importPkg(t, mustParse(t, p, readTestdata(t, "opensalt-SmartLevelFramework.json")), casefile.Options{})
	if rep.Published.Count != 0 || rep.Revised.Count != 0 || rep.Unchanged.Count != 2 {
		t.Errorf("second import: %+v", rep)
	}
	if got := l.store.LastPosition(); got != pos {
		t.Errorf("the second import appended %d events", got-pos)
	}
	st, err := casefile.LoadStandards(context.Background(), l.store)
	if err != nil {
		t.Fatal(err)
	}
	s := st["case-00000000-0000-0000-0000-000000000001"]
	if s == nil || s.Case == nil || s.Case.ItemIdentifier != "00000000-0000-0000-0000-000000000001" || len(s.Components) != 10 ||
		s.Components[0].CaseIdentifier != "00000000-0000-0000-0000-000000000003" || s.Scale.Proficient != 3 {
		t.Errorf("imported standard %+v", s)
	}
}

func TestImportDryRunWritesNothing(t *testing.T) {
	p := mustParser(t)
	l := newLedger(t)
	rep := l.importPkg(t, mustParse(t, p, readTestdata(t, "rubric-framework.json")), casefile.Options{DryRun: true})
	if !rep.DryRun || ids(rep.Published) != "6.RP.A.1,6.RP.A.3" {
		t.Errorf("dry run: %+v", rep)
	}
	if n := l.store.LastPosition(); n != 0 {
		t.Errorf("a dry run appended %d events", n)
	}
}

func TestImportRevisesChangedItemsAndReportsMissingOnes(t *testing.T) {
	p := mustParser(t)
	l := newLedger(t)
	l.importPkg(t, mustParse(t, p, readTestdata(t, "opensalt-SmartLevelFramework.json")), casefile.Options{})

	// A newer package: one child's statement changed, Item 2 and its
	// children gone.
	newer := mustParse(t, p, readTestdata(t, "opensalt-SmartLevelFramework.json"))
	gone := map[string]bool{"00000000-0000-0000-0000-000000000002": true, "00000000-0000-0000-0000-000000000013": true, "00000000-0000-0000-0000-000000000014": true}
	var items []casefile.Item
	for _, it := range newer.Items {
		if gone[it.Identifier] {
			continue
		}
		if it.Identifier == "00000000-0000-0000-0000-000000000003" {
			it.FullStatement = "Item 1.1, reworded"
			it.LastChangeDateTime = "2018-01-01T00:00:00+00:00"
		}
		items = append(items, it)
	}
	newer.Items = items

	dry := l.importPkg(t, newer, casefile.Options{DryRun: true, RetireMissing: true})
	if ids(dry.Revised) != "case-00000000-0000-0000-0000-000000000001" || ids(dry.Missing) != "case-00000000-0000-0000-0000-000000000002" ||
		ids(dry.Retired) != "case-00000000-0000-0000-0000-000000000002" {
		t.Errorf("dry run: %+v", dry)
	}
	rep := l.importPkg(t, newer, casefile.Options{})
	if ids(rep.Revised) != "case-00000000-0000-0000-0000-000000000001" || ids(rep.Missing) != "case-00000000-0000-0000-0000-000000000002" || rep.Retired.Count != 0 {
		t.Errorf("import: %+v", rep)
	}
	st, _ := casefile.LoadStandards(context.Background(), l.store)
	if s := st["case-00000000-0000-0000-0000-000000000002"]; s.Retired {
		t.Error("a missing standard was retired without --retire-missing")
	}
	if s := st["case-00000000-0000-0000-0000-000000000001"]; s.Revision != 2 || s.Components[0].Statement != "Item 1.1, reworded" || s.Case.LastChangeDateTime != "2017-09-22T23:15:13+00:00" {
		t.Errorf("revised standard %+v", s)
	}

	rep = l.importPkg(t, newer, casefile.Options{RetireMissing: true})
	if rep.Revised.Count != 0 || ids(rep.Unchanged) != "case-00000000-0000-0000-0000-000000000001" || ids(rep.Retired) != "case-00000000-0000-0000-0000-000000000002" {
		t.Errorf("import --retire-missing: %+v", rep)
	}
	st, _ = casefile.LoadStandards(context.Background(), l.store)
	if !st["case-00000000-0000-0000-0000-000000000002"].Retired {
		t.Error("--retire-missing retired nothing")
	}
	pos := l.store.LastPosition()
	rep = l.importPkg(t, newer, casefile.Options{RetireMissing: true})
	if rep.Missing.Count != 0 || rep.Retired.Count != 0 || l.store.LastPosition() != pos {
		t.Errorf("after retiring, the same import again: %+v, %d events", rep, l.store.LastPosition()-pos)
	}
}

func TestImportRefusesToOverwriteAStandardItDidNotImport(t *testing.T) {
	p := mustParser(t)
	l := newLedger(t)
	if _, err := l.svc.PublishStandard(context.Background(), domain.PublishStandard{Meta: domain.Meta{Actor: admin},
		StandardID: "SNT.2", Framework: "Local", Code: "SNT.2", Title: "Ours", Statement: "Ours",
		Components: []domain.Component{{ID: "c1", Statement: "ours"}}}); err != nil {
		t.Fatal(err)
	}
	pos := l.store.LastPosition()
	_, err := casefile.Import(context.Background(), l.svc, l.store, mustParse(t, p, readTestdata(t, "opensalt-SequenceNumberFramework.json")), casefile.Options{Actor: admin})
	var clash *casefile.ClashError
	if !errors.As(err, &clash) || !errors.Is(err, domain.ErrConflict) || !strings.Contains(err.Error(), `"SNT.2"`) {
		t.Fatalf("Import = %v, want a *ClashError naming SNT.2", err)
	}
	if l.store.LastPosition() != pos {
		t.Error("a refused import appended events")
	}
}

// TestImportStoppedHalfWayThenRunAgain stops an import after a few appends,
// as a crash would, runs it again, and compares the standards' streams
// with those of a single uninterrupted run: the same events, ids and data.
func TestImportStoppedHalfWayThenRunAgain(t *testing.T) {
	p := mustParser(t)
	raw := syntheticPackage(t, 40, 3)
	once := newLedger(t)
	once.importPkg(t, mustParse(t, p, raw), casefile.Options{})

	for _, workers := range []int{1, 8} {
		t.Run(fmt.Sprintf("%d at once", workers), func(t *testing.T) {
			l := newLedger(t)
			ctx, cancel := context.WithCancel(context.Background())
			var n atomic.Int32
			rep, err := casefile.Import(ctx, l.svc, l.store, mustParse(t, p, raw), casefile.Options{Actor: admin, Concurrency: workers,
				OnAppended: func(domain.RecordedEvent) {
					if n.Add(1) == 7 {
						cancel()
					}
				}})
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("stopped import: %v", err)
			}
			if rep.Published.Count < 7 || rep.Published.Count >= 40 || int(l.store.LastPosition()) < rep.Published.Count {
				t.Fatalf("stopped import published %d, stored %d", rep.Published.Count, l.store.LastPosition())
			}
			done := rep.Published.Count
			rep = l.importPkg(t, mustParse(t, p, raw), casefile.Options{Concurrency: workers})
			if rep.Published.Count+rep.Unchanged.Count != 40 || rep.Unchanged.Count < done {
				t.Errorf("run again: %+v", rep)
			}
			if got, want := l.standards(t), once.standards(t); !reflect.DeepEqual(got, want) {
				t.Errorf("the interrupted import, run again, stored other standards than one run: %d streams, want %d", len(got), len(want))
			}
		})
	}
}

// syntheticPackage writes a CASE 1.1 package shaped like the OpenSALT
// SmartLevel framework (untyped items; standards with leaf children under
// the document), with n standards of k components each: n*(k+1) items.
func syntheticPackage(tb testing.TB, n, k int) []byte {
	tb.Helper()
	const base = "https://case.example.org/uri/"
	id := func(i int) string { return fmt.Sprintf("5e1f0000-0000-4000-8000-%012d", i) }
	link := func(i int, title string) map[string]string {
		return map[string]string{"title": title, "identifier": id(i), "uri": base + id(i)}
	}
	changed := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC).Format(time.RFC3339)
	doc := map[string]any{"identifier": id(0), "uri": base + id(0), "creator": "Synthetic", "title": "Synthetic framework", "lastChangeDateTime": changed}
	var items, assocs []map[string]any
	next := 1
	for s := range n {
		sid := next
		next++
		code := fmt.Sprintf("SYN.%d", s+1)
		items = append(items, map[string]any{"identifier": id(sid), "uri": base + id(sid), "fullStatement": "Standard " + code + " asks for something worth learning.",
			"humanCodingScheme": code, "lastChangeDateTime": changed})
		assocs = append(assocs, map[string]any{"identifier": id(900000 + sid), "uri": base + id(900000+sid), "associationType": "isChildOf", "sequenceNumber": s + 1,
			"originNodeURI": link(sid, code), "destinationNodeURI": link(0, "Synthetic framework"), "lastChangeDateTime": changed})
		for c := range k {
			cid := next
			next++
			ccode := fmt.Sprintf("%s.%c", code, 'a'+c)
			items = append(items, map[string]any{"identifier": id(cid), "uri": base + id(cid), "fullStatement": "Step " + ccode + " of the progression.",
				"humanCodingScheme": ccode, "lastChangeDateTime": changed})
			assocs = append(assocs, map[string]any{"identifier": id(900000 + cid), "uri": base + id(900000+cid), "associationType": "isChildOf", "sequenceNumber": c + 1,
				"originNodeURI": link(cid, ccode), "destinationNodeURI": link(sid, code), "lastChangeDateTime": changed})
		}
	}
	raw, err := json.Marshal(map[string]any{"CFDocument": doc, "CFItems": items, "CFAssociations": assocs})
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}
