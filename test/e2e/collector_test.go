package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/zabbix/zabbixtest"
)

// outage is how long the server is away while the collector carries on.
const outage = 60 * time.Second

// simulatedHosts is how many hosts the Prometheus of the customer's
// network writes for through the collector.
const simulatedHosts = 50

// TestCollectorOutage runs `unyo agent --collector` in front of a real
// zabbix_agent2 and a Prometheus-like sender of 50 hosts, stops the server
// for a minute while both go on, restarts it, and checks in PromQL that
// every timestamp the sender wrote for every host is there (in the
// collector's tenant: the senders' own tenant label kept as exported_tenant), and that the
// Zabbix item polled through the collector has no gap across the outage.
func TestCollectorOutage(t *testing.T) {
	zabbix := zabbixtest.StartAgent(t)
	data := t.TempDir()
	addr := freePort(t)
	// No --zabbix-allow: the server itself may not poll loopback, the collector does.
	s := startServer(t, data, "--listen", addr)
	_, read := s.tenantWithTokens("acme")
	var collect struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-collector", "tenant": "acme", "scopes": []string{"ingest", "collect"}}, &collect)
	ingest := collect.Token
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{
		"name": "collector-01", "kind": "host", "labels": map[string]string{"os": "linux", "role": "collector"}}, nil)
	var sw struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{
		"name": "sw-01", "kind": "host", "labels": map[string]string{"unyo_collector": "dc1", "zabbix_address": zabbix.Address}}, &sw)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", map[string]any{
		"resource_id": sw.ID, "name": "cpus", "kind": "zabbix", "interval": "1s",
		"zabbix": map[string]any{"address": "${label.zabbix_address}", "key": "system.cpu.num"}}, nil)

	listen := freePort(t)
	bufDir := t.TempDir()
	col := startCollector(t, s.url, ingest, "collector-01", "dc1", listen, bufDir)
	now := func() float64 { return float64(time.Now().UnixMilli()) / 1000 }
	eventually(t, 60*time.Second, func() string {
		if v := s.query(read, `zabbix_system_cpu_num{host="sw-01"}`, now()); len(v) != 1 || v[0].Value < 1 {
			return fmt.Sprintf("sw-01's CPUs through the collector: %+v\n%s", v, col.stderr)
		}
		if v := s.query(read, `unyo_collector_targets{host="collector-01",collector="dc1",kind="zabbix"}`, now()); len(v) != 1 || v[0].Value != 1 {
			return fmt.Sprintf("the collector's own series: %+v", v)
		}
		return ""
	})

	// The network's Prometheus: one request a second for 50 hosts, every
	// sample stamped on its second, each timestamp kept once accepted.
	ctx, stopSending := context.WithCancel(context.Background())
	var mu sync.Mutex
	var sent []int64
	var sendErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				ts := now.Truncate(time.Second).UnixMilli()
				var series []prompb.TimeSeries
				for i := range simulatedHosts {
					series = append(series, prompb.TimeSeries{
						Labels:  []prompb.Label{{Name: "__name__", Value: "sim_load"}, {Name: "host", Value: fmt.Sprintf("sim-%02d", i)}, {Name: "tenant", Value: "beta"}},
						Samples: []prompb.Sample{{Timestamp: ts, Value: float64(i)}},
					})
				}
				req, _ := http.NewRequest("POST", "http://"+listen+"/api/v1/write", writeBody(series))
				req.Header.Set("Content-Encoding", "snappy")
				req.Header.Set("Content-Type", "application/x-protobuf")
				resp, err := http.DefaultClient.Do(req)
				mu.Lock()
				switch {
				case err != nil:
					sendErr = err
				case resp.StatusCode != http.StatusNoContent:
					sendErr = fmt.Errorf("collector answered %s", resp.Status)
				default:
					sent = append(sent, ts)
				}
				mu.Unlock()
				if resp != nil {
					resp.Body.Close()
				}
			}
		}
	})
	defer func() { stopSending(); wg.Wait() }()
	eventually(t, 30*time.Second, func() string {
		if v := s.query(read, `count(sim_load)`, now()); len(v) != 1 || v[0].Value != simulatedHosts {
			return fmt.Sprintf("simulated hosts in PromQL: %+v", v)
		}
		return ""
	})

	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("server stop: %v", err)
	}
	outageStart := time.Now()
	base := dirSize(bufDir)
	// The outage lasts its minute; meanwhile the collector must be buffering.
	eventually(t, outage+30*time.Second, func() string {
		if n := dirSize(bufDir); n < base+16<<10 || time.Since(outageStart) < outage {
			return fmt.Sprintf("after %v the collector's buffer holds %d bytes (had %d)", time.Since(outageStart).Round(time.Second), n, base)
		}
		return ""
	})
	outageEnd := time.Now()
	s = startServer(t, data, "--listen", addr)
	// A few seconds of normal running after the outage, then the sender stops.
	eventually(t, 90*time.Second, func() string {
		if v := s.query(read, `count(sim_load)`, now()); len(v) != 1 || v[0].Value != simulatedHosts || time.Since(outageEnd) < 5*time.Second {
			return fmt.Sprintf("simulated hosts after the outage: %+v", v)
		}
		return ""
	})
	stopSending()
	wg.Wait()
	mu.Lock()
	want := slices.Clone(sent)
	err := sendErr
	mu.Unlock()
	if err != nil {
		t.Fatalf("the collector refused a write: %v", err)
	}
	if len(want) < int(outage/time.Second) || want[0] >= outageStart.UnixMilli() || want[len(want)-1] < outageEnd.UnixMilli()+2000 {
		t.Fatalf("the sender wrote %d timestamps, from %v to %v: not across the outage", len(want), time.UnixMilli(want[0]), time.UnixMilli(want[len(want)-1]))
	}

	// No gap: every timestamp of every host, once the buffer has drained.
	window := int(time.Since(time.UnixMilli(want[0])).Seconds()) + 10
	eventually(t, 120*time.Second, func() string {
		for i := range simulatedHosts {
			host := fmt.Sprintf("sim-%02d", i)
			got := s.rawTimes(read, fmt.Sprintf(`sim_load{host=%q,exported_tenant="beta"}[%ds]`, host, window), now())
			have := map[int64]bool{}
			for _, x := range got {
				have[int64(x*1000+0.5)] = true
			}
			var missing []string
			for _, ts := range want {
				if !have[ts] {
					missing = append(missing, time.UnixMilli(ts).UTC().Format("15:04:05"))
				}
			}
			if len(missing) > 0 {
				return fmt.Sprintf("%s misses %d of %d timestamps: %v", host, len(missing), len(want), missing[:min(len(missing), 10)])
			}
		}
		return ""
	})

	// The Zabbix item polled through the collector: every second of the outage.
	eventually(t, 60*time.Second, func() string {
		ts := s.rawTimes(read, fmt.Sprintf(`zabbix_system_cpu_num{host="sw-01"}[%ds]`, window), now())
		var inOutage int
		for _, x := range ts {
			if x >= float64(outageStart.Unix()) && x <= float64(outageEnd.Unix()) {
				inOutage++
			}
		}
		if inOutage < int(outageEnd.Sub(outageStart).Seconds())-2 {
			return fmt.Sprintf("%d polls of sw-01 within the %v outage", inOutage, outageEnd.Sub(outageStart).Round(time.Second))
		}
		for i := 1; i < len(ts); i++ {
			if ts[i]-ts[i-1] > 2.5 {
				return fmt.Sprintf("sw-01 has a gap of %.1fs at %v", ts[i]-ts[i-1], time.Unix(int64(ts[i-1]), 0))
			}
		}
		return ""
	})
}

// startCollector runs `unyo agent --collector name` against serverURL as
// host, taking remote write on listen, with its buffer in dir.
func startCollector(t *testing.T, serverURL, token, host, name, listen, dir string) *agentProc {
	t.Helper()
	return startAgentArgs(t, "agent", "--server", serverURL, "--token", token, "--host", host,
		"--buffer", dir, "--pull-interval", "1s", "--log-level", "debug",
		"--collector", name, "--collector-listen", listen)
}
