package chart

import (
	"encoding/json"
	"encoding/xml"
	"math"
	"strings"
	"testing"
	"time"
)

// recorder is a Canvas that keeps what was drawn, for asserting geometry.
type recorder struct {
	rects []XY // width, height of each rect
	lines [][]XY
	texts []string
}

func (r *recorder) Rect(x, y, w, h float64, _ Color)                        { r.rects = append(r.rects, XY{w, h}) }
func (r *recorder) Line(x1, y1, x2, y2 float64, _ Color, _ float64, _ bool) {}
func (r *recorder) Polyline(pts []XY, _ Color, _ float64) {
	r.lines = append(r.lines, append([]XY(nil), pts...))
}
func (r *recorder) Text(x, y float64, s string, _ float64, _ Color, _ Anchor) {
	r.texts = append(r.texts, s)
}

func series(n int, f func(i int) float64) []Point {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{t0.Add(time.Duration(i) * 15 * time.Second), f(i)}
	}
	return pts
}

func TestSVGIsWellFormedAndEscapesText(t *testing.T) {
	c := &Chart{Title: "CPU <web-01> 使用率", Unit: "%", Series: []Series{{Name: "avg", Points: series(100, func(i int) float64 { return float64(i) })}}}
	out := SVG(c, 400, 150)
	d := xml.NewDecoder(strings.NewReader(string(out)))
	texts := 0
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("SVG is not well-formed XML: %v\n%s", err, out)
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "text" {
			texts++
		}
	}
	if !strings.Contains(string(out), "CPU &lt;web-01&gt; 使用率") {
		t.Errorf("title not escaped or missing: %s", out)
	}
	if texts < 5 {
		t.Errorf("want title and axis labels, got %d texts", texts)
	}
}

func TestDecimateKeepsPeaksAndBoundsPoints(t *testing.T) {
	pts := series(172800, func(i int) float64 { // 30 days at 15 s
		if i == 100000 {
			return 99
		}
		return 10
	})
	out := Decimate(pts, 300)
	if len(out) > 601 {
		t.Fatalf("got %d points, want at most 601", len(out))
	}
	peak := 0.0
	for i, p := range out {
		peak = max(peak, p.V)
		if i > 0 && p.T.Before(out[i-1].T) {
			t.Fatalf("points out of time order at %d", i)
		}
	}
	if peak != 99 {
		t.Errorf("peak lost: max is %v, want 99", peak)
	}
}

func TestLineFitsTheBox(t *testing.T) {
	r := &recorder{}
	c := &Chart{Series: []Series{{Points: series(1000, func(i int) float64 { return math.Sin(float64(i)/50) * 40 })}}}
	Draw(r, c, 300, 120)
	if len(r.lines) != 1 {
		t.Fatalf("got %d polylines, want 1", len(r.lines))
	}
	for _, p := range r.lines[0] {
		if p.X < padLeft-0.01 || p.X > 300-padRight+0.01 || p.Y < padTop-0.01 || p.Y > 120-padBottom+0.01 {
			t.Fatalf("point %v outside the plot area", p)
		}
	}
}

func TestNaNBreaksTheLine(t *testing.T) {
	r := &recorder{}
	c := &Chart{Series: []Series{{Points: series(10, func(i int) float64 {
		if i == 5 {
			return math.NaN()
		}
		return 1
	})}}}
	Draw(r, c, 300, 120)
	if len(r.lines) != 2 {
		t.Fatalf("a gap in the data should split the line in two, got %d", len(r.lines))
	}
}

func TestBarHeightsAreProportional(t *testing.T) {
	r := &recorder{}
	c := &Chart{Kind: Bar, YMin: 0, YMax: 10, Categories: []string{"a", "b"}, Series: []Series{{Values: []float64{5, 10}}}}
	Draw(r, c, 300, 126)
	if len(r.rects) != 2 {
		t.Fatalf("got %d bars, want 2", len(r.rects))
	}
	if h0, h1 := r.rects[0].Y, r.rects[1].Y; math.Abs(h1-2*h0) > 0.01 || math.Abs(h1-(126-padTop-padBottom)) > 0.01 {
		t.Errorf("bar heights %v and %v, want 41 and 82", h0, h1)
	}
}

func TestPointJSONKeepsGaps(t *testing.T) {
	in := []Point{{time.Unix(0, 0).UTC(), 1.5}, {time.Unix(60, 0).UTC(), math.NaN()}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"v":null`) {
		t.Errorf("a gap should be null: %s", b)
	}
	var out []Point
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].V != 1.5 || !math.IsNaN(out[1].V) || !out[1].T.Equal(in[1].T) {
		t.Errorf("round trip: got %v", out)
	}
}

func TestNiceStep(t *testing.T) {
	f := func(raw, want float64) {
		t.Helper()
		if got := niceStep(raw); math.Abs(got-want) > 1e-9 {
			t.Errorf("niceStep(%v) = %v, want %v", raw, got, want)
		}
	}
	f(0.3, 0.5)
	f(1, 1)
	f(13, 20)
	f(24, 50)
	f(0, 1)
}
