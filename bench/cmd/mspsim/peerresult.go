package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The peers' names in the results.
const (
	namePrometheus      = "Prometheus+Alertmanager"
	nameVictoriaMetrics = "VictoriaMetrics"
	nameVMAlert         = "VictoriaMetrics+vmalert+Alertmanager"
)

// peer returns the row's figures of the peer called name; the zero row
// (NaN figures) when it was not measured.
func (r row) peer(name string) (peerRow, bool) {
	for _, p := range r.Peers {
		if p.Name == name {
			return p, true
		}
	}
	return peerRow{CPUCores: nan, RSSMB: nan, Series: nan, SamplesPerS: nan, Load1Steady: nan,
		AlertLatency: summary{P50: nan, P99: nan}}, false
}

// line is the peer's figures for the terminal.
func (p peerRow) line(hosts int) string {
	var each []string
	for name, c := range p.CPUCoresEach {
		each = append(each, fmt.Sprintf("%s:%.2f/%.0f", name, c, p.RSSMBEach[name]))
	}
	return fmt.Sprintf("peer=%q hosts=%d series=%.0f samples/s=%.0f cpu=%.2f rss_mb=%.0f (%s) disk_mb/day=%.0f write_p99=%.0f (errors %d) promql_p99=%.0f alert_lat_p99=%.0f (%d/%d) load=%.1f",
		p.Name, hosts, p.Series, p.SamplesPerS, p.CPUCores, p.RSSMB, strings.Join(each, " "), p.DiskGrowthMBPerDay, p.Write.P99, p.Write.Errors,
		p.PromQL.P99, p.AlertLatency.P99, p.AlertLatency.N, p.AlertLatency.N+p.AlertLatency.Errors, p.Load1Steady)
}

// withPeers is the row of p.Hosts among rows with p's peers in place of
// the row's peers of the same names.
func withPeers(rows []row, p row) (row, error) {
	for _, r := range rows {
		if r.Hosts != p.Hosts {
			continue
		}
		r.Peers = slices.Clone(r.Peers)
		for _, np := range p.Peers {
			if i := slices.IndexFunc(r.Peers, func(o peerRow) bool { return o.Name == np.Name }); i >= 0 {
				r.Peers[i] = np
			} else {
				r.Peers = append(r.Peers, np)
			}
		}
		return r, nil
	}
	return p, fmt.Errorf("-peers-only: no row of %d hosts in the results to add the peers to (run without -peers-only first)", p.Hosts)
}

// ratio is a/b, NaN when either is missing or b is 0.
func ratio(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return nan
	}
	return a / b
}

var peerPanels = []panel{
	{"CPU (cores)", []curve{
		{"unyo server", "#1f77b4", func(r row) float64 { return r.CPUCores }},
		{namePrometheus, "#d62728", func(r row) float64 { p, _ := r.peer(namePrometheus); return p.CPUCores }},
		{nameVictoriaMetrics, "#2ca02c", func(r row) float64 { p, _ := r.peer(nameVictoriaMetrics); return p.CPUCores }},
		{nameVMAlert, "#9467bd", func(r row) float64 { p, _ := r.peer(nameVMAlert); return p.CPUCores }},
	}},
	{"RSS peak (MB)", []curve{
		{"unyo server", "#1f77b4", func(r row) float64 { return r.RSSMB }},
		{namePrometheus, "#d62728", func(r row) float64 { p, _ := r.peer(namePrometheus); return p.RSSMB }},
		{nameVictoriaMetrics, "#2ca02c", func(r row) float64 { p, _ := r.peer(nameVictoriaMetrics); return p.RSSMB }},
		{nameVMAlert, "#9467bd", func(r row) float64 { p, _ := r.peer(nameVMAlert); return p.RSSMB }},
	}},
	{"unyo / peer", []curve{
		{"CPU, / Prometheus+AM", "#d62728", func(r row) float64 { p, _ := r.peer(namePrometheus); return ratio(r.CPUCores, p.CPUCores) }},
		{"RSS, / Prometheus+AM", "#ff9896", func(r row) float64 { p, _ := r.peer(namePrometheus); return ratio(r.RSSMB, p.RSSMB) }},
		{"CPU, / VictoriaMetrics", "#2ca02c", func(r row) float64 { p, _ := r.peer(nameVictoriaMetrics); return ratio(r.CPUCores, p.CPUCores) }},
		{"RSS, / VictoriaMetrics", "#98df8a", func(r row) float64 { p, _ := r.peer(nameVictoriaMetrics); return ratio(r.RSSMB, p.RSSMB) }},
	}},
	{"alert latency p99 (s)", []curve{
		{"unyo", "#1f77b4", func(r row) float64 { return r.AlertLatency.P99 / 1000 }},
		{namePrometheus, "#d62728", func(r row) float64 { p, _ := r.peer(namePrometheus); return p.AlertLatency.P99 / 1000 }},
		{nameVMAlert, "#9467bd", func(r row) float64 { p, _ := r.peer(nameVMAlert); return p.AlertLatency.P99 / 1000 }},
	}},
}

