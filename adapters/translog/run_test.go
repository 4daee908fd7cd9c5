package translog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// TestRunFollowsTheStore runs the log beside a real embedded store while
// writers append, stops it, appends more, and starts it again: the log ends
// with every event once, in the store's order.
func TestRunFollowsTheStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	appendN := func(stream string, n int) domain.RecordedEvent {
		t.Helper()
		var last domain.RecordedEvent
		for i := 0; i < n; i++ {
			recs, err := store.Append(ctx, stream, domain.Any{}, domain.EventData{
				ID: uuid.New(), Type: "Noted", Actor: domain.Actor{Role: "admin", Name: "a"},
				Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
			})
			if err != nil {
				t.Fatal(err)
			}
			last = recs[0]
		}
		return last
	}
	appendN("s-1", 10)

	run := func(l *translog.Log) (stop func()) {
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- l.Run(rctx, store) }()
		return func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("run ended with %v", err)
			}
		}
	}
	l := openLog(t, dir+"/log")
	stop := run(l)
	last := appendN("s-2", 50)
	if err := l.WaitFor(ctx, last.Position); err != nil {
		t.Fatal(err)
	}
	stop()
	l.Close()
	last = appendN("s-3", 40)

	l = openLog(t, dir+"/log")
	stop = run(l)
	defer stop()
	if err := l.WaitFor(ctx, last.Position); err != nil {
		t.Fatal(err)
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := translog.NewAuditor(cp)
	evs, err := store.ReadAll(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	leaves, err := l.ReadLeaves(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaves) != len(evs) || len(evs) != 100 {
		t.Fatalf("%d leaves for %d events, want 100", len(leaves), len(evs))
	}
	for i, e := range evs {
		if err := a.Event(e, &leaves[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Finish(l.Size()); err != nil || a.Checked() != 1 {
		t.Fatalf("finish: %v, %d checkpoints checked", err, a.Checked())
	}
}
