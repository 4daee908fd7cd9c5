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

// TestCheckTipFindsAStoreThatLostEvents: a log over 5 events, then a store
// that holds only the first 3 and then 2 others (as after restoring an
// older backup and writing on): the log refuses to follow it.
func TestCheckTipFindsAStoreThatLostEvents(t *testing.T) {
	ctx := context.Background()
	appendTo := func(t *testing.T, store *sqlite.Store, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			if _, err := store.Append(ctx, "s", domain.Any{}, domain.EventData{ID: uuid.New(), Type: "Noted", Data: json.RawMessage(`{}`)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	build := func(t *testing.T, dir string, n int) *sqlite.Store {
		t.Helper()
		store, err := sqlite.Open(ctx, dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		appendTo(t, store, n)
		return store
	}
	logDir := t.TempDir()
	l := openLog(t, logDir)
	original := build(t, t.TempDir(), 5)
	evs, _ := original.ReadAll(ctx, 0, 0)
	for _, e := range evs {
		l.Add(e)
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.CheckTip(ctx, original); err != nil {
		t.Fatalf("the log's own store: %v", err)
	}
	shorter := build(t, t.TempDir(), 3)
	if err := l.CheckTip(ctx, shorter); !errors.Is(err, translog.ErrDiverged) {
		t.Fatalf("a store without the log's last events: %v, want ErrDiverged", err)
	}
	appendTo(t, shorter, 2) // as many events again, other ones
	if err := l.CheckTip(ctx, shorter); !errors.Is(err, translog.ErrDiverged) {
		t.Fatalf("a store with other events at the log's positions: %v, want ErrDiverged", err)
	}
}
