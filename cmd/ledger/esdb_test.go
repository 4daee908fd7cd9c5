package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/esdb"
	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
)

// `ledger serve --store eventstoredb` runs the whole service on EventStoreDB:
// here on the in-process fake server. (It writes fixed ids, so it needs an
// empty server; the HTTP end-to-end suite and the conformance suite run
// against a real server, each in a namespace, when
// LEDGER_TEST_EVENTSTOREDB_URL is set.) A cycle written through the API is
// read back through the projections following $all.
func TestServeOnEventStoreDB(t *testing.T) {
	url := esdbfake.StartTB(t, &esdbfake.Options{MaxAppendSize: 8 << 20}).URL()
	dir := t.TempDir()
	tokens := writeTokens(t, dir)
	base, stop := startServe(t, "--data", dir, "--tokens", tokens, "--store", "eventstoredb", "--eventstoredb-url", url)
	defer stop()
	setUpSchool(t, base)
	for _, step := range []struct {
		path string
		body any
	}{
		{"/evidence", map[string]any{"standardId": "s1", "componentId": "c1", "level": 3, "source": "teacher"}},
		{"/agreements", map[string]any{"standardId": "s1", "learnerConfirmed": true}},
		{"/summative-attempts", map[string]any{"standardId": "s1", "level": 3}},
	} {
		if status, body := call(t, "POST", base+"/v1/learners/l-1"+step.path, "teacher-token-for-tests", step.body); status != 201 {
			t.Fatalf("POST %s: %d %s", step.path, status, body)
		}
	}
	status, body := call(t, "GET", base+"/v1/learners/l-1/mastery/s1", "teacher-token-for-tests", nil)
	var m struct{ Status string }
	if err := json.Unmarshal(body, &m); status != 200 || err != nil || m.Status != "met" {
		t.Fatalf("mastery on EventStoreDB: %d %s", status, body)
	}
}

// TestVerifyOnEventStoreDB: a node on EventStoreDB (the fake) builds its
// transparency log in its data directory; stopped, `ledger verify` checks
// the cluster's events against that log, and an export taken from the
// cluster verifies offline against a checkpoint saved while it served.
func TestVerifyOnEventStoreDB(t *testing.T) {
	url := esdbfake.StartTB(t, &esdbfake.Options{MaxAppendSize: 8 << 20}).URL()
	dir := t.TempDir()
	tokens := writeTokens(t, dir)
	esdbArgs := []string{"--store", "eventstoredb", "--eventstoredb-url", url}
	base, stop := startServe(t, append([]string{"--data", dir, "--tokens", tokens}, esdbArgs...)...)
	setUpSchool(t, base)
	if status, body := call(t, "POST", base+"/v1/learners/l-1/evidence", "teacher-token-for-tests",
		map[string]any{"standardId": "s1", "componentId": "c1", "level": 3, "source": "teacher"}); status != 201 {
		t.Fatalf("evidence: %d %s", status, body)
	}
	_, key := call(t, "GET", base+"/v1/log/key", "", nil)
	_, checkpoint := call(t, "GET", base+"/v1/log/checkpoint", "", nil)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	files := t.TempDir()
	keyFile, cpFile, export := filepath.Join(files, "ledger.pub"), filepath.Join(files, "checkpoint"), filepath.Join(files, "events.ndjson")
	writeTestFile(t, keyFile, string(key))
	writeTestFile(t, cpFile, string(checkpoint))

	var out strings.Builder
	args := append([]string{"verify", "--data", dir, "--key", keyFile, "--checkpoint", cpFile}, esdbArgs...)
	if err := run(context.Background(), args, noEnv, &out, &out); err != nil || !strings.Contains(out.String(), "leaves of the transparency log match") {
		t.Fatalf("verify on EventStoreDB: %v\n%s", err, out.String())
	}
	if err := run(context.Background(), append([]string{"export", "--data", dir, "--out", export}, esdbArgs...), noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"verify", "--export", export, "--key", keyFile, "--checkpoint", cpFile}, noEnv, &out, &out); err != nil {
		t.Fatalf("verify an export from EventStoreDB: %v\n%s", err, out.String())
	}
	if err := run(context.Background(), []string{"verify", "--store", "eventstoredb", "--data", dir}, noEnv, io.Discard, io.Discard); exitCode(err) != 2 {
		t.Fatalf("--store eventstoredb without a URL: %v, want a usage error", err)
	}
}

// TestRestartOnEventStoreDB: a node started on a store that already holds
// events waits for them, as on the embedded store: its start position is
// the last ledger event in $all, it is not ready before its read models
// reach it, and its lag metrics read 0 once they have.
func TestRestartOnEventStoreDB(t *testing.T) {
	url := esdbfake.StartTB(t, &esdbfake.Options{MaxAppendSize: 8 << 20}).URL()
	dir := t.TempDir()
	base, stop := startServe(t, "--data", dir, "--tokens", writeTokens(t, dir), "--store", "eventstoredb", "--eventstoredb-url", url)
	setUpSchool(t, base)
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	st, err := esdb.Open(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want, err := st.LastPosition(t.Context())
	if err != nil || want == 0 {
		t.Fatalf("LastPosition: %d, %v", want, err)
	}

	n, err := openNode(t.Context(), dir, storeConfig{kind: "eventstoredb", url: url}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer n.close()
	if n.startPos != want {
		t.Fatalf("start position %d, want the last ledger event's %d", n.startPos, want)
	}
	if err := n.engine.WaitFor(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	if err := n.ready(t.Context()); err != nil {
		t.Fatalf("ready after catching up: %v", err)
	}
	if n.engine.Position() < want {
		t.Fatalf("ready at position %d of %d", n.engine.Position(), want)
	}
	var metrics strings.Builder
	fams, err := n.metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if strings.HasSuffix(f.GetName(), "_lag_events") {
			fmt.Fprintf(&metrics, "%s %v\n", f.GetName(), f.GetMetric()[0].GetGauge().GetValue())
		}
	}
	// Only the read model is waited for; the log follows the store on its
	// own, so its lag may not be 0 yet.
	if !strings.Contains(metrics.String(), "ledger_projection_lag_events 0\n") {
		t.Errorf("lag metrics after catching up:\n%s", metrics.String())
	}
}

// TestStoreHead: the lag metrics' head keeps its last value when the
// store cannot be asked, and never goes back.
func TestStoreHead(t *testing.T) {
	var next uint64
	var fail error
	h := &storeHead{timeout: time.Second, load: func(context.Context) (uint64, error) { return next, fail }}
	next = 10
	if got := h.get(); got != 10 {
		t.Errorf("head %d, want 10", got)
	}
	next, fail = 0, errors.New("unavailable")
	if got := h.get(); got != 10 {
		t.Errorf("head after a failed read %d, want the last value 10", got)
	}
}
