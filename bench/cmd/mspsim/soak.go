package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// soakSample is the server's state at one sampling time, and the client's
// figures over the interval that ended then.
type soakSample struct {
	Time         string  `json:"time"`
	ElapsedH     float64 `json:"elapsed_h"`    // since the soak's start (after provisioning and the warm-up)
	RSSMB        float64 `json:"rss_mb"`       // VmRSS of /proc/PID/status: the three below
	RSSAnonMB    float64 `json:"rss_anon_mb"`  // RssAnon: heap, stacks, the runtime's and cgo's allocations
	RSSFileMB    float64 `json:"rss_file_mb"`  // RssFile: pages of mapped files read (TSDB chunks, blocks)
	RSSShmemMB   float64 `json:"rss_shmem_mb"` // RssShmem: shared memory
	HeapInuseMB  float64 `json:"go_heap_inuse_mb"`
	Goroutines   float64 `json:"goroutines"`
	OpenFDs      float64 `json:"open_fds"` // entries of /proc/PID/fd
	HeadSeries   float64 `json:"head_series"`
	WALMB        float64 `json:"wal_mb"`
	DataMB       float64 `json:"data_dir_mb"`
	Compactions  float64 `json:"tsdb_compactions"`
	CPUCores     float64 `json:"cpu_cores"` // over the interval
	SamplesPerS  float64 `json:"samples_per_s"`
	Write        summary `json:"remote_write"`
	Board        summary `json:"board"`
	Alerts       summary `json:"alert_list"`
	AlertLatency summary `json:"alert_latency"` // of the notifications that arrived in the interval
	Reports      summary `json:"reports"`       // the month's reports generated in the interval (-soak-reports-every)
	Load1        float64 `json:"load1"`
}

// soakResult is a soak's file: rewritten after every sample, so that a run
// cut short keeps what it measured.
type soakResult struct {
	Command    string       `json:"command"`
	Hosts      int          `json:"hosts"`
	Tenants    int          `json:"tenants"`
	ProvisionS float64      `json:"provision_s"`
	Warmup     string       `json:"warmup"`
	Duration   string       `json:"duration"`
	Every      string       `json:"every"`
	SkipH      float64      `json:"trend_skip_h"` // the samples before are left out of the trends
	Started    string       `json:"started"`      // the soak's start, after the warm-up
	Ended      string       `json:"ended,omitempty"`
	Cut        string       `json:"cut_short,omitempty"` // why it ended before its duration
	Samples    []soakSample `json:"samples"`
	Trends     []trend      `json:"trends"`
}

// soakResource is one resource a soak judges, with its limit in percent of
// its median per hour (0: reported, not judged).
type soakResource struct {
	name, unit string
	limitPct   float64
	value      func(soakSample) float64
}

// soakResources are judged on the samples after the skip. The limits:
//   - anonymous RSS and Go heap, 2% an hour: over a day that is +48%, a leak
//     nobody should ship, while the head's in-memory chunks and the GC's
//     sawtooth move memory by a few percent between samples. VmRSS is
//     shown, not judged: its file-backed pages are the memory-mapped TSDB
//     chunks and blocks read, which the kernel may reclaim and which grow
//     with the blocks on disk, not with a leak;
//   - goroutines, open files and head series, 1% an hour: at a fixed load
//     they are set by connections, workers, TSDB files and the hosts' series,
//     so any steady growth is a leak; a goroutine left behind per request
//     (hundreds a second) or per alert would pass 1% within the hour.
//
// The WAL and the data directory grow by design until a compaction (every
// 2 h of data), and the latencies follow the shared machine's load: their
// slopes are reported, not judged.
var soakResources = []soakResource{
	{"RSS anon", "MB", 2, func(s soakSample) float64 { return s.RSSAnonMB }},
	{"RSS", "MB", 0, func(s soakSample) float64 { return s.RSSMB }},
	{"RSS file", "MB", 0, func(s soakSample) float64 { return s.RSSFileMB }},
	{"RSS shmem", "MB", 0, func(s soakSample) float64 { return s.RSSShmemMB }},
	{"Go heap in use", "MB", 2, func(s soakSample) float64 { return s.HeapInuseMB }},
	{"goroutines", "", 1, func(s soakSample) float64 { return s.Goroutines }},
	{"open fds", "", 1, func(s soakSample) float64 { return s.OpenFDs }},
	{"head series", "", 1, func(s soakSample) float64 { return s.HeadSeries }},
	{"WAL", "MB", 0, func(s soakSample) float64 { return s.WALMB }},
	{"data dir", "MB", 0, func(s soakSample) float64 { return s.DataMB }},
	{"remote write p99", "ms", 0, func(s soakSample) float64 { return s.Write.P99 }},
	{"board p99", "ms", 0, func(s soakSample) float64 { return s.Board.P99 }},
	{"alert list p99", "ms", 0, func(s soakSample) float64 { return s.Alerts.P99 }},
	{"report p99", "ms", 0, func(s soakSample) float64 { return s.Reports.P99 }},
}

