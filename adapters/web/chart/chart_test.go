package chart_test

import (
	"bytes"
	"flag"
	"html/template"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/web/chart"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// hostile is a label that must arrive as text, never as markup.
const hostile = `<script>"x"</script> & 'co'`

type renderer interface {
	Render() (chart.Figure, error)
}

// cases are one chart of each kind, with data and without; the golden
// files keep what each draws.
func cases() []struct {
	name string
	c    renderer
} {
	growth := func(vals ...*float64) []chart.Point {
		var ps []chart.Point
		for i := range vals {
			ps = append(ps, chart.Point{Label: "2026-0" + strconv.Itoa(i+1), Extra: []string{strconv.Itoa(i)}})
		}
		return ps
	}
	long := chart.LineChart{ID: "long", Title: "Thirty weeks", Category: "ISO week", Axis: "Standards met per learner",
		Series: []chart.Series{{Name: "Standards met per learner"}}}
	for i := range 30 {
		long.Points = append(long.Points, chart.Point{Label: "2026-W" + strconv.Itoa(10+i)})
		long.Series[0].Values = append(long.Series[0].Values, ptr(float64(i%7)/4))
	}
	return []struct {
		name string
		c    renderer
	}{
		{"bar", chart.BarChart{ID: "bar", Title: "Proficiency & <rates>", Desc: "Share per standard.", Category: "Standard",
			Axis: "Learners who met it", Extra: []string{"Met"}, Bars: []chart.Bar{
				{Label: "6.RP.A.1 Ratios", Percent: ptr(50), Extra: []string{"1"}},
				{Label: hostile, Percent: ptr(0), Extra: []string{"0"}},
				{Label: "A very long standard title that does not fit beside its bar", Percent: ptr(100), Extra: []string{"2"}},
				{Label: "No value", Percent: nil, Extra: []string{"0"}},
			}}},
		{"bar-empty", chart.BarChart{ID: "bar", Title: "Proficiency by standard", Category: "Standard", Axis: "Learners who met it"}},
		{"line", chart.LineChart{ID: "line", Title: "Growth", Desc: "Per month.", Category: "Month", Axis: "Standards met per learner",
			Points: growth(ptr(0.5), nil, ptr(0), ptr(1.25), ptr(2)), Extra: []string{"Index"},
			Series: []chart.Series{{Name: "Standards met per learner", Values: []*float64{ptr(0.5), nil, ptr(0), ptr(1.25), ptr(2)}}}}},
		{"line-two", chart.LineChart{ID: "two", Title: "Perceived beside measured", Category: "Survey round", Axis: "Perceived and measured",
			Percent: true, Points: []chart.Point{{Label: "r1"}, {Label: hostile}, {Label: "r3"}},
			Series: []chart.Series{
				{Name: "Staff, perceived (1–5)", Values: []*float64{ptr(75), ptr(100), nil}},
				{Name: "Measured & proficiency", Values: []*float64{ptr(0), ptr(33.333333333333), ptr(50)}},
			}}},
		{"line-long", long},
		{"line-empty", chart.LineChart{ID: "line", Title: "Growth", Category: "Month", Axis: "Standards met per learner",
			Points: growth(nil, nil), Series: []chart.Series{{Name: "Standards met per learner", Values: []*float64{nil, nil}}}}},
		{"range", chart.RangeChart{ID: "range", Title: "Time to mastery", Category: "Measured from", Unit: "days",
			Extra: []string{"n"}, Rows: []chart.Range{
				{Label: "Agreement to met", Median: ptr(1), P90: ptr(4), Extra: []string{"6"}},
				{Label: hostile, Median: ptr(5.25), P90: ptr(20), Extra: []string{"5"}},
				{Label: "Nothing measured", Extra: []string{"0"}},
			}}},
		{"range-empty", chart.RangeChart{ID: "range", Title: "Time to mastery", Category: "Measured from", Unit: "days",
			Rows: []chart.Range{{Label: "Agreement to met"}, {Label: "First evidence to met"}}}},
		{"meter", chart.Meter{ID: "meter", Title: "Persistence", Desc: "Effort into proficiency.", Label: "Share persisted",
			Percent: ptr(37.5), Detail: "3 of 8 & counting", Extra: []string{"Pairs"}, Cells: []string{"8"}}},
		{"meter-0", chart.Meter{ID: "meter", Title: "Goals met", Label: "Share met", Percent: ptr(0), Detail: "0 of 4"}},
		{"meter-100", chart.Meter{ID: "meter", Title: "Goals met", Label: "Share met", Percent: ptr(100), Detail: "4 of 4"}},
		{"meter-empty", chart.Meter{ID: "meter", Title: "Goals met", Label: "Share met", Detail: "0 of 0"}},
	}
}

func caseNamed(t *testing.T, name string) renderer {
	t.Helper()
	for _, tc := range cases() {
		if tc.name == name {
			return tc.c
		}
	}
	t.Fatalf("no case %q", name)
	return nil
}

// golden is what a golden file holds of a figure: the SVG, an element a
// line so that a change reads as a diff, then the table.
func golden(f chart.Figure) []byte {
	var b bytes.Buffer
	b.WriteString(strings.ReplaceAll(string(f.SVG), "><", ">\n<"))
	b.WriteString("\n\n")
	b.WriteString(strings.ReplaceAll(string(f.Table.HTML()), "><", ">\n<"))
	b.WriteString("\n")
	return b.Bytes()
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file; run go test -update and review the diff.\ngot:\n%s", path, got)
	}
}

