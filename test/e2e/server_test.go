package e2e

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"
)

func hostSeries(tenantLabel string, hosts int, ts int64, value func(h int) float64) []prompb.TimeSeries {
	var out []prompb.TimeSeries
	for h := 0; h < hosts; h++ {
		labels := []prompb.Label{{Name: "__name__", Value: "node_load1"}, {Name: "host", Value: fmt.Sprintf("web%d", h)}}
		if tenantLabel != "" {
			labels = append(labels, prompb.Label{Name: "tenant", Value: tenantLabel})
		}
		out = append(out, prompb.TimeSeries{Labels: labels, Samples: []prompb.Sample{{Timestamp: ts, Value: value(h)}}})
	}
	return out
}

// TestIngestQueryIsolationAndRestart is the foundation's user story: tenants
// and tokens through the API, samples in by remote write, back out by PromQL,
// invisible to another tenant, and still there after SIGTERM and a restart.
func TestIngestQueryIsolationAndRestart(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	aIngest, aRead := s.tenantWithTokens("acme")
	bIngest, bRead := s.tenantWithTokens("globex")

	now := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := 0; i < 4; i++ {
		ts := now.Add(time.Duration(i) * 15 * time.Second).UnixMilli()
		s.push(aIngest, hostSeries("", 3, ts, func(h int) float64 { return float64(h + i) }))
		// globex tries to write into acme by setting the tenant label itself.
		s.push(bIngest, hostSeries("acme", 1, ts, func(int) float64 { return 1000 }))
	}
	at := float64(now.Add(45*time.Second).UnixMilli()) / 1000

	check := func(s *server) {
		t.Helper()
		got := s.query(aRead, `sum(node_load1)`, at)
		if len(got) != 1 || got[0].Value != 3+4+5 {
			t.Fatalf("acme sum(node_load1) = %+v, want 12 (hosts 0..2 at i=3)", got)
		}
		got = s.query(aRead, `count_over_time(node_load1{host="web2"}[2m])`, at)
		if len(got) != 1 || got[0].Value != 4 {
			t.Fatalf("acme samples of web2 = %+v, want 4", got)
		}
		// acme sees exactly its own three series, none of globex's.
		got = s.query(aRead, `node_load1`, at)
		if len(got) != 3 {
			t.Fatalf("acme sees %d series, want 3: %+v", len(got), got)
		}
		for _, smp := range got {
			if smp.Metric["tenant"] != "acme" || smp.Value >= 1000 {
				t.Fatalf("acme sees a foreign series: %+v", smp)
			}
		}
		// globex sees only its own series, its forged label kept as exported_tenant.
		got = s.query(bRead, `{__name__=~".+"}`, at)
		if len(got) != 1 || got[0].Metric["tenant"] != "globex" || got[0].Metric["exported_tenant"] != "acme" {
			t.Fatalf("globex sees %+v, want its one series", got)
		}
		if got := s.query(bRead, `node_load1{tenant="acme"}`, at); len(got) != 0 {
			t.Fatalf("globex reads acme by naming its tenant: %+v", got)
		}
	}
	check(s)

	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("unyo did not exit cleanly on SIGTERM: %v\n%s", err, s.stderr)
	}
	s2 := startServer(t, dir)
	check(s2)
	// Tokens and tenants survived too: the same tokens still work.
	if code, _ := s2.call("GET", "/api/v1/tenants/acme", aRead, nil); code != 200 {
		t.Fatalf("acme's read token after restart = %d", code)
	}
	s2.stop(syscall.SIGTERM)
}

// TestKill9KeepsAcknowledgedSamples proves that once remote write answered
// 204, the samples survive the process being killed without warning.
func TestKill9KeepsAcknowledgedSamples(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	ingest, read := s.tenantWithTokens("acme")

	const requests, hosts = 200, 50
	start := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	for i := 0; i < requests; i++ {
		ts := start.Add(time.Duration(i) * 5 * time.Second).UnixMilli()
		s.push(ingest, hostSeries("", hosts, ts, func(h int) float64 { return float64(i) }))
	}
	s.stop(syscall.SIGKILL)

	s2 := startServer(t, dir)
	at := float64(start.Add(requests*5*time.Second).UnixMilli()) / 1000
	got := s2.query(read, `sum(count_over_time(node_load1[1h]))`, at)
	if len(got) != 1 || got[0].Value != requests*hosts {
		t.Fatalf("samples after kill -9 = %+v, want %d", got, requests*hosts)
	}
	last := s2.query(read, `max(last_over_time(node_load1[1h]))`, at)
	if len(last) != 1 || last[0].Value != requests-1 {
		t.Fatalf("last sample after kill -9 = %+v, want %d", last, requests-1)
	}
	s2.stop(syscall.SIGTERM)
}
