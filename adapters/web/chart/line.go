package chart

import (
	"fmt"
	"math"
	"strings"
)

// LineChart is one or more series over ordered categories (periods, survey
// rounds), each drawn as a line with markers. Series differ by marker shape
// and dash pattern as well as colour, and a legend names them.
type LineChart struct {
	// ID starts every id in the SVG; unique on the page.
	ID    string
	Title string
	// Desc says what the chart shows; Render adds a summary of each series.
	Desc string
	// Category heads the table's first column ("Period").
	Category string
	// Axis labels the value axis.
	Axis string
	// Percent puts the values on a 0 to 100% axis; otherwise the axis runs
	// from 0 to a round number at or above the largest value.
	Percent bool
	Points  []Point
	Series  []Series
	// Extra heads the table's further columns, which each Point fills.
	Extra []string
}

// Point is one category of the horizontal axis.
type Point struct {
	Label string
	Extra []string
}

// Series is one line: a value per Point, nil where it has none (the line
// breaks there).
type Series struct {
	Name   string
	Values []*float64
}

// Geometry of a line chart, in viewBox units.
const (
	lineWidth   = 640.0
	lineLeft    = 64.0 // tick labels and the axis label
	lineRight   = 24.0
	lineLegendH = 24.0 // one row of the legend
	linePlotH   = 200.0
	lineBottom  = 52.0
	lineTicks   = 12 // most category labels, and points with value labels
	lineMarkers = 60 // most points with markers: more would merge into a smear
)

// markerOf is the i-th series' marker shape and dash pattern; after the
// fourth they repeat, and colour alone tells them apart.
func markerOf(i int) (shape, dash string) {
	switch i % 4 {
	case 1:
		return "square", "6 4"
	case 2:
		return "triangle", "2 3"
	case 3:
		return "diamond", "10 3 2 3"
	}
	return "circle", "none"
}

