package e2e

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"
)

// startVictoriaMetrics runs Debian's victoria-metrics on loopback with its
// data under t's temporary directory and returns its root URL.
func startVictoriaMetrics(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("victoria-metrics")
	if err != nil {
		t.Fatal("victoria-metrics is not installed: Debian ships it in the package victoria-metrics (apt-get install victoria-metrics)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "-storageDataPath", t.TempDir(), "-httpListenAddr", addr,
		"-search.disableCache", "-search.latencyOffset=0", "-loggerLevel=ERROR")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	root := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		if resp, err := http.Get(root + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return root
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("victoria-metrics did not answer on %s within 20s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRemoteMetricsStore: with --metrics-store remote, samples written to
// unyo land in VictoriaMetrics under the tenant, PromQL reads them back with
// the tenant enforced, and an item's threshold fires an alert.
func TestRemoteMetricsStore(t *testing.T) {
	vm := startVictoriaMetrics(t)
	s := startServer(t, t.TempDir(), "--metrics-store", "remote", "--metrics-write-url", vm+"/api/v1/write",
		"--metrics-query-url", vm, "--metrics-tenant-mode", "extra_label")
	ingest, read := s.tenantWithTokens("acme")
	betaIngest, betaRead := s.tenantWithTokens("beta")
	s.push(betaIngest, []prompb.TimeSeries{{
		Labels:  []prompb.Label{{Name: "__name__", Value: "beta_secret"}, {Name: "host", Value: "b-01"}},
		Samples: []prompb.Sample{{Value: 42, Timestamp: time.Now().UnixMilli()}},
	}})

	var host struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "web-01", "kind": "host", "labels": map[string]string{"os": "linux"}}, &host)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", map[string]any{
		"resource_id": host.ID, "name": "cpu", "kind": "metric", "title": map[string]string{"ja": "CPU 使用率", "en": "CPU usage"},
		"metric":    map[string]string{"series": "node_cpu_busy_percent"},
		"threshold": map[string]any{"op": ">", "warning": 80, "critical": 90, "recovery": 75},
	}, nil)
	firing := s.pushUntil(ingest, read, "acme", "state=firing", 93.5)
	if a := firing[0]; a.Severity != "critical" || a.ValueText != "cpu 93.5 > 90" {
		t.Fatalf("firing alert: %+v", a)
	}

	// The samples are in VictoriaMetrics, under the tenant label, once it
	// has made them searchable (it flushes about every second).
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.PostForm(vm+"/api/v1/export", url.Values{"match[]": {`{__name__="node_cpu_busy_percent",tenant="acme"}`}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), `"host":"web-01"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("VictoriaMetrics holds no node_cpu_busy_percent of acme within 20s: %s\n%s", body, s.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// PromQL through unyo: each tenant sees its own, escapes see nothing of the other.
	now := float64(time.Now().Unix())
	if got := s.query(read, `node_cpu_busy_percent`, now); len(got) != 1 || got[0].Value != 93.5 || got[0].Metric["tenant"] != "acme" {
		t.Errorf("acme's node_cpu_busy_percent = %+v; want 93.5", got)
	}
	for _, q := range []string{`beta_secret`, `{tenant="beta"}`, `{__name__=~".+"} or on() beta_secret`, `max_over_time(beta_secret[5m:1m])`} {
		for _, smp := range s.query(read, q, now) {
			if smp.Value == 42 || smp.Metric["tenant"] == "beta" {
				t.Errorf("%s as acme returned beta's %+v", q, smp)
			}
		}
	}
	if got := s.query(betaRead, `beta_secret`, now); len(got) != 1 || got[0].Value != 42 {
		t.Errorf("beta's beta_secret = %+v; want 42", got)
	}
}
