package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/masteryledger/ledger/adapters/credential"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

// requireBrowserEnv makes a missing node a failure instead of a skip, for
// the machines that must run these checks.
const requireBrowserEnv = "LEDGER_REQUIRE_BROWSER"

// The tokens are node_test.go's.

// Free text with HTML characters, quotes and non-ASCII, and with a line
// separator (U+2028), which Go's encoder always escapes and JSON.stringify
// never does: so re-serialising parsed data would not give these events'
// stored bytes back, and only a module that hashes the data's text passes.
const (
	textV1 = "ratio <a:b> & \"b:a\" \u2028 — ñandú 日本 ≤ 3"
	textV2 = "units & rates <tables> — São Paulo, Zürich, 東京 🙂 \u2028 end"
)

// TestVerifyJSInNode runs static/verify.js under node against a real
// ledger on loopback: a store whose first events are hash version 1 (from
// before salts) and later ones version 2, its transparency log, and an OB
// 3.0 transcript, all served by the API the page will fetch from. The
// script (testdata/verify_test.mjs) checks that everything verifies and
// that each kind of tampering is caught and named.
func TestVerifyJSInNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv(requireBrowserEnv) == "1" {
			t.Fatalf("node is not installed and %s=1: apt-get install nodejs", requireBrowserEnv)
		}
		t.Skip("node is not installed: apt-get install nodejs to run the in-browser verification's checks (set " + requireBrowserEnv + "=1 to fail instead)")
	}
	ctx := context.Background()

	// The first events, recorded as the code before salts recorded them.
	before := t.TempDir()
	n := startLedger(t, before, 0)
	n.must(201, "POST", "/v1/standards", adminToken, obj{"standardId": "math-6-rp-1", "framework": "CCSS-M", "code": "6.RP.A.1", "title": "Ratios",
		"statement":  "Understand ratio concepts and use ratio language.",
		"components": []obj{{"id": "c1", "statement": "Describe a ratio"}, {"id": "c2", "statement": "Use ratio language"}, {"id": "c3", "statement": "Solve ratio problems"}}})
	n.must(201, "POST", "/v1/schools", adminToken, obj{"schoolId": "north", "name": "École Nord & <Sud>"})
	n.must(201, "POST", "/v1/schools/north/learners", adminToken, obj{"learnerId": "l-0001", "cohort": "grade-6"})
	const l = "/v1/learners/l-0001"
	n.must(201, "POST", l+"/pre-assessments", teacherToken, obj{"standardId": "math-6-rp-1", "demonstrated": []string{"c1"}, "occurredAt": "2026-09-01T09:00:00Z"})
	ev := n.must(201, "POST", l+"/evidence", teacherToken, evidence("c2", 3, "teacher")).json(t)
	n.must(201, "POST", l+"/feedback", teacherToken, obj{"standardId": "math-6-rp-1", "evidenceIds": []any{ev["eventId"]},
		"strengths": textV1, "nextSteps": "multi-step problems", "causes": "skipped <unit> conversion & rounding"})
	evs, err := n.store.ReadAll(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	n.stop()
	dir := t.TempDir()
	writeUnsalted(t, dir, evs)

	// The store opened by today's code: later events are salted and chain
	// onto the unsalted ones.
	n = startLedger(t, dir, uint64(len(evs)))
	n.must(201, "POST", l+"/evidence", teacherToken, evidence("c3", 3, "peer"))
	n.must(201, "POST", l+"/feedback", teacherToken, obj{"standardId": "math-6-rp-1", "evidenceIds": []any{ev["eventId"]},
		"strengths": textV2, "nextSteps": "write unit rates <each>", "causes": "rushed & tired"})
	n.must(201, "POST", l+"/agreements", teacherToken, obj{"standardId": "math-6-rp-1", "learnerConfirmed": true})
	n.must(201, "POST", l+"/summative-attempts", teacherToken, obj{"standardId": "math-6-rp-1", "level": 3})

	// What the script will fetch verifies with the Go code, so a failure
	// below is the module's.
	key := string(n.must(200, "GET", "/v1/log/key", "", nil).body)
	transcript := n.must(200, "GET", l+"/transcript?format=ob3", learnerToken, nil).body
	if _, err := credential.VerifyTranscript(transcript, key); err != nil {
		t.Fatalf("the transcript does not verify with the Go code: %v", err)
	}
	all, err := n.store.ReadAll(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	salted := 0
	for _, e := range all {
		if domain.EventHash(e) != e.Hash {
			t.Fatalf("stored event %s does not hash to its hash", e.ID)
		}
		if e.Salt != "" {
			salted++
		}
	}
	if salted == 0 || salted == len(all) {
		t.Fatalf("%d of %d events salted; want both hash versions", salted, len(all))
	}
	replay := string(n.must(200, "GET", l+"/standards/math-6-rp-1/replay", auditorToken, nil).body)
	for _, text := range []string{textV1, textV2} {
		// Both texts are in the trail, as Go's encoder prints them.
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		e.Encode(text)
		if quoted := strings.TrimSpace(b.String()); !strings.Contains(replay, quoted[1:len(quoted)-1]) {
			t.Fatalf("the replay does not hold %q:\n%s", text, replay)
		}
	}

	rs := rs256Variant(t, n.logKey, transcript)
	if _, err := credential.Verify(rs, key); err != nil {
		t.Fatalf("the RS256 credential does not verify with the Go code: %v", err)
	}
	out, err := runNode(t, node, n.url, transcript, "RS256_JWT="+rs)
	if err != nil {
		t.Fatalf("verify_test.mjs: %v\n%s", err, out)
	}
	t.Logf("verify_test.mjs:\n%s", out)
	if !strings.Contains(out, "ok: all checks passed") {
		t.Fatalf("the script did not finish:\n%s", out)
	}
}

// runNode runs the script under node with the server's URL and the
// transcript, and returns what it printed.
func runNode(t *testing.T, node, url string, transcript []byte, env ...string) (string, error) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "verify_test.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	module, err := filepath.Abs(filepath.Join("static", "verify.js"))
	if err != nil {
		t.Fatal(err)
	}
	tfile := filepath.Join(t.TempDir(), "transcript.json")
	if err := os.WriteFile(tfile, transcript, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(),
		"VERIFY_MODULE="+module, "LEDGER_URL="+url, "LEDGER_TOKEN="+auditorToken, "LEDGER_ADMIN_TOKEN="+adminToken,
		"TRANSCRIPT_FILE="+tfile, "LEARNER=l-0001", "STANDARD=math-6-rp-1")
	cmd.Env = append(cmd.Env, env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err = cmd.Run()
	return buf.String(), err
}

// writeUnsalted writes evs into a new store in dir as the code before
// salts left them: the schema of then, and every event hashed as version 1,
// each stream's chain recomputed.
func writeUnsalted(t *testing.T, dir string, evs []domain.RecordedEvent) {
	t.Helper()
	schema, err := os.ReadFile("../sqlite/testdata/schema-v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(string(schema)); err != nil {
		t.Fatal(err)
	}
	heads := map[string]string{}
	for _, e := range evs {
		e.Salt = ""
		e.PrevHash = domain.ZeroHash
		if h, ok := heads[e.Stream]; ok {
			e.PrevHash = h
		}
		e.Hash = domain.EventHash(e)
		heads[e.Stream] = e.Hash
		if _, err := db.Exec(`INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Position, e.ID.String(), e.Stream, e.Revision, e.Type, domain.FormatTime(e.OccurredAt), domain.FormatTime(e.RecordedAt),
			e.Actor.Role, e.Actor.Name, string(e.Data), e.PrevHash, e.Hash); err != nil {
			t.Fatal(err)
		}
	}
}

type obj = map[string]any

func evidence(component string, level int, source string) obj {
	return obj{"standardId": "math-6-rp-1", "componentId": component, "level": level, "source": source}
}

// testNode (startLedger) is the service on loopback as cmd/ledger runs it: the store,
// the read models following it, the transparency log following it.
type testNode struct {
	t     *testing.T
	url   string
	http  *http.Client
	store *sqlite.Store
	// logKey is the ledger's log key, to vouch for a test's own issuer.
	logKey *translog.Key
	stop   func()
}

func startLedger(t *testing.T, dir string, startPos uint64) *testNode {
	t.Helper()
	run := runLedger(t, dir)
	tokens, err := httpapi.NewTokens([]httpapi.Credential{
		{Token: adminToken, Role: "admin", Name: "Office"},
		{Token: teacherToken, Role: "teacher", School: "north", Name: "Mme Étienne <Dupont> & Co"},
		{Token: learnerToken, Role: "learner", Learner: "l-0001", Name: "Ana"},
		{Token: auditorToken, Role: "auditor", Name: "District audit"},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Config{
		Service: service.New(run.store, &service.Options{Seal: run.sealer.Seal}), View: run.view, Efficacy: run.eff, Events: run.store,
		Projection: run.engine, Tokens: tokens, Personal: run.sealer, Log: run.log, Credentials: run.issuer, PublicURL: "http://ledger.test", StartPosition: startPos,
	}))
	stop := func() { srv.Close(); run.stop() }
	t.Cleanup(stop)
	return &testNode{t: t, url: srv.URL, http: srv.Client(), store: run.store, logKey: run.log.Key(), stop: stop}
}

type reply struct {
	status int
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// must sends a request (body as JSON) and fails the test unless it answers
// want.
func (n *testNode) must(want int, method, path, token string, body any) reply {
	n.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			n.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, n.url+path, rd)
	if err != nil {
		n.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := n.http.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		n.t.Fatal(err)
	}
	if resp.StatusCode != want {
		n.t.Fatalf("%s %s: %d, want %d\n%s", method, path, resp.StatusCode, want, raw)
	}
	return reply{status: resp.StatusCode, body: raw}
}

// rs256Variant is the transcript's first credential as a ledger run with
// --credential-alg RS256 would issue it: the same claim, issued by an RSA
// key that the log's key vouches for, signed RS256.
func rs256Variant(t *testing.T, logKey *translog.Key, transcript []byte) string {
	t.Helper()
	var tr credential.Transcript
	if err := json.Unmarshal(transcript, &tr); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tr.Credentials[0].JWT, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var cred map[string]any
	if err := json.Unmarshal(raw, &cred); err != nil {
		t.Fatal(err)
	}
	key, err := credential.LoadOrCreateKey(t.TempDir(), credential.RS256)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := credential.NewIssuer(credential.RS256, key, logKey.Signer, logKey.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	binding, err := iss.Binding()
	if err != nil {
		t.Fatal(err)
	}
	cred["issuer"].(map[string]any)["id"] = iss.DID()
	cred["iss"] = iss.DID()
	cred["ledgerProof"].(map[string]any)["issuerBinding"] = binding
	payload, err := json.Marshal(cred)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{EmbedJWK: true}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
