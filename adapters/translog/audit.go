package translog

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/masteryledger/ledger/domain"
)

// AuditError names the first thing an audit found wrong. It wraps
// ErrUnverified.
type AuditError struct {
	// Check is what failed: "leaf", "log-size", "checkpoint" or "nodes".
	Check string
	// Index is the leaf (0-based place in the global order) concerned;
	// Position and EventID name the event there, when there is one.
	Index    uint64
	Position uint64
	EventID  string
	Reason   string
}

func (e *AuditError) Error() string {
	where := fmt.Sprintf("leaf %d", e.Index)
	if e.EventID != "" {
		where += fmt.Sprintf(" (event %s at position %d)", e.EventID, e.Position)
	}
	return fmt.Sprintf("%s check failed at %s: %s", e.Check, where, e.Reason)
}

func (e *AuditError) Unwrap() error { return ErrUnverified }

// Auditor recomputes the log from the events, fed in global order after
// their chains verified, and compares it with what the log holds (its
// leaves) and what was signed (checkpoints). It keeps O(log n) state.
type Auditor struct {
	tree        *Tree
	checkpoints []Checkpoint // ascending size, not yet reached
	checked     int
}

// NewAuditor returns an auditor that checks each of checkpoints (already
// opened with the right key) when the events reach its size.
func NewAuditor(checkpoints ...Checkpoint) *Auditor {
	cps := append([]Checkpoint(nil), checkpoints...)
	sort.Slice(cps, func(i, j int) bool { return cps[i].Size < cps[j].Size })
	return &Auditor{tree: NewTree(), checkpoints: cps}
}

// Size is how many events the auditor has seen.
func (a *Auditor) Size() uint64 { return a.tree.Size() }

// Checked is how many checkpoints matched so far.
func (a *Auditor) Checked() int { return a.checked }

// Event takes the next event of the global order. If leaf is not nil it is
// what the log holds at this event's place and must be this event.
func (a *Auditor) Event(e domain.RecordedEvent, leaf *Leaf) error {
	// A checkpoint of the empty tree is reached before the first event.
	if err := a.reach(); err != nil {
		return err
	}
	index := a.tree.Size()
	fail := func(check, format string, args ...any) error {
		return &AuditError{Check: check, Index: index, Position: e.Position, EventID: e.ID.String(), Reason: fmt.Sprintf(format, args...)}
	}
	if leaf != nil {
		switch {
		case leaf.EventID != e.ID:
			return fail("leaf", "the log holds event %s (then at position %d) here: events were removed, inserted or reordered since it was logged", leaf.EventID, leaf.Position)
		case leaf.Hash != e.Hash:
			return fail("leaf", "the log holds hash %s for this event, the store %s: the event was altered and its chain rewritten", leaf.Hash, e.Hash)
		case leaf.Position != e.Position:
			return fail("leaf", "the log holds it at position %d: the global order was renumbered", leaf.Position)
		}
	}
	if err := a.tree.AppendEvent(e.Hash); err != nil {
		return fail("leaf", "%v", err)
	}
	if err := a.reach(); err != nil {
		err.Position, err.EventID = e.Position, e.ID.String()
		return err
	}
	return nil
}

// reach checks every checkpoint whose size the tree has reached.
func (a *Auditor) reach() *AuditError {
	for len(a.checkpoints) > 0 && a.checkpoints[0].Size == a.tree.Size() {
		cp := a.checkpoints[0]
		if root := a.tree.Root(); !bytes.Equal(root, cp.Root) {
			return &AuditError{Check: "checkpoint", Index: cp.Size, Reason: fmt.Sprintf(
				"the first %d events do not hash to the root the checkpoint at size %d signed: history before it was altered, or truncated and regrown", cp.Size, cp.Size)}
		}
		a.checkpoints = a.checkpoints[1:]
		a.checked++
	}
	return nil
}

// Finish reports what the end of the events leaves unchecked: a checkpoint
// larger than the events (events removed from the end), or leaves beyond
// them (logSize, the number of leaves the log holds).
func (a *Auditor) Finish(logSize uint64) error {
	if err := a.reach(); err != nil {
		return err
	}
	n := a.tree.Size()
	if len(a.checkpoints) > 0 {
		cp := a.checkpoints[len(a.checkpoints)-1]
		return &AuditError{Check: "checkpoint", Index: n, Reason: fmt.Sprintf(
			"a checkpoint signed a tree of %d events but only %d are stored: events were removed", cp.Size, n)}
	}
	if logSize > n {
		return &AuditError{Check: "log-size", Index: n, Reason: fmt.Sprintf(
			"the log holds %d leaves but only %d events are stored: events were removed from the end", logSize, n)}
	}
	return nil
}

// Root is the root of the events seen so far.
func (a *Auditor) Root() []byte { return a.tree.Root() }
