package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unyo-ops/unyo/internal/notify/webhook"
)

// webhookSecret is the HMAC key of the unyo channel alertlat creates; the
// receiver verifies every unyo request with it.
const webhookSecret = "alertlat-bench-secret-0123456789"

// receiver records when the first firing notification about each host
// arrived.
type receiver struct {
	srv        *http.Server
	addr       string
	mu         sync.Mutex
	first      map[string]time.Time
	changed    chan struct{} // closed and replaced on every new host
	duplicates atomic.Int64
	rejected   atomic.Int64
}

func startReceiver(addr string) (*receiver, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
		return nil, fmt.Errorf("-listen %q: want a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	r := &receiver{addr: ln.Addr().String(), first: map[string]time.Time{}, changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /unyo", r.unyo)
	mux.HandleFunc("POST /alertmanager", r.alertmanager)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

// URL is the receiver's base URL.
func (r *receiver) URL() string { return "http://" + r.addr }

// Close stops the receiver.
func (r *receiver) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.srv.Shutdown(ctx)
}

// unyo takes unyo's signed webhook (payload version 1); a grouped message
// names its host in Resource too, since unyo groups per host.
func (r *receiver) unyo(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		r.reject(w, http.StatusBadRequest)
		return
	}
	if webhook.Verify([]byte(webhookSecret), req.Header.Get("X-Unyo-Signature"), req.Header.Get("X-Unyo-Timestamp"), body, 5*time.Minute) != nil {
		r.reject(w, http.StatusUnauthorized)
		return
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		r.reject(w, http.StatusBadRequest)
		return
	}
	if p.Kind == "alert" && p.Status == "firing" {
		host := p.Resource
		if host == "" {
			host = p.Labels["host"]
		}
		r.record(host, at)
	}
	w.WriteHeader(http.StatusOK)
}

// amPayload is the part of Alertmanager's webhook payload (version 4) read.
type amPayload struct {
	Version string `json:"version"`
	Alerts  []struct {
		Status string            `json:"status"`
		Labels map[string]string `json:"labels"`
	} `json:"alerts"`
}

func (r *receiver) alertmanager(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	var p amPayload
	if err := json.NewDecoder(io.LimitReader(req.Body, 1<<20)).Decode(&p); err != nil || p.Version != "4" {
		r.reject(w, http.StatusBadRequest)
		return
	}
	for _, a := range p.Alerts {
		if a.Status == "firing" {
			r.record(a.Labels["host"], at)
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) reject(w http.ResponseWriter, code int) {
	r.rejected.Add(1)
	w.WriteHeader(code)
}

func (r *receiver) record(host string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.first[host]; ok {
		r.duplicates.Add(1)
		return
	}
	r.first[host] = at
	close(r.changed)
	r.changed = make(chan struct{})
}

// arrived reports whether host has been notified.
func (r *receiver) arrived(host string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.first[host]
	return ok
}

// waitAll waits until every host has been notified, the deadline passes or
// ctx ends, and returns the arrivals.
func (r *receiver) waitAll(ctx context.Context, hosts []string, deadline time.Time) map[string]time.Time {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		changed, missing := r.missing(hosts)
		if !missing {
			return r.arrivals(hosts)
		}
		select {
		case <-changed:
		case <-timer.C:
			return r.arrivals(hosts)
		case <-ctx.Done():
			return r.arrivals(hosts)
		}
	}
}

// missing reports whether a host has not been notified yet, with a channel
// closed at the next new host.
func (r *receiver) missing(hosts []string) (<-chan struct{}, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range hosts {
		if _, ok := r.first[h]; !ok {
			return r.changed, true
		}
	}
	return nil, false
}

// arrivals returns the first arrival of each notified host.
func (r *receiver) arrivals(hosts []string) map[string]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]time.Time, len(hosts))
	for _, h := range hosts {
		if at, ok := r.first[h]; ok {
			out[h] = at
		}
	}
	return out
}

// Duplicates counts firing notifications about a host already notified.
func (r *receiver) Duplicates() int64 { return r.duplicates.Load() }

// Rejected counts requests the receiver refused (bad signature or payload).
func (r *receiver) Rejected() int64 { return r.rejected.Load() }
