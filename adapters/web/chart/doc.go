// Package chart draws the figures of a report as accessible inline SVG, each
// with the data table that holds the same numbers, for pages served under a
// Content-Security-Policy of 'self' only.
//
// A chart is a plain value (BarChart, LineChart, RangeChart, Meter) whose
// Render method returns a Figure: the SVG as template.HTML, ready to be
// written by html/template, and the Table the page renders beside it. Both
// come from the one value, and every number is formatted once, so the chart
// and its table cannot disagree. ProficiencyChart, GrowthChart and the like
// build these values from the parts of a projections/efficacy report;
// FromReport draws them all, so a page handler only queries the projection
// and executes its template:
//
//	figs, err := chart.FromReport("efficacy", report)
//	...
//	<p>{{.Figures.Scope}}</p>
//	{{with .Figures.Proficiency}}
//	<figure>
//	  <figcaption>{{.Title}}</figcaption>
//	  {{.SVG}}
//	  {{.Table.HTML}}
//	</figure>
//	{{end}}
//	...
//	{{.Figures.WinsFeed.HTML}}
//
// A page may render a Table with its own markup instead of Table.HTML; its
// cells are plain text, already formatted (the same strings the chart
// draws), for html/template to escape. Wide tables (the survey rounds have
// a few columns per respondent group) belong in a container that scrolls.
//
// # Accessibility
//
// Each SVG has role="img", a <title> and a <desc> named by aria-labelledby;
// their ids start with the chart's ID, so charts with distinct IDs may share
// a page. The desc summarises the figures in words. Axis labels and value
// labels are text, and series differ by marker shape and dash pattern as
// well as by colour. A chart without data says "No data yet" instead of
// drawing empty axes.
//
// # Styling
//
// The SVG has no style attributes and no <style> element, which the policy
// would refuse. It carries presentation attributes (fill, stroke,
// stroke-dasharray) so that it is legible without any stylesheet, and
// classes (chart, chart-bar, chart-series-1, …) that chart.css colours. The
// page's stylesheet includes that file: the web package can embed it
// (//go:embed chart/chart.css) and serve it with its own stylesheet from
// the site's origin, or the build can concatenate the two. Its colours have
// at least 4.5:1 contrast against the charts' white background, above the
// 3:1 WCAG 2.x AA asks of graphics, so each also serves as text colour.
//
// The SVG sets a viewBox and no width or height: it scales to its container.
// chart.css sets its width to 100% with a maximum, and keeps the colours
// when printed.
package chart
