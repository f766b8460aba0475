package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestDebugListenFlags: the profiler is off by default, refused on an
// address other than loopback unless allowed, and its rates need it.
func TestDebugListenFlags(t *testing.T) {
	f := func(args []string, wantErr string) {
		t.Helper()
		var stderr strings.Builder
		_, err := parseServerFlags(append([]string{"--data", t.TempDir()}, args...), &stderr)
		if wantErr == "" {
			if err != nil {
				t.Fatalf("%v: %v", args, err)
			}
			return
		}
		if err == nil || !strings.Contains(stderr.String(), wantErr) {
			t.Fatalf("%v: err %v, stderr %q; want %q", args, err, stderr.String(), wantErr)
		}
	}
	f(nil, "")
	f([]string{"--debug-listen", "127.0.0.1:6060"}, "")
	f([]string{"--debug-listen", "[::1]:6060", "--debug-mutex-fraction", "5", "--debug-block-rate", "1ms"}, "")
	f([]string{"--debug-listen", "localhost:6060"}, "")
	f([]string{"--debug-listen", "0.0.0.0:6060"}, "not a loopback address")
	f([]string{"--debug-listen", ":6060"}, "not a loopback address")
	f([]string{"--debug-listen", "192.0.2.1:6060"}, "not a loopback address")
	f([]string{"--debug-listen", "192.0.2.1:6060", "--debug-listen-public"}, "")
	f([]string{"--debug-listen", "6060"}, "--debug-listen")
	f([]string{"--debug-mutex-fraction", "5"}, "need --debug-listen")
	f([]string{"--debug-listen", "127.0.0.1:6060", "--debug-mutex-fraction", "-1"}, "must not be negative")
}

// syncBuffer is a log sink the server and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDebugListenServesProfiles: with --debug-listen the profiler answers
// on its own address, with the mutex rate asked for, and the API's address
// does not serve it.
func TestDebugListenServesProfiles(t *testing.T) {
	cfg, err := parseServerFlags([]string{"--data", t.TempDir(), "--listen", "127.0.0.1:0", "--monitor-self=false",
		"--admin-password", testAdminPassword, "--debug-listen", "127.0.0.1:0", "--debug-mutex-fraction", "7"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	a, err := openApp(context.Background(), cfg, logger, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.run(ctx, cfg, io.Discard) }()
	defer func() { stop(); <-done }()

	addr := regexp.MustCompile(`debug_listen=(127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(30 * time.Second)
	var m []string
	for m = addr.FindStringSubmatch(logs.String()); m == nil; m = addr.FindStringSubmatch(logs.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no profiler address logged: %s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	body := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, text := body("http://" + m[1] + "/debug/pprof/mutex?debug=1")
	if code != http.StatusOK || !strings.Contains(text, "sampling period=7") {
		t.Fatalf("mutex profile: %d %q; want 200 and the fraction asked for", code, text)
	}
	if code, _ := body("http://" + m[1] + "/debug/pprof/goroutine?debug=1"); code != http.StatusOK {
		t.Fatalf("goroutine profile: %d", code)
	}
	for {
		code, _ = body("http://" + a.ln.Addr().String() + "/readyz")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, text := body("http://" + a.ln.Addr().String() + "/debug/pprof/goroutine?debug=1"); code == http.StatusOK && strings.Contains(text, "goroutine profile") {
		t.Fatal("the API's address serves the profiler")
	}
}
