package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
)

// peerRow is one peer's figures at a size, over a steady window as long as
// unyo's, under the same metric load.
type peerRow struct {
	Name               string             `json:"name"`
	Versions           map[string]string  `json:"versions"`
	Started            string             `json:"started"`
	Load1Start         float64            `json:"load1_start"`
	Load1Steady        float64            `json:"load1_steady_median"`
	SamplesPerS        float64            `json:"samples_per_s"`
	Series             float64            `json:"series"`
	CPUCores           float64            `json:"cpu_cores"`
	CPUCoresEach       map[string]float64 `json:"cpu_cores_by_process"`
	RSSMB              float64            `json:"rss_mb_peak"`
	RSSMBEach          map[string]float64 `json:"rss_mb_peak_by_process"`
	DiskGrowthMBPerDay float64            `json:"disk_growth_mb_per_day"`
	Write              summary            `json:"remote_write"`
	PromQL             summary            `json:"promql_range"`
	Rules              bool               `json:"rules"`
	AlertLatency       summary            `json:"alert_latency"`
	NotifyDelay        summary            `json:"notification_delay"`
	Notifications      int64              `json:"notifications"`
}

// runPeer drives the metric load of n simulated hosts into peer kind, as
// the agents send it to unyo: the same hosts and series, the same interval
// and offsets, the same misbehaviour from the same point of the window,
// each host's samples labelled with its tenant (one store holds them all).
// No configuration pulls and no log events: the peers take neither. The
// operator's PromQL range query runs at the rate it runs against unyo.
func runPeer(ctx context.Context, cfg config, n int, kind string) (peerRow, error) {
	r := peerRow{Load1Start: loadAverage(), Started: time.Now().UTC().Format(time.RFC3339), Versions: map[string]string{},
		CPUCoresEach: map[string]float64{}, RSSMBEach: map[string]float64{}, Rules: kind != peerVictoriaMetrics}
	dir, rcv, done, err := workspace(cfg, fmt.Sprintf("unyo-mspsim-%s-%d-", kind, n))
	if err != nil {
		return r, err
	}
	defer done()
	p, err := startPeer(ctx, kind, dir, rcv.baseURL()+"/alertmanager")
	if err != nil {
		return r, err
	}
	defer p.stop()
	r.Name = p.name
	for _, pr := range p.procs {
		r.Versions[pr.name] = pr.version()
	}

	tenants := tenantsFor(n, cfg.hostsPerTenant)
	transport := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	f := &peerFleet{url: p.writeURL, client: &http.Client{Timeout: time.Minute, Transport: transport},
		interval: cfg.interval, crossed: map[*host]time.Time{}}
	runCtx, stopRun := context.WithCancel(ctx)
	start := time.Now()
	steadyStart := start.Add(cfg.warmup)
	steadyEnd := steadyStart.Add(cfg.steady)
	wait := startHosts(runCtx, tenants, cfg.interval, steadyStart, cfg.steady/2,
		func(ctx context.Context, _ *tenant, h *host, offset time.Duration, at time.Time) {
			f.run(ctx, h, offset, at)
		})
	defer func() { stopRun(); wait() }() // the agents end before the peer does
	logf("%s: %d hosts in %d tenants running; warm-up %v, steady window %v", p.name, n, len(tenants), cfg.warmup, cfg.steady)
	if !sleepCtx(ctx, time.Until(steadyStart)) {
		return r, ctx.Err()
	}
	cpu0, each0, err := p.cpuSeconds()
	if err != nil {
		return r, err
	}
	disk0 := (&server{data: p.data}).diskBytes()
	samples0 := f.samples.Load()
	f.writes.reset()
	opCtx, stopOp := context.WithDeadline(runCtx, steadyEnd)
	defer stopOp()
	var promql latencies
	var opDone sync.WaitGroup
	opDone.Add(1)
	go func() { defer opDone.Done(); peerReads(opCtx, p.queryURL, tenants, 4*cfg.readEvery, &promql) }()
	var loads []float64
	var peak float64
	peakEach := make([]float64, len(p.procs))
	for time.Now().Before(steadyEnd) {
		if !sleepCtx(ctx, min(5*time.Second, time.Until(steadyEnd))) {
			return r, ctx.Err()
		}
		sum, each, err := p.rssBytes()
		if err != nil {
			return r, fmt.Errorf("%s died in the steady window: %w", p.name, err)
		}
		peak = max(peak, sum)
		for j, v := range each {
			peakEach[j] = max(peakEach[j], v)
		}
		loads = append(loads, loadAverage())
	}
	cpu1, each1, err := p.cpuSeconds()
	if err != nil {
		return r, err
	}
	window := cfg.steady.Seconds()
	r.CPUCores = (cpu1 - cpu0) / window
	for j, pr := range p.procs {
		r.CPUCoresEach[pr.name] = (each1[j] - each0[j]) / window
		r.RSSMBEach[pr.name] = mb(peakEach[j])
	}
	r.RSSMB = mb(peak)
	r.SamplesPerS = float64(f.samples.Load()-samples0) / window
	r.DiskGrowthMBPerDay = mb(float64((&server{data: p.data}).diskBytes()-disk0)) / window * 86400
	r.Load1Steady = median(loads)
	opDone.Wait()
	r.Write, r.PromQL = f.writes.summary(), promql.summary()
	if r.Series, err = p.series(); err != nil {
		return r, err
	}
	if r.Rules {
		alat, ndelay, err := awaitAlerts(ctx, &f.mu, f.crossed, rcv)
		if err != nil {
			return r, err
		}
		r.AlertLatency, r.NotifyDelay = alat.summary(), ndelay.summary()
		r.Notifications = rcv.total.Load()
	} else {
		r.AlertLatency, r.NotifyDelay = summary{P50: nan, P99: nan}, summary{P50: nan, P99: nan}
	}
	stopRun()
	logf("%s: %d hosts done", p.name, n)
	return r, nil
}

