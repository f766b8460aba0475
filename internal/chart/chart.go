// Package chart is unyo's one chart renderer: a chart model drawn onto a
// Canvas. The SVG canvas serves the console and the HTML report; the PDF
// report implements Canvas over its page, so both show the same picture.
package chart

import (
	"encoding/json"
	"math"
	"time"
)

// Kind is how the series are drawn.
type Kind int

// The kinds of chart.
const (
	Line Kind = iota // time series, X is time
	Bar              // one bar group per category
)

// Point is one sample of a time series. V is NaN where the series has a
// gap; the line breaks there.
type Point struct {
	T time.Time
	V float64
}

// pointJSON is Point in JSON, where a gap is null: JSON has no NaN.
type pointJSON struct {
	T time.Time `json:"t"`
	V *float64  `json:"v"`
}

// MarshalJSON implements json.Marshaler.
func (p Point) MarshalJSON() ([]byte, error) {
	j := pointJSON{T: p.T}
	if !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
		j.V = &p.V
	}
	return json.Marshal(j)
}

// UnmarshalJSON implements json.Unmarshaler.
func (p *Point) UnmarshalJSON(b []byte) error {
	var j pointJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	p.T, p.V = j.T, math.NaN()
	if j.V != nil {
		p.V = *j.V
	}
	return nil
}

// Series is one named line, or one bar per category.
type Series struct {
	Name   string
	Points []Point   // Line charts
	Values []float64 // Bar charts, one per Chart.Categories
	Color  Color     // zero picks from the palette
}

// Chart is what is drawn. Only the fields of its Kind matter.
type Chart struct {
	Title      string
	Kind       Kind
	Unit       string         // appended to the Y axis labels, e.g. "%"
	From, To   time.Time      // X range of a Line chart; zero takes the points'
	YMin, YMax float64        // both zero: from the data
	Location   *time.Location // for X labels; nil is UTC
	Categories []string       // Bar charts
	Series     []Series
	// Threshold, when not zero, draws a dashed reference line (e.g. 80 %).
	Threshold float64
	// Marks are further dashed reference lines in their own colours: a
	// monitoring item's warning and critical levels on the series it watches.
	Marks []Mark
}

// Mark is one reference line of a chart.
type Mark struct {
	V     float64
	Color Color
}

// Color is an RGB colour.
type Color struct{ R, G, B uint8 }

// Palette is the order in which series without a colour are coloured.
var palette = [...]Color{
	{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
	{148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
}

// Colors used by the frame.
var (
	Black = Color{0, 0, 0}
	Grey  = Color{120, 120, 120}
	Light = Color{225, 225, 225}
	Red   = Color{200, 30, 30}
	Amber = Color{190, 120, 0}
)

// SeriesColor is the colour series i is drawn in.
func (c *Chart) SeriesColor(i int) Color {
	if s := c.Series[i].Color; s != (Color{}) {
		return s
	}
	return palette[i%len(palette)]
}

// yRange is the Y range to draw: the data's, widened to nice numbers and
// always including zero, since usage charts read wrong without it.
func (c *Chart) yRange() (lo, hi float64) {
	if c.YMin != 0 || c.YMax != 0 {
		return c.YMin, c.YMax
	}
	lo, hi = 0, math.Inf(-1)
	for _, s := range c.Series {
		for _, p := range s.Points {
			lo, hi = min(lo, p.V), max(hi, p.V)
		}
		for _, v := range s.Values {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if c.Threshold != 0 {
		hi = max(hi, c.Threshold)
	}
	if math.IsInf(hi, -1) || math.IsNaN(hi) || hi <= lo {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / 4)
	return math.Floor(lo/step) * step, math.Ceil(hi/step) * step
}

// xRange is the time range of a Line chart.
func (c *Chart) xRange() (from, to time.Time) {
	from, to = c.From, c.To
	if !from.IsZero() && !to.IsZero() {
		return from, to
	}
	for _, s := range c.Series {
		for _, p := range s.Points {
			if from.IsZero() || p.T.Before(from) {
				from = p.T
			}
			if to.IsZero() || p.T.After(to) {
				to = p.T
			}
		}
	}
	if !to.After(from) {
		to = from.Add(time.Hour)
	}
	return from, to
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}