// writePeers writes, from the rows measured with peers, peers.csv, the
// Markdown table peers.md and the chart chart-peers.svg; nothing when no
// row has peers.
func writePeers(dir string, all []row) error {
	var rows []row
	for _, r := range all {
		if len(r.Peers) > 0 {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := writePeerCSV(filepath.Join(dir, "peers.csv"), rows); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "peers.md"), []byte(peerTable(rows)), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "chart-peers.svg"), []byte(drawPanels(rows, peerPanels)), 0o644)
}

// peerTable is the side-by-side table in Markdown: at each size unyo's
// row, then each peer's with unyo's CPU and RSS as a ratio to the peer's.
func peerTable(rows []row) string {
	var b strings.Builder
	b.WriteString("| hosts | target | series | samples/s | CPU cores | RSS MB (peak) | unyo ÷ target, CPU | unyo ÷ target, RSS | alert latency p50 / p99 s (notified/expected) | load avg |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|---|---:|\n")
	alerts := func(s summary) string {
		if s.N+s.Errors == 0 {
			return "–"
		}
		return fmt.Sprintf("%s / %s (%d/%d)", fixed(s.P50/1000, 1), fixed(s.P99/1000, 1), s.N, s.N+s.Errors)
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | unyo | %s | %s | %s | %s | | | %s | %s |\n", thousands(float64(r.Hosts)), thousands(r.HeadSeries),
			thousands(r.SamplesPerS), fixed(r.CPUCores, 2), thousands(r.RSSMB), alerts(r.AlertLatency), fixed(r.Load1Steady, 1))
		for _, p := range r.Peers {
			fmt.Fprintf(&b, "| | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p.Name, thousands(p.Series), thousands(p.SamplesPerS),
				fixed(p.CPUCores, 2), thousands(p.RSSMB), fixed(ratio(r.CPUCores, p.CPUCores), 2), fixed(ratio(r.RSSMB, p.RSSMB), 2),
				alerts(p.AlertLatency), fixed(p.Load1Steady, 1))
		}
	}
	return b.String()
}

func writePeerCSV(path string, rows []row) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	c := func(v float64, d int) string { // empty when not measured
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'f', d, 64)
	}
	w.Write([]string{"hosts", "target", "series", "samples_per_s", "cpu_cores", "rss_mb_peak", "cpu_ratio_unyo_to_target", "rss_ratio_unyo_to_target",
		"disk_growth_mb_per_day", "write_p99_ms", "promql_p99_ms", "alert_latency_p99_ms", "alerts_notified", "alerts_expected", "load1_steady"})
	for _, r := range rows {
		w.Write([]string{strconv.Itoa(r.Hosts), "unyo", c(r.HeadSeries, 0), c(r.SamplesPerS, 0), c(r.CPUCores, 3), c(r.RSSMB, 1), "1", "1",
			c(r.DiskGrowthMBPerDay, 0), c(r.Write.P99, 1), c(r.PromQL.P99, 1), c(r.AlertLatency.P99, 1),
			strconv.Itoa(r.AlertLatency.N), strconv.Itoa(r.AlertLatency.N + r.AlertLatency.Errors), c(r.Load1Steady, 1)})
		for _, p := range r.Peers {
			w.Write([]string{strconv.Itoa(r.Hosts), p.Name, c(p.Series, 0), c(p.SamplesPerS, 0), c(p.CPUCores, 3), c(p.RSSMB, 1),
				c(ratio(r.CPUCores, p.CPUCores), 3), c(ratio(r.RSSMB, p.RSSMB), 3),
				c(p.DiskGrowthMBPerDay, 0), c(p.Write.P99, 1), c(p.PromQL.P99, 1), c(p.AlertLatency.P99, 1),
				strconv.Itoa(p.AlertLatency.N), strconv.Itoa(p.AlertLatency.N + p.AlertLatency.Errors), c(p.Load1Steady, 1)})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fixed writes v with d decimals, "–" when it is not measured.
func fixed(v float64, d int) string {
	if math.IsNaN(v) || v < 0 {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}

// thousands writes v rounded, with thousands separated by commas.
func thousands(v float64) string {
	if math.IsNaN(v) || v < 0 {
		return "–"
	}
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
