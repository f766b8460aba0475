package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofServer serves Go's runtime profiles (/debug/pprof/) on an address of
// their own, apart from the API: they show memory and goroutines of every
// tenant, so they are off unless --pprof-listen names an address, which
// should be a loopback one (docs/BENCHMARKS.md takes heap profiles with it).
type pprofServer struct {
	ln  net.Listener
	srv *http.Server
}

// listenPprof binds addr, or returns nil when addr is empty.
func listenPprof(addr string, logger *slog.Logger) (*pprofServer, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof: cannot listen on %q: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	logger.Info("pprof listening", "listen", ln.Addr().String())
	return &pprofServer{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}, nil
}

// Run serves until ctx ends.
func (p *pprofServer) Run(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		p.srv.Close()
	}()
	if err := p.srv.Serve(p.ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("pprof: %w", err)
	}
	return nil
}