// trends judges every resource on the samples from skipH on.
func trends(samples []soakSample, skipH float64) []trend {
	var hours []float64
	var kept []soakSample
	for _, s := range samples {
		if s.ElapsedH >= skipH {
			hours, kept = append(hours, s.ElapsedH), append(kept, s)
		}
	}
	out := make([]trend, len(soakResources))
	for i, r := range soakResources {
		ys := make([]float64, len(kept))
		for j, s := range kept {
			ys[j] = r.value(s)
		}
		out[i] = judge(r.name, r.unit, hours, ys, r.limitPct)
	}
	return out
}

// soakSkip is the warm-up left out of the trends: -soak-skip, or by default
// 30 minutes (the first head chunks are then full: 120 samples at 15 s)
// but at most a fifth of the run.
func soakSkip(cfg config) time.Duration {
	if cfg.soakSkip > 0 {
		return cfg.soakSkip
	}
	return min(30*time.Minute, cfg.soak/5)
}

// runSoak provisions n hosts, runs the steady load for cfg.soak after the
// warm-up, samples the server every cfg.soakEvery into <out>/soak-<n>.json
// and .svg as it goes, and judges the trends.
func runSoak(ctx context.Context, cfg config, n int) (soakResult, error) {
	res := soakResult{Command: strings.Join(os.Args, " "), Hosts: n, Warmup: cfg.warmup.String(), Duration: cfg.soak.String(),
		Every: cfg.soakEvery.String(), SkipH: soakSkip(cfg).Hours()}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return res, err
	}
	dir, rcv, done, err := workspace(cfg, fmt.Sprintf("unyo-mspsim-soak-%d-", n))
	if err != nil {
		return res, err
	}
	defer done()
	st, err := standUp(ctx, cfg, n, dir, rcv.url)
	if st != nil {
		defer st.srv.stop()
	}
	if err != nil {
		return res, err
	}
	res.Tenants, res.ProvisionS = len(st.tenants), st.provisionS

	runCtx, stopRun := context.WithCancel(ctx)
	f := &fleet{base: st.srv.url, client: &http.Client{Timeout: time.Minute, Transport: st.transport},
		interval: cfg.interval, pullEvery: cfg.pullEvery, crossed: map[*host]time.Time{}}
	start := time.Now().Add(cfg.warmup)
	end := start.Add(cfg.soak)
	// Misbehaviour starts spread over the whole soak, so that alerts are
	// notified all along it.
	wait := startHosts(runCtx, st.tenants, cfg.interval, start, cfg.soak, f.run)
	op := &operator{base: st.srv.url, rate: cfg.readEvery, token: st.api.token}
	var opDone sync.WaitGroup
	defer func() { stopRun(); opDone.Wait(); wait() }() // the clients end before the server does
	logf("soak: %d hosts in %d tenants running; warm-up %v, soak %v, a sample every %v into %s",
		n, len(st.tenants), cfg.warmup, cfg.soak, cfg.soakEvery, soakPath(cfg, n, ".json"))
	if !sleepCtx(ctx, time.Until(start)) {
		return res, ctx.Err()
	}
	if err := op.signIn(ctx); err != nil {
		return res, err
	}
	opDone.Add(1)
	go func() { defer opDone.Done(); op.run(runCtx, st.tenants) }()

	sm := &soakSampler{srv: st.srv, f: f, op: op, rcv: rcv, counted: map[*host]bool{}}
	if err := sm.begin(); err != nil {
		return res, err
	}
	if cfg.soakReports > 0 && cfg.reports > 0 {
		opDone.Add(1)
		go func() { defer opDone.Done(); reportRun(runCtx, st.api, st.tenants, cfg, &sm.reports) }()
	}
	res.Started = start.UTC().Format(time.RFC3339)
	for k := 1; ; k++ {
		at := start.Add(time.Duration(k) * cfg.soakEvery)
		if at.After(end) {
			break
		}
		if !sleepCtx(ctx, time.Until(at)) {
			res.Cut = "interrupted"
			return res, writeSoak(cfg, res)
		}
		s, err := sm.sample(start)
		if err != nil {
			res.Cut = fmt.Sprintf("the server stopped answering: %v", err)
			writeSoak(cfg, res)
			return res, fmt.Errorf("soak: %w", err)
		}
		res.Samples = append(res.Samples, s)
		res.Trends = trends(res.Samples, res.SkipH)
		if err := writeSoak(cfg, res); err != nil {
			return res, err
		}
		logf("soak %5.2f h: rss %.0f MB (anon %.0f, file %.0f), heap %.0f MB, %.0f goroutines, %.0f fds, %.0f series, wal %.0f MB, write p99 %.0f ms, board p99 %.0f ms, load %.1f",
			s.ElapsedH, s.RSSMB, s.RSSAnonMB, s.RSSFileMB, s.HeapInuseMB, s.Goroutines, s.OpenFDs, s.HeadSeries, s.WALMB, s.Write.P99, s.Board.P99, s.Load1)
	}
	res.Ended = time.Now().UTC().Format(time.RFC3339)
	return res, writeSoak(cfg, res)
}

