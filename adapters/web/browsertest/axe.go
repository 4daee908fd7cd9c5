package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core's axe.min.js (testdata/README.md says which
// version, from where, and its licence). It is embedded so that a test of any
// package can run the rules without knowing where this package's files are.
//
//go:embed testdata/axe.min.js
var axeSource string

// AxeTags are the axe-core rule tags that Axe runs: WCAG 2.0, 2.1 and 2.2,
// levels A and AA. (WCAG 2.2 added no level-A rule to axe-core, only wcag22aa.)
func AxeTags() []string {
	return []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}
}

// Violation is one axe-core rule that the page breaks.
type Violation struct {
	ID      string   // the rule, e.g. "image-alt"
	Impact  string   // minor, moderate, serious or critical
	Help    string   // what the rule asks for
	HelpURL string   // Deque's page on the rule
	Nodes   int      // how many elements break it
	Targets []string // CSS selectors of the first few of those elements
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s; %d element(s): %s; see %s",
		v.ID, v.Impact, v.Help, v.Nodes, strings.Join(v.Targets, ", "), v.HelpURL)
}

// maxTargets is how many elements a Violation names: enough to find the
// markup, few enough that a broken layout does not flood the test log.
const maxTargets = 5

// AxeViolations runs axe-core's WCAG A and AA rules (AxeTags) on the page in
// the tab of ctx and returns the rules it breaks.
//
// The script goes in through the DevTools protocol (Runtime.evaluate), which
// a page's Content-Security-Policy does not govern, so the pages keep their
// strict script-src 'self' and are checked as served.
func AxeViolations(ctx context.Context) ([]Violation, error) {
	// Injected on each call: a navigation drops it with the old document.
	// The guard keeps a second call on the same document from loading it
	// twice.
	if _, err := eval[chromedp.Void](ctx, "if (typeof window.axe === 'undefined') {\n"+axeSource+"\n}"); err != nil {
		return nil, fmt.Errorf("injecting axe-core: %w", err)
	}
	tags, err := json.Marshal(AxeTags())
	if err != nil {
		return nil, err
	}
	script := fmt.Sprintf(`axe.run(document, {
		runOnly: {type: "tag", values: %s},
		resultTypes: ["violations"]
	}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.length,
		targets: v.nodes.slice(0, %d).map(n => n.target.join(" "))
	})))`, tags, maxTargets)
	type violation struct {
		ID      string   `json:"id"`
		Impact  string   `json:"impact"`
		Help    string   `json:"help"`
		HelpURL string   `json:"helpUrl"`
		Nodes   int      `json:"nodes"`
		Targets []string `json:"targets"`
	}
	got, err := eval[[]violation](ctx, script, chromedp.EvalAwaitPromise)
	if err != nil {
		return nil, fmt.Errorf("running axe-core: %w", err)
	}
	vs := make([]Violation, 0, len(got))
	for _, v := range got {
		vs = append(vs, Violation{ID: v.ID, Impact: v.Impact, Help: v.Help, HelpURL: v.HelpURL, Nodes: v.Nodes, Targets: v.Targets})
	}
	return vs, nil
}

// Axe fails the test for each WCAG A or AA rule of axe-core that the page in
// the tab breaks, naming the rule, its impact, its help and the first
// elements. pageName says which page in the failure message.
func Axe(ctx context.Context, t testing.TB, pageName string) {
	t.Helper()
	vs, err := AxeViolations(ctx)
	if err != nil {
		t.Fatalf("%s: %v", pageName, err)
	}
	for _, v := range vs {
		t.Errorf("%s: accessibility violation %v", pageName, v)
	}
}