func render(t *testing.T, c renderer) chart.Figure {
	t.Helper()
	f, err := c.Render()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestGolden(t *testing.T) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			checkGolden(t, tc.name, golden(render(t, tc.c)))
		})
	}
}

func TestEveryChartIsAnAccessibleImage(t *testing.T) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			checkSVG(t, render(t, tc.c))
		})
	}
}

// TestEscaping renders labels holding markup through html/template, as the
// page does: the markup arrives as text in the SVG and in the table.
func TestEscaping(t *testing.T) {
	page := template.Must(template.New("page").Parse(`<figure>{{.SVG}}{{.Table.HTML}}</figure>`))
	for _, tc := range cases() {
		f := render(t, tc.c)
		var b strings.Builder
		if err := page.Execute(&b, f); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, "<svg ") || !strings.Contains(out, "<table ") {
			t.Errorf("%s: html/template escaped the chart instead of inserting it: %.200s", tc.name, out)
		}
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Errorf("%s: a label's markup reached the page as markup", tc.name)
		}
		if strings.Contains(out, "& ") {
			t.Errorf("%s: a bare & reached the page", tc.name)
		}
	}
	// The hostile label survives, as text, in the chart and in the table.
	f := render(t, caseNamed(t, "bar"))
	if got := texts(parseSVG(t, string(f.SVG)), "chart-label"); !contains(got, hostile) {
		t.Errorf("the chart's labels %q lack %q", got, hostile)
	}
	if h := string(f.Table.HTML()); !strings.Contains(h, "&lt;script&gt;&#34;x&#34;&lt;/script&gt; &amp; &#39;co&#39;") {
		t.Errorf("the table does not hold the escaped label: %s", h)
	}
	if got := parseSVG(t, string(f.SVG))[1].text; got != "Proficiency & <rates>" {
		t.Errorf("title = %q", got)
	}
}

