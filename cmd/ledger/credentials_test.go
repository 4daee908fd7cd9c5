package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/credential"
	"github.com/masteryledger/ledger/adapters/credential/obprobe"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestDemoCredentials serves the demo's data as serve runs it and holds the
// demo learner's credentials to what issue 19 asks: they pass every rule of
// 1EdTech's validator (package obprobe) with the revocation list the ledger
// serves, are issued once (the same bytes after the log grows), verify with
// `ledger verify-transcript` (also against a newer checkpoint, with the
// log's consistency proof), and once revoked fail the validator's
// revocation rule and verify-transcript with the saved list.
func TestDemoCredentials(t *testing.T) {
	dir, tokens := demoCopy(t)
	admin, auditor := tokens["admin"], tokens["auditor"]
	if admin == "" || auditor == "" {
		t.Fatalf("the demo printed no admin or auditor token: %v", tokens)
	}
	base, _ := startServe(t, "--data", dir)
	call := func(method, path, token string, body any) (int, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			raw, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			rd = bytes.NewReader(raw)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	get := func(path, token string) []byte {
		t.Helper()
		code, b := call("GET", path, token, nil)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, b)
		}
		return b
	}
	fetch := func(url string) ([]byte, error) {
		resp, err := http.Get(url)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}
	save := func(name string, b []byte) string {
		t.Helper()
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const l = "/v1/learners/l-0001"
	keyFile := save("ledger.pub", get("/v1/log/key", ""))

	var list httpapi.GetOpenBadgeCredentialsResponse
	if err := json.Unmarshal(get(l+"/credentials", auditor), &list); err != nil || len(list.CompactJwsString) == 0 {
		t.Fatalf("the demo learner's credentials: %d, %v", len(list.CompactJwsString), err)
	}
	schema := obSchema(t)
	for i, jws := range list.CompactJwsString {
		for _, r := range obprobe.Run(jws, time.Now(), fetch) {
			if !r.OK {
				t.Errorf("credential %d: %s: %s", i, r.Probe, r.Msg)
			}
		}
		// JsonSchemasProbe: the official schema.
		raw, err := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(doc); err != nil {
			t.Errorf("credential %d: JsonSchemasProbe: %v", i, err)
		}
	}
	transcript := get(l+"/transcript?format=ob3", auditor)
	transcriptFile := save("transcript.json", transcript)
	out, err := runLedger(t, "verify-transcript", transcriptFile, "--key", keyFile)
	if err != nil || !strings.Contains(out, "ok: l-0001 met") {
		t.Fatalf("verify-transcript: %v\n%s", err, out)
	}

	// The log grows: the same credentials come back, byte for byte.
	if code, b := call("POST", "/v1/schools", admin, map[string]string{"schoolId": "west", "name": "West Middle School"}); code != http.StatusCreated {
		t.Fatalf("register a school: %d %s", code, b)
	}
	newer := get("/v1/log/checkpoint", "")
	var again httpapi.GetOpenBadgeCredentialsResponse
	if err := json.Unmarshal(get(l+"/credentials", auditor), &again); err != nil {
		t.Fatal(err)
	}
	if strings.Join(again.CompactJwsString, "\n") != strings.Join(list.CompactJwsString, "\n") {
		t.Error("after the log grew, the credentials are not the bytes issued before")
	}
	if !bytes.Equal(get(l+"/transcript?format=ob3", auditor), transcript) {
		t.Error("after the log grew, the transcript is not the one served before")
	}

	// Against the newer checkpoint, with the log's consistency proof.
	v, err := credential.Verify(list.CompactJwsString[0], strings.TrimSpace(string(get("/v1/log/key", ""))))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := os.ReadFile(save("newer", newer))
	if err != nil {
		t.Fatal(err)
	}
	size := strings.Split(string(cp), "\n")[1]
	// Each credential carries the checkpoint of its own issuance: one
	// consistency proof per size.
	all, err := credential.VerifyTranscript(transcript, strings.TrimSpace(string(get("/v1/log/key", ""))))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"verify-transcript", transcriptFile, "--key", keyFile, "--checkpoint", save("newer.cp", newer)}
	seen := map[uint64]bool{}
	for _, c := range all {
		if n := c.Checkpoint.Size; !seen[n] && itoa(n) != size {
			seen[n] = true
			args = append(args, "--proof", save("proof-"+itoa(n)+".json", get("/v1/log/proof/consistency?from="+itoa(n)+"&to="+size, "")))
		}
	}
	if out, err := runLedger(t, args...); err != nil ||
		!strings.Contains(out, "is a prefix of the log of size "+size) {
		t.Errorf("verify-transcript against the newer checkpoint: %v\n%s", err, out)
	}

	// Revoked: the validator's rule and verify-transcript say so, and the
	// credential is not issued again.
	id := strings.TrimPrefix(v.CredentialID, "urn:uuid:")
	if code, b := call("POST", l+"/credentials/"+id+"/revocation", admin, map[string]string{"reason": "recorded against the wrong learner"}); code != http.StatusCreated {
		t.Fatalf("revoke: %d %s", code, b)
	}
	if code, _ := call("POST", l+"/credentials/"+id+"/revocation", auditor, map[string]string{"reason": "again"}); code != http.StatusForbidden {
		t.Errorf("an auditor's revocation: %d, want 403", code)
	}
	revoked := false
	for _, r := range obprobe.Run(list.CompactJwsString[0], time.Now(), fetch) {
		if r.Probe == "RevocationListProbe" {
			revoked = !r.OK && strings.Contains(r.Msg, "revoked")
		}
	}
	if !revoked {
		t.Error("the validator's revocation rule passes a revoked credential")
	}
	statusFile := save("status.jwt", get(httpapi.StatusListPath, ""))
	out, err = runLedger(t, "verify-transcript", transcriptFile, "--key", keyFile, "--status-list", statusFile)
	if err == nil || !strings.Contains(err.Error(), "REVOKED") {
		t.Errorf("verify-transcript of a revoked credential: %v\n%s", err, out)
	}
	var after httpapi.GetOpenBadgeCredentialsResponse
	if err := json.Unmarshal(get(l+"/credentials", auditor), &after); err != nil {
		t.Fatal(err)
	}
	if len(after.CompactJwsString) != len(list.CompactJwsString)-1 {
		t.Errorf("after the revocation, %d credentials, want %d (revoked ones are left out, never reissued)", len(after.CompactJwsString), len(list.CompactJwsString)-1)
	}
	if jwt := get(l+"/credentials/"+id, auditor); string(jwt) != list.CompactJwsString[0] {
		t.Error("the revoked credential's .jwt is not the bytes issued")
	}
}

// obSchema compiles 1EdTech's OB 3.0 AchievementCredential schema as
// package credential's tests keep it.
func obSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "adapters", "credential", "testdata", "schema", "ob_v3p0_achievementcredential_schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("ob3.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("ob3.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
