package chart_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/web/chart"
)

// The tests in this file read the numbers back out of the drawn SVG (the
// value labels and the geometry) and compare them with the figure's table,
// so that a chart cannot say one thing and its table another.

// parsePercent reads a table cell such as "33.3%".
func parsePercent(t *testing.T, s string) float64 {
	t.Helper()
	return parseNumber(t, strings.TrimSuffix(s, "%"))
}

func parseNumber(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("cell %q is not a number: %v", s, err)
	}
	return v
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestBarsAgreeWithTable(t *testing.T) {
	c := chart.BarChart{ID: "b", Title: "T", Category: "C", Axis: "A"}
	for i, v := range []float64{0, 12.345, 33.333333333333, 50, 66.666666666667, 99.94, 100} {
		c.Bars = append(c.Bars, chart.Bar{Label: fmt.Sprint("s", i), Percent: ptr(v)})
	}
	c.Bars = append(c.Bars, chart.Bar{Label: "none"})
	for _, c := range []chart.BarChart{c, caseNamed(t, "bar").(chart.BarChart)} {
		f := render(t, c)
		nodes := parseSVG(t, string(f.SVG))
		grid := elems(nodes, "line", "chart-grid")
		x0, x100 := attrNum(t, grid[0], "x1"), attrNum(t, grid[len(grid)-1], "x1")
		values := texts(nodes, "chart-value")
		bars := elems(nodes, "rect", "chart-bar-fill")
		if len(values) != len(f.Table.Rows) {
			t.Fatalf("%d value labels for %d rows", len(values), len(f.Table.Rows))
		}
		drawn := 0
		for i, row := range f.Table.Rows {
			if values[i] != row[1] {
				t.Errorf("row %d: the chart says %q, the table %q", i, values[i], row[1])
			}
			if row[1] == chart.Missing {
				continue
			}
			if drawn >= len(bars) {
				t.Fatalf("row %d has a value and no bar", i)
			}
			pct := parsePercent(t, row[1])
			// The cell rounds to 0.1%: the bar may differ by that.
			want, tol := (x100-x0)*pct/100, (x100-x0)*0.0005+0.01
			if w := attrNum(t, bars[drawn], "width"); !near(w, want, tol) {
				t.Errorf("row %d: the table says %s, the bar is %v wide of %v (want %v)", i, row[1], w, x100-x0, want)
			}
			if x := attrNum(t, bars[drawn], "x"); x != x0 {
				t.Errorf("row %d: the bar starts at %v, the axis at %v", i, x, x0)
			}
			drawn++
		}
		if drawn != len(bars) {
			t.Errorf("%d bars for %d values", len(bars), drawn)
		}
	}
}

// pathPoints reads the points of a path made of M and L commands.
func pathPoints(t *testing.T, d string) [][2]float64 {
	t.Helper()
	f := strings.Fields(strings.NewReplacer("M", " ", "L", " ").Replace(d))
	if len(f)%2 != 0 {
		t.Fatalf("path %q", d)
	}
	var out [][2]float64
	for i := 0; i < len(f); i += 2 {
		out = append(out, [2]float64{parseNumber(t, f[i]), parseNumber(t, f[i+1])})
	}
	return out
}

func TestLinesAgreeWithTable(t *testing.T) {
	for _, tc := range cases() {
		c, ok := tc.c.(chart.LineChart)
		if !ok || strings.HasSuffix(tc.name, "-empty") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			f := render(t, c)
			nodes := parseSVG(t, string(f.SVG))
			grid := elems(nodes, "line", "chart-grid")
			y0, yTop := attrNum(t, grid[0], "y1"), attrNum(t, grid[len(grid)-1], "y1")
			var ticks []string
			for _, n := range nodes {
				if n.name == "text" && n.class("chart-tick") && n.attr["text-anchor"] == "end" {
					ticks = append(ticks, n.text)
				}
			}
			yMax := parseNumber(t, strings.TrimSuffix(ticks[len(ticks)-1], "%"))
			rounding := 0.005
			if c.Percent {
				rounding = 0.05
			}
			var labels []string
			for si := range c.Series {
				var paths []node
				for _, p := range elems(nodes, "path", "chart-series-line") {
					if p.class(fmt.Sprintf("chart-series-%d", si+1)) {
						paths = append(paths, p)
					}
				}
				if len(paths) != 1 {
					t.Fatalf("series %d: %d lines", si, len(paths))
				}
				pts := pathPoints(t, paths[0].attr["d"])
				k := 0
				for _, row := range f.Table.Rows {
					cell := row[1+si]
					if cell == chart.Missing {
						continue
					}
					labels = append(labels, cell)
					if k >= len(pts) {
						t.Fatalf("series %d: the table has more values than the line", si)
					}
					v := parseNumber(t, strings.TrimSuffix(cell, "%"))
					want := y0 - (y0-yTop)*v/yMax
					if tol := (y0-yTop)*rounding/yMax + 0.01; !near(pts[k][1], want, tol) {
						t.Errorf("series %d, %s: the table says %s, the line is at y=%v (want %v)", si, row[0], cell, pts[k][1], want)
					}
					k++
				}
				if k != len(pts) {
					t.Errorf("series %d: the line has %d points, the table %d values", si, len(pts), k)
				}
			}
			if len(c.Points) <= 12 {
				if got := texts(nodes, "chart-value"); strings.Join(got, "|") != strings.Join(labels, "|") {
					t.Errorf("value labels %q, table %q", got, labels)
				}
			}
		})
	}
}

