package remotestore

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/unyo-ops/unyo/internal/testwait"
)

// startVM runs Debian's victoria-metrics on a loopback port with its data in
// a temporary directory, and returns its root URL. It is stopped with the test.
func startVM(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return runVM(t, addr)
}

func runVM(t testing.TB, addr string) string {
	t.Helper()
	bin, err := exec.LookPath("victoria-metrics")
	if err != nil {
		t.Fatal("victoria-metrics is not installed: Debian ships it in the package victoria-metrics (apt-get install victoria-metrics)")
	}
	cmd := exec.Command(bin, "-storageDataPath", t.TempDir(), "-httpListenAddr", addr,
		"-search.disableCache", "-search.latencyOffset=0", "-loggerLevel=ERROR")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting victoria-metrics: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	root := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(root + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return root
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("victoria-metrics did not answer /health on %s within 20s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// flushVM makes what VictoriaMetrics received searchable now.
func flushVM(t testing.TB, root string) {
	t.Helper()
	resp, err := http.Get(root + "/internal/force_flush")
	if err != nil {
		t.Fatalf("force_flush: %v", err)
	}
	resp.Body.Close()
}

// await polls cond every 50ms until it holds or the deadline passes.
func await(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	testwait.For(t, d, what, cond)
}

// newStore is a store on VictoriaMetrics at root: read with export in
// every tenant mode.
func newStore(t testing.TB, root string, mode Mode) *Store {
	t.Helper()
	return newStoreReading(t, root, mode, Export)
}

func newStoreReading(t testing.TB, root string, mode Mode, proto Protocol) *Store {
	t.Helper()
	s, err := New(Options{WriteURL: root + "/api/v1/write", QueryURL: root, Mode: mode, Protocol: proto, MinBackoff: 10 * time.Millisecond},
		slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// startVMAt runs victoria-metrics on addr, as startVM does.
func startVMAt(t testing.TB, addr string) string {
	t.Helper()
	return runVM(t, addr)
}

// counter is the value of a counter.
func counter(c prometheus.Counter) float64 {
	var m dto.Metric
	c.Write(&m)
	return m.GetCounter().GetValue()
}
