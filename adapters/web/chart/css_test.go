package chart_test

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/web/chart"
)

// luminance is the WCAG 2.x relative luminance of #rrggbb.
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil || len(hex) != 7 {
		t.Fatalf("colour %q: want #rrggbb", hex)
	}
	lin := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(v>>16&0xff) + 0.7152*lin(v>>8&0xff) + 0.0722*lin(v&0xff)
}

func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func TestContrastRatio(t *testing.T) {
	// Known values: black on white 21:1; #767676 on white is the
	// lightest grey that passes 4.5:1.
	if c := contrast(t, "#000000", "#ffffff"); math.Abs(c-21) > 0.01 {
		t.Errorf("black on white: %v", c)
	}
	if c := contrast(t, "#767676", "#ffffff"); c < 4.5 || c > 4.6 {
		t.Errorf("#767676 on white: %v", c)
	}
}

// TestCSSContrast: every colour in chart.css, and every colour the SVG
// sets itself, reads at 4.5:1 on the white background, the background and
// the white rings around markers aside.
func TestCSSContrast(t *testing.T) {
	css, err := os.ReadFile("chart.css")
	if err != nil {
		t.Fatal(err)
	}
	all := string(css)
	for _, tc := range cases() {
		all += string(render(t, tc.c).SVG)
	}
	hex := regexp.MustCompile(`#[0-9a-fA-F]{3,8}\b`)
	found := 0
	for _, c := range hex.FindAllString(all, -1) {
		if strings.EqualFold(c, "#ffffff") {
			continue
		}
		found++
		if r := contrast(t, strings.ToLower(c), "#ffffff"); r < 4.5 {
			t.Errorf("%s on white: %.2f:1, below 4.5:1", c, r)
		}
	}
	if found == 0 {
		t.Error("no colours found")
	}
}

// TestCSSCoversClasses: every class the charts use has a rule in
// chart.css, so a renamed class cannot silently lose its colour.
func TestCSSCoversClasses(t *testing.T) {
	css, err := os.ReadFile("chart.css")
	if err != nil {
		t.Fatal(err)
	}
	rules := regexp.MustCompile(`\.([a-z0-9-]+)`).FindAllStringSubmatch(string(css), -1)
	styled := map[string]bool{}
	for _, r := range rules {
		styled[r[1]] = true
	}
	figs, err := chart.FromReport("e", report())
	if err != nil {
		t.Fatal(err)
	}
	var svgs []string
	for _, f := range figures(figs) {
		svgs = append(svgs, string(f.SVG), string(f.Table.HTML()))
	}
	for _, tc := range cases() {
		svgs = append(svgs, string(render(t, tc.c).SVG))
	}
	class := regexp.MustCompile(`class="([^"]*)"`)
	for _, s := range svgs {
		for _, m := range class.FindAllStringSubmatch(s, -1) {
			for _, c := range strings.Fields(m[1]) {
				if !styled[c] {
					t.Errorf("class %q has no rule in chart.css", c)
					styled[c] = true // once
				}
			}
		}
	}
}

// TestCSSNoRemote: the stylesheet loads nothing, which a policy of 'self'
// would refuse or a print would miss.
func TestCSSNoRemote(t *testing.T) {
	css, err := os.ReadFile("chart.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"url(", "@import", "@font-face", "expression("} {
		if strings.Contains(string(css), bad) {
			t.Errorf("chart.css holds %q", bad)
		}
	}
}
