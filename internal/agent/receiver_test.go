package agent

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/testwait"
)

// point is one received sample with its labels.
type point struct {
	labels map[string]string
	value  float64
	ms     int64
}

// receiver stands in for unyo server: remote-write, events and the agent
// configuration endpoint, on 127.0.0.1.
type receiver struct {
	t     *testing.T
	token string
	srv   *httptest.Server
	addr  string

	mu          sync.Mutex
	failing     bool // answer 503 to writes and events
	batches     [][]point
	events      []sample.Event
	config      string // JSON served at the config endpoint
	etag        string
	configGets  int
	notModified int
}

func newReceiver(t *testing.T, token string) *receiver {
	r := &receiver{t: t, token: token}
	r.srv = httptest.NewServer(r)
	r.addr = r.srv.Listener.Addr().String()
	t.Cleanup(r.close)
	return r
}

func (r *receiver) url() string { return "http://" + r.addr }

// close takes the server away: connections are refused.
func (r *receiver) close() { r.srv.Close() }

// reopen serves again on the same address, as a restarted server would.
func (r *receiver) reopen() {
	r.t.Helper()
	var ln net.Listener
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for ln, err = net.Listen("tcp", r.addr); err != nil; ln, err = net.Listen("tcp", r.addr) {
		if time.Now().After(deadline) {
			r.t.Fatalf("cannot listen on %s again: %v", r.addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.srv = httptest.NewUnstartedServer(r)
	r.srv.Listener.Close()
	r.srv.Listener = ln
	r.srv.Start()
}

func (r *receiver) setFailing(f bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failing = f
}

func (r *receiver) setConfig(js, etag string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.config, r.etag = js, etag
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Header.Get("Authorization") != "Bearer "+r.token {
		http.Error(w, `{"error": "bad token"}`, http.StatusUnauthorized)
		return
	}
	switch req.URL.Path {
	case sender.WritePath:
		r.write(w, req)
	case sender.EventsPath:
		r.event(w, req)
	case ConfigPath:
		r.serveConfig(w, req)
	default:
		http.NotFound(w, req)
	}
}

func (r *receiver) write(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failing {
		http.Error(w, `{"error": "storage unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	if req.Header.Get("Content-Encoding") != "snappy" || req.Header.Get("X-Prometheus-Remote-Write-Version") != "0.1.0" ||
		req.Header.Get("Content-Type") != "application/x-protobuf" {
		r.t.Errorf("remote-write headers = %v", req.Header)
	}
	raw, err := snappy.Decode(nil, body)
	var wr prompb.WriteRequest
	if err == nil {
		err = wr.Unmarshal(raw)
	}
	if err != nil {
		r.t.Errorf("bad remote-write body: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var batch []point
	for _, ts := range wr.Timeseries {
		ls := map[string]string{}
		for _, l := range ts.Labels {
			ls[l.Name] = l.Value
		}
		for _, s := range ts.Samples {
			batch = append(batch, point{labels: ls, value: s.Value, ms: s.Timestamp})
		}
	}
	r.batches = append(r.batches, batch)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) event(w http.ResponseWriter, req *http.Request) {
	var evs []sample.Event
	if err := json.NewDecoder(req.Body).Decode(&evs); err != nil {
		r.t.Errorf("bad events body: %v", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failing {
		http.Error(w, `{"error": "storage unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	r.events = append(r.events, evs...)
	w.WriteHeader(http.StatusAccepted)
}

func (r *receiver) serveConfig(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.configGets++
	if req.URL.Query().Get("host") == "" {
		r.t.Errorf("config pulled without host: %s", req.URL)
	}
	if r.config == "" {
		http.NotFound(w, req)
		return
	}
	if r.etag != "" && req.Header.Get("If-None-Match") == r.etag {
		r.notModified++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", r.etag)
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, r.config)
}

// find returns the latest received point of metric whose labels include want.
func (r *receiver) find(metric string, want map[string]string) (point, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.batches) - 1; i >= 0; i-- {
		for _, p := range r.batches[i] {
			if p.labels["__name__"] == metric && hasLabels(p.labels, want) {
				return p, true
			}
		}
	}
	return point{}, false
}

// count returns how many points of metric with labels want arrived.
func (r *receiver) count(metric string, want map[string]string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.batches {
		for _, p := range b {
			if p.labels["__name__"] == metric && hasLabels(p.labels, want) {
				n++
			}
		}
	}
	return n
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	testwait.For(t, timeout, what, cond)
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