// soakSampler takes one sample an interval from the server and the clients.
type soakSampler struct {
	srv     *server
	f       *fleet
	op      *operator
	rcv     *receiver
	counted map[*host]bool // hosts whose alert's latency is in an earlier sample
	reports latencies      // the report run's, since the last sample
	cpu     float64
	samples int64
	at      time.Time
}

// begin marks the start of the first interval.
func (sm *soakSampler) begin() error {
	m, err := sm.srv.scrape()
	if err != nil {
		return err
	}
	sm.cpu, sm.samples, sm.at = m.cpuSeconds, sm.f.samples.Load(), time.Now()
	sm.f.writes.take()
	sm.op.board.take()
	sm.op.alerts.take()
	return nil
}

// sample reads the server's state and the interval's figures.
func (sm *soakSampler) sample(start time.Time) (soakSample, error) {
	now := time.Now()
	m, err := sm.srv.scrape()
	if err != nil {
		return soakSample{}, err
	}
	pid := sm.srv.cmd.Process.Pid
	mem, err := readMemStatus(pid)
	if err != nil {
		return soakSample{}, err
	}
	fds, err := countFDs(pid)
	if err != nil {
		return soakSample{}, err
	}
	secs := now.Sub(sm.at).Seconds()
	samples := sm.f.samples.Load()
	s := soakSample{Time: now.UTC().Format(time.RFC3339), ElapsedH: now.Sub(start).Hours(),
		RSSMB: mb(mem.VmRSS), RSSAnonMB: mb(mem.RssAnon), RSSFileMB: mb(mem.RssFile), RSSShmemMB: mb(mem.RssShmem),
		HeapInuseMB: mb(m.heapInuse), Goroutines: m.goroutines, OpenFDs: float64(fds),
		HeadSeries: m.headSeries, WALMB: mb(m.walBytes), DataMB: mb(float64(sm.srv.diskBytes())), Compactions: m.compactions,
		CPUCores: (m.cpuSeconds - sm.cpu) / secs, SamplesPerS: float64(samples-sm.samples) / secs,
		Write: sm.f.writes.take(), Board: sm.op.board.take(), Alerts: sm.op.alerts.take(),
		AlertLatency: sm.newAlerts(), Reports: sm.reports.take(), Load1: loadAverage()}
	// Forgotten: the simulator keeps no day of latencies it does not report.
	sm.f.pulls.take()
	sm.f.events.take()
	sm.op.hostPage.take()
	sm.op.promql.take()
	sm.cpu, sm.samples, sm.at = m.cpuSeconds, samples, now
	return s, nil
}

