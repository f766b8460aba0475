package main

import (
	"fmt"
	"math"
	"strings"
)

// soakChart draws a soak's samples over time, with the fitted lines
// (dashed) over the samples after the skip, marked by a dashed vertical.
func soakChart(res soakResult) string {
	hours := make([]float64, len(res.Samples))
	for i, s := range res.Samples {
		hours[i] = s.ElapsedH
	}
	span := 0.0
	if len(hours) > 0 {
		span = hours[len(hours)-1]
	}
	// Minutes for a run of up to 3 hours, hours beyond.
	unit, scale := "hours since the soak's start", 1.0
	if span <= 3 {
		unit, scale = "minutes since the soak's start", 60
	}
	xs := make([]float64, len(hours))
	for i, h := range hours {
		xs[i] = h * scale
	}
	ax := axis{xs: xs, label: unit, mark: res.SkipH * scale, tick: func(v float64) string { return short(v) }}
	top := niceCeil(span * scale)
	for k := 0; k <= 4; k++ {
		ax.ticks = append(ax.ticks, top*float64(k)/4)
	}
	ax.xs = append(ax.xs[:len(ax.xs):len(ax.xs)], top) // the axis reaches the last tick
	byName := map[string]trend{}
	for _, t := range res.Trends {
		byName[t.Resource] = t
	}
	col := func(f func(soakSample) float64) []float64 {
		ys := make([]float64, len(xs)+1)
		for i, s := range res.Samples {
			ys[i] = f(s)
		}
		ys[len(xs)] = math.NaN()
		return ys
	}
	// fit is the dashed line of a resource's trend, scaled like its curve.
	fit := func(name, color string, div float64) line {
		ys := make([]float64, len(xs)+1)
		t, ok := byName[name]
		for i := range ys {
			ys[i] = math.NaN()
			if ok && i < len(hours) && !math.IsNaN(t.SlopePerHour) && hours[i] >= t.FromH && hours[i] <= t.ToH {
				ys[i] = (t.intercept + t.SlopePerHour*hours[i]) / div
			}
		}
		return line{name: name + " fit", color: color, ys: ys, dashed: true, noLegend: true}
	}
	plots := []plot{
		{"memory (MB)", []line{
			{name: "RSS (VmRSS)", color: "#1f77b4", ys: col(func(s soakSample) float64 { return s.RSSMB })},
			{name: "RSS anon", color: "#d62728", ys: col(func(s soakSample) float64 { return s.RSSAnonMB })},
			{name: "RSS file", color: "#7f7f7f", ys: col(func(s soakSample) float64 { return s.RSSFileMB })},
			{name: "RSS shmem", color: "#bcbd22", ys: col(func(s soakSample) float64 { return s.RSSShmemMB })},
			{name: "Go heap in use", color: "#ff7f0e", ys: col(func(s soakSample) float64 { return s.HeapInuseMB })},
			fit("RSS anon", "#d62728", 1), fit("Go heap in use", "#ff7f0e", 1),
		}},
		{"goroutines, open fds", []line{
			{name: "goroutines", color: "#2ca02c", ys: col(func(s soakSample) float64 { return s.Goroutines })},
			{name: "open fds", color: "#9467bd", ys: col(func(s soakSample) float64 { return s.OpenFDs })},
			fit("goroutines", "#2ca02c", 1), fit("open fds", "#9467bd", 1),
		}},
		{"TSDB head series (thousands)", []line{
			{name: "head series", color: "#8c564b", ys: col(func(s soakSample) float64 { return s.HeadSeries / 1000 })},
			fit("head series", "#8c564b", 1000),
		}},
		{"disk (MB)", []line{
			{name: "WAL", color: "#1f77b4", ys: col(func(s soakSample) float64 { return s.WALMB })},
			{name: "data directory", color: "#7f7f7f", ys: col(func(s soakSample) float64 { return s.DataMB })},
		}},
		{"p99 per interval (ms)", []line{
			{name: "remote write", color: "#9467bd", ys: col(func(s soakSample) float64 { return s.Write.P99 })},
			{name: "board", color: "#1f77b4", ys: col(func(s soakSample) float64 { return s.Board.P99 })},
			{name: "alert list", color: "#ff7f0e", ys: col(func(s soakSample) float64 { return s.Alerts.P99 })},
		}},
		{"alert latency p99 (s), CPU (cores)", []line{
			{name: "sample → webhook (s)", color: "#d62728", ys: col(func(s soakSample) float64 { return s.AlertLatency.P99 / 1000 })},
			{name: "server CPU (cores)", color: "#17becf", ys: col(func(s soakSample) float64 { return s.CPUCores })},
		}},
	}
	return drawXY(ax, plots, 3)
}

// soakTable is the trends as a Markdown table, for docs/BENCHMARKS.md.
func soakTable(res soakResult) string {
	var b strings.Builder
	b.WriteString("| resource | samples | window (h) | median | slope per hour | % of median per hour (± 2 s.e.) | limit %/h | verdict |\n")
	b.WriteString("|---|---:|---|---:|---:|---:|---:|---|\n")
	f := func(v float64, prec int) string {
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf("%.*f", prec, v)
	}
	for _, t := range res.Trends {
		unit := ""
		if t.Unit != "" {
			unit = " " + t.Unit
		}
		limit := "–"
		if t.LimitPct > 0 {
			limit = f(t.LimitPct, 0)
		}
		fmt.Fprintf(&b, "| %s | %d | %.2f–%.2f | %s%s | %s%s | %s (± %s) | %s | %s |\n", t.Resource, t.Points, t.FromH, t.ToH,
			f(t.Median, 1), unit, f(t.SlopePerHour, 2), unit, f(t.PctPerHour, 2), f(2*t.StdErrPct, 2), limit, t.Verdict)
	}
	return b.String()
}
