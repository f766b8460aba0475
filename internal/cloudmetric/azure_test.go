package cloudmetric_test

import (
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/cloudmetric"
)

// TestAzureBatchPointsExact: a load balancer, a SQL database and a VPN
// gateway with two tunnels are read through the batch API, one call per
// namespace; every series holds exactly the minutes from ten before the
// delay's edge up to it, with the values Azure served, the tunnels as
// connection_name series; the next minute's pull asks only for the new
// minute and adds exactly one point per series.
func TestAzureBatchPointsExact(t *testing.T) {
	e := newEnv(t, false)
	acc := e.azureAccount("acme")
	lb := e.azureResource("acme", acc, "lb-web", "lb", "japaneast", nil)
	sql := e.azureResource("acme", acc, "sqldb-orders", "sql_database", "japaneast", nil)
	vpn := e.azureResource("acme", acc, "vgw-osaka", "vpn_gateway", "japaneast", map[string][]string{"ConnectionName": {"to-osaka", "to-tokyo-dc"}})
	p := e.poller(true)
	e.cycle(p)

	edge := e.clock.Now().Add(-cloudmetric.AzureDelay).Truncate(time.Minute) // 09:57
	from := edge.Add(-10 * time.Minute)
	check := func(to time.Time) {
		t.Helper()
		samePoints(t, "lb availability", e.stored("acme", "azure_lb_data_path_availability_percent")["host=lb-web"], want(lb, "VipAvailability", "", from, to))
		samePoints(t, "lb probes", e.stored("acme", "azure_lb_health_probe_status_percent")["host=lb-web"], want(lb, "DipAvailability", "", from, to))
		samePoints(t, "sql dtu", e.stored("acme", "azure_sql_database_dtu_consumption_percent")["host=sqldb-orders"], want(sql, "dtu_consumption_percent", "", from, to))
		tunnels := e.stored("acme", "azure_vpn_gateway_tunnel_bandwidth_bytes_per_second")
		samePoints(t, "tunnel to-osaka", tunnels["connection_name=to-osaka,host=vgw-osaka"], want(vpn, "TunnelAverageBandwidth", "to-osaka", from, to))
		samePoints(t, "tunnel to-tokyo-dc", tunnels["connection_name=to-tokyo-dc,host=vgw-osaka"], want(vpn, "TunnelAverageBandwidth", "to-tokyo-dc", from, to))
		if len(tunnels) != 2 {
			t.Fatalf("tunnel series = %v", tunnels)
		}
	}
	check(edge)
	calls := e.monitor.Calls()
	if len(calls) != 3 {
		t.Fatalf("calls = %+v, want 3 batch calls (one per namespace)", calls)
	}
	for _, c := range calls {
		if c.API != "getBatch" || !c.Start.Equal(from) || !c.End.Equal(edge) {
			t.Fatalf("call %+v, want getBatch over [%s, %s)", c, from, edge)
		}
	}

	e.clock.Advance(time.Minute)
	e.cycle(p)
	check(edge.Add(time.Minute))
	for _, c := range e.monitor.Calls()[3:] {
		if !c.Start.Equal(edge) || !c.End.Equal(edge.Add(time.Minute)) {
			t.Fatalf("second pull asked %s to %s, want only the minute %s", c.Start, c.End, edge)
		}
	}
	if d := e.duplicates(); len(d) > 0 {
		t.Fatalf("written twice: %v", d)
	}
}

// TestAzureBatchOf50: 120 load balancers take three batch calls of at
// most 50 resources (the fake refuses more), and every one is read.
func TestAzureBatchOf50(t *testing.T) {
	e := newEnv(t, false)
	acc := e.azureAccount("acme")
	ids := map[string]string{}
	for i := range 120 {
		name := "lb-" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		ids[name] = e.azureResource("acme", acc, name, "lb", "japaneast", nil)
	}
	e.cycle(e.poller(true))
	calls := e.monitor.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3", len(calls))
	}
	sizes := []int{len(calls[0].Resources), len(calls[1].Resources), len(calls[2].Resources)}
	if sizes[0] != 50 || sizes[1] != 50 || sizes[2] != 20 {
		t.Fatalf("batch sizes %v, want 50 50 20", sizes)
	}
	got := e.stored("acme", "azure_lb_data_path_availability_percent")
	if len(got) != 120 {
		t.Fatalf("%d series, want 120", len(got))
	}
	edge := e.clock.Now().Add(-cloudmetric.AzureDelay).Truncate(time.Minute)
	for name, id := range ids {
		samePoints(t, name, got["host="+name], want(id, "VipAvailability", "", edge.Add(-10*time.Minute), edge))
	}
}

