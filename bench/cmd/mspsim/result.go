package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// row is the figures of one size: the steady window's, and the reports'.
type row struct {
	Hosts       int     `json:"hosts"`
	Tenants     int     `json:"tenants"`
	Started     string  `json:"started"`
	Load1Start  float64 `json:"load1_start"`
	Load1Steady float64 `json:"load1_steady_median"`
	ProvisionS  float64 `json:"provision_s"`
	SamplesPerS float64 `json:"samples_per_s"`
	// ExpectedSamplesPerS is what the hosts produce; SimCPUCores is the
	// simulator's own CPU over the window (it shares the machine).
	ExpectedSamplesPerS float64   `json:"expected_samples_per_s"`
	SimCPUCores         float64   `json:"simulator_cpu_cores"`
	HeadSeries          float64   `json:"head_series"`
	CPUCores            float64   `json:"cpu_cores"`
	RSSMB               float64   `json:"rss_mb_peak"`
	HeapInuseMB         float64   `json:"go_heap_inuse_mb_peak"`
	HeadChunks          float64   `json:"head_chunks"`
	MmapChunksMB        float64   `json:"head_mmap_chunks_mb"`
	WALMB               float64   `json:"wal_mb"`
	Goroutines          float64   `json:"goroutines"`
	DiskGrowthMBPerDay  float64   `json:"disk_growth_mb_per_day"`
	SQLiteWrites        float64   `json:"db_write_tx"`
	SQLiteWriteMeanMS   float64   `json:"db_write_mean_ms"`
	SQLiteWaitMeanMS    float64   `json:"db_write_lock_wait_mean_ms"`
	Write               summary   `json:"remote_write"`
	Pull                summary   `json:"config_pull"`
	Events              summary   `json:"log_events"`
	Board               summary   `json:"board"`
	Alerts              summary   `json:"alert_list"`
	HostPage            summary   `json:"host_page"`
	PromQL              summary   `json:"promql_range"`
	AlertLatency        summary   `json:"alert_latency"`
	NotifyDelay         summary   `json:"notification_delay"`
	Notifications       int64     `json:"notifications"`
	ReportSPerTenant    float64   `json:"report_s_per_tenant_median"`
	Peers               []peerRow `json:"peers,omitempty"` // -peer: measured after unyo, the same load
	peersOnly           bool      // -peers-only: only Hosts and Peers are set
}

// MarshalJSON writes the percentiles, null when there were none.
func (s summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"n": s.N, "errors": s.Errors, "p50_ms": num(s.P50), "p99_ms": num(s.P99)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *summary) UnmarshalJSON(b []byte) error {
	var v struct {
		N, Errors int
		P50, P99  *float64
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	json.Unmarshal(m["n"], &v.N)
	json.Unmarshal(m["errors"], &v.Errors)
	json.Unmarshal(m["p50_ms"], &v.P50)
	json.Unmarshal(m["p99_ms"], &v.P99)
	s.N, s.Errors, s.P50, s.P99 = v.N, v.Errors, nan, nan
	if v.P50 != nil {
		s.P50 = *v.P50
	}
	if v.P99 != nil {
		s.P99 = *v.P99
	}
	return nil
}

func num(v float64) any {
	if math.IsNaN(v) {
		return nil
	}
	return math.Round(v*10) / 10
}

// line is the row for the terminal.
func (r row) line() string {
	return fmt.Sprintf("hosts=%d tenants=%d series=%.0f samples/s=%.0f/%.0f sim_cpu=%.2f cpu=%.2f rss_mb=%.0f heap_mb=%.0f disk_mb/day=%.0f "+
		"board_p99=%.0f alerts_p99=%.0f promql_p99=%.0f alert_lat_p99=%.0f (%d/%d) report_s=%.2f write_p99=%.0f db_write_ms=%.1f db_wait_ms=%.1f load=%.1f",
		r.Hosts, r.Tenants, r.HeadSeries, r.SamplesPerS, r.ExpectedSamplesPerS, r.SimCPUCores, r.CPUCores, r.RSSMB, r.HeapInuseMB, r.DiskGrowthMBPerDay,
		r.Board.P99, r.Alerts.P99, r.PromQL.P99, r.AlertLatency.P99, r.AlertLatency.N, r.AlertLatency.N+r.AlertLatency.Errors,
		r.ReportSPerTenant, r.Write.P99, r.SQLiteWriteMeanMS, r.SQLiteWaitMeanMS, r.Load1Steady)
}

// record adds r to the results in dir (replacing a row of the same size)
// and rewrites the CSV and the chart from all rows.
func record(dir string, r row) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "results.json")
	var rows []row
	var err error
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &rows); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, f := range []*float64{&r.Load1Start, &r.Load1Steady, &r.SQLiteWrites, &r.SQLiteWriteMeanMS, &r.SQLiteWaitMeanMS, &r.ReportSPerTenant} {
		if math.IsNaN(*f) {
			*f = -1 // JSON has no NaN: -1 is "not measured"
		}
	}
	if r.peersOnly {
		if r, err = withPeers(rows, r); err != nil {
			return err
		}
	}
	rows = slices.DeleteFunc(rows, func(o row) bool { return o.Hosts == r.Hosts })
	rows = append(rows, r)
	slices.SortFunc(rows, func(a, b row) int { return a.Hosts - b.Hosts })
	b, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(dir, "results.csv"), rows); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "chart.svg"), []byte(chart(rows)), 0o644); err != nil {
		return err
	}
	return writePeers(dir, rows)
}

func writeCSV(path string, rows []row) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"hosts", "tenants", "head_series", "samples_per_s", "cpu_cores", "rss_mb_peak", "go_heap_inuse_mb_peak",
		"head_mmap_chunks_mb", "wal_mb", "disk_growth_mb_per_day", "write_p99_ms", "board_p50_ms", "board_p99_ms",
		"alerts_p50_ms", "alerts_p99_ms", "host_page_p99_ms", "promql_p99_ms", "alert_latency_p50_ms", "alert_latency_p99_ms",
		"alerts_notified", "alerts_expected", "notification_delay_p99_ms", "db_write_tx", "db_write_mean_ms", "db_lock_wait_mean_ms",
		"report_s_per_tenant", "load1_steady"})
	g := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	for _, r := range rows {
		w.Write([]string{strconv.Itoa(r.Hosts), strconv.Itoa(r.Tenants), g(r.HeadSeries), g(r.SamplesPerS), strconv.FormatFloat(r.CPUCores, 'f', 2, 64),
			g(r.RSSMB), g(r.HeapInuseMB), g(r.MmapChunksMB), g(r.WALMB), g(r.DiskGrowthMBPerDay), g(r.Write.P99), g(r.Board.P50), g(r.Board.P99),
			g(r.Alerts.P50), g(r.Alerts.P99), g(r.HostPage.P99), g(r.PromQL.P99), g(r.AlertLatency.P50), g(r.AlertLatency.P99),
			strconv.Itoa(r.AlertLatency.N), strconv.Itoa(r.AlertLatency.N + r.AlertLatency.Errors), g(r.NotifyDelay.P99), g(r.SQLiteWrites), g(r.SQLiteWriteMeanMS), g(r.SQLiteWaitMeanMS),
			strconv.FormatFloat(r.ReportSPerTenant, 'f', 2, 64), g(r.Load1Steady)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