// reportRun generates this month's report of cfg.reports tenants every
// cfg.soakReports, the next tenants each time, round the list: the overnight
// run of the month's reports (every tenant's, one after the other), spread
// over a soak so that its memory and its files are in the trends. A report
// that fails is counted, and the run goes on.
func reportRun(ctx context.Context, a api, tenants []*tenant, cfg config, into *latencies) {
	next := 0
	for sleepCtx(ctx, cfg.soakReports) {
		for range min(cfg.reports, len(tenants)) {
			d, err := monthReport(ctx, a, tenants[next])
			next = (next + 1) % len(tenants)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				logf("soak: a report: %v", err)
				into.fail()
				continue
			}
			into.add(d)
		}
	}
}

// newAlerts is the latency, first failing sample to webhook, of the alerts
// notified since the last sample; a check failing for more than 2 minutes
// with no notification counts as an error, once.
func (sm *soakSampler) newAlerts() summary {
	sm.f.mu.Lock()
	crossed := make(map[*host]time.Time, len(sm.f.crossed))
	for h, at := range sm.f.crossed {
		crossed[h] = at
	}
	sm.f.mu.Unlock()
	var l latencies
	for h, at := range crossed {
		if sm.counted[h] {
			continue
		}
		if a, ok := sm.rcv.get(h.tenant, h.name); ok {
			l.add(a.at.Sub(at))
			sm.counted[h] = true
		} else if time.Since(at) > 2*time.Minute {
			l.fail()
			sm.counted[h] = true
		}
	}
	return l.summary()
}

// countFDs is the number of files process pid has open.
func countFDs(pid int) (int, error) {
	es, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0, err
	}
	return len(es), nil
}

func soakPath(cfg config, n int, ext string) string {
	return filepath.Join(cfg.out, fmt.Sprintf("soak-%d%s", n, ext))
}

// writeSoak replaces the soak's JSON (through a rename: a reader never sees
// half a file) and its chart.
func writeSoak(cfg config, res soakResult) error {
	for i := range res.Samples {
		for _, f := range []*float64{&res.Samples[i].CPUCores, &res.Samples[i].SamplesPerS, &res.Samples[i].Load1} {
			if math.IsNaN(*f) || math.IsInf(*f, 0) {
				*f = -1 // JSON has no NaN: -1 is "not measured"
			}
		}
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	path := soakPath(cfg, res.Hosts, ".json")
	if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return err
	}
	return os.WriteFile(soakPath(cfg, res.Hosts, ".svg"), []byte(soakChart(res)), 0o644)
}

// MarshalJSON writes the figures a trend could not have (NaN) as null.
func (t trend) MarshalJSON() ([]byte, error) {
	f := func(v float64) any {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	return json.Marshal(map[string]any{"resource": t.Resource, "unit": t.Unit, "points": t.Points, "from_h": f(t.FromH), "to_h": f(t.ToH),
		"median": f(t.Median), "slope_per_hour": f(t.SlopePerHour), "pct_of_median_per_hour": f(t.PctPerHour),
		"stderr_pct_per_hour": f(t.StdErrPct), "limit_pct_per_hour": t.LimitPct, "verdict": t.Verdict})
}
