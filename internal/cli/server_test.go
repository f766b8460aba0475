package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestServerStopsWhenHTTPFails: a listener that fails after start stops
// every component and the server with an error naming HTTP, rather than
// the process running on without HTTP.
func TestServerStopsWhenHTTPFails(t *testing.T) {
	cfg, err := parseServerFlags([]string{"--data", t.TempDir(), "--listen", "127.0.0.1:0", "--monitor-self=false",
		"--admin-password", testAdminPassword}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- a.run(context.Background(), cfg, &out) }()

	base := "http://" + a.ln.Addr().String()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the server never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.ln.Close() // what a failing listener does to Serve
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "http:") || !strings.Contains(err.Error(), "stopped serving") {
			t.Fatalf("run = %v, want an error naming HTTP", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server ran on without its listener")
	}
}

// TestServerExitsNonZeroOnFailure: a server that cannot run exits 1 and
// says why on stderr.
func TestServerExitsNonZeroOnFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	var stderr bytes.Buffer
	code := Run([]string{"server", "--data", t.TempDir(), "--listen", busy, "--monitor-self=false"}, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "cannot listen on") {
		t.Fatalf("exit %d, stderr %q; want 1 and the listen error", code, stderr.String())
	}
}