// awaitAlerts waits, at most 60 s, for a notification about every host
// whose check crossed, and returns the latencies from the crossing sample's
// time and from the alert's start to the notification's arrival.
func awaitAlerts(ctx context.Context, mu *sync.Mutex, crossedBy map[*host]time.Time, rcv *receiver) (alat, ndelay *latencies, err error) {
	waitEnd := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		crossed := make(map[*host]time.Time, len(crossedBy))
		for h, at := range crossedBy {
			crossed[h] = at
		}
		mu.Unlock()
		missing := 0
		for h := range crossed {
			if _, ok := rcv.get(h.tenant, h.name); !ok {
				missing++
			}
		}
		if missing == 0 || time.Now().After(waitEnd) {
			alat, ndelay = &latencies{}, &latencies{}
			for h, at := range crossed {
				if a, ok := rcv.get(h.tenant, h.name); ok {
					alat.add(a.at.Sub(at))
					ndelay.add(a.at.Sub(a.startsAt))
				} else {
					alat.fail()
				}
			}
			return alat, ndelay, nil
		}
		if !sleepCtx(ctx, 500*time.Millisecond) {
			return nil, nil, ctx.Err()
		}
	}
}

// peerFleet sends the simulated hosts' samples to a peer's remote-write
// receiver.
type peerFleet struct {
	url      string
	client   *http.Client
	interval time.Duration
	writes   latencies
	samples  atomic.Int64

	mu      sync.Mutex
	crossed map[*host]time.Time // first sample of a failing check, by host
}

// run sends h's series every interval from offset until ctx ends, as
// fleet.run does, misbehaving from misbehaveAt on.
func (f *peerFleet) run(ctx context.Context, h *host, offset time.Duration, misbehaveAt time.Time) {
	if !sleepCtx(ctx, offset) {
		return
	}
	labels := []sample.Label{{Name: "host", Value: h.name}, {Name: "tenant", Value: h.tenant}}
	tick := time.NewTicker(f.interval)
	defer tick.Stop()
	for {
		now := time.Now()
		if h.kind != healthy && !h.misbehaving && !now.Before(misbehaveAt) {
			h.misbehaving = true
		}
		if !(h.misbehaving && h.kind == silent) {
			ms := now.UnixMilli()
			if rec, err := sender.EncodeSamples(h.next(ms, f.interval.Seconds()), labels); err == nil && f.post(ctx, rec[1:]) {
				f.samples.Add(int64(len(h.series)))
				if h.misbehaving && h.kind == checkFails {
					f.mu.Lock()
					if _, ok := f.crossed[h]; !ok {
						f.crossed[h] = time.UnixMilli(ms)
					}
					f.mu.Unlock()
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// post sends one remote-write 1.0 request and times it.
func (f *peerFleet) post(ctx context.Context, body []byte) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	start := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			f.writes.fail()
		}
		return false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		f.writes.fail()
		return false
	}
	f.writes.add(time.Since(start))
	return true
}

// peerReads runs the operator's PromQL range query (a host's CPU over the
// last hour, one host after another) against the peer every `every`.
func peerReads(ctx context.Context, base string, tenants []*tenant, every time.Duration, lat *latencies) {
	client := &http.Client{Timeout: 60 * time.Second}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for n := 0; ; n++ {
		t := tenants[n%len(tenants)]
		h := t.hosts[(n/len(tenants))%len(t.hosts)]
		end := time.Now()
		q := url.Values{"query": {fmt.Sprintf(`100 * (1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode="idle",tenant=%q,host=%q}[5m])))`, t.id, h.name)},
			"start": {fmt.Sprint(end.Add(-time.Hour).Unix())}, "end": {fmt.Sprint(end.Unix())}, "step": {"60"}}
		req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/query_range?"+q.Encode(), nil)
		if err != nil {
			return
		}
		s := time.Now()
		if resp, err := client.Do(req); err != nil {
			if ctx.Err() == nil {
				lat.fail()
			}
		} else {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				lat.fail()
			} else {
				lat.add(time.Since(s))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// baseURL is the receiver's address, without a path.
func (r *receiver) baseURL() string { return strings.TrimSuffix(r.url, "/hook") }

// alertmanager records Alertmanager's webhook notifications (version 4) as
// hook records unyo's: the first firing notification about each host.
func (r *receiver) alertmanager(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	var p struct {
		Alerts []struct {
			Status   string            `json:"status"`
			Labels   map[string]string `json:"labels"`
			StartsAt time.Time         `json:"startsAt"`
		} `json:"alerts"`
	}
	if err := json.NewDecoder(io.LimitReader(req.Body, 1<<20)).Decode(&p); err != nil {
		r.rejected.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.total.Add(1)
	r.mu.Lock()
	for _, a := range p.Alerts {
		key := a.Labels["tenant"] + "/" + a.Labels["host"]
		if _, ok := r.first[key]; !ok && a.Status == "firing" {
			r.first[key] = arrival{at: at, startsAt: a.StartsAt}
		}
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
