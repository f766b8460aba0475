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
	return &Server{
		opts: opts,
		http: &http.Server{
			Handler:           instrument(mux, opts.Logger, reg),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
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
