package main

import (
	"fmt"
	"math"
	"strings"
)

// curve is one line of a panel: a value per row.
type curve struct {
	name, color string
	value       func(row) float64
}

// panel is one small chart of the SVG.
type panel struct {
	title  string
	curves []curve
}

var panels = []panel{
	{"CPU (cores)", []curve{
		{"unyo server", "#1f77b4", func(r row) float64 { return r.CPUCores }},
		{"simulator", "#7f7f7f", func(r row) float64 { return r.SimCPUCores }},
	}},
	{"memory (MB)", []curve{
		{"RSS peak", "#1f77b4", func(r row) float64 { return r.RSSMB }},
		{"Go heap in use", "#ff7f0e", func(r row) float64 { return r.HeapInuseMB }},
	}},
	{"p99 (ms)", []curve{
		{"board", "#1f77b4", func(r row) float64 { return r.Board.P99 }},
		{"alert list", "#ff7f0e", func(r row) float64 { return r.Alerts.P99 }},
		{"PromQL range", "#2ca02c", func(r row) float64 { return r.PromQL.P99 }},
		{"remote write", "#9467bd", func(r row) float64 { return r.Write.P99 }},
	}},
	{"alert latency p99 (s)", []curve{{"sample → webhook", "#d62728", func(r row) float64 { return r.AlertLatency.P99 / 1000 }}}},
}

// chart draws the panels against hosts as an SVG, with no dependency.
func chart(rows []row) string { return drawPanels(rows, panels) }

// drawPanels draws ps against hosts as an SVG.
func drawPanels(rows []row, panels []panel) string {
	xs := make([]float64, len(rows))
	for i, r := range rows {
		xs[i] = float64(r.Hosts)
	}
	ps := make([]plot, len(panels))
	for i, p := range panels {
		ps[i].title = p.title
		for _, c := range p.curves {
			l := line{name: c.name, color: c.color, ys: make([]float64, len(rows))}
			for j, r := range rows {
				l.ys[j] = c.value(r)
			}
			ps[i].lines = append(ps[i].lines, l)
		}
	}
	return drawXY(axis{xs: xs, ticks: xs, label: "hosts", tick: func(v float64) string { return fmt.Sprintf("%.0f", v) }}, ps, len(ps))
}

// axis is the x axis shared by the plots of a chart.
type axis struct {
	xs    []float64 // the x of each point
	ticks []float64 // where the axis is labelled
	label string
	tick  func(float64) string
	mark  float64 // a dashed vertical line at this x, when positive
}

// line is one curve of a plot: a y per x of the axis, NaN where it has none.
type line struct {
	name, color string
	ys          []float64
	dashed      bool
	noLegend    bool
}

// plot is one small chart of an SVG.
type plot struct {
	title string
	lines []line
}

// drawXY draws the plots against the shared x axis as an SVG with no
// dependency, cols plots a row.
func drawXY(ax axis, plots []plot, cols int) string {
	const w, h, pad = 300, 220, 45
	rowH := h + 80
	nrows := (len(plots) + cols - 1) / cols
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", w*min(cols, len(plots)), rowH*nrows)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	maxX := 0.0
	for _, v := range ax.xs {
		maxX = max(maxX, v)
	}
	if maxX <= 0 {
		maxX = 1
	}
	for i, p := range plots {
		x0 := float64(i%cols*w) + pad
		top := float64(i / cols * rowH)
		plotW, plotH := float64(w-pad-15), float64(h-pad)
		maxY := 0.0
		for _, l := range p.lines {
			for _, v := range l.ys {
				if !math.IsNaN(v) {
					maxY = max(maxY, v)
				}
			}
		}
		maxY = niceCeil(maxY)
		y := func(v float64) float64 { return top + 20 + plotH - v/maxY*plotH }
		x := func(v float64) float64 { return x0 + v/maxX*plotW }
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-weight="bold">%s</text>`+"\n", x0, top+14, esc(p.title))
		fmt.Fprintf(&b, `<path d="M%.1f %.1f V%.1f H%.1f" stroke="#444" fill="none"/>`+"\n", x0, top+20, top+20+plotH, x0+plotW)
		for k := 0; k <= 4; k++ {
			v := maxY * float64(k) / 4
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-4, y(v)+4, short(v))
		}
		for _, t := range ax.ticks {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x(t), top+20+plotH+14, esc(ax.tick(t)))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x0+plotW/2, top+20+plotH+28, esc(ax.label))
		if ax.mark > 0 {
			fmt.Fprintf(&b, `<path d="M%.1f %.1f V%.1f" stroke="#999" stroke-dasharray="3,3" fill="none"/>`+"\n", x(ax.mark), top+20, top+20+plotH)
		}
		legend := 0
		for _, l := range p.lines {
			var pts []string
			for j, v := range l.ys {
				if !math.IsNaN(v) && maxY > 0 {
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(ax.xs[j]), y(v)))
					if !l.dashed && len(ax.xs) <= 50 {
						fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`+"\n", x(ax.xs[j]), y(v), l.color)
					}
				}
			}
			dash := ""
			if l.dashed {
				dash = ` stroke-dasharray="6,3"`
			}
			fmt.Fprintf(&b, `<polyline points="%s" stroke="%s" stroke-width="1.5"%s fill="none"/>`+"\n", strings.Join(pts, " "), l.color, dash)
			if !l.noLegend {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" fill="%s">%s</text>`+"\n", x0, top+float64(h+30+legend*12), l.color, esc(l.name))
				legend++
			}
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func short(v float64) string {
	if v >= 10 || v == 0 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
