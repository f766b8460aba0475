package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"
)

// runSize runs the whole simulation at n hosts and returns its row.
func runSize(ctx context.Context, cfg config, n int) (row, error) {
	r := row{Hosts: n, Load1Start: loadAverage(), Started: time.Now().UTC().Format(time.RFC3339)}
	dir, rcv, done, err := workspace(cfg, fmt.Sprintf("unyo-mspsim-%d-", n))
	if err != nil {
		return r, err
	}
	defer done()
	st, err := standUp(ctx, cfg, n, dir, rcv.url)
	if st != nil {
		defer st.srv.stop()
	}
	if err != nil {
		return r, err
	}
	srv, a, tenants, transport := st.srv, st.api, st.tenants, st.transport
	r.Tenants, r.ProvisionS = len(tenants), st.provisionS

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	f := &fleet{base: srv.url, client: &http.Client{Timeout: time.Minute, Transport: transport},
		interval: cfg.interval, pullEvery: cfg.pullEvery, crossed: map[*host]time.Time{}}
	start := time.Now()
	steadyStart := start.Add(cfg.warmup)
	steadyEnd := steadyStart.Add(cfg.steady)
	// Misbehaviour starts in the first half of the steady window, spread,
	// so its alerts are notified inside the window.
	wait := startHosts(runCtx, tenants, cfg.interval, steadyStart, cfg.steady/2, f.run)
	logf("%d hosts in %d tenants running; warm-up %v, steady window %v", n, len(tenants), cfg.warmup, cfg.steady)
	if !sleepCtx(ctx, time.Until(steadyStart)) {
		return r, ctx.Err()
	}
	before, err := srv.scrape()
	if err != nil {
		return r, err
	}
	diskBefore := srv.diskBytes()
	samplesBefore := f.samples.Load()
	simBefore := ownCPUSeconds()
	f.writes.reset()
	f.pulls.reset()
	f.events.reset()
	op := &operator{base: srv.url, rate: cfg.readEvery, token: a.token}
	if err := op.signIn(ctx); err != nil {
		return r, err
	}
	opCtx, stopOp := context.WithDeadline(runCtx, steadyEnd)
	defer stopOp()
	var opDone sync.WaitGroup
	opDone.Add(1)
	go func() { defer opDone.Done(); op.run(opCtx, tenants) }()
	var prof *profiler
	if cfg.profile {
		prof = &profiler{base: srv.debugURL, dir: filepath.Join(cfg.out, "profiles"), n: n}
		prof.start(runCtx, cfg.steady)
	}
	var peak selfMetrics
	var loads []float64
	for time.Now().Before(steadyEnd) {
		if !sleepCtx(ctx, min(5*time.Second, time.Until(steadyEnd))) {
			return r, ctx.Err()
		}
		m, err := srv.scrape()
		if err != nil {
			return r, fmt.Errorf("server died in the steady window: %w", err)
		}
		peak.rss = max(peak.rss, m.rss)
		peak.heapInuse = max(peak.heapInuse, m.heapInuse)
		loads = append(loads, loadAverage())
	}
	after, err := srv.scrape()
	if err != nil {
		return r, err
	}
	window := cfg.steady.Seconds()
	r.CPUCores = (after.cpuSeconds - before.cpuSeconds) / window
	r.SamplesPerS = float64(f.samples.Load()-samplesBefore) / window
	r.ExpectedSamplesPerS = expectedRate(tenants, cfg.interval)
	r.SimCPUCores = (ownCPUSeconds() - simBefore) / window
	r.RSSMB, r.HeapInuseMB = mb(peak.rss), mb(peak.heapInuse)
	r.HeadSeries, r.HeadChunks = after.headSeries, after.headChunks
	r.MmapChunksMB, r.WALMB = mb(after.mmapChunkBytes), mb(after.walBytes)
	r.Goroutines = after.goroutines
	r.DiskGrowthMBPerDay = mb(float64(srv.diskBytes()-diskBefore)) / window * 86400
	r.SQLiteWriteMeanMS, r.SQLiteWaitMeanMS, r.SQLiteWrites = nan, nan, after.writeCount-before.writeCount
	if after.hasDB && after.writeCount > before.writeCount {
		r.SQLiteWriteMeanMS = (after.writeSum - before.writeSum) / (after.writeCount - before.writeCount) * 1000
		r.SQLiteWaitMeanMS = (after.waitSum - before.waitSum) / (after.waitCount - before.waitCount) * 1000
	}
	r.Load1Steady = median(loads)
	if prof != nil {
		if err := prof.wait(); err != nil {
			return r, err
		}
	}
	opDone.Wait()
	r.Write, r.Pull, r.Events = f.writes.summary(), f.pulls.summary(), f.events.summary()
	r.Board, r.Alerts, r.HostPage, r.PromQL = op.board.summary(), op.alerts.summary(), op.hostPage.summary(), op.promql.summary()

	// Alert latency: sample time of a check's first failing sample to the
	// webhook's arrival; notification delay: the alert's start to arrival.
	alat, ndelay, err := awaitAlerts(ctx, &f.mu, f.crossed, rcv)
	if err != nil {
		return r, err
	}
	r.AlertLatency, r.NotifyDelay = alat.summary(), ndelay.summary()
	r.Notifications = rcv.total.Load()
	stopRun()
	wait()

	// The month's reports, on the server still holding the run's data.
	var rep []float64
	for _, t := range tenants[:min(cfg.reports, len(tenants))] {
		d, err := monthReport(ctx, a, t)
		if err != nil {
			return r, err
		}
		rep = append(rep, d.Seconds())
	}
	r.ReportSPerTenant = median(rep)
	logf("%d hosts done", n)
	return r, nil
}

