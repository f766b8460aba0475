package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"
)

// Values pushed: well under the threshold and recovery, and well over it.
const (
	underValue = 20.0
	overBy     = 5.0
)

// pusher sends the hosts' values by remote write. Sends are serialised so
// that each series' timestamps only grow and a crossing request's send time
// is not blurred by a concurrent one.
type pusher struct {
	urls           []string // pushes go to each in turn
	next           int
	bearer, metric string
	over           float64
	client         *http.Client
	send           sync.Mutex // held for a whole request
	lastTS         int64

	mu      sync.Mutex
	hosts   []string
	crossed map[string]bool
	errors  atomic.Int64
}

func newPusher(urls []string, bearer, metric string, threshold float64, hosts []string) *pusher {
	return &pusher{
		urls: urls, bearer: bearer, metric: metric, over: threshold + overBy,
		client: &http.Client{Timeout: 10 * time.Second},
		hosts:  append([]string(nil), hosts...), crossed: map[string]bool{},
	}
}

// Errors counts requests that failed or were not answered 2xx.
func (p *pusher) Errors() int64 { return p.errors.Load() }

// resendEvery pushes every host's current value each interval until ctx ends.
func (p *pusher) resendEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		p.mu.Lock()
		values := make(map[string]float64, len(p.hosts))
		for _, h := range p.hosts {
			values[h] = underValue
			if p.crossed[h] {
				values[h] = p.over
			}
		}
		p.mu.Unlock()
		p.push(values)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// crossAll takes one host after the other over the threshold, one every
// pace, and returns when each crossing request was sent.
func (p *pusher) crossAll(ctx context.Context, hosts []string, pace time.Duration) ([]time.Time, error) {
	sent := make([]time.Time, len(hosts))
	start := time.Now()
	for i, h := range hosts {
		if err := sleep(ctx, time.Until(start.Add(time.Duration(i)*pace))); err != nil {
			return nil, err
		}
		sent[i] = p.push(map[string]float64{h: p.over})
		// Only now may the periodic pushes carry the new value, so that
		// none of them can cross before the measured request.
		p.mu.Lock()
		p.crossed[h] = true
		p.mu.Unlock()
	}
	return sent, nil
}

// waitProbe adds host to the pushed hosts, over the threshold, and waits
// until a notification about it arrives.
func (p *pusher) waitProbe(ctx context.Context, rcv *receiver, host string, within time.Duration) error {
	p.mu.Lock()
	p.hosts = append(p.hosts, host)
	p.crossed[host] = true
	p.mu.Unlock()
	deadline := time.Now().Add(within)
	for !rcv.arrived(host) {
		if time.Now().After(deadline) {
			return fmt.Errorf("no notification about the probe host %s within %v", host, within)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "alertlat: probe %s notified: the rules are loaded\n", host)
	return nil
}

// push sends one request with one sample per host and returns the time just
// before it was sent.
func (p *pusher) push(values map[string]float64) time.Time {
	p.send.Lock()
	defer p.send.Unlock()
	now := time.Now()
	ts := max(now.UnixMilli(), p.lastTS+1)
	p.lastTS = ts
	req := prompb.WriteRequest{Timeseries: make([]prompb.TimeSeries, 0, len(values))}
	for h, v := range values {
		req.Timeseries = append(req.Timeseries, prompb.TimeSeries{
			Labels:  []prompb.Label{{Name: "__name__", Value: p.metric}, {Name: "host", Value: h}},
			Samples: []prompb.Sample{{Value: v, Timestamp: ts}},
		})
	}
	raw, err := req.Marshal()
	if err != nil {
		p.fail(err)
		return now
	}
	body := snappy.Encode(nil, raw)
	target := p.urls[p.next%len(p.urls)]
	p.next++
	hr, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		p.fail(err)
		return now
	}
	hr.Header.Set("Content-Encoding", "snappy")
	hr.Header.Set("Content-Type", "application/x-protobuf")
	hr.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	if p.bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+p.bearer)
	}
	sent := time.Now()
	resp, err := p.client.Do(hr)
	if err != nil {
		p.fail(err)
		return sent
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		p.fail(fmt.Errorf("remote write answered %d: %s", resp.StatusCode, bytes.TrimSpace(msg)))
	}
	return sent
}

// fail counts an error and shows the first few.
func (p *pusher) fail(err error) {
	if p.errors.Add(1) <= 5 {
		fmt.Fprintln(os.Stderr, "alertlat:", err)
	}
}
