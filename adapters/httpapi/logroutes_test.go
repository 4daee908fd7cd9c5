package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/translog"
)

func TestLogProofsOverHTTP(t *testing.T) {
	onEveryStore(t, logProofsOverHTTP)
}

// logProofsOverHTTP checks, as an outsider with nothing but the public
// routes and the key, that every stored event is in the signed tree and
// that the tree only grew between two checkpoints.
func logProofsOverHTTP(t *testing.T, a *api) {
	ctx := context.Background()
	a.school()
	a.must(201, "POST", "/v1/learners/l-0001/evidence", teacherToken, evidence("c1", 3, "teacher"))
	if err := a.log.WaitFor(ctx, a.lastPosition()); err != nil {
		t.Fatal(err)
	}
	key := string(a.must(200, "GET", "/v1/log/key", "", nil).body)
	older, err := translog.OpenCheckpoint(a.must(200, "GET", "/v1/log/checkpoint", "", nil).body, key)
	if err != nil {
		t.Fatal(err)
	}
	evs := a.eventsAfter(0)
	if older.Size != uint64(len(evs)) {
		t.Fatalf("checkpoint of size %d over %d events", older.Size, len(evs))
	}
	for _, e := range evs {
		var p httpapi.InclusionProof
		if err := json.Unmarshal(a.must(200, "GET", "/v1/log/proof/inclusion?eventId="+e.ID.String(), "", nil).body, &p); err != nil {
			t.Fatal(err)
		}
		hashes, err := translog.DecodeHashes(p.Hashes)
		if err != nil {
			t.Fatal(err)
		}
		if p.EventHash != e.Hash || p.Position != e.Position || p.TreeSize != older.Size || p.Checkpoint == nil {
			t.Fatalf("proof of event %s: %+v", e.ID, p)
		}
		if err := translog.VerifyInclusion(older, p.LeafIndex, e.Hash, hashes); err != nil {
			t.Fatalf("event %s: %v", e.ID, err)
		}
	}

	a.must(201, "POST", "/v1/learners/l-0002/evidence", teacherToken, evidence("c2", 2, "teacher"))
	if err := a.log.WaitFor(ctx, a.lastPosition()); err != nil {
		t.Fatal(err)
	}
	newer, err := translog.OpenCheckpoint(a.must(200, "GET", "/v1/log/checkpoint", "", nil).body, key)
	if err != nil {
		t.Fatal(err)
	}
	var c httpapi.ConsistencyProof
	body := a.must(200, "GET", fmt.Sprintf("/v1/log/proof/consistency?from=%d", older.Size), "", nil).body
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatal(err)
	}
	hashes, err := translog.DecodeHashes(c.Hashes)
	if err != nil {
		t.Fatal(err)
	}
	if c.To != newer.Size || c.FromCheckpoint == nil || c.ToCheckpoint == nil {
		t.Fatalf("consistency proof: %s", body)
	}
	if err := translog.VerifyConsistency(older, newer, hashes); err != nil {
		t.Fatal(err)
	}
	// The proof does not hold for a forged older head.
	forged := older
	forged.Root = newer.Root
	if err := translog.VerifyConsistency(forged, newer, hashes); !errors.Is(err, translog.ErrUnverified) {
		t.Fatalf("a forged older head verified: %v", err)
	}

	// An older size: proof against the root served for it.
	var p httpapi.InclusionProof
	json.Unmarshal(a.must(200, "GET", fmt.Sprintf("/v1/log/proof/inclusion?eventId=%s&size=%d", evs[0].ID, 2), "", nil).body, &p)
	if p.TreeSize != 2 || p.LeafIndex != 0 {
		t.Fatalf("proof at size 2: %+v", p)
	}

	for _, bad := range []struct {
		path  string
		want  int
		field string
	}{
		{"/v1/log/proof/inclusion", 400, "eventId"},
		{"/v1/log/proof/inclusion?eventId=nope", 400, "eventId"},
		{"/v1/log/proof/inclusion?eventId=" + evs[0].ID.String() + "&size=-1", 400, "size"},
		{fmt.Sprintf("/v1/log/proof/inclusion?eventId=%s&size=%d", evs[0].ID, newer.Size+1), 400, "size"},
		{fmt.Sprintf("/v1/log/proof/inclusion?eventId=%s&size=%d", evs[len(evs)-1].ID, len(evs)-1), 400, "size"},
		{"/v1/log/proof/inclusion?eventId=00000000-0000-4000-8000-000000000000", 404, ""},
		{"/v1/log/proof/consistency", 400, "from"},
		{"/v1/log/proof/consistency?from=3&to=2", 400, "from"},
		{fmt.Sprintf("/v1/log/proof/consistency?from=1&to=%d", newer.Size+1), 400, "to"},
	} {
		r := a.must(bad.want, "GET", bad.path, "", nil)
		if bad.field != "" {
			if got := fmt.Sprint(r.json(t)["errors"]); !json.Valid(r.body) || !containsField(r.json(t), bad.field) {
				t.Errorf("%s: errors %s do not name %q", bad.path, got, bad.field)
			}
		}
	}
}

