package chart

import (
	"fmt"
	"strings"
)

// BarChart is a horizontal bar chart of shares on a 0 to 100% scale, one bar
// per category: proficiency rate by standard.
type BarChart struct {
	// ID starts every id in the SVG; unique on the page.
	ID    string
	Title string
	// Desc says what the chart shows; Render adds a summary of the values.
	Desc string
	// Category heads the table's first column ("Standard").
	Category string
	// Axis labels the value axis and the value column ("Learners who met it").
	Axis string
	// Extra heads the table's further columns, which each Bar fills.
	Extra []string
	Bars  []Bar
}

// Bar is one category.
type Bar struct {
	Label string
	// Percent is the share, 0 to 100; nil when it has no value.
	Percent *float64
	// Extra holds the bar's further table cells, as BarChart.Extra.
	Extra []string
}

// Geometry of a bar chart, in viewBox units.
const (
	barWidth  = 640.0
	barLabelW = 200.0 // category labels, right-aligned before the plot
	barValueW = 70.0  // value labels, after the plot
	barRowH   = 28.0
	barTop    = 12.0
	barBottom = 48.0 // tick labels and the axis label
	barLabelN = 30   // runes of a category label drawn
)

// Render draws c. It fails only when c.ID is not a valid id.
func (c BarChart) Render() (Figure, error) {
	if err := checkID(c.ID); err != nil {
		return Figure{}, err
	}
	t := Table{Caption: c.Title, Columns: append([]string{c.Category, c.Axis}, c.Extra...), Empty: NoData}
	drawn := 0
	for _, b := range c.Bars {
		t.Rows = append(t.Rows, append([]string{b.Label, barValue(b)}, b.Extra...))
		if finite(b.Percent) {
			drawn++
		}
	}
	f := Figure{ID: c.ID, Title: c.Title, Table: t, Empty: drawn == 0}
	var s svg
	if f.Empty {
		s.open(c.ID, "bar", barWidth, 80, c.Title, joinDesc(c.Desc, NoData))
		s.noData(barWidth, 80)
		f.SVG = s.close()
		return f, nil
	}
	plotX, plotW := barLabelW+8, barWidth-barLabelW-8-barValueW
	plotH := barRowH * float64(len(c.Bars))
	h := barTop + plotH + barBottom
	s.open(c.ID, "bar", barWidth, h, c.Title, joinDesc(c.Desc, barSummary(c)))
	for _, tick := range []float64{0, 25, 50, 75, 100} {
		x := plotX + plotW*tick/100
		s.line(x, barTop, x, barTop+plotH, "chart-grid")
		s.text(x, barTop+plotH+16, "chart-tick", "middle", Number(tick)+"%")
	}
	s.text(plotX+plotW/2, barTop+plotH+38, "chart-axis-label", "middle", c.Axis+" (%)")
	for i, b := range c.Bars {
		y := barTop + barRowH*float64(i)
		s.text(barLabelW, y+barRowH/2+5, "chart-label", "end", clip(b.Label, barLabelN))
		if finite(b.Percent) {
			w := plotW * clamp(*b.Percent, 0, 100) / 100
			s.rect(plotX, y+5, w, barRowH-10, "chart-bar-fill", "#1f5fa8", "none")
		}
		s.text(plotX+plotW+8, y+barRowH/2+5, "chart-value", "start", barValue(b))
	}
	s.line(plotX, barTop, plotX, barTop+plotH, "chart-axis")
	f.SVG = s.close()
	return f, nil
}

func barValue(b Bar) string {
	if !finite(b.Percent) {
		return Missing
	}
	return Percent(*b.Percent)
}

// barSummary names the count of bars and the highest and lowest, which a
// listener would otherwise have to find in the table.
func barSummary(c BarChart) string {
	var hi, lo *Bar
	for i := range c.Bars {
		b := &c.Bars[i]
		if !finite(b.Percent) {
			continue
		}
		if hi == nil || *b.Percent > *hi.Percent {
			hi = b
		}
		if lo == nil || *b.Percent < *lo.Percent {
			lo = b
		}
	}
	s := fmt.Sprintf("%d bars on a scale of 0 to 100%%.", len(c.Bars))
	if hi != nil && hi != lo {
		s += fmt.Sprintf(" Highest: %s, %s. Lowest: %s, %s.", hi.Label, Percent(*hi.Percent), lo.Label, Percent(*lo.Percent))
	}
	return s
}

// joinDesc joins sentences of a description, skipping empty ones.
func joinDesc(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, " ")
}
