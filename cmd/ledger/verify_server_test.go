package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// auditorTokens writes the tests' tokens with an auditor's among them.
func auditorTokens(t *testing.T, dir string) string {
	t.Helper()
	tokens := filepath.Join(dir, "tokens.json")
	raw, _ := json.Marshal([]httpapi.Credential{
		{Token: "admin-token-for-tests", Role: "admin", Name: "Office"},
		{Token: "teacher-token-for-tests", Role: "teacher", School: "north", Name: "Ms Rivera"},
		{Token: "auditor-token-for-tests", Role: "auditor", Name: "Audit"},
	})
	if err := os.WriteFile(tokens, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return tokens
}

// TestVerifyServer: `ledger verify --server` checks a running ledger over
// HTTP with an auditor token alone, on either store: every chain, the
// order, and the log's tree against its checkpoint; with a saved key that
// is not the server's, it fails.
func TestVerifyServer(t *testing.T) {
	for _, store := range []string{"embedded", "eventstoredb"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--data", dir, "--tokens", auditorTokens(t, dir)}
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

// tamperingProxy serves base through a proxy that hands every answer's body
// to edit, by path, and serves what edit returns: a server that lies.
func tamperingProxy(t *testing.T, base string, edit func(path string, body []byte) []byte) string {
	t.Helper()
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusOK {
			body = edit(resp.Request.URL.Path, body)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// flipFirstHash changes one bit of the first proof hash under field in a
// JSON answer.
func flipFirstHash(t *testing.T, body []byte, field string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not a proof: %s", body)
	}
	hashes, _ := m[field].([]any)
	if len(hashes) == 0 {
		t.Fatalf("a proof without hashes: %s", body)
	}
	h, err := base64.StdEncoding.DecodeString(hashes[0].(string))
	if err != nil {
		t.Fatal(err)
	}
	h[0] ^= 1
	hashes[0] = base64.StdEncoding.EncodeToString(h)
	out, _ := json.Marshal(m)
	return out
}

// TestVerifyServerProofs: verify --server asks the server's log for a
// consistency proof from a saved checkpoint to its current one and for
// inclusion proofs of the events, and names what a lying server changed:
// an event served with its chain rewritten to match, a wrong inclusion
// proof, a leaf the log holds that is not the event served, a wrong
// consistency proof.
func TestVerifyServerProofs(t *testing.T) {
	dir := t.TempDir()
	base, stop := startServe(t, "--data", dir, "--tokens", auditorTokens(t, dir))
	defer stop()
	setUpSchool(t, base)
	evidence := func() {
		t.Helper()
		if status, body := call(t, "POST", base+"/v1/learners/l-1/evidence", "teacher-token-for-tests",
			map[string]any{"standardId": "s1", "componentId": "c1", "level": 3, "source": "teacher"}); status != 201 {
			t.Fatalf("evidence: %d %s", status, body)
		}
	}
	evidence()
	saved := filepath.Join(dir, "checkpoint")
	keyFile := filepath.Join(dir, "ledger.pub")
	for file, path := range map[string]string{saved: "/v1/log/checkpoint", keyFile: "/v1/log/key"} {
		status, body := call(t, "GET", base+path, "", nil)
		if status != 200 {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		writeTestFile(t, file, string(body))
	}
	evidence()

	var lastEvent string // the id of the event the feed's tampering changes
	tests := []struct {
		name string
		path string
		edit func(t *testing.T, body []byte) []byte
		want []string // in the error; empty: verify passes
	}{
		{name: "honest", want: nil},
		{
			// The last event of the feed is its stream's head: with its
			// hash recomputed, its chain still verifies, and only the log
			// knows.
			name: "an event changed and its hash recomputed", path: "/v1/events",
			edit: func(t *testing.T, body []byte) []byte {
				lines := bytes.Split(bytes.TrimSpace(body), []byte("\n"))
				if len(lines) == 0 || len(lines[0]) == 0 {
					return body
				}
				var e domain.RecordedEvent
				if err := json.Unmarshal(lines[len(lines)-1], &e); err != nil {
					t.Fatal(err)
				}
				e.Actor.Name = "Someone Else"
				e.Hash = domain.EventHash(e)
				lastEvent = e.ID.String()
				lines[len(lines)-1], _ = json.Marshal(e)
				return append(bytes.Join(lines, []byte("\n")), '\n')
			},
			want: []string{"inclusion proof of leaf", "the feed's event hashes to"},
		},
		{
			name: "a wrong inclusion proof", path: "/v1/log/proof/inclusion",
			edit: func(t *testing.T, body []byte) []byte { return flipFirstHash(t, body, "hashes") },
			want: []string{"inclusion proof of leaf", "does not lead to the checkpoint's root"},
		},
		{
			name: "a leaf that is not the event served", path: "/v1/log/proof/inclusion",
			edit: func(t *testing.T, body []byte) []byte {
				return bytes.Replace(body, []byte(`"eventHash":"`), []byte(`"eventHash":"0`), 1)
			},
			want: []string{"inclusion proof of leaf", "the log holds hash 0"},
		},
		{
			name: "a wrong consistency proof", path: "/v1/log/proof/consistency",
			edit: func(t *testing.T, body []byte) []byte { return flipFirstHash(t, body, "hashes") },
			want: []string{"the consistency proof from the saved checkpoint of size", "does not verify"},
		},
	}
	env := func(k string) string {
		if k == "LEDGER_TOKEN" {
			return "auditor-token-for-tests"
		}
		return ""
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := tamperingProxy(t, base, func(path string, body []byte) []byte {
				if tt.edit == nil || path != tt.path {
					return body
				}
				return tt.edit(t, body)
			})
			var out strings.Builder
			err := run(context.Background(), []string{"verify", "--server", proxy, "--key", keyFile, "--checkpoint", saved, "--proofs", "1000"}, env, &out, &out)
			if tt.want == nil {
				if err != nil || !strings.Contains(out.String(), "ok: 5 events in 3 streams") || !strings.Contains(out.String(), "the log proves 5 of the events included and 1 saved checkpoints consistent") {
					t.Fatalf("verify --server: %v\n%s", err, out.String())
				}
				return
			}
			if !errors.Is(err, errVerifyFailed) {
				t.Fatalf("verify --server: %v, want errVerifyFailed", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q: %v", w, err)
				}
			}
			if lastEvent != "" && tt.path == "/v1/events" && !strings.Contains(err.Error(), lastEvent) {
				t.Errorf("the error does not name the changed event %s: %v", lastEvent, err)
			}
		})
	}
}

// TestSampleLeaves: verify --server asks for inclusion proofs of exactly
// min(n, size) distinct leaves, all below size.
func TestSampleLeaves(t *testing.T) {
	tests := []struct {
		size uint64
		n    int
		want int
	}{
		{size: 10, n: 0, want: 0},
		{size: 10, n: 3, want: 3},
		{size: 10, n: 9, want: 9},
		{size: 10, n: 10, want: 10},
		{size: 10, n: 64, want: 10},
		{size: 0, n: 64, want: 0},
	}
	for _, tt := range tests {
		drawn := sampleLeaves(tt.size, tt.n)
		got := 0
		for i := range tt.size + 5 {
			if drawn(i) {
				if i >= tt.size {
					t.Errorf("size %d, n %d: leaf %d drawn", tt.size, tt.n, i)
				}
				got++
			}
		}
		if got != tt.want {
			t.Errorf("size %d, n %d: %d leaves drawn, want %d", tt.size, tt.n, got, tt.want)
		}
	}
}