// monthReport generates t's report of this month up to now and says how
// long the server took. The period is given as times, to now: dates would be
// read in the tenant's zone (Asia/Tokyo), where after 15:00 UTC today is
// tomorrow and a period ending "today" held none of the run's data.
func monthReport(ctx context.Context, a api, t *tenant) (time.Duration, error) {
	now := time.Now().UTC()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	to := now.Add(time.Second).Format(time.RFC3339)
	s := time.Now()
	err := a.call(ctx, "POST", "/api/v1/tenants/"+t.id+"/reports", map[string]string{"from": from, "to": to}, nil)
	return time.Since(s), err
}

// stand is a size's server with its tenants provisioned.
type stand struct {
	srv        *server
	api        api // the admin's, with an MSP-wide token
	tenants    []*tenant
	transport  *http.Transport // shared by the API and the agents
	provisionS float64
}

// standUp starts the server in dir and provisions n hosts in tenants whose
// webhooks go to hookURL. A stand with a server is returned even with an
// error, for the caller to stop it.
func standUp(ctx context.Context, cfg config, n int, dir, hookURL string) (*stand, error) {
	srv, err := startServer(ctx, cfg.bin, dir, cfg.profile, cfg.serverArgs...)
	if err != nil {
		return nil, err
	}
	st := &stand{srv: srv, tenants: tenantsFor(n, cfg.hostsPerTenant),
		transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}
	if st.api, err = (api{base: srv.url, client: &http.Client{Timeout: 5 * time.Minute, Transport: st.transport}}).withToken(ctx); err != nil {
		return st, err
	}
	provStart := time.Now()
	var provProf *profiler
	if cfg.profile {
		// The first 30 s of provisioning: where a create's time goes.
		provProf = &profiler{base: srv.debugURL, dir: filepath.Join(cfg.out, "profiles"), n: n, prefix: "provision-"}
		provProf.start(ctx, 30*time.Second)
	}
	if err := provisionAll(ctx, st.api, st.tenants, hookURL, cfg.provisioners); err != nil {
		return st, err
	}
	if provProf != nil {
		if err := provProf.wait(); err != nil {
			return st, err
		}
	}
	st.provisionS = time.Since(provStart).Seconds()
	return st, nil
}

// workspace is a fresh temporary directory named prefix… and a webhook
// receiver; done closes the receiver and, unless -keep, removes the
// directory.
func workspace(cfg config, prefix string) (dir string, rcv *receiver, done func(), err error) {
	if dir, err = os.MkdirTemp("", prefix); err != nil {
		return "", nil, nil, err
	}
	if rcv, err = startReceiver(); err != nil {
		os.RemoveAll(dir)
		return "", nil, nil, err
	}
	return dir, rcv, func() {
		rcv.close()
		if !cfg.keep {
			os.RemoveAll(dir)
		}
	}, nil
}

// startHosts runs one agent per host until ctx ends, each at its own offset
// in the interval; host i misbehaves from misbehaveFrom plus (i mod 97)/97
// of over. wait waits for them all to end.
func startHosts(ctx context.Context, tenants []*tenant, interval time.Duration, misbehaveFrom time.Time, over time.Duration,
	run func(ctx context.Context, t *tenant, h *host, offset time.Duration, at time.Time)) (wait func()) {
	n := 0
	for _, t := range tenants {
		n += len(t.hosts)
	}
	var wg sync.WaitGroup
	i := 0
	for _, t := range tenants {
		for _, h := range t.hosts {
			offset := time.Duration(i) * interval / time.Duration(n)
			at := misbehaveFrom.Add(time.Duration(i%97) * over / 97)
			wg.Add(1)
			go func() { defer wg.Done(); run(ctx, t, h, offset, at) }()
			i++
		}
	}
	return wg.Wait
}

func mb(b float64) float64 { return b / (1 << 20) }

// expectedRate is the samples a second the hosts produce, the silent ones
// left out for the whole window (they stop inside it): what the simulator
// should reach if it keeps up.
func expectedRate(tenants []*tenant, interval time.Duration) float64 {
	n := 0
	for _, t := range tenants {
		for _, h := range t.hosts {
			if h.kind != silent {
				n += len(h.series)
			}
		}
	}
	return float64(n) / interval.Seconds()
}

// ownCPUSeconds is the CPU time the simulator itself has used: on a machine
// of 2 cores it competes with the server it measures.
func ownCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return nan
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// median of v; NaN for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return nan
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
