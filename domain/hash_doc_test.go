package domain_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// fencedBlock returns the body of the first ```lang block of a Markdown file.
func fencedBlock(t *testing.T, path, lang string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), "```"+lang+"\n")
	if !ok {
		t.Fatalf("%s has no ```%s block", path, lang)
	}
	body, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("%s: unterminated ```%s block", path, lang)
	}
	return body
}

// The worked example of docs/hash-chain.md must verify with the Go code, so
// the page can never drift from what the ledger computes. It shows both
// hash versions: an event recorded before salts (v1) and salted ones (v2)
// chained onto it.
func TestHashChainDocExample(t *testing.T) {
	const doc = "../docs/hash-chain.md"
	lines := fencedBlock(t, doc, "ndjson")
	var v domain.ChainVerifier
	sc := bufio.NewScanner(strings.NewReader(lines))
	n, salted := 0, 0
	for sc.Scan() {
		var e domain.RecordedEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("example line %d: %v", n+1, err)
		}
		if got := domain.EventHash(e); got != e.Hash {
			t.Errorf("example line %d: hash %s, recomputed %s", n+1, e.Hash, got)
		}
		if err := v.Next(e); err != nil {
			t.Errorf("example line %d: %v", n+1, err)
		}
		if e.Salt != "" {
			salted++
		}
		// The ledger prints an envelope exactly as the example shows it.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(e); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(buf.String(), "\n"); got != sc.Text() {
			t.Errorf("example line %d is not how the ledger prints it:\n got %s\nwant %s", n+1, sc.Text(), got)
		}
		n++
	}
	if n != 3 || salted != 2 {
		t.Fatalf("the example has %d events, %d of them salted; want 3: one unsalted (v1), then two salted (v2)", n, salted)
	}

	// Altered copies, each of which a verifier must refuse: the Go code and
	// the page's program alike.
	tampered := map[string]string{
		"a v2 payload":       strings.Replace(lines, `"level":3`, `"level":4`, 1),
		"the v1 payload":     strings.Replace(lines, `"cohort":"grade-6"`, `"cohort":"grade-7"`, 1),
		"a salt":             strings.Replace(lines, `"salt":"407245cc`, `"salt":"407245cd`, 1),
		"a salt left out":    strings.Replace(lines, `"salt":"407245cc7f8c793905ba3c4ffe5e8300",`, ``, 1),
		"a salt in capitals": strings.Replace(lines, `"salt":"a9a49af6f981e1a2ebaa173c78057df9"`, `"salt":"A9A49AF6F981E1A2EBAA173C78057DF9"`, 1),
		"a salt too short":   strings.Replace(lines, `"salt":"a9a49af6f981e1a2ebaa173c78057df9"`, `"salt":"a9a49af6f981e1a2"`, 1),
		"a salt added to v1": strings.Replace(lines, `"actor":{"role":"admin","name":"Office"},`, `"actor":{"role":"admin","name":"Office"},"salt":"407245cc7f8c793905ba3c4ffe5e8300",`, 1),
	}
	for name, alt := range tampered {
		if alt == lines {
			t.Fatalf("tampering with %s changed nothing: the example changed?", name)
		}
		if err := verifyLines(alt); err == nil {
			t.Errorf("the Go code accepted the example with %s altered", name)
		}
	}

	python, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not installed: the page's Python program was not run")
		return
	}
	cmd := exec.Command(python, "-c", fencedBlock(t, doc, "python"))
	cmd.Stdin = strings.NewReader(lines)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("the page's Python program: %v\n%s", err, out)
	}
	// And it must fail on each altered copy: the program can tell.
	for name, alt := range tampered {
		cmd = exec.Command(python, "-c", fencedBlock(t, doc, "python"))
		cmd.Stdin = strings.NewReader(alt)
		if out, err := cmd.CombinedOutput(); err == nil {
			t.Errorf("the page's Python program accepted the example with %s altered:\n%s", name, out)
		}
	}
}

// verifyLines runs ChainVerifier over NDJSON envelopes.
func verifyLines(lines string) error {
	var v domain.ChainVerifier
	for line := range strings.Lines(lines) {
		var e domain.RecordedEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return err
		}
		if err := v.Next(e); err != nil {
			return err
		}
	}
	return nil
}