func TestRangesAgreeWithTable(t *testing.T) {
	f := render(t, caseNamed(t, "range"))
	nodes := parseSVG(t, string(f.SVG))
	grid := elems(nodes, "line", "chart-grid")
	ticks := texts(nodes, "chart-tick")
	x0, xEnd := attrNum(t, grid[0], "x1"), attrNum(t, grid[len(grid)-1], "x1")
	xMax := parseNumber(t, ticks[len(ticks)-1])
	xAt := func(v float64) float64 { return x0 + (xEnd-x0)*v/xMax }
	values := texts(nodes, "chart-value")
	bars := elems(nodes, "rect", "chart-range-bar")[1:] // after the legend's
	medians := elems(nodes, "circle", "chart-median")[1:]
	drawn := 0
	for i, row := range f.Table.Rows {
		want := fmt.Sprintf("median %s, 90th %s", row[1], row[2])
		if row[1] == chart.Missing && row[2] == chart.Missing {
			want = chart.Missing
		}
		if values[i] != want {
			t.Errorf("row %d: the chart says %q, the table %q", i, values[i], want)
		}
		if want == chart.Missing {
			continue
		}
		if w := attrNum(t, bars[drawn], "width"); !near(x0+w, xAt(parseNumber(t, row[2])), 0.02) {
			t.Errorf("row %d: the bar ends at %v, the table's 90th percentile %s is at %v", i, x0+w, row[2], xAt(parseNumber(t, row[2])))
		}
		if cx := attrNum(t, medians[drawn], "cx"); !near(cx, xAt(parseNumber(t, row[1])), 0.02) {
			t.Errorf("row %d: the median is at %v, the table's %s at %v", i, cx, row[1], xAt(parseNumber(t, row[1])))
		}
		drawn++
	}
	if drawn != len(bars) || drawn != len(medians) {
		t.Errorf("%d rows with values, %d bars, %d medians", drawn, len(bars), len(medians))
	}
}

func TestMetersAgreeWithTable(t *testing.T) {
	for _, tc := range cases() {
		m, ok := tc.c.(chart.Meter)
		if !ok || strings.HasSuffix(tc.name, "-empty") {
			continue
		}
		f := render(t, m)
		nodes := parseSVG(t, string(f.SVG))
		cell := f.Table.Rows[0][1]
		if got := texts(nodes, "chart-meter-value"); len(got) != 1 || got[0] != cell {
			t.Errorf("%s: the meter says %q, the table %q", tc.name, got, cell)
		}
		track := elems(nodes, "rect", "chart-track")[0]
		fill := elems(nodes, "rect", "chart-bar-fill")[0]
		want := attrNum(t, track, "width") * parsePercent(t, cell) / 100
		if w := attrNum(t, fill, "width"); !near(w, want, 0.01) {
			t.Errorf("%s: the table says %s, the bar fills %v of %v", tc.name, cell, w, attrNum(t, track, "width"))
		}
	}
}

// TestBounds: 0% draws nothing and 100% the whole axis, in every kind that
// shows a share.
func TestBounds(t *testing.T) {
	for _, p := range []float64{0, 100} {
		want := map[float64]string{0: "0.0%", 100: "100.0%"}[p]
		f := render(t, chart.BarChart{ID: "b", Title: "T", Category: "C", Axis: "A", Bars: []chart.Bar{{Label: "x", Percent: ptr(p)}}})
		nodes := parseSVG(t, string(f.SVG))
		grid := elems(nodes, "line", "chart-grid")
		full := attrNum(t, grid[len(grid)-1], "x1") - attrNum(t, grid[0], "x1")
		if w := attrNum(t, elems(nodes, "rect", "chart-bar-fill")[0], "width"); w != full*p/100 {
			t.Errorf("bar at %v%%: width %v of %v", p, w, full)
		}
		if got := texts(nodes, "chart-value")[0]; got != want || f.Table.Rows[0][1] != want {
			t.Errorf("bar at %v%%: label %q, cell %q, want %q", p, got, f.Table.Rows[0][1], want)
		}
		m := render(t, chart.Meter{ID: "m", Title: "T", Label: "L", Percent: ptr(p)})
		nodes = parseSVG(t, string(m.SVG))
		track := attrNum(t, elems(nodes, "rect", "chart-track")[0], "width")
		if w := attrNum(t, elems(nodes, "rect", "chart-bar-fill")[0], "width"); w != track*p/100 {
			t.Errorf("meter at %v%%: width %v of %v", p, w, track)
		}
		if m.Empty || m.Table.Rows[0][1] != want {
			t.Errorf("meter at %v%%: Empty %v, cell %q", p, m.Empty, m.Table.Rows[0][1])
		}
	}
}
