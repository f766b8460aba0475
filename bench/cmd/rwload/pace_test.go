package main

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestInterval: with -interval a sender starts a round over its series at
// most once per interval, so the target sees one sample per series per
// interval, not as many as it can take.
func TestInterval(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	batches, err := buildBatches(100, 1, 50) // two requests a round
	if err != nil {
		t.Fatal(err)
	}
	f := func(interval time.Duration, atMost int64) int64 {
		t.Helper()
		requests.Store(0)
		cfg := config{urls: []string{srv.URL}, batch: 50, interval: interval}
		budget := atomic.Int64{}
		budget.Store(1 << 40)
		s := sender{cfg: cfg, client: srv.Client(), budget: &budget, deadline: time.Now().Add(time.Second), next: &atomic.Int64{}}
		res := s.run(batches[0])
		if res.errors != 0 || res.requests != requests.Load() {
			t.Fatalf("interval %v: %d requests, %d errors; the target saw %d", interval, res.requests, res.errors, requests.Load())
		}
		if atMost > 0 && res.requests > atMost {
			t.Fatalf("interval %v: %d requests in 1 s, want at most %d (one round of 2 per interval)", interval, res.requests, atMost)
		}
		return res.requests
	}
	paced := f(300*time.Millisecond, 8) // rounds at 0, 0.3, 0.6, 0.9 s
	if paced < 2 {
		t.Fatalf("interval 300ms: %d requests in 1 s, want at least the first round's 2", paced)
	}
	if free := f(0, 0); free <= 8 {
		t.Fatalf("no interval: %d requests in 1 s, want rounds back to back (more than 8)", free)
	}
}
