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
	const w, h, pad = 300, 220, 45
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", w*len(panels), h+80)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	maxX := 0.0
	for _, r := range rows {
		maxX = max(maxX, float64(r.Hosts))
	}
	for i, p := range panels {
		x0 := float64(i*w) + pad
		plotW, plotH := float64(w-pad-15), float64(h-pad)
		maxY := 0.0
		for _, c := range p.curves {
			for _, r := range rows {
				if v := c.value(r); !math.IsNaN(v) {
					maxY = max(maxY, v)
				}
			}
		}
		maxY = niceCeil(maxY)
		y := func(v float64) float64 { return 20 + plotH - v/maxY*plotH }
		x := func(v float64) float64 { return x0 + v/maxX*plotW }
		fmt.Fprintf(&b, `<text x="%.0f" y="14" font-weight="bold">%s</text>`+"\n", x0, esc(p.title))
		fmt.Fprintf(&b, `<path d="M%.1f 20 V%.1f H%.1f" stroke="#444" fill="none"/>`+"\n", x0, 20+plotH, x0+plotW)
		for k := 0; k <= 4; k++ {
			v := maxY * float64(k) / 4
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-4, y(v)+4, short(v))
		}
		for _, r := range rows {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%d</text>`+"\n", x(float64(r.Hosts)), 20+plotH+14, r.Hosts)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">hosts</text>`+"\n", x0+plotW/2, 20+plotH+28)
		for j, c := range p.curves {
			var pts []string
			for _, r := range rows {
				if v := c.value(r); !math.IsNaN(v) && maxY > 0 {
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(float64(r.Hosts)), y(v)))
					fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`+"\n", x(float64(r.Hosts)), y(v), c.color)
				}
			}
			fmt.Fprintf(&b, `<polyline points="%s" stroke="%s" stroke-width="1.5" fill="none"/>`+"\n", strings.Join(pts, " "), c.color)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="%s">%s</text>`+"\n", x0, h+30+j*12, c.color, esc(c.name))
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
