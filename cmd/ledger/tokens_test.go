package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/httpapi"
)

// tokensCmd runs `ledger tokens args...` and returns its stdout, stderr and
// error.
func tokensCmd(t *testing.T, getenv func(string) string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut strings.Builder
	err := run(context.Background(), append([]string{"tokens"}, args...), getenv, &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustAdd adds a token with `ledger tokens add` and returns it.
func mustAdd(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := tokensCmd(t, noEnv, append([]string{"add"}, args...)...)
	if err != nil {
		t.Fatalf("tokens add %q: %v\n%s", args, err, errOut)
	}
	token := strings.TrimSuffix(out, "\n")
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(token) {
		t.Fatalf("tokens add printed %q, want the token alone", out)
	}
	return token
}

func TestTokensAddListRevoke(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.json")
	admin := mustAdd(t, "--data", dir, "--role", "admin", "--name", "Office")
	teacher := mustAdd(t, "--role", "teacher", "--school", "north", "--name", "Ms Rivera", "--expires", "90d", "--data", dir)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), admin) || strings.Contains(string(raw), teacher) {
		t.Fatalf("the tokens file holds a token:\n%s", raw)
	}
	entries, _, err := httpapi.ReadTokenFile(path)
	if err != nil || len(entries) != 2 {
		t.Fatalf("tokens file: %+v %v", entries, err)
	}
	e := entries[1]
	if e.Role != "teacher" || e.School != "north" || e.Expires == nil || !e.Expires.Equal(e.Created.AddDate(0, 0, 90)) {
		t.Errorf("teacher entry: %+v, want school north and expiry 90 days after created", e)
	}

	// LEDGER_TOKENS names the file as --tokens does.
	env := func(k string) string {
		if k == "LEDGER_TOKENS" {
			return path
		}
		return ""
	}
	out, _, err := tokensCmd(t, env, "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID ") || !strings.Contains(lines[2], entries[1].ID) ||
		!strings.Contains(lines[2], "north") || !strings.Contains(lines[2], entries[1].Expires.Format(time.RFC3339)) ||
		!strings.Contains(lines[1], "never") {
		t.Errorf("tokens list:\n%s", out)
	}
	if strings.Contains(out, admin) || strings.Contains(out, entries[0].SHA256) {
		t.Errorf("tokens list shows a secret:\n%s", out)
	}

	out, _, err = tokensCmd(t, noEnv, "revoke", entries[0].ID, "--tokens", path)
	if err != nil || !strings.Contains(out, "revoked "+entries[0].ID) {
		t.Fatalf("tokens revoke: %q %v", out, err)
	}
	left, _, err := httpapi.ReadTokenFile(path)
	if err != nil || len(left) != 1 || left[0].ID != entries[1].ID {
		t.Errorf("after revoke: %+v %v, want the teacher's entry alone", left, err)
	}
}

// An expired entry is listed as expired.
func TestTokensListShowsExpired(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := httpapi.AddTokens(path, []httpapi.Credential{{Token: httpapi.NewToken(), Role: "auditor", Name: "Old audit"}}, at.AddDate(0, -1, 0), &at); err != nil {
		t.Fatal(err)
	}
	out, _, err := tokensCmd(t, noEnv, "list", "--tokens", path)
	if err != nil || !strings.Contains(out, "2020-01-01T00:00:00Z (expired)") {
		t.Errorf("tokens list: %q %v, want the entry shown as expired", out, err)
	}
}

// A refused command is a usage error (exit 2) and writes nothing.
func TestTokensUsageErrorsWriteNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.json")
	mustAdd(t, "--tokens", path, "--role", "admin", "--name", "Office")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"add", "--tokens", path},
		{"add", "--tokens", path, "--role", "janitor", "--name", "X"},
		{"add", "--tokens", path, "--role", "admin"},
		{"add", "--tokens", path, "--role", "teacher", "--name", "X"},
		{"add", "--tokens", path, "--role", "learner", "--name", "X"},
		{"add", "--tokens", path, "--role", "admin", "--school", "north", "--name", "X"},
		{"add", "--tokens", path, "--role", "admin", "--name", "X", "--expires", "soon"},
		{"add", "--tokens", path, "--role", "admin", "--name", "X", "--expires", "2020-01-01T00:00:00Z"},
		{"add", "--tokens", path, "--role", "admin", "--name", "X", "extra"},
		{"list", "--tokens", path, "extra"},
		{"revoke", "--tokens", path},
		{"revoke", "--tokens", path, "a", "b"},
	} {
		out, _, err := tokensCmd(t, noEnv, args...)
		if !errors.Is(err, errUsage) || exitCode(err) != 2 {
			t.Errorf("tokens %q: got %v, want a usage error (exit 2)", args, err)
		}
		if out != "" {
			t.Errorf("tokens %q printed %q", args, out)
		}
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("a refused command changed the file:\n%s", after)
	}
	empty := t.TempDir()
	if _, _, err := tokensCmd(t, noEnv, "add", "--data", empty, "--role", "teacher", "--name", "X"); !errors.Is(err, errUsage) {
		t.Errorf("a refused add: %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, "tokens.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused add created the tokens file: %v", err)
	}
}

