package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

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