// TestAzurePerResourceFallback: without a batch endpoint, and where the
// batch API answers 404, the per-resource Microsoft.Insights/metrics API
// is read instead, with the same points.
func TestAzurePerResourceFallback(t *testing.T) {
	for _, tc := range []struct {
		name  string
		batch bool // the poller is given a batch endpoint, which the fake does not serve
	}{{"no batch endpoint", false}, {"batch answers 404", true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, true)
			acc := e.azureAccount("acme")
			sql := e.azureResource("acme", acc, "sqldb-orders", "sql_database", "japaneast", nil)
			vpn := e.azureResource("acme", acc, "vgw-osaka", "vpn_gateway", "japaneast", map[string][]string{"ConnectionName": {"to-osaka"}})
			e.cycle(e.poller(tc.batch))
			edge := e.clock.Now().Add(-cloudmetric.AzureDelay).Truncate(time.Minute)
			samePoints(t, "sql", e.stored("acme", "azure_sql_database_dtu_consumption_percent")["host=sqldb-orders"],
				want(sql, "dtu_consumption_percent", "", edge.Add(-10*time.Minute), edge))
			samePoints(t, "tunnel", e.stored("acme", "azure_vpn_gateway_tunnel_bandwidth_bytes_per_second")["connection_name=to-osaka,host=vgw-osaka"],
				want(vpn, "TunnelAverageBandwidth", "to-osaka", edge.Add(-10*time.Minute), edge))
			for _, c := range e.monitor.Calls() {
				if c.API != "metrics" {
					t.Fatalf("call %+v, want the per-resource API", c)
				}
			}
		})
	}
}

// TestAzureIncompleteLastBucket: with no delay, Azure answers the minute
// still filling (with a partial value); it is not written, and the next
// pull writes its final value.
func TestAzureIncompleteLastBucket(t *testing.T) {
	e := newEnv(t, false)
	acc := e.azureAccount("acme")
	lb := e.azureResource("acme", acc, "lb-web", "lb", "japaneast", nil)
	p := e.poller(true, func(o *cloudmetric.Options) {
		o.Delay = map[cloudaccount.Provider]time.Duration{cloudaccount.ProviderAzure: 0}
	})
	e.cycle(p)
	now := e.clock.Now().Truncate(time.Minute) // 10:00, filling
	samePoints(t, "first pull", e.stored("acme", "azure_lb_data_path_availability_percent")["host=lb-web"], want(lb, "VipAvailability", "", now.Add(-10*time.Minute), now))
	e.clock.Advance(time.Minute)
	e.cycle(p)
	samePoints(t, "second pull", e.stored("acme", "azure_lb_data_path_availability_percent")["host=lb-web"], want(lb, "VipAvailability", "", now.Add(-10*time.Minute), now.Add(time.Minute)))
}

// TestAzureThrottleBacksOff: a 429 with Retry-After: 120 stops the
// account's pulls for two minutes (no call reaches Azure meanwhile), then
// the pull catches up from the last point without a gap.
func TestAzureThrottleBacksOff(t *testing.T) {
	e := newEnv(t, false)
	acc := e.azureAccount("acme")
	sql := e.azureResource("acme", acc, "sqldb-orders", "sql_database", "japaneast", nil)
	p := e.poller(true)
	e.cycle(p)
	first := e.clock.Now().Add(-cloudmetric.AzureDelay).Truncate(time.Minute).Add(-10 * time.Minute)
	e.monitor.Throttle(1, 120*time.Second)
	e.clock.Advance(time.Minute)
	e.cycle(p) // throttled
	before := len(e.monitor.Calls())
	e.clock.Advance(time.Minute)
	e.cycle(p) // backing off: no call
	if n := len(e.monitor.Calls()); n != before {
		t.Fatalf("%d calls while backing off", n-before)
	}
	e.clock.Advance(time.Minute)
	e.cycle(p)
	edge := e.clock.Now().Add(-cloudmetric.AzureDelay).Truncate(time.Minute)
	samePoints(t, "after the back-off", e.stored("acme", "azure_sql_database_dtu_consumption_percent")["host=sqldb-orders"],
		want(sql, "dtu_consumption_percent", "", first, edge))
	_ = cloudtest.MetricValue
}