func TestTokensRevokeUnknownID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	mustAdd(t, "--tokens", path, "--role", "admin", "--name", "Office")
	before, _ := os.ReadFile(path)
	_, _, err := tokensCmd(t, noEnv, "revoke", "--tokens", path, "tok-nope")
	if !errors.Is(err, httpapi.ErrNoSuchToken) || exitCode(err) != 1 || !strings.Contains(err.Error(), `"tok-nope"`) || !strings.Contains(err.Error(), path) {
		t.Errorf("revoke an unknown id: %v, want exit 1 naming the id and the file", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a refused revoke changed the file")
	}
	if _, _, err := tokensCmd(t, noEnv, "list", "--tokens", filepath.Join(t.TempDir(), "none.json")); err == nil || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("list of a missing file: %v, want an error naming it", err)
	}
}

// A file of the old format is rewritten with digests by the first tokens
// command, which says so once.
func TestTokensCommandRewritesOldFormat(t *testing.T) {
	dir := t.TempDir()
	path := writeTokens(t, dir)
	_, errOut, err := tokensCmd(t, noEnv, "list", "--tokens", path)
	if err != nil || !strings.Contains(errOut, "kept 2 tokens in plain text") {
		t.Fatalf("first list: %v, stderr %q, want a note of the rewrite", err, errOut)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "token-for-tests") {
		t.Errorf("the file still holds tokens:\n%s", raw)
	}
	if _, errOut, err := tokensCmd(t, noEnv, "list", "--tokens", path); err != nil || errOut != "" {
		t.Errorf("second list: %v, stderr %q, want no note", err, errOut)
	}
}

// Concurrent commands never lose an entry.
func TestTokensConcurrentCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, _, errs[i] = tokensCmd(t, noEnv, "add", "--tokens", path, "--role", "auditor", "--name", fmt.Sprintf("Auditor %d", i))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("add %d: %v", i, err)
		}
	}
	if entries, _, err := httpapi.ReadTokenFile(path); err != nil || len(entries) != n {
		t.Errorf("%d entries after %d concurrent adds (%v)", len(entries), n, err)
	}
}

// serve follows the tokens file: a token added works and a token revoked
// stops working, with no restart; a broken file keeps the tokens in use.
func TestServePicksUpTokenChanges(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.json")
	admin := mustAdd(t, "--tokens", path, "--role", "admin", "--name", "Office")
	url, stop := startServe(t, "--data", dir, "--tokens", path, "--tokens-check-every", "10ms")
	defer stop()
	status := func(token string) int {
		req, _ := http.NewRequest("GET", url+"/v1/standards", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitFor := func(token string, want int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); status(token) != want; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("still not %d after 10 s", want)
			}
		}
	}
	auditor := mustAdd(t, "--tokens", path, "--role", "auditor", "--name", "District audit")
	waitFor(auditor, 200)

	entries, _, err := httpapi.ReadTokenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tokensCmd(t, noEnv, "revoke", "--tokens", path, entries[1].ID); err != nil {
		t.Fatal(err)
	}
	waitFor(auditor, 401)

	// A broken edit, then a good token added beside it: until the file is
	// good again the tokens in use stay.
	if err := os.WriteFile(path, []byte("[{"), 0o600); err != nil {
		t.Fatal(err)
	}
	later := httpapi.NewToken()
	time.Sleep(50 * time.Millisecond) // several checks see the broken file
	if got := status(admin); got != 200 {
		t.Errorf("the admin token with a broken file: %d, want 200", got)
	}
	if got := status(auditor); got != 401 {
		t.Errorf("the revoked token with a broken file: %d, want 401", got)
	}
	if err := os.WriteFile(path, []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := httpapi.AddTokens(path, []httpapi.Credential{{Token: later, Role: "auditor", Name: "Later"}}, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	waitFor(later, 200)
	waitFor(admin, 401)
}

// The first start creates the tokens file and prints its admin token once;
// the file keeps only the digest.
func TestServeFirstStartPrintsTheAdminToken(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, noEnv, pw, io.Discard)
		pw.CloseWithError(err)
		errc <- err
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	br := bufio.NewReader(pr)
	var url, token string
	for url == "" {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("serve did not start: %v", err)
		}
		if rest, ok := strings.CutPrefix(line, "export ADMIN_TOKEN="); ok {
			token = strings.TrimSpace(rest)
		}
		if rest, ok := strings.CutPrefix(line, "ledger: serving on "); ok {
			url = strings.Fields(rest)[0]
		}
	}
	go io.Copy(io.Discard, br)
	if token == "" {
		t.Fatal("serve created the tokens file but printed no admin token")
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, "tokens.json")); strings.Contains(string(raw), token) {
		t.Errorf("the tokens file holds the admin token:\n%s", raw)
	}
	req, _ := http.NewRequest("GET", url+"/v1/standards", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the printed admin token: %d, want 200", resp.StatusCode)
	}
}