// Render draws c. It fails when c.ID is not a valid id or a series has not
// one value per point.
func (c LineChart) Render() (Figure, error) {
	if err := checkID(c.ID); err != nil {
		return Figure{}, err
	}
	for _, se := range c.Series {
		if len(se.Values) != len(c.Points) {
			return Figure{}, fmt.Errorf("chart %s: series %q has %d values for %d points", c.ID, se.Name, len(se.Values), len(c.Points))
		}
	}
	f := Figure{ID: c.ID, Title: c.Title, Table: c.table()}
	top := 0.0
	for _, se := range c.Series {
		for _, v := range se.Values {
			if finite(v) {
				top = math.Max(top, *v)
			}
		}
	}
	f.Empty = !c.drawable()
	var s svg
	if f.Empty {
		s.open(c.ID, "line", lineWidth, 80, c.Title, joinDesc(c.Desc, NoData))
		s.noData(lineWidth, 80)
		f.SVG = s.close()
		return f, nil
	}
	yMax := 100.0
	if !c.Percent {
		yMax = niceMax(top)
	}
	// The legend lists one series a row: names are long, and few.
	// 20 more above the plot leave room for a value label at the top.
	plotX, plotY := lineLeft, 12+lineLegendH*float64(len(c.Series))+20
	plotW := lineWidth - lineLeft - lineRight
	h := plotY + linePlotH + lineBottom
	s.open(c.ID, "line", lineWidth, h, c.Title, joinDesc(c.Desc, c.summary()))

	for i, se := range c.Series {
		x := lineLeft
		y := 12 + lineLegendH*float64(i) + lineLegendH/2
		shape, dash := markerOf(i)
		cls := seriesClass(i)
		fmt.Fprintf(&s.b, `<line class="chart-series-line %s" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#1a1a1a" stroke-width="2" stroke-dasharray="%s"/>`,
			cls, num(x), num(y), num(x+28), num(y), dash)
		marker(&s, shape, cls, x+14, y)
		s.text(x+36, y+5, "chart-legend", "start", clip(se.Name, 60))
	}

	ticks := 4
	for k := 0; k <= ticks; k++ {
		v := yMax * float64(k) / float64(ticks)
		y := plotY + linePlotH - linePlotH*float64(k)/float64(ticks)
		s.line(plotX, y, plotX+plotW, y, "chart-grid")
		s.text(plotX-6, y+4, "chart-tick", "end", c.tick(v))
	}
	fmt.Fprintf(&s.b, `<text class="chart-axis-label" x="14" y="%s" text-anchor="middle" fill="#1a1a1a" transform="rotate(-90 14 %s)">%s</text>`,
		num(plotY+linePlotH/2), num(plotY+linePlotH/2), esc(c.axisLabel()))
	s.line(plotX, plotY+linePlotH, plotX+plotW, plotY+linePlotH, "chart-axis")
	s.line(plotX, plotY, plotX, plotY+linePlotH, "chart-axis")

	n := len(c.Points)
	xAt := func(i int) float64 {
		if n == 1 {
			return plotX + plotW/2
		}
		return plotX + 16 + (plotW-32)*float64(i)/float64(n-1)
	}
	yAt := func(v float64) float64 { return plotY + linePlotH - linePlotH*clamp(v, 0, yMax)/yMax }
	step := (n + lineTicks - 1) / lineTicks
	for i, p := range c.Points {
		if i%step == 0 || i == n-1 && n <= lineTicks {
			s.text(xAt(i), plotY+linePlotH+18, "chart-tick", "middle", clip(p.Label, 10))
		}
	}
	s.text(plotX+plotW/2, plotY+linePlotH+42, "chart-axis-label", "middle", c.Category)

	for si, se := range c.Series {
		shape, dash := markerOf(si)
		cls := seriesClass(si)
		var d strings.Builder
		pen := false
		for i, v := range se.Values {
			if !finite(v) {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%s %s ", cmd, num(xAt(i)), num(yAt(*v)))
			pen = true
		}
		if d.Len() > 0 {
			fmt.Fprintf(&s.b, `<path class="chart-series-line %s" d="%s" fill="none" stroke="#1a1a1a" stroke-width="2" stroke-dasharray="%s"/>`,
				cls, strings.TrimSpace(d.String()), dash)
		}
		for i, v := range se.Values {
			if !finite(v) {
				continue
			}
			if n <= lineMarkers || !connected(se.Values, i) {
				marker(&s, shape, cls, xAt(i), yAt(*v))
			}
			if n <= lineTicks {
				// Alternate sides so that two series' labels
				// at one point do not sit on each other, but
				// never below the axis, among the categories.
				y := yAt(*v) - 10
				if si%2 == 1 && yAt(*v)+20 < plotY+linePlotH {
					y = yAt(*v) + 20
				}
				s.text(xAt(i), y, "chart-value", "middle", c.format(*v))
			}
		}
	}
	f.SVG = s.close()
	return f, nil
}

// connected reports whether the i-th value has a neighbour on the line, so
// that the line shows it without a marker.
func connected(vs []*float64, i int) bool {
	return i > 0 && finite(vs[i-1]) || i+1 < len(vs) && finite(vs[i+1])
}

func (c LineChart) drawable() bool {
	for _, se := range c.Series {
		for _, v := range se.Values {
			if finite(v) {
				return true
			}
		}
	}
	return false
}

func (c LineChart) format(v float64) string {
	if c.Percent {
		return Percent(v)
	}
	return Number(v)
}

// tick formats an axis tick, a round number: "25%", "0.5".
func (c LineChart) tick(v float64) string {
	if c.Percent {
		return Number(v) + "%"
	}
	return Number(v)
}

func (c LineChart) axisLabel() string {
	if c.Percent {
		return c.Axis + " (%)"
	}
	return c.Axis
}

func (c LineChart) table() Table {
	t := Table{Caption: c.Title, Columns: []string{c.Category}, Empty: NoData}
	for _, se := range c.Series {
		t.Columns = append(t.Columns, se.Name)
	}
	t.Columns = append(t.Columns, c.Extra...)
	for i, p := range c.Points {
		row := []string{p.Label}
		for _, se := range c.Series {
			cell := Missing
			if i < len(se.Values) && finite(se.Values[i]) {
				cell = c.format(*se.Values[i])
			}
			row = append(row, cell)
		}
		t.Rows = append(t.Rows, append(row, p.Extra...))
	}
	return t
}

// summary gives, per series, its first and last value and its highest.
func (c LineChart) summary() string {
	parts := []string{fmt.Sprintf("%d points from %s to %s.", len(c.Points), c.Points[0].Label, c.Points[len(c.Points)-1].Label)}
	for si, se := range c.Series {
		first, last, hi := -1, -1, -1
		for i, v := range se.Values {
			if !finite(v) {
				continue
			}
			if first < 0 {
				first = i
			}
			last = i
			if hi < 0 || *v > *se.Values[hi] {
				hi = i
			}
		}
		if first < 0 {
			parts = append(parts, se.Name+": "+Missing+".")
			continue
		}
		shape, _ := markerOf(si)
		at := func(i int) string { return c.format(*se.Values[i]) + " at " + c.Points[i].Label }
		if first == last {
			parts = append(parts, fmt.Sprintf("%s (%s markers): %s.", se.Name, shape, at(first)))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (%s markers): %s, %s; highest %s.", se.Name, shape, at(first), at(last), at(hi)))
	}
	return strings.Join(parts, " ")
}

func seriesClass(i int) string {
	return fmt.Sprintf("chart-series-%d", i%4+1)
}

// marker draws a marker shape centred on (x, y), filled with the series'
// colour and ringed in white so that it stands out where lines cross.
func marker(s *svg, shape, class string, x, y float64) {
	const r = 5.0
	var d string
	switch shape {
	case "square":
		d = fmt.Sprintf("M%s %sh%sv%sh-%sz", num(x-r), num(y-r), num(2*r), num(2*r), num(2*r))
	case "triangle":
		d = fmt.Sprintf("M%s %sL%s %sL%s %sz", num(x), num(y-r-1), num(x+r+1), num(y+r), num(x-r-1), num(y+r))
	case "diamond":
		d = fmt.Sprintf("M%s %sL%s %sL%s %sL%s %sz", num(x), num(y-r-1), num(x+r+1), num(y), num(x), num(y+r+1), num(x-r-1), num(y))
	default:
		fmt.Fprintf(&s.b, `<circle class="chart-marker %s" cx="%s" cy="%s" r="%s" fill="#1a1a1a" stroke="#ffffff"/>`, class, num(x), num(y), num(r))
		return
	}
	fmt.Fprintf(&s.b, `<path class="chart-marker %s" d="%s" fill="#1a1a1a" stroke="#ffffff"/>`, class, d)
}
