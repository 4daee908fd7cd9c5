package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/synthetic"
)

// BenchmarkVerify measures, over 1,000,005 synthetic events, how fast the
// transparency log is built from the store, how long `ledger verify` takes
// (chains, leaves, checkpoint), and the size of proofs at that size. The
// peer, measured in the same run, is a plain ReadAll of the same events:
// verify cannot be faster than reading them.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	store, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	st, err := synthetic.Populate(ctx, store, synthetic.Options{Learners: 10_000, EventsPerLearner: 100, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("populated %d events in %s", st.Events, time.Since(start).Round(time.Millisecond))

	key, err := translog.LoadOrCreateKey(logDir(dir), "bench.example/ledger")
	if err != nil {
		b.Fatal(err)
	}
	tlog, err := translog.Open(ctx, logDir(dir), key)
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- tlog.Run(runCtx, store) }()
	if err := tlog.WaitFor(ctx, store.LastPosition()); err != nil {
		b.Fatal(err)
	}
	buildRate := float64(tlog.Size()) / time.Since(t0).Seconds()
	cancel()
	<-done
	cp, err := tlog.Checkpoint(ctx)
	if err != nil {
		b.Fatal(err)
	}
	n := cp.Size
	incl, err := tlog.InclusionProof(ctx, n/3, n)
	if err != nil {
		b.Fatal(err)
	}
	cons, err := tlog.ConsistencyProof(ctx, n/2, n)
	if err != nil {
		b.Fatal(err)
	}
	inclJSON, _ := json.Marshal(translog.EncodeHashes(incl))
	consJSON, _ := json.Marshal(translog.EncodeHashes(cons))
	tlog.Close()

	t0 = time.Now()
	read := readEverything(ctx, b, store)
	readRate := float64(read) / time.Since(t0).Seconds()
	store.Close()

	var verifyTime time.Duration
	for b.Loop() {
		t0 := time.Now()
		var out strings.Builder
		if err := run(ctx, []string{"verify", "--data", dir}, noEnv, &out, &out); err != nil {
			b.Fatal(err, out.String())
		}
		verifyTime = time.Since(t0)
	}
	verifyRate := float64(n) / verifyTime.Seconds()
	b.ReportMetric(verifyRate, "verify-events/s")
	b.ReportMetric(readRate, "read-events/s")
	b.ReportMetric(buildRate, "log-build-events/s")
	b.ReportMetric(verifyTime.Seconds()*1e6/float64(n), "verify-s/1M-events")
	b.Logf("log built at %.0f events/s; verify of %d events in %s (%.1f s per 1,000,000), %.0f events/s; plain read %.0f events/s (verify/read %.2f)",
		buildRate, n, verifyTime.Round(time.Millisecond), verifyTime.Seconds()*1e6/float64(n), verifyRate, readRate, verifyRate/readRate)
	b.Logf("at size %d: inclusion proof %d hashes (%d bytes of JSON), consistency proof from %d: %d hashes (%d bytes of JSON); checkpoint %d bytes",
		n, len(incl), len(inclJSON), n/2, len(cons), len(consJSON), len(cp.Note))
}

// readEverything reads every event of store in pages, as the commands do,
// and counts them: the plain read that the benchmarks over a data directory
// set beside their own figure.
func readEverything(ctx context.Context, b *testing.B, store interface {
	ReadAll(ctx context.Context, after uint64, limit int) ([]domain.RecordedEvent, error)
}) int {
	b.Helper()
	var after uint64
	read := 0
	for {
		page, err := store.ReadAll(ctx, after, 10_000)
		if err != nil {
			b.Fatal(err)
		}
		if len(page) == 0 {
			return read
		}
		read += len(page)
		after = page[len(page)-1].Position
	}
}
