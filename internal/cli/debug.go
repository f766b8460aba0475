package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"
)

// debugConfig is --debug-listen and the profile rates: Go's profiler, off
// unless asked for, on its own listener so that it is never reachable
// through the API's address (docs/security.md, "The profiler").
type debugConfig struct {
	listen        string
	publicOK      bool
	mutexFraction int
	blockRate     time.Duration
}

func (c *debugConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.listen, "debug-listen", env("UNYO_DEBUG_LISTEN", ""),
		"address of Go's profiler (/debug/pprof/), e.g. 127.0.0.1:6060; off when empty, a loopback address unless --debug-listen-public (env UNYO_DEBUG_LISTEN)")
	fs.BoolVar(&c.publicOK, "debug-listen-public", false,
		"allow --debug-listen on an address other than loopback (the profiler has no sign-in: put it behind a firewall)")
	fs.IntVar(&c.mutexFraction, "debug-mutex-fraction", 0,
		"report 1 in N mutex contention events to the mutex profile (0: off; 5 costs little)")
	fs.DurationVar(&c.blockRate, "debug-block-rate", 0,
		"record goroutine blocking events lasting this long or longer, on average, in the block profile (0: off; e.g. 1ms)")
}

// parse refuses an address that is not loopback, unless allowed, and a
// profile rate without the listener that serves it.
func (c *debugConfig) parse() error {
	if c.listen == "" {
		if c.mutexFraction != 0 || c.blockRate != 0 {
			return errors.New("--debug-mutex-fraction and --debug-block-rate need --debug-listen")
		}
		return nil
	}
	if c.mutexFraction < 0 || c.blockRate < 0 {
		return errors.New("--debug-mutex-fraction and --debug-block-rate must not be negative")
	}
	host, _, err := net.SplitHostPort(c.listen)
	if err != nil {
		return fmt.Errorf("--debug-listen %q: %w", c.listen, err)
	}
	if c.publicOK {
		return nil
	}
	ip := net.ParseIP(host)
	if host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("--debug-listen %q: not a loopback address (the profiler has no sign-in); give --debug-listen-public to allow it", c.listen)
}

// debugServer is the profiler's HTTP server on its own listener.
type debugServer struct {
	ln  net.Listener
	srv *http.Server
}

// listenDebug binds the profiler's address and sets the profile rates; nil
// when --debug-listen is off.
func listenDebug(c *debugConfig, logger *slog.Logger) (*debugServer, error) {
	if c.listen == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return nil, fmt.Errorf("--debug-listen: %w", err)
	}
	runtime.SetMutexProfileFraction(c.mutexFraction)
	runtime.SetBlockProfileRate(int(c.blockRate.Nanoseconds()))
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// A CPU profile or a trace lasts as long as asked (?seconds=), so no
	// write timeout; headers must still come in time.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	logger.Warn("Go profiler listening: it has no sign-in", "debug_listen", ln.Addr().String(),
		"mutex_fraction", c.mutexFraction, "block_rate", c.blockRate)
	return &debugServer{ln: ln, srv: srv}, nil
}

// Run serves until Stop.
func (d *debugServer) Run() error {
	if err := d.srv.Serve(d.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Stop ends the profiles in flight.
func (d *debugServer) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := d.srv.Shutdown(ctx); err != nil {
		d.srv.Close()
	}
}
