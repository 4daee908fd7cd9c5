package translog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

const trustDoc = "../../docs/trust.md"

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

type workedExample struct {
	EventHashes []string `json:"eventHashes"`
	LeafIndex   uint64   `json:"leafIndex"`
	TreeSize    uint64   `json:"treeSize"`
	Hashes      []string `json:"hashes"`
	RootHash    string   `json:"rootHash"`
}

// TestTrustDocExample checks docs/trust.md's worked example against the
// ledger's own log: the proof and root it prints are the ones the log
// serves, its checkpoint opens with its key, and its Python verifier
// accepts the proof and refuses a tampered one.
func TestTrustDocExample(t *testing.T) {
	ctx := context.Background()
	block := fencedBlock(t, trustDoc, "json")
	var ex workedExample
	if err := json.Unmarshal([]byte(block), &ex); err != nil {
		t.Fatalf("the example is not JSON: %v", err)
	}
	l := openLog(t, t.TempDir())
	for i, h := range ex.EventHashes {
		if err := l.Add(domain.RecordedEvent{ID: uuid.New(), Position: uint64(i + 1), Hash: h}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	proof, err := l.InclusionProof(ctx, ex.LeafIndex, ex.TreeSize)
	if err != nil {
		t.Fatal(err)
	}
	root, err := l.RootAt(ctx, ex.TreeSize)
	if err != nil {
		t.Fatal(err)
	}
	want := translog.EncodeHashes(proof)
	if fmt.Sprint(ex.Hashes) != fmt.Sprint(want) || ex.RootHash != translog.EncodeHashes([][]byte{root})[0] {
		got, _ := json.Marshal(want)
		t.Fatalf("the example's proof or root is not what the log serves: hashes %s, root %s", got, translog.EncodeHashes([][]byte{root})[0])
	}

	raw, _ := os.ReadFile(trustDoc)
	vkey := regexp.MustCompile("`(school\\.example/ledger\\+[0-9a-f]{8}\\+[A-Za-z0-9+/=]+)`").FindSubmatch(raw)
	if vkey == nil {
		t.Fatal("the doc names no verifier key")
	}
	cp, err := translog.OpenCheckpoint([]byte(fencedBlock(t, trustDoc, "checkpoint")), string(vkey[1]))
	if err != nil {
		t.Fatalf("the example checkpoint does not open with the example key: %v", err)
	}
	if cp.Size != ex.TreeSize || !bytes.Equal(cp.Root, root) {
		t.Fatalf("the example checkpoint signs size %d, root %x", cp.Size, cp.Root)
	}
	if err := translog.VerifyInclusion(cp, ex.LeafIndex, ex.EventHashes[ex.LeafIndex], proof); err != nil {
		t.Fatal(err)
	}

	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the page's Python verifier is not run")
	}
	script := fencedBlock(t, trustDoc, "python")
	runPy := func(input []byte) (string, error) {
		cmd := exec.Command(python, "-c", script)
		cmd.Stdin = bytes.NewReader(input)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := runPy([]byte(block)); err != nil || !strings.HasPrefix(out, "ok") {
		t.Fatalf("the page's Python verifier refused the example: %v\n%s", err, out)
	}
	tampered := ex
	tampered.LeafIndex = 1
	input, _ := json.Marshal(tampered)
	if out, err := runPy(input); err == nil {
		t.Fatalf("the page's Python verifier accepted a proof for the wrong leaf:\n%s", out)
	}
}
