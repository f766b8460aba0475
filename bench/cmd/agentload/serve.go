package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type serveConfig struct {
	listen, log string
	rate        int
	duration    time.Duration
}

func serve(args []string) error {
	var c serveConfig
	fs := flag.NewFlagSet("agentload serve", flag.ContinueOnError)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:0", "loopback address of the HTTP server the agent checks")
	fs.StringVar(&c.log, "log", "", "file the lines are appended to (created if missing)")
	fs.IntVar(&c.rate, "rate", 20, "lines per second")
	fs.DurationVar(&c.duration, "duration", 10*time.Minute, "stop after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.log == "" || c.rate < 1 || c.rate > 10_000 || c.duration <= 0 {
		return errors.New("-log is required, -rate must be in 1..10000 and -duration positive")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", c.listen, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(page), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	fmt.Fprintf(os.Stderr, "agentload: serving http://%s/, %d lines/s to %s for %s\n", ln.Addr(), c.rate, c.log, c.duration)
	return writeLines(ctx, c.log, c.rate)
}

// page is what the agent's HTTP check fetches: small, with a word to match.
func page(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, "<!doctype html><title>shop</title><p>Welcome to the shop.</p>\n")
}

// writeLines appends rate lines a second to path until ctx ends, one write
// per line as an application logs: one in twenty a WARN, one in twenty an
// ERROR, the rest INFO.
func writeLines(ctx context.Context, path string, rate int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("cannot open log %q: %w", path, err)
	}
	defer f.Close()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	buf := make([]byte, 0, 256)
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			buf = appendLine(buf[:0], now, n)
			if _, err := f.Write(buf); err != nil {
				return fmt.Errorf("cannot write log %q: %w", path, err)
			}
		}
	}
}

func appendLine(b []byte, now time.Time, n int) []byte {
	b = now.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z ")
	switch {
	case n%20 == 0:
		b = fmt.Appendf(b, "ERROR order %d: payment gateway timeout after 30s (attempt 3)\n", n)
	case n%10 == 0:
		b = fmt.Appendf(b, "WARN order %d: slow query on orders took 1.8s\n", n)
	default:
		b = fmt.Appendf(b, "INFO order %d: GET /cart 200 12ms user=%d\n", n, n%997)
	}
	return b
}
