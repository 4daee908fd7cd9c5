package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlitefile/mounttest"
	"github.com/masteryledger/ledger/domain"
)

const teacherToken = "teacher-token-for-tests"

// fullDiskNode is a served node on a small tmpfs.
type fullDiskNode struct {
	t    *testing.T
	mnt  string
	url  string
	note string
}

// write posts a piece of evidence of about 4 KiB with event id id.
func (n *fullDiskNode) write(id string) (int, []byte) {
	return call(n.t, "POST", n.url+"/v1/learners/l-1/evidence", teacherToken, map[string]any{
		"eventId": id, "standardId": "s1", "componentId": "c1", "level": 3, "source": "teacher", "note": n.note})
}

// wantFull checks a write was refused as a full disk: 503, and a problem
// that says so.
func wantFull(t *testing.T, status int, body []byte) {
	t.Helper()
	var p struct{ Type, Detail string }
	json.Unmarshal(body, &p)
	if status != http.StatusServiceUnavailable || p.Type != "urn:mastery-ledger:problem:storage-full" || !strings.Contains(p.Detail, "disk") {
		t.Fatalf("a write on a full disk: %d %s; want 503 storage-full saying the disk is full", status, body)
	}
}

// stored is the ids of the evidence events the learner's stream holds,
// read over HTTP.
func (n *fullDiskNode) stored() map[string]int {
	n.t.Helper()
	status, body := call(n.t, "GET", n.url+"/v1/learners/l-1/events", teacherToken, nil)
	if status != http.StatusOK {
		n.t.Fatalf("read on a full disk: %d %s", status, body)
	}
	var stream struct {
		Events []struct{ EventID, Type string }
	}
	if err := json.Unmarshal(body, &stream); err != nil {
		n.t.Fatal(err)
	}
	ids := map[string]int{}
	for _, e := range stream.Events {
		if e.Type == domain.TypeEvidenceRecorded {
			ids[e.EventID]++
		}
	}
	return ids
}

// waitLogCaughtUp waits until the transparency log holds every stored
// event, as the service's own metric says, without asking for a proof or
// a checkpoint (either would write the log itself).
func (n *fullDiskNode) waitLogCaughtUp() {
	n.t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for {
		status, body := call(n.t, "GET", n.url+"/metrics", "", nil)
		if status == http.StatusOK && strings.Contains(string(body), "\nledger_log_lag_events 0\n") {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			n.t.Fatalf("the transparency log did not catch up within 30s of space returning (%d)", status)
		}
	}
}

// A full disk refuses writes with a 503 that says so, writes nothing,
// keeps the service up and serving reads, lets the transparency log fall
// behind; once space returns, writes succeed again without a restart and
// the log catches up. A restart while the disk is full serves reads.
func TestFullDiskRefusesWritesAndRecovers(t *testing.T) {
	n := &fullDiskNode{t: t, mnt: mounttest.Tmpfs(t, "2m"), note: strings.Repeat("n", domain.MaxTextLen)}
	dir := filepath.Join(n.mnt, "data")
	tokens := writeTokens(t, t.TempDir())
	url, stop := startServe(t, "--data", dir, "--tokens", tokens, "--checkpoint-every", "0")
	n.url = url
	setUpSchool(t, n.url)

	var acked []string
	refused := ""
	for i := 0; i < 5000 && refused == ""; i++ {
		id := uuid.NewString()
		status, body := n.write(id)
		switch status {
		case http.StatusCreated:
			acked = append(acked, id)
		case http.StatusServiceUnavailable:
			wantFull(t, status, body)
			refused = id
		default:
			t.Fatalf("write %d on a filling disk: %d %s", i, status, body)
		}
	}
	if refused == "" {
		t.Fatal("5000 writes of 4 KiB fitted on a 2 MiB disk")
	}
	status, body := n.write(uuid.NewString())
	wantFull(t, status, body)
	stored := n.stored()
	for _, id := range acked {
		if stored[id] != 1 {
			t.Fatalf("acknowledged write %s is stored %d times", id, stored[id])
		}
	}
	if len(stored) != len(acked) {
		t.Fatalf("%d evidence events stored, %d acknowledged: a refused write left something", len(stored), len(acked))
	}
	if status, body := call(t, "GET", n.url+"/healthz", "", nil); status != http.StatusOK {
		t.Fatalf("healthz on a full disk: %d %s", status, body)
	}

	// Space returns: the refused write, retried, succeeds; no restart.
	mounttest.Resize(t, n.mnt, "64m")
	if status, body := n.write(refused); status != http.StatusCreated {
		t.Fatalf("the refused write retried once space returned: %d %s", status, body)
	}
	acked = append(acked, refused)
	n.waitLogCaughtUp()
	if err := stop(); err != nil {
		t.Fatalf("serve ended with %v", err)
	}

	// A restart on a full disk serves reads and refuses writes, and takes
	// them again once space returns.
	filler := mounttest.Fill(t, n.mnt)
	url, stop = startServe(t, "--data", dir, "--tokens", tokens, "--checkpoint-every", "0")
	n.url = url
	if stored := n.stored(); len(stored) != len(acked) {
		t.Fatalf("after a restart on a full disk: %d evidence events, want %d", len(stored), len(acked))
	}
	status, body = n.write(uuid.NewString())
	wantFull(t, status, body)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if status, body := n.write(uuid.NewString()); status != http.StatusCreated {
		t.Fatalf("a write once space returned after a restart on a full disk: %d %s", status, body)
	}
	n.waitLogCaughtUp()
	if err := stop(); err != nil {
		t.Fatalf("serve ended with %v", err)
	}
}
