package translog_test

import (
	"context"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/translog"
)

// BenchmarkLogAppend adds 200,000 events to a log and flushes them in
// batches of 8,192, as Run does on a long catch-up. The peer, measured in
// the same run, is the in-memory tree alone (hashing, no file): the file's
// cost is the gap.
func BenchmarkLogAppend(b *testing.B) {
	const n = 200_000
	ctx := context.Background()
	var fileRate, treeRate float64
	for b.Loop() {
		b.StopTimer()
		l := openLog(b, b.TempDir())
		b.StartTimer()
		t0 := time.Now()
		for i := range n {
			if err := l.Add(event(i)); err != nil {
				b.Fatal(err)
			}
			if i%8192 == 8191 {
				if err := l.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := l.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		fileRate = n / time.Since(t0).Seconds()

		t0 = time.Now()
		tree := translog.NewTree()
		for i := range n {
			if err := tree.AppendEvent(event(i).Hash); err != nil {
				b.Fatal(err)
			}
		}
		treeRate = n / time.Since(t0).Seconds()
	}
	b.ReportMetric(fileRate, "log-events/s")
	b.ReportMetric(treeRate, "tree-events/s")
	b.Logf("log %.0f events/s; in-memory tree alone %.0f events/s (log/tree %.2f)", fileRate, treeRate, fileRate/treeRate)
}
