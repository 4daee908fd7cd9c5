package chart

import (
	"fmt"
	"math"
)

// RangeChart shows distributions by their median and 90th percentile, one
// row each: time to mastery, of which the projection keeps those two
// quantiles. A bar runs from 0 to the 90th percentile (nine in ten took at
// most that long) and a circle marks the median.
type RangeChart struct {
	// ID starts every id in the SVG; unique on the page.
	ID    string
	Title string
	// Desc says what the chart shows; Render adds the figures in words.
	Desc string
	// Category heads the table's first column ("Measured from").
	Category string
	// Unit names the values' unit, plural ("days").
	Unit string
	// Extra heads the table's further columns, which each Range fills.
	Extra []string
	Rows  []Range
}

// Range is one distribution; Median and P90 are nil when it is empty.
type Range struct {
	Label       string
	Median, P90 *float64
	Extra       []string
}

// Geometry of a range chart, in viewBox units.
const (
	rangeTop  = 40.0 // the legend
	rangeRowH = 36.0
	// rangeValueW is the room right of the plot for a row's values,
	// "median 15.87, 90th 27.11" at the value labels' size.
	rangeValueW = 210.0
)

// Render draws c. It fails only when c.ID is not a valid id.
func (c RangeChart) Render() (Figure, error) {
	if err := checkID(c.ID); err != nil {
		return Figure{}, err
	}
	t := Table{
		Caption: c.Title,
		Columns: append([]string{c.Category, "Median (" + c.Unit + ")", "90th percentile (" + c.Unit + ")"}, c.Extra...),
		Empty:   NoData,
	}
	top := 0.0
	for _, r := range c.Rows {
		t.Rows = append(t.Rows, append([]string{r.Label, cell(r.Median), cell(r.P90)}, r.Extra...))
		for _, v := range []*float64{r.Median, r.P90} {
			if finite(v) {
				top = math.Max(top, *v)
			}
		}
	}
	f := Figure{ID: c.ID, Title: c.Title, Table: t, Empty: !c.drawable()}
	var s svg
	if f.Empty {
		s.open(c.ID, "range", barWidth, 80, c.Title, joinDesc(c.Desc, NoData))
		s.noData(barWidth, 80)
		f.SVG = s.close()
		return f, nil
	}
	xMax := niceMax(top)
	plotX, plotW := barLabelW+8, barWidth-barLabelW-8-rangeValueW
	plotH := rangeRowH * float64(len(c.Rows))
	h := rangeTop + plotH + barBottom
	s.open(c.ID, "range", barWidth, h, c.Title, joinDesc(c.Desc, c.summary()))

	// The legend names both marks by shape, not colour.
	fmt.Fprintf(&s.b, `<circle class="chart-median" cx="%s" cy="18" r="6" fill="#1f5fa8" stroke="#ffffff"/>`, num(plotX+6))
	s.text(plotX+18, 23, "chart-legend", "start", "Median")
	s.rect(plotX+100, 14, 28, 8, "chart-range-bar", "#595959", "none")
	s.text(plotX+136, 23, "chart-legend", "start", "0 to 90th percentile")

	for k := 0; k <= 4; k++ {
		v := xMax * float64(k) / 4
		x := plotX + plotW*float64(k)/4
		s.line(x, rangeTop, x, rangeTop+plotH, "chart-grid")
		s.text(x, rangeTop+plotH+16, "chart-tick", "middle", Number(v))
	}
	s.text(plotX+plotW/2, rangeTop+plotH+38, "chart-axis-label", "middle", c.Unit)
	xAt := func(v float64) float64 { return plotX + plotW*clamp(v, 0, xMax)/xMax }
	for i, r := range c.Rows {
		y := rangeTop + rangeRowH*float64(i)
		mid := y + rangeRowH/2
		s.text(barLabelW, mid+5, "chart-label", "end", clip(r.Label, barLabelN))
		if finite(r.P90) {
			s.rect(plotX, mid-4, xAt(*r.P90)-plotX, 8, "chart-range-bar", "#595959", "none")
		}
		if finite(r.Median) {
			fmt.Fprintf(&s.b, `<circle class="chart-median" cx="%s" cy="%s" r="7" fill="#1f5fa8" stroke="#ffffff" stroke-width="2"/>`,
				num(xAt(*r.Median)), num(mid))
		}
		s.text(plotX+plotW+12, mid+5, "chart-value", "start", c.valueLabel(r))
	}
	s.line(plotX, rangeTop, plotX, rangeTop+plotH, "chart-axis")
	f.SVG = s.close()
	return f, nil
}

func (c RangeChart) drawable() bool {
	for _, r := range c.Rows {
		if finite(r.Median) || finite(r.P90) {
			return true
		}
	}
	return false
}

func (c RangeChart) valueLabel(r Range) string {
	if !finite(r.Median) && !finite(r.P90) {
		return Missing
	}
	return fmt.Sprintf("median %s, 90th %s", cell(r.Median), cell(r.P90))
}

func (c RangeChart) summary() string {
	s := fmt.Sprintf("Values in %s.", c.Unit)
	for _, r := range c.Rows {
		if !finite(r.Median) && !finite(r.P90) {
			s += fmt.Sprintf(" %s: %s.", r.Label, Missing)
			continue
		}
		s += fmt.Sprintf(" %s: median %s, 90th percentile %s.", r.Label, cell(r.Median), cell(r.P90))
	}
	return s
}

// cell formats an optional number for a table cell.
func cell(v *float64) string {
	if !finite(v) {
		return Missing
	}
	return Number(*v)
}
