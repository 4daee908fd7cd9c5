package chart

import (
	"fmt"
	"strings"
)

// Meter shows one share as a number and a bar filled from 0 to 100%:
// persistence, goals met.
type Meter struct {
	// ID starts every id in the SVG; unique on the page.
	ID    string
	Title string
	// Desc says what the share is; Render adds the share in words.
	Desc string
	// Label names the share, in the table's header ("Persisted").
	Label string
	// Percent is the share, 0 to 100; nil when it has no value.
	Percent *float64
	// Detail is drawn under the bar ("3 of 8 pairs").
	Detail string
	// Extra and Cells are the table's further columns and their values.
	Extra []string
	Cells []string
}

// Geometry of a meter, in viewBox units.
const (
	meterW     = 640.0
	meterH     = 100.0
	meterTrack = 170.0 // where the bar starts, after the number
)

// Render draws m. It fails only when m.ID is not a valid id.
func (m Meter) Render() (Figure, error) {
	if err := checkID(m.ID); err != nil {
		return Figure{}, err
	}
	value := Missing
	if finite(m.Percent) {
		value = Percent(*m.Percent)
	}
	f := Figure{
		ID:    m.ID,
		Title: m.Title,
		Table: Table{
			Caption: m.Title,
			Columns: append([]string{"Measure", m.Label}, m.Extra...),
			Rows:    [][]string{append([]string{m.Title, value}, m.Cells...)},
			Empty:   NoData,
		},
		Empty: !finite(m.Percent),
	}
	var s svg
	if f.Empty {
		s.open(m.ID, "meter", meterW, 80, m.Title, joinDesc(m.Desc, NoData, sentence(m.Detail)))
		s.noData(meterW, 80)
		f.SVG = s.close()
		return f, nil
	}
	s.open(m.ID, "meter", meterW, meterH, m.Title, joinDesc(m.Desc, fmt.Sprintf("%s: %s.", m.Label, value), sentence(m.Detail)))
	fmt.Fprintf(&s.b, `<text class="chart-meter-value" x="16" y="54" text-anchor="start" font-size="32" fill="#1a1a1a">%s</text>`, esc(value))
	trackW := meterW - meterTrack - 24
	s.rect(meterTrack, 30, trackW*clamp(*m.Percent, 0, 100)/100, 28, "chart-bar-fill", "#1f5fa8", "none")
	s.rect(meterTrack, 30, trackW, 28, "chart-track", "none", "#595959")
	s.text(meterTrack, 76, "chart-tick", "start", "0%")
	s.text(meterTrack+trackW, 76, "chart-tick", "end", "100%")
	s.text(meterTrack+trackW/2, 94, "chart-detail", "middle", m.Detail)
	f.SVG = s.close()
	return f, nil
}

// sentence ends s with a full stop, for the description.
func sentence(s string) string {
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}
