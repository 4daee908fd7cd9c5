package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
)

// tokenServer is the service on loopback over an empty store, its tokens
// table following the tokens file path, judged against clock.
type tokenServer struct {
	t      *testing.T
	url    string
	client *http.Client
	tokens *httpapi.Tokens
	path   string
	log    *syncBuffer
}

// syncBuffer is a log a server writes while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startTokenServer opens the tokens file at path and serves with it.
func startTokenServer(t *testing.T, path string, now func() time.Time) *tokenServer {
	t.Helper()
	logs := &syncBuffer{}
	tokens, err := httpapi.OpenTokens(path, &httpapi.TokensOptions{Now: now, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	store, err := sqlite.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	n := startNode(t, store, dir, nodeConfig{tokens: tokens})
	return &tokenServer{t: t, url: n.url, client: n.client, tokens: tokens, path: path, log: logs}
}

// get asks for the list of standards, which any role may read, with the
// Authorization header auth, and returns the status and body.
func (s *tokenServer) get(auth string) (int, string) {
	s.t.Helper()
	req, err := http.NewRequest("GET", s.url+"/v1/standards", nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (s *tokenServer) status(token string) int {
	s.t.Helper()
	code, _ := s.get("Bearer " + token)
	return code
}

// addToken adds a token for role to the file and returns it.
func addToken(t *testing.T, path, name string, expires *time.Time) (string, httpapi.Entry) {
	t.Helper()
	token := httpapi.NewToken()
	added, err := httpapi.AddTokens(path, []httpapi.Credential{{Token: token, Role: domain.RoleAuditor, Name: name}}, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), expires)
	if err != nil {
		t.Fatal(err)
	}
	return token, added[0]
}

func TestTokensFileKeepsOnlyDigests(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	token, e := addToken(t, path, "District audit", nil)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(token)) {
		t.Fatalf("the tokens file holds the token:\n%s", raw)
	}
	d := sha256.Sum256([]byte(token))
	var file []map[string]any
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"id": e.ID, "sha256": hex.EncodeToString(d[:]), "role": "auditor", "name": "District audit", "created": "2026-01-02T03:04:05Z"}
	if len(file) != 1 || fmt.Sprint(file[0]) != fmt.Sprint(want) {
		t.Errorf("tokens file: %s\nwant one entry %v", raw, want)
	}
	if !strings.HasPrefix(e.ID, "tok-") {
		t.Errorf("entry id %q", e.ID)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode: %v %v, want 0600", fi, err)
	}
	s := startTokenServer(t, path, time.Now)
	if got := s.status(token); got != 200 {
		t.Errorf("the token made: %d, want 200", got)
	}
	if got := s.status(hex.EncodeToString(d[:])); got != 401 {
		t.Errorf("the digest as a token: %d, want 401", got)
	}
}

// A file of the old format, tokens in plain text, still serves, and is
// rewritten with digests the first time it is opened, once.
func TestTokensOldFormatIsRewrittenOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	old := `[{"token":"admin-token-for-tests","role":"admin","name":"Office"},` +
		`{"token":"teacher-token-for-tests","role":"teacher","school":"north","name":"Ms Rivera"}]`
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startTokenServer(t, path, time.Now)
	for _, token := range []string{"admin-token-for-tests", "teacher-token-for-tests"} {
		if got := s.status(token); got != 200 {
			t.Errorf("%s after the rewrite: %d, want 200", token, got)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("token-for-tests")) || bytes.Contains(raw, []byte(`"token"`)) {
		t.Errorf("the rewritten file still holds tokens:\n%s", raw)
	}
	entries, plain, err := httpapi.ReadTokenFile(path)
	if err != nil || plain != 0 || len(entries) != 2 || entries[1].School != "north" || entries[0].ID == "" || entries[0].ID == entries[1].ID {
		t.Errorf("rewritten file: %+v, %d plain, %v", entries, plain, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten tokens file mode: %v %v, want 0600", fi, err)
	}
	if n := strings.Count(s.log.String(), "rewrote them as SHA-256 digests"); n != 1 {
		t.Errorf("the rewrite was logged %d times, want once:\n%s", n, s.log.String())
	}
	again := startTokenServer(t, path, time.Now)
	if strings.Contains(again.log.String(), "rewrote") {
		t.Errorf("a file with digests only was rewritten again:\n%s", again.log.String())
	}
}

func TestTokensExpire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	at := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	token, _ := addToken(t, path, "Visiting auditor", &at)
	lasting, _ := addToken(t, path, "District audit", nil)
	var now atomic.Pointer[time.Time]
	before := at.Add(-time.Second)
	now.Store(&before)
	s := startTokenServer(t, path, func() time.Time { return *now.Load() })
	if got := s.status(token); got != 200 {
		t.Fatalf("a second before it expires: %d, want 200", got)
	}
	now.Store(&at)
	code, body := s.get("Bearer " + token)
	if code != 401 || !strings.Contains(body, "expired at 2027-03-01T00:00:00Z") || strings.Contains(body, "not known") {
		t.Errorf("when it expires: %d %s, want 401 saying it expired", code, body)
	}
	if got := s.status(lasting); got != 200 {
		t.Errorf("a token with no expiry: %d, want 200", got)
	}
}

// Tokens added and revoked in the file take effect on a reload, with no
// restart; a bad edit keeps the tokens in use, less any it removed.
func TestTokensReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	first, firstEntry := addToken(t, path, "First", nil)
	s := startTokenServer(t, path, time.Now)

	// A token added works at its first use: an unknown token makes the
	// table look whether the file changed, before any Watch or Reload.
	second, secondEntry := addToken(t, path, "Second", nil)
	if got := s.status(second); got != 200 {
		t.Fatalf("a token added, at its first use: %d, want 200", got)
	}

	if _, err := httpapi.RevokeToken(path, firstEntry.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.tokens.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := s.status(first); got != 401 {
		t.Fatalf("a token revoked, after the reload: %d, want 401", got)
	}

	// A bad edit: not JSON at all. The table in use stays.
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(bytes.Clone(good[:len(good)-3]), "oops"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.tokens.Reload(); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("reload of a broken file: %v, want ErrInvalid", err)
	}
	if got, got1 := s.status(second), s.status(first); got != 200 || got1 != 401 {
		t.Errorf("after a broken edit: kept token %d (want 200), revoked token %d (want 401)", got, got1)
	}
	if !strings.Contains(s.log.String(), "tokens file not reloaded") || !strings.Contains(s.log.String(), path) {
		t.Errorf("the broken file was not logged with its path:\n%s", s.log.String())
	}

	// A bad edit that reads as entries: one removed, one added but bad.
	// The removed token stops working; the one kept still works.
	third, _ := addTokenAfterFix(t, path, good, "Third")
	if err := s.tokens.Reload(); err != nil {
		t.Fatal(err)
	}
	entries, _, err := httpapi.ReadTokenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var edited []httpapi.Entry
	for _, e := range entries {
		if e.ID != secondEntry.ID {
			edited = append(edited, e)
		}
	}
	edited = append(edited, httpapi.Entry{ID: "tok-bad", SHA256: "xyz", Role: "janitor", Name: "?"})
	raw, _ := json.Marshal(edited)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	var v *domain.ValidationError
	if err := s.tokens.Reload(); !errors.As(err, &v) {
		t.Fatalf("reload of a file with a bad entry: %v, want a ValidationError", err)
	}
	if got, got3 := s.status(second), s.status(third); got != 401 || got3 != 200 {
		t.Errorf("after a bad edit that removed one token: removed %d (want 401), kept %d (want 200)", got, got3)
	}
}

// addTokenAfterFix puts good back at path and adds a token to it.
func addTokenAfterFix(t *testing.T, path string, good []byte, name string) (string, httpapi.Entry) {
	t.Helper()
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	return addToken(t, path, name, nil)
}

// Watch sees the file change and reloads it by itself.
func TestTokensWatchReloadsAChangedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	addToken(t, path, "First", nil)
	s := startTokenServer(t, path, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.tokens.Watch(ctx, 5*time.Millisecond) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Watch returned %v, want context.Canceled", err)
		}
	}()

	token, e := addToken(t, path, "Added", nil)
	waitStatus(t, s, token, 200)
	if _, err := httpapi.RevokeToken(path, e.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, token, 401)
}

