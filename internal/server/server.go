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
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure the server.
type Options struct {
	Logger   *slog.Logger
	Gatherer prometheus.Gatherer
	// Ready reports whether the server can take traffic (storage open and answering).
	Ready func(context.Context) error
	// Register adds the routes of the product's surfaces.
	Register []func(*http.ServeMux)
}

// Server is the HTTP server.
type Server struct {
	http *http.Server
	opts Options
}

// New returns a server; Serve serves it on a listener.
func New(opts Options, reg prometheus.Registerer) *Server {
	mux := http.NewServeMux()
	for _, register := range opts.Register {
		register(mux)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{}))
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

// Listen binds addr; the caller knows the bound address (port 0) before it
// builds what links to it, and hands the listener to Serve.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("server: cannot listen on %q: %w", addr, err)
	}
	return ln, nil
}

// Serve serves on ln until Shutdown, and then returns nil. Any other end
// (the listener failed) is returned as an error: the process must not run
// on without HTTP.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: stopped serving on %s: %w", ln.Addr(), err)
	}
	return nil
}

// Shutdown stops accepting requests and waits for those in flight, up to ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}
