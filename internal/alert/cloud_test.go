package alert

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// cloudResource registers a resource as cloud discovery does and assigns
// the built-in template of its type by the selector cloud_type=<short>.
func (w *world) cloudResource(tenant, name, kind, short, template string) *model.Resource {
	w.t.Helper()
	ctx := context.Background()
	cloud, _, _ := strings.Cut(template, "-")
	r := &model.Resource{TenantID: tenant, Name: name, Kind: kind, Labels: map[string]string{"cloud": cloud, "cloud_type": short}}
	if err := w.db.CreateResource(ctx, r); err != nil {
		w.t.Fatal(err)
	}
	tpls, err := w.design.Templates(ctx, tenant)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, tpl := range tpls {
		if tpl.Builtin == template {
			if err := w.design.CreateAssignment(ctx, &monitoring.Assignment{TenantID: tenant, TemplateID: tpl.ID, Selector: "cloud_type=" + short}); err != nil {
				w.t.Fatal(err)
			}
			return r
		}
	}
	w.t.Fatalf("no built-in template %s", template)
	return nil
}

// firing lists the firing alerts of tenant's item name.
func (w *world) firing(tenant, item string) []*Alert {
	w.t.Helper()
	var out []*Alert
	for _, a := range w.alerts(tenant) {
		if a.State == StateFiring && a.Labels["alertname"] == item {
			out = append(out, a)
		}
	}
	return out
}

// TestVPNTunnelDownFiresPerConnection runs the built-in Azure VPN gateway
// template on series written as the cloud metric poller writes them, every
// 5 minutes (the metrics' grain), into the real TSDB: a tunnel that stops
// receiving fires one alert of its own, a connection that stops reporting
// while the gateway reports fires too, and a gateway that reports nothing
// at all (a metrics outage) fires nothing.
func TestVPNTunnelDownFiresPerConnection(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	if err := w.design.SyncBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	w.cloudResource("acme", "vpngw-hub", "network", "vpn_gateway", "azure-vpn-gateway")
	w.cloudResource("beta", "vpngw-hub", "network", "vpn_gateway", "azure-vpn-gateway") // the same name, another tenant
	w.start()

	ingress := map[string]float64{"to-osaka": 5e5, "to-tokyo": 3e5}
	write := func(from, to time.Duration) {
		for d := from; d <= to; d += 5 * time.Minute {
			at := t0.Add(d)
			w.push("acme", at, 1e6, "__name__", "azure_vpn_gateway_s2s_bandwidth_bytes_per_second", "host", "vpngw-hub")
			for conn, v := range ingress {
				if v >= 0 {
					w.push("acme", at, v, "__name__", "azure_vpn_gateway_tunnel_ingress_bytes", "host", "vpngw-hub", "connection_name", conn)
				}
			}
		}
	}
	at := func(d time.Duration) {
		w.mu.Lock()
		w.now = t0.Add(d)
		w.mu.Unlock()
		w.eval()
	}

	write(-30*time.Minute, 0)
	at(0)
	if got := w.firing("acme", "tunnel-down"); len(got) != 0 {
		t.Fatalf("both tunnels receive: %d alerts", len(got))
	}

	// to-tokyo receives nothing from +5m: down once its 15-minute window holds only zeros.
	ingress["to-tokyo"] = 0
	write(5*time.Minute, 10*time.Minute)
	at(10 * time.Minute)
	if got := w.firing("acme", "tunnel-down"); len(got) != 0 {
		t.Fatalf("at +10m the window still holds to-tokyo's last bytes: %d alerts", len(got))
	}
	write(15*time.Minute, 20*time.Minute)
	at(20 * time.Minute)
	got := w.firing("acme", "tunnel-down")
	if len(got) != 1 || got[0].Labels["connection_name"] != "to-tokyo" || got[0].Labels["host"] != "vpngw-hub" || got[0].Severity != SeverityCritical {
		t.Fatalf("to-tokyo down: want one critical alert on connection_name=to-tokyo, got %+v", got)
	}
	tokyo := got[0].ID
	if len(w.alerts("beta")) != 0 {
		t.Errorf("the other tenant's gateway of the same name has alerts")
	}

	// to-tokyo comes back; to-osaka stops reporting at all while the gateway reports.
	ingress["to-tokyo"], ingress["to-osaka"] = 2e5, -1
	write(25*time.Minute, 40*time.Minute)
	at(40 * time.Minute)
	got = w.firing("acme", "tunnel-down")
	if len(got) != 1 || got[0].Labels["connection_name"] != "to-osaka" {
		t.Fatalf("to-osaka silent while the gateway reports: want one alert on to-osaka, got %+v", got)
	}
	if a, err := w.engine.store.Alert(ctx, "acme", tokyo); err != nil || a.State != StateResolved {
		t.Fatalf("to-tokyo receives again: %+v %v", a, err)
	}

	// Nothing at all arrives any more (the metric poller is down): no tunnel reads as down.
	at(60 * time.Minute)
	if got := w.firing("acme", "tunnel-down"); len(got) != 0 {
		t.Fatalf("a metrics outage read as tunnels down: %+v", got)
	}
}

