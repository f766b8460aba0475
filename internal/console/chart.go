package console

import (
	"html/template"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/chart"
)

// Series is one line of a chart.
type Series struct {
	Name   string
	Points []Point
}

// Point is one sample.
type Point struct {
	T time.Time
	V float64
}

// chartData is one chart of a page.
type chartData struct {
	ID, Title, Desc, Unit, NoData string
	From, To                      time.Time
	Loc                           *time.Location
	YMax                          float64 // 0: from the data
	Series                        []Series
	Marks                         []chart.Mark // the items' thresholds on it
}

// chartPointsDrawn bounds the points per line, whatever the query returned.
const chartPointsDrawn = 400

// drawChart renders a line chart as inline SVG with internal/chart, the
// renderer the PDF report shares, so console and report show one picture.
func drawChart(c chartData) template.HTML {
	ch := &chart.Chart{Kind: chart.Line, Unit: c.Unit, From: c.From, To: c.To, Location: c.Loc, YMax: c.YMax, Marks: c.Marks}
	for _, s := range c.Series {
		pts := make([]chart.Point, len(s.Points))
		for i, p := range s.Points {
			pts[i] = chart.Point{T: p.T, V: p.V}
		}
		ch.Series = append(ch.Series, chart.Series{Name: seriesName(c, s), Points: chart.Decimate(pts, chartPointsDrawn)})
	}
	// internal/chart escapes every text it writes into the SVG.
	return template.HTML(chart.SVG(ch, 520, 180))
}

// HasData reports whether any series has a point to draw.
func (c chartData) HasData() bool {
	for _, s := range c.Series {
		if len(s.Points) > 0 {
			return true
		}
	}
	return false
}

// Last is the latest value of the first series, the figure beside a chart.
func (c chartData) Last() string {
	for _, s := range c.Series {
		if n := len(s.Points); n > 0 {
			return strconv.FormatFloat(s.Points[n-1].V, 'f', 1, 64) + c.Unit
		}
	}
	return ""
}

// seriesName labels a line: an aggregate has no labels, so it takes the title.
func seriesName(c chartData, s Series) string {
	if len(c.Series) == 1 || s.Name == "{}" {
		return c.Title
	}
	return s.Name
}
