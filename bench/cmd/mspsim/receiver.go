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

// webhookSecret is the HMAC key of every tenant's bench channel; the
// receiver verifies each request with it.
const webhookSecret = "mspsim-bench-secret-0123456789ab"

// arrival is the first firing notification about a host.
type arrival struct {
	at, startsAt time.Time
}

// receiver is the local webhook endpoint every tenant's channel points at: it
// timestamps the first firing notification about each host.
type receiver struct {
	srv      *http.Server
	url      string
	mu       sync.Mutex
	first    map[string]arrival // tenant/host
	total    atomic.Int64
	rejected atomic.Int64
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("receiver: %w", err)
	}
	r := &receiver{url: "http://" + ln.Addr().String() + "/hook", first: map[string]arrival{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hook", r.hook)
	mux.HandleFunc("POST /alertmanager", r.alertmanager) // -peer prometheus
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

func (r *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.srv.Shutdown(ctx)
}

func (r *receiver) hook(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil || webhook.Verify([]byte(webhookSecret), req.Header.Get("X-Unyo-Signature"), req.Header.Get("X-Unyo-Timestamp"), body, 5*time.Minute) != nil {
		r.rejected.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		r.rejected.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.total.Add(1)
	if p.Kind == "alert" && p.Status == "firing" {
		host := p.Resource
		if host == "" {
			host = p.Labels["host"]
		}
		key := p.Tenant.ID + "/" + host
		r.mu.Lock()
		if _, ok := r.first[key]; !ok {
			r.first[key] = arrival{at: at, startsAt: p.StartsAt}
		}
		r.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

// get returns the first firing notification about tenant/host.
func (r *receiver) get(tenant, host string) (arrival, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.first[tenant+"/"+host]
	return a, ok
}