// TestControlCharacters: text XML forbids becomes U+FFFD rather than
// breaking the SVG.
func TestControlCharacters(t *testing.T) {
	f := render(t, chart.BarChart{ID: "c", Title: "bad\x00\x1b\xff", Category: "S", Axis: "A",
		Bars: []chart.Bar{{Label: "x\x07", Percent: ptr(1)}}})
	nodes := parseSVG(t, string(f.SVG))
	if nodes[1].text != "bad\uFFFD\uFFFD\uFFFD" {
		t.Errorf("title = %q", nodes[1].text)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestNoData: a chart without data says so, draws no marks, and its table
// says so too.
func TestNoData(t *testing.T) {
	for _, tc := range cases() {
		if !strings.HasSuffix(tc.name, "-empty") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			f := render(t, tc.c)
			checkSVG(t, f)
			if !f.Empty {
				t.Error("Empty is false")
			}
			nodes := parseSVG(t, string(f.SVG))
			if got := texts(nodes, "chart-nodata"); len(got) != 1 || got[0] != chart.NoData {
				t.Errorf("the chart says %q, want %q", got, chart.NoData)
			}
			if !strings.Contains(nodes[2].text, chart.NoData) {
				t.Errorf("desc %q does not say %q", nodes[2].text, chart.NoData)
			}
			for _, n := range nodes {
				if n.name == "path" || n.name == "circle" || n.name == "line" || n.class("chart-bar-fill") {
					t.Errorf("a chart without data draws <%s class=%q>", n.name, n.attr["class"])
				}
			}
		})
	}
	for _, c := range []chart.BarChart{{ID: "b"}} {
		if h := string(render(t, c).Table.HTML()); !strings.Contains(h, chart.NoData) {
			t.Errorf("an empty table does not say %q: %s", chart.NoData, h)
		}
	}
}

// TestWithData: the charts with data are not taken for empty ones.
func TestWithData(t *testing.T) {
	for _, tc := range cases() {
		if strings.HasSuffix(tc.name, "-empty") {
			continue
		}
		f := render(t, tc.c)
		if f.Empty || strings.Contains(string(f.SVG), chart.NoData) {
			t.Errorf("%s: a chart with data says it has none", tc.name)
		}
	}
}

func TestInvalidIDs(t *testing.T) {
	for _, id := range []string{"", "1a", "a b", `a"b`, "a<b", strings.Repeat("a", 65), "é"} {
		for _, c := range []renderer{chart.BarChart{ID: id}, chart.LineChart{ID: id}, chart.RangeChart{ID: id}, chart.Meter{ID: id}} {
			if _, err := c.Render(); err == nil {
				t.Errorf("%T with ID %q: no error", c, id)
			}
		}
	}
	_, err := chart.LineChart{ID: "x", Points: []chart.Point{{Label: "a"}}, Series: []chart.Series{{Name: "s"}}}.Render()
	if err == nil {
		t.Error("a series with fewer values than points: no error")
	}
}

// TestLongSeries: a long series (the projection allows 1200 periods) keeps
// its labels legible: at most 12 category labels, no value labels, and
// markers only where a value stands alone, which the line would not show.
func TestLongSeries(t *testing.T) {
	c := chart.LineChart{ID: "l", Title: "T", Category: "Week", Axis: "A", Series: []chart.Series{{Name: "s"}}}
	for i := range 1200 {
		c.Points = append(c.Points, chart.Point{Label: strconv.Itoa(i)})
		v := ptr(float64(i % 5))
		if i == 600 || i == 599 || i == 601 {
			v = nil
		}
		if i == 600 {
			v = ptr(9)
		}
		c.Series[0].Values = append(c.Series[0].Values, v)
	}
	f := render(t, c)
	checkSVG(t, f)
	nodes := parseSVG(t, string(f.SVG))
	if got := len(texts(nodes, "chart-value")); got != 0 {
		t.Errorf("%d value labels", got)
	}
	var categories int
	for _, n := range nodes {
		if n.name == "text" && n.class("chart-tick") && n.attr["text-anchor"] == "middle" {
			categories++
		}
	}
	if categories > 12 {
		t.Errorf("%d category labels", categories)
	}
	if got := len(elems(nodes, "circle", "chart-marker")); got != 2 { // the legend's and the lone value's
		t.Errorf("%d markers, want 2", got)
	}
	if len(f.Table.Rows) != 1200 || f.Table.Rows[600][1] != "9" {
		t.Errorf("the table lost values: %d rows", len(f.Table.Rows))
	}
}
