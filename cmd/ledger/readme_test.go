package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// curlLine matches the README's curl examples: an optional bearer token from
// an exported variable and one URL.
var curlLine = regexp.MustCompile(`^curl -s (?:-H "Authorization: Bearer \$([A-Z_]+)" )?'?(http://127\.0\.0\.1:8080[^' ]*)'?(?: > (\S+))?$`)

// exportLine matches the demo's lines that export a token.
var exportLine = regexp.MustCompile(`(?m)^export ([A-Z]+_TOKEN)=(\S+)`)

// The README's quick start, as a newcomer runs it: the demo, the server on
// its data, and every curl line of the README, each answered 200 with the
// content it promises.
func TestREADMEQuickStart(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var curls [][]string
	var offline [][]string // the ledger commands run once the service stops
	for _, block := range strings.Split(string(raw), "```sh\n")[1:] {
		body, _, _ := strings.Cut(block, "```")
		for _, line := range strings.Split(body, "\n") {
			line = strings.TrimSpace(line)
			if args, ok := strings.CutPrefix(line, "go run ./cmd/ledger "); ok {
				if f := strings.Fields(args); f[0] != "demo" && f[0] != "serve" {
					offline = append(offline, f)
				}
				continue
			}
			if !strings.HasPrefix(line, "curl ") {
				continue
			}
			m := curlLine.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("README curl line this test cannot run: %s", line)
			}
			curls = append(curls, m)
		}
	}
	if len(curls) < 5 {
		t.Fatalf("the README has %d curl examples; the quick start promises at least 5", len(curls))
	}

	// The README's paths are relative to where its reader stands: the
	// data in a directory of its own, the sample files in the clone.
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	dir := "./data"
	var guide strings.Builder
	if err := run(context.Background(), []string{"demo", "--data", dir}, noEnv, &guide, io.Discard); err != nil {
		t.Fatalf("demo: %v", err)
	}
	// The tokens file keeps digests: the tokens are the demo's export lines.
	env := map[string]string{}
	for _, m := range exportLine.FindAllStringSubmatch(guide.String(), -1) {
		env[m[1]] = m[2]
	}
	url, stop := startServe(t, "--data", dir)

	for _, m := range curls {
		token, target := m[1], strings.Replace(m[2], "http://127.0.0.1:8080", url, 1)
		req, err := http.NewRequest("GET", target, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			if env[token] == "" {
				t.Fatalf("README uses $%s, which the demo does not print", token)
			}
			req.Header.Set("Authorization", "Bearer "+env[token])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", m[0], resp.StatusCode, body)
		}
		if m[3] != "" {
			if err := os.WriteFile(m[3], body, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		// What the README says these show.
		switch {
		case strings.HasSuffix(target, "/v1/learners/l-0001/mastery"):
			if !bytes.Contains(body, []byte(`"status":"met"`)) {
				t.Errorf("l-0001's mastery shows no met standard:\n%s", body)
			}
		case strings.HasSuffix(target, "/replay"):
			var r struct {
				Status string
				Events []struct{ Type string }
			}
			json.Unmarshal(body, &r)
			types := ""
			for _, e := range r.Events {
				types += e.Type + " "
			}
			if r.Status != "met" || !strings.Contains(types, "PlanAdjusted") || !strings.Contains(types, "SummativeAttemptRecorded") {
				t.Errorf("the replay does not show a met claim after a plan adjustment: %s %s", r.Status, types)
			}
		case strings.Contains(target, "/v1/events"):
			if bytes.Contains(body, []byte("l-0001")) {
				t.Error("the research feed holds a learner id")
			}
		}
	}

	// Stop the service, as the README says, then run its offline commands
	// in order: each must succeed, and the verifications must say so.
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if len(offline) < 5 {
		t.Fatalf("the README shows %d offline ledger commands; want replay, export and the verifications", len(offline))
	}
	for _, args := range offline {
		for i, a := range args {
			if strings.HasPrefix(a, "adapters/") {
				args[i] = filepath.Join(root, a)
			}
		}
		var out strings.Builder
		if err := run(context.Background(), args, noEnv, &out, &out); err != nil {
			t.Fatalf("ledger %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		if strings.HasPrefix(args[0], "verify") && !strings.HasPrefix(out.String(), "ok: ") {
			t.Errorf("ledger %s printed %q", strings.Join(args, " "), out.String())
		}
		if args[0] == "verify-transcript" && !strings.Contains(out.String(), "l-0001 met 6.RP.A.1") {
			t.Errorf("the transcript does not verify the met claim: %s", out.String())
		}
	}
}
