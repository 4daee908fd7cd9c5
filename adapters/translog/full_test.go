package translog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/sqlitefile/mounttest"
	"github.com/masteryledger/ledger/domain"
)

// A full disk under the log does not stop Run: the log falls behind the
// store, a reader that needs it is refused with ErrStorageFull, and once
// space is freed the log catches up by itself.
func TestRunFallsBehindOnAFullDiskAndCatchesUp(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var last domain.RecordedEvent
	appendN := func(n int) {
		t.Helper()
		for i := range n {
			recs, err := store.Append(ctx, "s-1", domain.Any{}, domain.EventData{
				ID: uuid.New(), Type: "Noted", Actor: domain.Actor{Role: "admin", Name: "a"},
				Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
			})
			if err != nil {
				t.Fatal(err)
			}
			last = recs[0]
		}
	}

	mnt := mounttest.Tmpfs(t, "1m")
	l := openLog(t, filepath.Join(mnt, "log"))
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- l.Run(rctx, store) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("run ended with %v", err)
		}
	}()
	appendN(10)
	if err := l.WaitFor(ctx, last.Position); err != nil {
		t.Fatal(err)
	}

	filler := mounttest.Fill(t, mnt)
	appendN(3000)
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := l.WaitFor(wctx, last.Position); !errors.Is(err, domain.ErrStorageFull) {
		t.Fatalf("waiting for the log on a full disk: got %v, want ErrStorageFull", err)
	}
	select {
	case err := <-done:
		t.Fatalf("the log stopped on a full disk: %v", err)
	default:
	}
	if l.Position() >= last.Position {
		t.Fatalf("the log reached position %d on a full disk", l.Position())
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	// Run catches up on its own: wait for it without flushing.
	deadline := time.Now().Add(30 * time.Second)
	for l.Position() < last.Position {
		select {
		case err := <-done:
			t.Fatalf("the log stopped: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log is at position %d of %d 30s after space returned", l.Position(), last.Position)
		}
	}
	if l.Size() != last.Position {
		t.Errorf("log size %d, want %d leaves", l.Size(), last.Position)
	}
}
