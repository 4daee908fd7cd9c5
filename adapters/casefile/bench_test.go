package casefile_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/casefile"
)

// importCeiling is the time a CASE package of about 750 items may take to
// import into the embedded store (docs/benchmarks.md).
const importCeiling = 3 * time.Second

// BenchmarkImport imports a synthetic package of 750 items, shaped as the
// real OpenSALT packages are, into a fresh embedded store: parsing and
// checking against the schema, mapping, reading the store and appending.
// Two shapes: standards with four components each (150 standards, 150
// events), and standards that are their own single component (750
// standards, 750 events: the most appends per item). The last runs once
// more with one command at a time, the peer that shows what the
// concurrent appends (sharing the store's group commits) buy.
//
//	go test -run '^$' -bench Import -benchtime 1x ./adapters/casefile/
func BenchmarkImport(b *testing.B) {
	for _, shape := range []struct{ standards, components, concurrency int }{{150, 4, 0}, {750, 0, 0}, {750, 0, 1}} {
		items := shape.standards * (shape.components + 1)
		name := fmt.Sprintf("items=%d/standards=%d", items, shape.standards)
		if shape.concurrency == 1 {
			name += "/one-at-a-time"
		}
		b.Run(name, func(b *testing.B) {
			raw := syntheticPackage(b, shape.standards, shape.components)
			p := mustParser(b)
			var total time.Duration
			for range b.N {
				b.StopTimer()
				l := newLedger(b)
				b.StartTimer()
				start := time.Now()
				pkg := mustParse(b, p, raw)
				rep, err := casefile.Import(context.Background(), l.svc, l.store, pkg, casefile.Options{Actor: admin, Concurrency: shape.concurrency})
				total += time.Since(start)
				if err != nil || rep.Published.Count != shape.standards {
					b.Fatalf("import: %+v, %v", rep, err)
				}
			}
			secs := total.Seconds() / float64(b.N)
			b.ReportMetric(secs, "s/import")
			b.ReportMetric(secs/importCeiling.Seconds(), "of-3s-ceiling")
		})
	}
}
