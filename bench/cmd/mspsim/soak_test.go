package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The exposition as unyo's /metrics writes it: comments, labels, and the
// figures a soak reads.
func TestParseMetrics(t *testing.T) {
	const text = `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 1234
go_memstats_heap_inuse_bytes 5.36870912e+08
process_resident_memory_bytes 1.073741824e+09
process_open_fds 87
process_cpu_seconds_total 12.5
prometheus_tsdb_head_series 300000
prometheus_tsdb_wal_storage_size_bytes 2.097152e+08
prometheus_tsdb_compactions_total 2
unyo_database_write_seconds_sum 3.5
unyo_database_write_seconds_count 70
http_requests_total{code="200",path="/api/v1/write"} 99
not a sample line
`
	m, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := selfMetrics{goroutines: 1234, heapInuse: 512 << 20, rss: 1 << 30, openFDs: 87, cpuSeconds: 12.5,
		headSeries: 300000, walBytes: 200 << 20, compactions: 2, writeSum: 3.5, writeCount: 70, hasDB: true}
	if m != want {
		t.Fatalf("parsed\n%+v\nwant\n%+v", m, want)
	}
}

// VmRSS in kB becomes bytes; a status without it (a zombie) is an error.
func TestParseVmRSS(t *testing.T) {
	status := "Name:\tunyo\nState:\tS (sleeping)\nVmPeak:\t 2000000 kB\nVmRSS:\t  1048576 kB\nThreads:\t12\n"
	got, err := parseVmRSS(strings.NewReader(status))
	if err != nil || got != 1<<30 {
		t.Fatalf("VmRSS of 1048576 kB: %v bytes, %v", got, err)
	}
	if _, err := parseVmRSS(strings.NewReader("Name:\tunyo\nState:\tZ (zombie)\n")); err == nil {
		t.Fatal("a status with no VmRSS gave no error")
	}
	// This process's own, read from /proc.
	own, err := vmRSS(os.Getpid())
	if err != nil || own < 1<<20 {
		t.Fatalf("own VmRSS: %v bytes, %v", own, err)
	}
}

// The resident set's split in kB becomes bytes; a status without one of
// the four lines is an error that names it.
func TestParseMemStatus(t *testing.T) {
	const status = "Name:\tunyo\nState:\tS (sleeping)\nVmHWM:\t 1100000 kB\nVmRSS:\t  1048576 kB\n" +
		"RssAnon:\t  786432 kB\nRssFile:\t  258048 kB\nRssShmem:\t    4096 kB\nVmData:\t 2000000 kB\nThreads:\t12\n"
	got, err := parseMemStatus(strings.NewReader(status))
	want := memStatus{VmRSS: 1 << 30, RssAnon: 768 << 20, RssFile: 252 << 20, RssShmem: 4 << 20}
	if err != nil || got != want {
		t.Fatalf("parsed %+v (%v), want %+v", got, err, want)
	}
	f := func(status, wantErr string) {
		t.Helper()
		if _, err := parseMemStatus(strings.NewReader(status)); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%q: error %v, want one with %q", status, err, wantErr)
		}
	}
	f(strings.Replace(status, "RssAnon:", "RssAnnon:", 1), "no RssAnon")
	f(strings.Replace(status, "RssFile:\t  258048 kB", "RssFile:\t  many kB", 1), `RssFile "many kB"`)
	f("Name:\tunyo\nState:\tZ (zombie)\n", "no VmRSS")
}

