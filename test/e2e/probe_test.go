package e2e

import (
	"fmt"
	"net"
	"testing"
	"time"
)

// TestServerRunChecks: a network device with no agent is watched from the
// server on the real binary: a ping to it (real ICMP to 127.0.0.1) gives
// loss and round-trip series, a TCP check of an open port is up, and a TCP
// check of a closed port fires an alert that says why ("check failed:
// connection refused") and opens an incident.
func TestServerRunChecks(t *testing.T) {
	open, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	go func() {
		for {
			c, err := open.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, closedPort, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	_, openPort, _ := net.SplitHostPort(open.Addr().String())

	// The device's address is internal: startServer's UNYO_OUTBOUND_ALLOW
	// (127.0.0.0/8) is the server admin opening it.
	s := startServer(t, t.TempDir())
	_, read := s.tenantWithTokens("acme")
	// And the MSP admin places them in the tenant's networks: the server polls
	// a tenant's internal addresses only there.
	s.mustJSON(200, "PUT", "/api/v1/tenants/acme/networks", "", map[string]any{"networks": []string{"127.0.0.0/8"}}, nil)
	var sw struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{
		"name": "sw-01", "kind": "network", "labels": map[string]string{"ip": "127.0.0.1"},
	}, &sw)
	for _, it := range []map[string]any{
		{"name": "ping", "kind": "check", "severity": "critical", "interval": "2s",
			"check": map[string]any{"type": "ping", "from": "server", "address": "${label.ip}", "count": 2, "spacing": "200ms"}},
		{"name": "ssh", "kind": "check", "severity": "warning", "interval": "2s",
			"check": map[string]any{"type": "tcp", "from": "server", "address": "${label.ip}:" + openPort}},
		{"name": "telnet", "kind": "check", "severity": "critical", "interval": "2s",
			"check": map[string]any{"type": "tcp", "from": "server", "address": "${label.ip}:" + closedPort}},
	} {
		it["resource_id"] = sw.ID
		s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", it, nil)
	}

	now := func() float64 { return float64(time.Now().UnixMilli()) / 1000 }
	for _, c := range []struct{ query, want string }{
		{`unyo_check_up{host="sw-01",item="ping"}`, "1"},
		{`unyo_check_ping_loss_ratio{host="sw-01",item="ping"}`, "0"},
		{`unyo_check_ping_rtt_seconds{host="sw-01",item="ping",stat="avg"} > 0`, "rtt"},
		{`unyo_check_up{host="sw-01",item="ssh"}`, "1"},
		{`unyo_check_up{host="sw-01",item="telnet"}`, "0"},
	} {
		eventually(t, 60*time.Second, func() string {
			got := s.query(read, c.query, now())
			if len(got) != 1 || c.want != "rtt" && fmt.Sprint(got[0].Value) != c.want {
				return fmt.Sprintf("%s = %+v, want %s\n%s", c.query, got, c.want, s.stderr.String())
			}
			return ""
		})
	}

	var fired e2eAlert
	eventually(t, 60*time.Second, func() string {
		for _, a := range s.alertsOf(read, "acme", "state=firing") {
			if a.ResourceID == sw.ID && a.Labels["alertname"] == "telnet" {
				fired = a
				return ""
			}
		}
		return "no firing alert of telnet on sw-01"
	})
	if fired.ValueText != "check failed: connection refused" || fired.Severity != "critical" {
		t.Errorf("the alert: %+v, want critical with value %q", fired, "check failed: connection refused")
	}
	for _, a := range s.alertsOf(read, "acme", "") {
		if a.ResourceID == sw.ID && (a.Labels["alertname"] == "ping" || a.Labels["alertname"] == "ssh") {
			t.Errorf("a passing check alerted: %+v", a)
		}
	}
	var incidents []struct {
		ID          int64   `json:"id"`
		Short       string  `json:"short_description"`
		Description string  `json:"description"`
		Resources   []int64 `json:"resource_ids"`
		State       string  `json:"state"`
	}
	eventually(t, 30*time.Second, func() string {
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/incidents", read, nil, &incidents)
		if len(incidents) != 1 || incidents[0].State != "new" || len(incidents[0].Resources) != 1 || incidents[0].Resources[0] != sw.ID {
			return fmt.Sprintf("incidents: %+v", incidents)
		}
		return ""
	})
	if inc := incidents[0]; inc.Short != "sw-01: telnet" {
		t.Errorf("the incident does not say which check failed: %+v", inc)
	}
}
