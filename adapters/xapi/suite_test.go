package xapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// requireSuiteEnv makes a missing node or a missing install of the vendored
// suite a failure instead of a skip, for the machines that must run it (CI).
const requireSuiteEnv = "LEDGER_REQUIRE_XAPI_SUITE"

// suiteDir is the vendored copy of ADL's LRS conformance suite
// (third_party/adl-lrs-conformance-test-suite/SOURCE.md), from this package.
const suiteDir = "../../third_party/adl-lrs-conformance-test-suite"

// suiteMinTests is how many tests the suite runs for xAPI 2.0.0 at the
// vendored commit. A run that reports fewer (a battery that failed to load,
// a runner that stopped early) fails rather than passing on what it did run.
const suiteMinTests = 1442

// suiteTimeout bounds the run: it takes about half a minute on two cores.
const suiteTimeout = 10 * time.Minute

// TestADLConformanceSuite runs the whole of ADL's LRS conformance suite for
// xAPI 2.0.0 against a fresh ledger, as scripts/xapi-conformance.sh does, and
// fails naming each failed test by its section and title. TestConformanceSuiteStatements
// (conformance_test.go) replays a fixed subset of its statement cases
// without node or npm.
func TestADLConformanceSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the conformance suite takes half a minute; not with -short")
	}
	skip := func(why string) {
		t.Helper()
		if os.Getenv(requireSuiteEnv) == "1" {
			t.Fatalf("%s (%s=1)", why, requireSuiteEnv)
		}
		t.Skipf("%s; set %s=1 to fail instead", why, requireSuiteEnv)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed: apt-get install nodejs npm to run ADL's conformance suite")
	}
	dir, err := filepath.Abs(suiteDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "mocha")); err != nil {
		skip("the conformance suite's dependencies are not installed: run npm ci --install-links --no-audit --no-fund in " +
			"third_party/adl-lrs-conformance-test-suite")
	}

	l := startLRS(t)
	l.admin("POST", "/v1/schools", map[string]any{"schoolId": "north", "name": "North"}, http.StatusCreated)

	ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "bin/console_runner.js", "-x", "2.0.0",
		"-e", l.url+"/xapi", "-a", "-u", "tool", "-p", toolToken)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// The runner exits with the number of failures; the log says which.
	runErr := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("the suite did not finish within %v: %s", suiteTimeout, tail(out.String(), 2000))
	}
	// The runner writes its log under the suite's logs/ (it takes no other
	// place) and prints where.
	m := regexp.MustCompile(`Full run log written to (\S+\.log)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("the suite wrote no log (%v): %s", runErr, tail(out.String(), 2000))
	}
	logPath := m[1]
	t.Cleanup(func() { os.Remove(logPath) })
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	passed, failed, err := suiteResults(raw)
	if err != nil {
		t.Fatalf("%s: %v", logPath, err)
	}
	for _, f := range failed {
		t.Errorf("FAIL %s", f)
	}
	if total := passed + len(failed); total < suiteMinTests {
		t.Errorf("the suite ran %d tests, want at least %d: %s", total, suiteMinTests, tail(out.String(), 2000))
	}
	if len(failed) == 0 && runErr != nil {
		t.Errorf("the runner failed with no failed test in its log: %v: %s", runErr, tail(out.String(), 2000))
	}
	t.Logf("ADL conformance suite, xAPI 2.0.0: %d passed, %d failed", passed, len(failed))
}

// suiteNode is a node of the runner's log: a section, a requirement or a
// test (a node without tests), with its status.
type suiteNode struct {
	Title  string          `json:"title"`
	Status string          `json:"status"`
	Error  json.RawMessage `json:"error"`
	Tests  []suiteNode     `json:"tests"`
}

// suiteResults counts the passed tests of a runner's log and names each
// failed one as "section / … / title: error".
func suiteResults(raw []byte) (passed int, failed []string, err error) {
	var log struct {
		Log *suiteNode `json:"log"`
	}
	if err := json.Unmarshal(raw, &log); err != nil {
		return 0, nil, fmt.Errorf("the suite's log: %w", err)
	}
	if log.Log == nil {
		return 0, nil, errors.New("the suite's log has no results")
	}
	var walk func(n suiteNode, path []string)
	walk = func(n suiteNode, path []string) {
		if len(n.Tests) == 0 {
			switch n.Status {
			case "passed":
				passed++
			case "failed":
				msg := string(n.Error)
				var s string
				if json.Unmarshal(n.Error, &s) == nil {
					msg = s
				}
				failed = append(failed, strings.Join(append(path, n.Title), " / ")+": "+tail(msg, 300))
			}
			return
		}
		for _, c := range n.Tests {
			walk(c, append(path[:len(path):len(path)], n.Title))
		}
	}
	// The root's title is the run's, not a section's.
	for _, section := range log.Log.Tests {
		walk(section, nil)
	}
	return passed, failed, nil
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
