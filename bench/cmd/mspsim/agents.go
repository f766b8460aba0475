package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
)

// behaviourOf spreads misbehaviour over the hosts: of every 100, three spike
// their CPU, three fail their check, three log errors and one goes silent.
func behaviourOf(i int) behaviour {
	switch r := i % 100; {
	case r == 10 || r == 43 || r == 76:
		return cpuSpike
	case r == 20 || r == 53 || r == 86:
		return checkFails
	case r == 30 || r == 63 || r == 96:
		return logErrors
	case r == 50:
		return silent
	}
	return healthy
}

// fleet runs the simulated agents.
type fleet struct {
	base      string
	client    *http.Client
	interval  time.Duration
	pullEvery time.Duration

	writes, pulls, events latencies
	samples               atomic.Int64

	mu      sync.Mutex
	crossed map[*host]time.Time // first sample of a failing check, by host
}

// run drives one agent until ctx ends: a configuration pull at start and
// every pullEvery (with If-None-Match, as the agent does), a remote write of
// all its series every interval at its own offset in the interval, log
// events while it logs errors; from misbehaveAt on it misbehaves.
func (f *fleet) run(ctx context.Context, t *tenant, h *host, offset time.Duration, misbehaveAt time.Time) {
	if !sleepCtx(ctx, offset) {
		return
	}
	etag := f.pull(ctx, t, h, "")
	nextPull := time.Now().Add(f.pullEvery)
	hostLabels := []sample.Label{{Name: "host", Value: h.name}}
	tick := time.NewTicker(f.interval)
	defer tick.Stop()
	for {
		now := time.Now()
		if h.kind != healthy && !h.misbehaving && !now.Before(misbehaveAt) {
			h.misbehaving = true
		}
		if now.After(nextPull) {
			etag = f.pull(ctx, t, h, etag)
			nextPull = now.Add(f.pullEvery)
		}
		if !(h.misbehaving && h.kind == silent) {
			ms := now.UnixMilli()
			rec, err := sender.EncodeSamples(h.next(ms, f.interval.Seconds()), hostLabels)
			if err == nil {
				if f.post(ctx, t, sender.WritePath, "application/x-protobuf", rec[1:], &f.writes) {
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
			if h.misbehaving && h.kind == logErrors {
				f.sendEvents(ctx, t, h, now)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sendEvents posts three matched ERROR lines (severity critical), as the log item does.
func (f *fleet) sendEvents(ctx context.Context, t *tenant, h *host, now time.Time) {
	evs := make([]sample.Event, 3)
	for i := range evs {
		evs[i] = sample.Event{Time: now, Host: h.name, Source: "/var/log/app.log", Item: "applog", Severity: "critical",
			Pattern: "ERROR", Message: fmt.Sprintf("%s ERROR order %d: payment gateway timeout after 30s", now.UTC().Format(time.RFC3339), h.round*3+i)}
	}
	rec, err := sender.EncodeEvents(evs)
	if err != nil {
		return
	}
	f.post(ctx, t, sender.EventsPath, "application/json", rec[1:], &f.events)
}

// post sends one agent request with the tenant's token and times it.
func (f *fleet) post(ctx context.Context, t *tenant, path, ctype string, body []byte, lat *latencies) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.base+path, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "unyo-agent")
	req.Header.Set("Authorization", "Bearer "+t.token)
	if path == sender.WritePath {
		req.Header.Set("Content-Encoding", "snappy")
		req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	}
	start := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			lat.fail()
		}
		return false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		lat.fail()
		return false
	}
	lat.add(time.Since(start))
	return true
}

// pull fetches the host's configuration as the agent does and returns the
// ETag to send next time.
func (f *fleet) pull(ctx context.Context, t *tenant, h *host, etag string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+"/api/v1/agent/config?host="+url.QueryEscape(h.name), nil)
	if err != nil {
		return etag
	}
	req.Header.Set("Authorization", "Bearer "+t.token)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	start := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			f.pulls.fail()
		}
		return etag
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		etag = resp.Header.Get("ETag")
	case http.StatusNotModified:
	default:
		f.pulls.fail()
		return etag
	}
	f.pulls.add(time.Since(start))
	return etag
}

// sleepCtx waits d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
