package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Figure is one chart, drawn, with its data table.
type Figure struct {
	// ID is the chart's ID; the ids inside SVG start with it.
	ID    string
	Title string
	// SVG is the chart as an inline <svg> element.
	SVG template.HTML
	// Table holds the same figures as the chart.
	Table Table
	// Empty is true when there was no data and the chart says so.
	Empty bool
}

// Table is a chart's figures as an HTML table: a caption, a header row and
// rows whose first cell heads the row.
type Table struct {
	Caption string
	Columns []string
	Rows    [][]string
	// Empty is shown in place of the rows when there are none.
	Empty string
}

// HTML renders t as a <table>, every text escaped. The first cell of each
// row is a row header (th scope="row").
func (t Table) HTML() template.HTML {
	var b strings.Builder
	b.WriteString(`<table class="chart-table">`)
	fmt.Fprintf(&b, "<caption>%s</caption>", esc(t.Caption))
	b.WriteString("<thead><tr>")
	for _, c := range t.Columns {
		fmt.Fprintf(&b, `<th scope="col">%s</th>`, esc(c))
	}
	b.WriteString("</tr></thead><tbody>")
	if len(t.Rows) == 0 {
		fmt.Fprintf(&b, `<tr><td colspan="%d">%s</td></tr>`, max(len(t.Columns), 1), esc(t.Empty))
	}
	for _, r := range t.Rows {
		b.WriteString("<tr>")
		for i, c := range r {
			if i == 0 {
				fmt.Fprintf(&b, `<th scope="row">%s</th>`, esc(c))
			} else {
				fmt.Fprintf(&b, "<td>%s</td>", esc(c))
			}
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	return template.HTML(b.String())
}

// NoData is what a chart without data says.
const NoData = "No data yet."

// Missing stands in a table cell, and beside a bar, for a figure that has
// no value (a rate whose denominator is zero).
const Missing = "no data"

// checkID refuses an ID that could not start an XML id or that would need
// escaping, so that ids built from it are valid and predictable.
func checkID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("chart ID %q: must be 1 to 64 characters", id)
	}
	for i, r := range id {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if letter || i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '_') {
			continue
		}
		return fmt.Errorf("chart ID %q: must be a letter then letters, digits, '-' and '_'", id)
	}
	return nil
}

// esc escapes s for XML and HTML text and attributes alike. Characters XML
// forbids (controls, invalid UTF-8) become U+FFFD, so that the SVG stays
// well-formed XML whatever a label holds.
func esc(s string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, r < 0x20 && r != '\t' && r != '\n' && r != '\r',
			r == 0xFFFE, r == 0xFFFF:
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return html.EscapeString(clean)
}

// clip shortens s to n runes, with an ellipsis, for labels drawn in a fixed
// width; the table holds the whole text.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// num formats a coordinate: at most two decimals, no trailing zeros.
func num(x float64) string {
	return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
}

// Percent formats a share in percent with one decimal: "33.3%".
func Percent(p float64) string {
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// Number formats a figure with at most two decimals: "0.5", "2", "1.33".
func Number(x float64) string {
	return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
}

// svg writes one SVG document. Its methods escape every text and attribute
// value they are given.
type svg struct {
	b strings.Builder
}

// open starts the document: the root element with its role, names and
// viewBox, the title and desc, and a white background so that the colours'
// contrast holds on any page.
func (s *svg) open(id, kind string, w, h float64, title, desc string) {
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-%s" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title %s-desc">`,
		kind, num(w), num(h), id, id)
	fmt.Fprintf(&s.b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
	fmt.Fprintf(&s.b, `<rect class="chart-bg" x="0" y="0" width="%s" height="%s" fill="#ffffff"/>`, num(w), num(h))
}

func (s *svg) close() template.HTML {
	s.b.WriteString("</svg>")
	return template.HTML(s.b.String())
}

// text draws a label; anchor is start, middle or end.
func (s *svg) text(x, y float64, class, anchor, t string) {
	fmt.Fprintf(&s.b, `<text class="%s" x="%s" y="%s" text-anchor="%s" fill="#1a1a1a">%s</text>`,
		class, num(x), num(y), anchor, esc(t))
}

func (s *svg) line(x1, y1, x2, y2 float64, class string) {
	fmt.Fprintf(&s.b, `<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#595959"/>`,
		class, num(x1), num(y1), num(x2), num(y2))
}

func (s *svg) rect(x, y, w, h float64, class, fill, stroke string) {
	fmt.Fprintf(&s.b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="%s"/>`,
		class, num(x), num(y), num(w), num(h), fill, stroke)
}

// noData draws the message of a chart without data.
func (s *svg) noData(w, h float64) {
	s.text(w/2, h/2, "chart-nodata", "middle", NoData)
}

// niceMax is the top of a value axis: the smallest of 1, 2, 2.5, 5 times a
// power of ten at or above max, so that ticks fall on round numbers.
func niceMax(max float64) float64 {
	if !(max > 0) || math.IsInf(max, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(max)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= max {
			return m * p
		}
	}
	return 10 * p
}

// finite reports whether v holds a drawable value.
func finite(v *float64) bool {
	return v != nil && !math.IsNaN(*v) && !math.IsInf(*v, 0)
}

// clamp keeps x in [lo, hi], so that a value outside the axis (a rate above
// 100% from bad input) is drawn at the axis' end, its label still true.
func clamp(x, lo, hi float64) float64 {
	return math.Max(lo, math.Min(hi, x))
}
