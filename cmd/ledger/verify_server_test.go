package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/translog"
)

// TestVerifyServer: `ledger verify --server` checks a running ledger over
// HTTP with an auditor token alone, on either store: every chain, the
// order, and the log's tree against its checkpoint; with a saved key that
// is not the server's, it fails.
func TestVerifyServer(t *testing.T) {
	for _, store := range []string{"embedded", "eventstoredb"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			tokens := filepath.Join(dir, "tokens.json")
			raw, _ := json.Marshal([]httpapi.Credential{
				{Token: "admin-token-for-tests", Role: "admin", Name: "Office"},
				{Token: "teacher-token-for-tests", Role: "teacher", School: "north", Name: "Ms Rivera"},
				{Token: "auditor-token-for-tests", Role: "auditor", Name: "Audit"},
			})
			if err := os.WriteFile(tokens, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"--data", dir, "--tokens", tokens}
			if store == "eventstoredb" {
				args = append(args, "--store", "eventstoredb", "--eventstoredb-url", esdbfake.StartTB(t, &esdbfake.Options{MaxAppendSize: 8 << 20}).URL())
			}
			base, stop := startServe(t, args...)
			defer stop()
			setUpSchool(t, base)
			if status, body := call(t, "POST", base+"/v1/learners/l-1/evidence", "teacher-token-for-tests",
				map[string]any{"standardId": "s1", "componentId": "c1", "level": 3, "source": "teacher"}); status != 201 {
				t.Fatalf("evidence: %d %s", status, body)
			}

			var out strings.Builder
			env := func(k string) string {
				if k == "LEDGER_TOKEN" {
					return "auditor-token-for-tests"
				}
				return ""
			}
			if err := run(context.Background(), []string{"verify", "--server", base}, env, &out, &out); err != nil || !strings.Contains(out.String(), "ok: ") {
				t.Fatalf("verify --server: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "signed checkpoint") || strings.Contains(out.String(), "no signed checkpoint") {
				t.Errorf("verify --server checked no checkpoint:\n%s", out.String())
			}

			// Another log's key: the server's checkpoint does not verify.
			otherKey, err := translog.LoadOrCreateKey(t.TempDir(), "")
			if err != nil {
				t.Fatal(err)
			}
			other := filepath.Join(t.TempDir(), "other.pub")
			writeTestFile(t, other, otherKey.VerifierKey+"\n")
			out.Reset()
			err = run(context.Background(), []string{"verify", "--server", base, "--key", other}, env, &out, &out)
			if !errors.Is(err, errVerifyFailed) {
				t.Fatalf("verify --server with another log's key: %v, want errVerifyFailed\n%s", err, out.String())
			}

			if err := run(context.Background(), []string{"verify", "--server", base}, noEnv, &out, &out); !errors.Is(err, errUsage) {
				t.Errorf("verify --server without a token: %v, want a usage error", err)
			}
		})
	}
}