// This process's own split, read from /proc: the kernel's VmRSS is the sum
// of the three, anonymous pages hold the Go heap, file pages the mapped
// test binary.
func TestReadMemStatusOwn(t *testing.T) {
	m, err := readMemStatus(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RssAnon < 1<<20 || m.RssFile < 1<<20 || m.RssShmem < 0 || m.VmRSS != m.RssAnon+m.RssFile+m.RssShmem {
		t.Fatalf("own status %+v: want VmRSS = anon + file + shmem, and a MB or more of anon and file", m)
	}
	if _, err := readMemStatus(-1); err == nil {
		t.Fatal("no process: no error")
	}
}

// countFDs counts a file the process opens.
func TestCountFDs(t *testing.T) {
	before, err := countFDs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	after, err := countFDs(os.Getpid())
	f.Close()
	if err != nil || after != before+1 {
		t.Fatalf("%d open files, then %d after opening one (%v)", before, after, err)
	}
}

// soakRun is hours of samples, one a minute, anonymous RSS from rss(hour);
// the file-backed pages grow by 200 MB an hour all along, as the TSDB's
// mapped chunks and blocks are read.
func soakRun(minutes int, rss func(h float64) float64) []soakSample {
	var out []soakSample
	for i := 0; i < minutes; i++ {
		h := float64(i) / 60
		file, shmem := 100+200*h, 1.0
		out = append(out, soakSample{ElapsedH: h, RSSMB: rss(h) + file + shmem, RSSAnonMB: rss(h), RSSFileMB: file, RSSShmemMB: shmem,
			HeapInuseMB: rss(h) / 2, Goroutines: 900, OpenFDs: 60,
			HeadSeries: 300000, WALMB: 10 * h, Write: summary{P99: 20}, Board: summary{P99: math.NaN()}, Alerts: summary{P99: 30},
			AlertLatency: summary{P99: math.NaN()}})
	}
	return out
}

// Memory that climbs in the warm-up and then holds is flat once the
// warm-up is skipped, and grows if it is not. The verdict is the anonymous
// pages': VmRSS, growing with the file-backed ones, is shown, not judged.
func TestTrendsSkipWarmup(t *testing.T) {
	samples := soakRun(120, func(h float64) float64 { return 800 + 400*min(h, 0.5) })
	verdict := func(ts []trend, name string) string {
		for _, tr := range ts {
			if tr.Resource == name {
				return tr.Verdict
			}
		}
		return "missing"
	}
	if v := verdict(trends(samples, 0.5), "RSS anon"); v != verdictFlat {
		t.Errorf("RSS anon after the warm-up: %s, want flat", v)
	}
	if v := verdict(trends(samples, 0), "RSS anon"); v != verdictGrows {
		t.Errorf("RSS anon with the warm-up: %s, want grows", v)
	}
	for _, name := range []string{"RSS", "RSS file", "RSS shmem"} {
		if v := verdict(trends(samples, 0.5), name); v != verdictNotJudged {
			t.Errorf("%s after the warm-up: %s, want not judged", name, v)
		}
	}
	if v := verdict(trends(samples, 0.5), "WAL"); v != verdictNotJudged {
		t.Errorf("WAL: %s, want not judged", v)
	}
	if v := verdict(trends(samples, 0.5), "board p99"); v != verdictTooFew {
		t.Errorf("board with no p99: %s, want too few samples", v)
	}
}

// The soak's files: JSON a reader can load back (NaN as null), a chart with
// no NaN, and the table with a row per resource.
func TestWriteSoak(t *testing.T) {
	cfg := config{out: t.TempDir(), soak: time.Hour, soakEvery: time.Minute}
	res := soakResult{Hosts: 1000, Samples: soakRun(60, func(h float64) float64 { return 1000 + 100*h })}
	res.Samples[0].CPUCores = math.NaN()
	res.SkipH = soakSkip(cfg).Hours()
	res.Trends = trends(res.Samples, res.SkipH)
	if err := writeSoak(cfg, res); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(cfg.out, "soak-1000.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Samples []map[string]any `json:"samples"`
		Trends  []map[string]any `json:"trends"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("soak-1000.json: %v", err)
	}
	if len(back.Samples) != 60 || back.Samples[0]["board"].(map[string]any)["p99_ms"] != nil {
		t.Fatalf("%d samples; first board %v", len(back.Samples), back.Samples[0]["board"])
	}
	if s := back.Samples[30]; s["rss_mb"] != 1251.0 || s["rss_anon_mb"] != 1050.0 || s["rss_file_mb"] != 200.0 || s["rss_shmem_mb"] != 1.0 {
		t.Fatalf("sample at 30 minutes: rss %v = anon %v + file %v + shmem %v, want 1251 = 1050 + 200 + 1",
			s["rss_mb"], s["rss_anon_mb"], s["rss_file_mb"], s["rss_shmem_mb"])
	}
	if back.Trends[0]["resource"] != "RSS anon" || back.Trends[0]["verdict"] != verdictGrows {
		t.Fatalf("RSS anon 10%%/h: %v", back.Trends[0])
	}
	svg, err := os.ReadFile(filepath.Join(cfg.out, "soak-1000.svg"))
	if err != nil || !strings.HasPrefix(string(svg), "<svg") || strings.Contains(string(svg), "NaN") {
		t.Fatalf("soak-1000.svg (%v):\n%.500s", err, svg)
	}
	for _, legend := range []string{">RSS (VmRSS)<", ">RSS anon<", ">RSS file<", ">RSS shmem<"} {
		if !strings.Contains(string(svg), legend) {
			t.Errorf("soak-1000.svg has no %s", legend)
		}
	}
	table := soakTable(res)
	if n := strings.Count(table, "\n"); n != 2+len(soakResources) {
		t.Fatalf("table of %d lines:\n%s", n, table)
	}
	if !strings.Contains(table, "| RSS anon | 48 | 0.20–0.98 |") || !strings.Contains(table, "| RSS | 48 | 0.20–0.98 |") {
		t.Fatalf("RSS anon and RSS rows (48 samples after 12 minutes):\n%s", table)
	}
}

func TestSoakFlags(t *testing.T) {
	f := func(args string, wantErr string) {
		t.Helper()
		_, err := parseFlags(append(strings.Fields(args), "-bin", os.Args[0]))
		switch {
		case wantErr == "" && err != nil:
			t.Errorf("%s: %v", args, err)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Errorf("%s: error %v, want one with %q", args, err, wantErr)
		}
	}
	f("-sizes 1000 -soak 24h", "")
	f("-sizes 1000 -soak 25m", "")
	f("-sizes 100,1000 -soak 24h", "one size")
	f("-sizes 1000 -soak 24h -peer prometheus", "one size")
	f("-sizes 1000 -soak 5m", "5 samples")
	f("-sizes 1000 -soak 10m -soak-skip 8m", "5 samples")
}
