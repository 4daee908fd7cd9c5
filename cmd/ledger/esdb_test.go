package main

import (
	"encoding/json"
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