// TestLoadBalancerDataPathFires runs a single-series item of the built-in
// Azure load balancer template: critical once the data path stays below
// 50% for its 5 minutes, resolved at its recovery level.
func TestLoadBalancerDataPathFires(t *testing.T) {
	w := newWorld(t, nil)
	if err := w.design.SyncBuiltins(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.cloudResource("acme", "lb-web", "load_balancer", "lb", "azure-load-balancer")
	w.start()
	step := func(v float64) {
		w.push("acme", w.clock(), v, "__name__", "azure_lb_data_path_availability_percent", "host", "lb-web")
		w.eval()
		w.advance(time.Minute)
	}
	for range 5 {
		step(30)
	}
	if got := w.firing("acme", "data-path"); len(got) != 0 {
		t.Fatalf("before its 5 minutes: %+v", got)
	}
	step(30)
	got := w.firing("acme", "data-path")
	if len(got) != 1 || got[0].Severity != SeverityCritical || got[0].Labels["host"] != "lb-web" {
		t.Fatalf("after 5 minutes below 50%%: %+v", got)
	}
	step(94) // below the recovery level 95
	if len(w.firing("acme", "data-path")) != 1 {
		t.Fatal("resolved below the recovery level")
	}
	step(100)
	if got := w.firing("acme", "data-path"); len(got) != 0 {
		t.Fatalf("at 100%%: %+v", got)
	}
}

// TestAWSVPNTunnelsAlertApart runs the built-in AWS VPN template: one of
// the connection's two tunnels down is a warning of its own (per
// tunnel_ip_address); both down is the connection down, critical.
func TestAWSVPNTunnelsAlertApart(t *testing.T) {
	w := newWorld(t, nil)
	if err := w.design.SyncBuiltins(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.cloudResource("acme", "vpn-0abc", "network", "vpn", "aws-vpn")
	w.start()
	state := map[string]float64{"203.0.113.10": 1, "203.0.113.20": 1}
	minutes := func(n int) {
		for range n {
			for ip, v := range state {
				w.push("acme", w.clock(), v, "__name__", "aws_vpn_tunnel_state", "host", "vpn-0abc", "tunnel_ip_address", ip)
			}
			w.eval()
			w.advance(time.Minute)
		}
	}
	minutes(3)
	state["203.0.113.20"] = 0
	minutes(6)
	got := w.firing("acme", "tunnel-down")
	if len(got) != 1 || got[0].Labels["tunnel_ip_address"] != "203.0.113.20" || got[0].Severity != SeverityWarning {
		t.Fatalf("one tunnel down: want one warning on 203.0.113.20, got %+v", got)
	}
	if got := w.firing("acme", "connection-down"); len(got) != 0 {
		t.Fatalf("the connection is up on its other tunnel: %+v", got)
	}
	state["203.0.113.10"] = 0
	minutes(6)
	if got := w.firing("acme", "tunnel-down"); len(got) != 2 {
		t.Fatalf("both tunnels down: %d tunnel alerts, want 2", len(got))
	}
	if got := w.firing("acme", "connection-down"); len(got) != 1 || got[0].Severity != SeverityCritical {
		t.Fatalf("both tunnels down: want the connection down, critical, got %+v", got)
	}
}
