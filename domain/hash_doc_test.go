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
// the page can never drift from what the ledger computes.
func TestHashChainDocExample(t *testing.T) {
	const doc = "../docs/hash-chain.md"
	lines := fencedBlock(t, doc, "ndjson")
	var v domain.ChainVerifier
	sc := bufio.NewScanner(strings.NewReader(lines))
	n := 0
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
	if n != 2 {
		t.Fatalf("the example has %d events, want 2", n)
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
	// And it must fail on a tampered line: the program can tell.
	cmd = exec.Command(python, "-c", fencedBlock(t, doc, "python"))
	cmd.Stdin = strings.NewReader(strings.Replace(lines, `"level":3`, `"level":4`, 1))
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the page's Python program accepted a tampered event:\n%s", out)
	}
}