// waitStatus asks with token until it is answered want, for up to ten
// seconds.
func waitStatus(t *testing.T, s *tokenServer, token string, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := s.status(token)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d after 10 s, want %d", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The scheme's name is case-insensitive (RFC 9110, section 11.1).
func TestTokensBearerSchemeIsCaseInsensitive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	token, _ := addToken(t, path, "District audit", nil)
	s := startTokenServer(t, path, time.Now)
	for _, c := range []struct {
		auth string
		want int
	}{
		{"Bearer " + token, 200},
		{"bearer " + token, 200},
		{"BEARER " + token, 200},
		{"bEaReR  " + token, 200},
		{"Basic " + token, 401},
		{"Bearer" + token, 401},
		{"Bearer ", 401},
		{token, 401},
	} {
		if got, body := s.get(c.auth); got != c.want {
			t.Errorf("Authorization: %q: %d, want %d\n%s", c.auth, got, c.want, body)
		}
	}
}

// Concurrent updaters never lose each other's entries.
func TestTokensConcurrentAddsLoseNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { addToken(t, path, fmt.Sprintf("Auditor %d", i), nil) })
	}
	wg.Wait()
	entries, _, err := httpapi.ReadTokenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n {
		t.Fatalf("%d entries after %d concurrent adds, want %d", len(entries), n, n)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".tokens.json.tmp-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A revoke of an id the file does not hold writes nothing.
func TestTokensRevokeUnknownWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	addToken(t, path, "District audit", nil)
	before, _ := os.Stat(path)
	_, err := httpapi.RevokeToken(path, "tok-000000000000", time.Now())
	if !errors.Is(err, httpapi.ErrNoSuchToken) || !strings.Contains(err.Error(), path) {
		t.Fatalf("revoke an unknown id: %v, want ErrNoSuchToken naming the file", err)
	}
	if after, _ := os.Stat(path); !os.SameFile(before, after) {
		t.Error("a refused revoke rewrote the file")
	}
}

// The first start's admin token is returned once and works; the file keeps
// its digest.
func TestEnsureAdminTokensShowsTheTokenOnce(t *testing.T) {
	dir := t.TempDir()
	path, token, err := httpapi.EnsureAdminTokens(dir)
	if err != nil || token == "" {
		t.Fatalf("first start: %q %v, want a token", token, err)
	}
	if raw, _ := os.ReadFile(path); bytes.Contains(raw, []byte(token)) {
		t.Errorf("the tokens file holds the admin token:\n%s", raw)
	}
	if _, again, err := httpapi.EnsureAdminTokens(dir); err != nil || again != "" {
		t.Errorf("second start: %q %v, want no token", again, err)
	}
	s := startTokenServer(t, path, time.Now)
	if got := s.status(token); got != 200 {
		t.Errorf("the admin token: %d, want 200", got)
	}
}
