package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// TestCheckpointsAreSignedOnATimer runs the server's checkpoint timer on a
// real log under a fake clock: a checkpoint is signed after each interval
// in which the tree grew, and none while it did not.
func TestCheckpointsAreSignedOnATimer(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		key, err := translog.LoadOrCreateKey(dir, "north.example/ledger")
		if err != nil {
			t.Fatal(err)
		}
		l, err := translog.Open(ctx, dir, key)
		if err != nil {
			t.Fatal(err)
		}
		pos := uint64(0)
		add := func(n int) {
			for range n {
				pos++
				h := sha256.Sum256(fmt.Append(nil, pos))
				if err := l.Add(domain.RecordedEvent{ID: uuid.New(), Position: pos, Hash: hex.EncodeToString(h[:])}); err != nil {
					t.Fatal(err)
				}
			}
		}
		sizes := func() []uint64 {
			cps, err := l.Checkpoints(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var out []uint64
			for _, c := range cps {
				out = append(out, c.Size)
			}
			return out
		}
		done := make(chan struct{})
		go func() {
			signEvery(ctx, l, time.Minute, slog.New(slog.DiscardHandler))
			close(done)
		}()
		add(3)
		synctest.Wait()
		if got := sizes(); len(got) != 0 {
			t.Fatalf("signed %v before the first tick", got)
		}
		time.Sleep(time.Minute) // the fake clock: no real time passes
		synctest.Wait()
		add(2)
		time.Sleep(time.Minute)
		synctest.Wait()
		time.Sleep(time.Minute) // the tree did not grow: nothing new
		synctest.Wait()
		if got := fmt.Sprint(sizes()); got != "[3 5]" {
			t.Fatalf("checkpoints of sizes %s, want [3 5]", got)
		}
		cancel()
		<-done
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
