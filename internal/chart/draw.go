package chart

import (
	"math"
	"strconv"
	"time"
)

// Anchor is where a text's X coordinate is on the text.
type Anchor int

// The anchors of a text.
const (
	Start Anchor = iota
	Middle
	End
)

// XY is a point on the canvas, in points from the top-left corner.
type XY struct{ X, Y float64 }

// Canvas is what a chart is drawn onto. Coordinates are points from the top
// left of the chart's box; a text's Y is its baseline.
type Canvas interface {
	Rect(x, y, w, h float64, fill Color)
	Line(x1, y1, x2, y2 float64, stroke Color, width float64, dashed bool)
	Polyline(pts []XY, stroke Color, width float64)
	Text(x, y float64, s string, size float64, c Color, a Anchor)
}

// Layout of the frame, in points.
const (
	titleSize  = 10
	labelSize  = 7
	padTop     = 18
	padLeft    = 40
	padRight   = 8
	padBottom  = 26
	legendGap  = 70
	lineWidth  = 1.2
	gridWidth  = 0.5
	xTickCount = 6
)

// Draw draws c in a box of w × h points.
func Draw(cv Canvas, c *Chart, w, h float64) {
	cv.Text(0, titleSize, c.Title, titleSize, Black, Start)
	pw, ph := w-padLeft-padRight, h-padTop-padBottom
	if pw <= 0 || ph <= 0 {
		return
	}
	lo, hi := c.yRange()
	y := func(v float64) float64 { return padTop + ph - (v-lo)/(hi-lo)*ph }
	step := niceStep((hi - lo) / 4)
	for v := lo; v <= hi+step/2; v += step {
		cv.Line(padLeft, y(v), padLeft+pw, y(v), Light, gridWidth, false)
		cv.Text(padLeft-3, y(v)+labelSize/3, formatTick(v, step)+c.Unit, labelSize, Grey, End)
	}
	if c.Threshold != 0 && c.Threshold >= lo && c.Threshold <= hi {
		cv.Line(padLeft, y(c.Threshold), padLeft+pw, y(c.Threshold), Red, gridWidth*2, true)
	}
	for _, m := range c.Marks {
		if m.V >= lo && m.V <= hi {
			cv.Line(padLeft, y(m.V), padLeft+pw, y(m.V), m.Color, gridWidth*2, true)
		}
	}
	switch c.Kind {
	case Bar:
		drawBars(cv, c, pw, y)
	default:
		drawLines(cv, c, pw, y)
	}
	cv.Line(padLeft, padTop+ph, padLeft+pw, padTop+ph, Grey, gridWidth, false)
	drawLegend(cv, c, h)
}

func drawLines(cv Canvas, c *Chart, pw float64, y func(float64) float64) {
	from, to := c.xRange()
	span := float64(to.Sub(from))
	x := func(t time.Time) float64 { return padLeft + float64(t.Sub(from))/span*pw }
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	layout := "01/02"
	if to.Sub(from) <= 48*time.Hour {
		layout = "15:04"
	}
	// The labels sit under the axis, wherever zero is; the last one ends at
	// the right edge so that it is not cut off by the box.
	base, _ := c.yRange()
	for i := range xTickCount + 1 {
		t := from.Add(time.Duration(float64(i) / xTickCount * span))
		anchor := Middle
		if i == xTickCount {
			anchor = End
		}
		cv.Text(x(t), y(base)+labelSize+4, t.In(loc).Format(layout), labelSize, Grey, anchor)
	}
	for i, s := range c.Series {
		pts := Decimate(s.Points, int(pw))
		xy := make([]XY, 0, len(pts))
		for _, p := range pts {
			if math.IsNaN(p.V) {
				if len(xy) > 1 {
					cv.Polyline(xy, c.SeriesColor(i), lineWidth)
				}
				xy = xy[:0]
				continue
			}
			xy = append(xy, XY{x(p.T), y(p.V)})
		}
		if len(xy) > 0 {
			cv.Polyline(xy, c.SeriesColor(i), lineWidth)
		}
	}
}

func drawBars(cv Canvas, c *Chart, pw float64, y func(float64) float64) {
	n := len(c.Categories)
	if n == 0 || len(c.Series) == 0 {
		return
	}
	group := pw / float64(n)
	bw := group * 0.8 / float64(len(c.Series))
	every := max(1, n/12) // label at most 12 categories so they stay legible
	for k, name := range c.Categories {
		gx := padLeft + float64(k)*group + group*0.1
		for i, s := range c.Series {
			if k >= len(s.Values) {
				continue
			}
			top := y(max(s.Values[k], 0))
			cv.Rect(gx+float64(i)*bw, top, bw, y(0)-top, c.SeriesColor(i))
		}
		if k%every == 0 {
			cv.Text(gx+group*0.4, y(0)+labelSize+4, name, labelSize, Grey, Middle)
		}
	}
}

func drawLegend(cv Canvas, c *Chart, h float64) {
	if len(c.Series) < 2 {
		return
	}
	for i, s := range c.Series {
		x := padLeft + float64(i)*legendGap
		cv.Rect(x, h-7, 6, 6, c.SeriesColor(i))
		cv.Text(x+8, h-1, s.Name, labelSize, Black, Start)
	}
}

func formatTick(v, step float64) string {
	prec := 0
	if step < 1 {
		prec = int(math.Ceil(-math.Log10(step)))
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// Decimate keeps at most about 2×buckets points of pts: the lowest and the
// highest of each bucket, in time order, so peaks survive the thinning.
func Decimate(pts []Point, buckets int) []Point {
	if buckets <= 0 || len(pts) <= 2*buckets {
		return pts
	}
	out := make([]Point, 0, 2*buckets+1)
	size := float64(len(pts)) / float64(buckets)
	for b := range buckets {
		seg := pts[int(float64(b)*size):min(len(pts), int(float64(b+1)*size))]
		if len(seg) == 0 {
			continue
		}
		lo, hi := 0, 0
		for i, p := range seg {
			if p.V < seg[lo].V {
				lo = i
			}
			if p.V > seg[hi].V {
				hi = i
			}
		}
		first, second := min(lo, hi), max(lo, hi)
		out = append(out, seg[first])
		if second != first {
			out = append(out, seg[second])
		}
	}
	return out
}