func containsField(problem map[string]any, field string) bool {
	list, _ := problem["errors"].([]any)
	for _, e := range list {
		if m, _ := e.(map[string]any); m["field"] == field {
			return true
		}
	}
	return false
}

func TestProofOfAWriteJustAcknowledged(t *testing.T) {
	onEveryStore(t, proofOfAWriteJustAcknowledged)
}

// proofOfAWriteJustAcknowledged asks for the inclusion proof of each write
// the moment its 201 arrives, before the log's own flush would have written
// it: the proof is there.
func proofOfAWriteJustAcknowledged(t *testing.T, a *api) {
	a.school()
	for i := range 10 {
		var w httpapi.WriteResult
		if err := json.Unmarshal(a.must(201, "POST", "/v1/learners/l-0001/evidence", teacherToken, evidence("c1", 1+i%4, "teacher")).body, &w); err != nil {
			t.Fatal(err)
		}
		var p httpapi.InclusionProof
		if err := json.Unmarshal(a.must(200, "GET", "/v1/log/proof/inclusion?eventId="+w.EventID.String(), "", nil).body, &p); err != nil {
			t.Fatal(err)
		}
		if p.EventHash != w.Hash || p.Position != w.Position {
			t.Fatalf("write %+v, proof %+v", w, p)
		}
	}
	// An id the ledger never stored is still not found.
	a.must(404, "GET", "/v1/log/proof/inclusion?eventId=00000000-0000-4000-8000-000000000001", "", nil)
}

func TestCheckpointCoversAWriteJustAcknowledged(t *testing.T) {
	onEveryStore(t, checkpointCoversAWriteJustAcknowledged)
}

// checkpointCoversAWriteJustAcknowledged asks for the checkpoint the moment
// each write's 201 arrives: the signed tree holds the write.
func checkpointCoversAWriteJustAcknowledged(t *testing.T, a *api) {
	a.school()
	size := func() uint64 {
		t.Helper()
		note := a.must(200, "GET", "/v1/log/checkpoint", "", nil).body
		// The note's second line is the tree's size.
		lines := strings.Split(string(note), "\n")
		if len(lines) < 2 {
			t.Fatalf("checkpoint %q", note)
		}
		n, err := strconv.ParseUint(lines[1], 10, 64)
		if err != nil {
			t.Fatalf("checkpoint %q: %v", note, err)
		}
		return n
	}
	// Positions need not be dense (EventStoreDB's are not), so the tree's
	// size is counted from the school's events, which one checkpoint holds.
	before := size()
	for i := range uint64(10) {
		a.must(201, "POST", "/v1/learners/l-0001/evidence", teacherToken, evidence("c1", 1+int(i)%4, "teacher"))
		if got := size(); got < before+i+1 {
			t.Fatalf("%d writes after a checkpoint of size %d, a checkpoint of size %d", i+1, before, got)
		}
	}
}
