package remotestore

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"
)

// startProm runs Debian's prometheus on a loopback port as a remote-write
// receiver with no scrape configured, its TSDB in a temporary directory,
// and returns its root URL. It is stopped with the test.
func startProm(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus is not installed: Debian ships it in the package prometheus (apt-get install prometheus)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config.file", cfg, "--storage.tsdb.path", filepath.Join(dir, "data"),
		"--web.listen-address", addr, "--web.enable-remote-write-receiver", "--log.level", "error")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting prometheus: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	root := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(root + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return root
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus did not answer /-/ready on %s within 30s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// answers records the Content-Type of every answer to a remote read, to
// show which response type a store chose.
type answers struct {
	mu    sync.Mutex
	types map[string]int
}

func (a *answers) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.URL.Path == "/api/v1/read" {
		a.mu.Lock()
		a.types[resp.Header.Get("Content-Type")]++
		a.mu.Unlock()
	}
	return resp, err
}

func (a *answers) count(contentType string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.types[contentType]
}

// TestTenantIsolationOnPrometheus runs the escape matrix against a real
// Prometheus, the reference of the remote-read and PromQL-API contracts
// that Mimir, Cortex and Thanos Query answer too, with each read protocol
// unyo speaks to them: remote read answered as streamed chunks, remote read
// answered as samples, and the query API. Prometheus ignores X-Scope-OrgID:
// what keeps tenant b out is unyo alone.
func TestTenantIsolationOnPrometheus(t *testing.T) {
	root := startProm(t)
	now := time.Now().Truncate(time.Second)
	seed(t, newStoreReading(t, root, OrgIDHeader, RemoteRead), now, func() {})
	streamed := "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse"
	for _, c := range []struct {
		name   string
		proto  Protocol
		accept []prompb.ReadRequest_ResponseType
		answer string // the Content-Type every remote read must have had
	}{
		{"remote-read-streamed", RemoteRead, []prompb.ReadRequest_ResponseType{prompb.ReadRequest_STREAMED_XOR_CHUNKS, prompb.ReadRequest_SAMPLES}, streamed},
		{"remote-read-samples", RemoteRead, []prompb.ReadRequest_ResponseType{prompb.ReadRequest_SAMPLES}, "application/x-protobuf"},
		{"query-api", QueryAPI, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &answers{types: map[string]int{}}
			s, err := New(Options{WriteURL: root + "/api/v1/write", QueryURL: root, Mode: OrgIDHeader, Protocol: c.proto,
				Client: &http.Client{Transport: rec, Timeout: 30 * time.Second}}, slog.New(slog.DiscardHandler), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if c.accept != nil {
				s.readTypes = c.accept
			}
			escapeMatrix(t, s, now)
			total := 0
			for _, n := range rec.types {
				total += n
			}
			if c.answer == "" {
				if total != 0 {
					t.Errorf("query-api made %d remote reads", total)
				}
				return
			}
			if total == 0 || rec.count(c.answer) != total {
				t.Errorf("remote-read answers = %v; want every one %q", rec.types, c.answer)
			}
		})
	}
}
