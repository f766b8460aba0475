package cloudmetric_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/cloudmetric"
	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// TestAzureBatchPointsExact: a load balancer, a SQL database and a VPN
// gateway with two tunnels and two BGP peers are read through the batch
// API, one call per namespace, aggregation, split and grain; every series
// of their types in the catalogue holds exactly the grains from ten
// minutes before the delay's edge up to it, with the values Azure served,
// split dimensions as labels (connection_name, bgp_peer_address); later
// pulls add the new grains, none twice.
func TestAzureBatchPointsExact(t *testing.T) {
	e := newEnv(t, false)
	acc := e.azureAccount("acme")
	vpnSplits := map[string][]string{"ConnectionName": {"to-osaka", "to-tokyo-dc"}, "BgpPeerAddress": {"10.1.0.4", "10.1.0.5"}}
	lb := e.azureResource("acme", acc, "lb-web", "lb", "japaneast", nil)
	sql := e.azureResource("acme", acc, "sqldb-orders", "sql_database", "japaneast", nil)
	vpn := e.azureResource("acme", acc, "vgw-osaka", "vpn_gateway", "japaneast", vpnSplits)
	p := e.poller(true)
	first := e.clock.Now()
	e.cycle(p)
	check := func() {
		t.Helper()
		e.checkType(t, "acme", "lb-web", lb, "lb", nil, first, cloudmetric.AzureDelay)
		e.checkType(t, "acme", "sqldb-orders", sql, "sql_database", nil, first, cloudmetric.AzureDelay)
		e.checkType(t, "acme", "vgw-osaka", vpn, "vpn_gateway", vpnSplits, first, cloudmetric.AzureDelay)
	}
	check()
	groups := map[string]bool{}
	for _, short := range []string{"lb", "sql_database", "vpn_gateway"} {
		typ, _ := cloudtype.ByShort(short)
		for _, m := range typ.Metrics {
			groups[fmt.Sprint(typ.Namespace, m.Aggregation, m.Split, m.Grain)] = true
		}
	}
	calls := e.monitor.Calls()
	if len(calls) != len(groups) {
		t.Fatalf("%d calls, want %d (one per namespace, aggregation, split and grain)", len(calls), len(groups))
	}
	for _, c := range calls {
		if c.API != "getBatch" {
			t.Fatalf("call %+v, want getBatch", c)
		}
	}
	for range 6 {
		e.clock.Advance(time.Minute)
		e.cycle(p)
		check()
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
			splits := map[string][]string{"ConnectionName": {"to-osaka"}, "BgpPeerAddress": {"10.1.0.4"}}
			sql := e.azureResource("acme", acc, "sqldb-orders", "sql_database", "japaneast", nil)
			vpn := e.azureResource("acme", acc, "vgw-osaka", "vpn_gateway", "japaneast", splits)
			first := e.clock.Now()
			e.cycle(e.poller(tc.batch))
			e.checkType(t, "acme", "sqldb-orders", sql, "sql_database", nil, first, cloudmetric.AzureDelay)
			e.checkType(t, "acme", "vgw-osaka", vpn, "vpn_gateway", splits, first, cloudmetric.AzureDelay)
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
