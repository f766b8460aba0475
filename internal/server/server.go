// Package server assembles unyo's HTTP surfaces (the API, health, the
// server's own metrics) on one listener and shuts them down gracefully.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configure the server.
type Options struct {
	Listen   string
	Logger   *slog.Logger
	Gatherer prometheus.Gatherer
	// MetricsAdmin reports whether a /metrics caller may read the series
	// labelled with a tenant (an MSP admin); nil lets no one.
	MetricsAdmin func(*http.Request) bool
	// Ready reports whether the server can take traffic (storage open and answering).
	Ready func(context.Context) error
	// Register adds the routes of the product's surfaces.
	Register []func(*http.ServeMux)
	// Timeouts bound each connection; zero fields take DefaultTimeouts.
	Timeouts Timeouts
}

// Timeouts bound how long a client may take, so that a slow one (a body
// sent a byte every few seconds, a connection left open) cannot hold a
// connection and its goroutine for ever. unyo has no streaming endpoint
// (no server-sent events, no long poll: the console reloads, the agent
// polls with ETags); a handler that needs longer, such as a query whose
// tenant may run it longer, moves its own deadline with
// http.ResponseController.
type Timeouts struct {
	ReadHeader time.Duration // the request line and headers
	Read       time.Duration // the whole request, body included
	Write      time.Duration // from the end of the headers to the end of the answer
	Idle       time.Duration // a kept-alive connection between requests
}

// DefaultTimeouts leave a 16 MiB remote-write body a minute to arrive and a
// two-minute query, a month's report PDF or an export time to answer.
var DefaultTimeouts = Timeouts{ReadHeader: 10 * time.Second, Read: time.Minute, Write: 5 * time.Minute, Idle: 2 * time.Minute}

func (t Timeouts) orDefaults() Timeouts {
	d := DefaultTimeouts
	if t.ReadHeader > 0 {
		d.ReadHeader = t.ReadHeader
	}
	if t.Read > 0 {
		d.Read = t.Read
	}
	if t.Write > 0 {
		d.Write = t.Write
	}
	if t.Idle > 0 {
		d.Idle = t.Idle
	}
	// A header timeout longer than the whole read would never fire.
	d.ReadHeader = min(d.ReadHeader, d.Read)
	return d
}

// Server is the HTTP server.
type Server struct {
	http *http.Server
	ln   net.Listener
	opts Options
}

// New returns a server; Start listens.
func New(opts Options, reg prometheus.Registerer) *Server {
	mux := http.NewServeMux()
	for _, register := range opts.Register {
		register(mux)
	}
	mux.Handle("GET /metrics", metricsHandler(opts.Gatherer, opts.MetricsAdmin))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := opts.Ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	to := opts.Timeouts.orDefaults()
	return &Server{
		opts: opts,
		http: &http.Server{
			Handler:           instrument(mux, opts.Logger, reg),
			ReadHeaderTimeout: to.ReadHeader,
			ReadTimeout:       to.Read,
			WriteTimeout:      to.Write,
			IdleTimeout:       to.Idle,
			ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
		},
	}
}

// Start listens on the configured address and serves in the background.
// It returns the bound address (useful with port 0).
func (s *Server) Start() (net.Addr, error) {
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("server: cannot listen on %q: %w", s.opts.Listen, err)
	}
	s.ln = ln
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.opts.Logger.Error("server: stopped serving", "err", err)
		}
	}()
	return ln.Addr(), nil
}

// Shutdown stops accepting requests and waits for those in flight, up to ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}
