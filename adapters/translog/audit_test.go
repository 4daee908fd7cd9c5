package translog_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// TestAuditorNamesEachTampering logs 20 events and signs a checkpoint at 16,
// then hands the auditor the events as an insider left them.
func TestAuditorNamesEachTampering(t *testing.T) {
	var original []domain.RecordedEvent
	tree := translog.NewTree()
	var cp translog.Checkpoint
	for i := 0; i < 20; i++ {
		e := event(i)
		original = append(original, e)
		tree.AppendEvent(e.Hash)
		if i == 15 {
			cp = translog.Checkpoint{Origin: "o", Size: 16, Root: tree.Root()}
		}
	}
	leaves := make([]translog.Leaf, len(original))
	for i, e := range original {
		leaves[i] = translog.Leaf{Index: uint64(i), EventID: e.ID, Position: e.Position, Hash: e.Hash}
	}
	tests := []struct {
		name   string
		events func() []domain.RecordedEvent
		// withLeaves compares with the log's leaves; without, only the
		// checkpoint protects the events (an offline export).
		withLeaves bool
		check      string
		index      uint64
	}{
		{name: "untouched", events: func() []domain.RecordedEvent { return original }, withLeaves: true},
		{name: "altered and rechained", withLeaves: true, check: "leaf", index: 7, events: func() []domain.RecordedEvent {
			evs := slices.Clone(original)
			evs[7].Hash = event(100).Hash
			return evs
		}},
		{name: "removed", withLeaves: true, check: "leaf", index: 4, events: func() []domain.RecordedEvent {
			return slices.Delete(slices.Clone(original), 4, 5)
		}},
		{name: "swapped", withLeaves: true, check: "leaf", index: 3, events: func() []domain.RecordedEvent {
			evs := slices.Clone(original)
			evs[3], evs[9] = evs[9], evs[3]
			evs[3].Position, evs[9].Position = evs[9].Position, evs[3].Position
			return evs
		}},
		{name: "inserted", withLeaves: true, check: "leaf", index: 11, events: func() []domain.RecordedEvent {
			return slices.Insert(slices.Clone(original), 11, event(200))
		}},
		{name: "truncated", withLeaves: true, check: "checkpoint", index: 12, events: func() []domain.RecordedEvent {
			return slices.Clone(original[:12])
		}},
		{name: "removed from the end after the checkpoint", withLeaves: true, check: "log-size", index: 18, events: func() []domain.RecordedEvent {
			return slices.Clone(original[:18])
		}},
		{name: "truncated and regrown, log rebuilt", withLeaves: false, check: "checkpoint", index: 16, events: func() []domain.RecordedEvent {
			evs := slices.Clone(original[:10])
			for i := 300; i < 310; i++ {
				evs = append(evs, event(i))
			}
			return evs
		}},
		{name: "altered in an export", withLeaves: false, check: "checkpoint", index: 16, events: func() []domain.RecordedEvent {
			evs := slices.Clone(original)
			evs[2].Hash = event(100).Hash
			return evs
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := translog.NewAuditor(cp)
			var err error
			for i, e := range tt.events() {
				var leaf *translog.Leaf
				if tt.withLeaves && i < len(leaves) {
					leaf = &leaves[i]
				}
				if err = a.Event(e, leaf); err != nil {
					break
				}
			}
			if err == nil {
				logSize := uint64(0)
				if tt.withLeaves {
					logSize = uint64(len(leaves))
				}
				err = a.Finish(logSize)
			}
			if tt.check == "" {
				if err != nil {
					t.Fatalf("untouched events failed: %v", err)
				}
				if a.Checked() != 1 {
					t.Fatalf("checked %d checkpoints, want 1", a.Checked())
				}
				return
			}
			var ae *translog.AuditError
			if !errors.As(err, &ae) || !errors.Is(err, translog.ErrUnverified) {
				t.Fatalf("got %v, want an *AuditError", err)
			}
			if ae.Check != tt.check || ae.Index != tt.index {
				t.Fatalf("got check %q at leaf %d (%v), want %q at %d", ae.Check, ae.Index, err, tt.check, tt.index)
			}
		})
	}
}
