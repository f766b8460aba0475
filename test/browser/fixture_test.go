package browser

import (
	"fmt"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	"github.com/prometheus/prometheus/prompb"
)

const userPassword = "browser-user-password"

// fixture is a running unyo with single sign-on through mockoidc, two
// tenants, a host with half an hour of CPU and memory samples sent by remote
// write, and users of each role.
type fixture struct {
	srv    *server
	oidc   *mockoidc.MockOIDC
	hostID int64
	betaID int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	addr := freePort(t)
	cfg := m.Config()
	t.Setenv("UNYO_OIDC_CLIENT_SECRET", cfg.ClientSecret)
	s := startServer(t, addr, "--oidc-issuer", cfg.Issuer, "--oidc-client-id", cfg.ClientID,
		"--oidc-redirect-url", "http://"+addr+"/login/oidc/callback", "--oidc-tenants", "contoso.com=acme")
	f := &fixture{srv: s, oidc: m}

	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "beta", "name": "Beta Inc.", "language": "en", "time_zone": "UTC"}, nil)
	var svc struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "基幹システム", "description": "受発注と在庫",
		"service_level": map[string]any{"acknowledge_target": "30m", "resolve_target": "8h"}}, &svc)
	var res struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "acme-web-01", "kind": "host", "service_id": svc.ID, "labels": map[string]string{"os": "linux"}}, &res)
	f.hostID = res.ID
	s.api(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "acme-db-01", "kind": "database", "service_id": svc.ID}, nil)
	s.api(201, "POST", "/api/v1/tenants/beta/resources", "", map[string]any{"name": "beta-app-01", "kind": "host"}, &res)
	f.betaID = res.ID
	for _, u := range []map[string]any{
		{"login": "acme-viewer", "role": "viewer", "tenant": "acme", "password": userPassword, "language": "ja"},
		{"login": "en-operator", "name": "Pat Operator", "role": "operator", "password": userPassword, "language": "en", "time_zone": "UTC"},
	} {
		s.api(201, "POST", "/api/v1/users", "", u, nil)
	}
	var tok struct{ Token string }
	s.api(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-agent", "tenant": "acme", "scopes": []string{"ingest"}}, &tok)
	s.push(tok.Token, hostSeries("acme-web-01", time.Now()))
	// A critical alert from the generic intake and an open incident on the
	// service, so the board has something firing and a running SLA clock.
	s.api(200, "POST", "/api/v1/intake/events", tok.Token, map[string]any{"fingerprint": "cpu-high", "severity": "critical",
		"summary": "CPU高負荷", "resource": "acme-web-01"}, nil)
	s.api(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"service_id": svc.ID, "short_description": "受発注画面が遅い",
		"impact": 2, "urgency": 2}, nil)
	return f
}

// hostSeries is 31 minutes of a host 25 % busy with 75 % of its memory used.
func hostSeries(host string, now time.Time) []prompb.TimeSeries {
	var cpu, total, avail prompb.TimeSeries
	cpu.Labels = []prompb.Label{{Name: "__name__", Value: "node_cpu_seconds_total"}, {Name: "cpu", Value: "0"}, {Name: "host", Value: host}, {Name: "mode", Value: "idle"}}
	total.Labels = []prompb.Label{{Name: "__name__", Value: "node_memory_MemTotal_bytes"}, {Name: "host", Value: host}}
	avail.Labels = []prompb.Label{{Name: "__name__", Value: "node_memory_MemAvailable_bytes"}, {Name: "host", Value: host}}
	for i := 30; i >= 0; i-- {
		ts := now.Add(-time.Duration(i) * time.Minute).UnixMilli()
		cpu.Samples = append(cpu.Samples, prompb.Sample{Timestamp: ts, Value: float64(30-i) * 45})
		total.Samples = append(total.Samples, prompb.Sample{Timestamp: ts, Value: 16e9})
		avail.Samples = append(avail.Samples, prompb.Sample{Timestamp: ts, Value: 4e9})
	}
	return []prompb.TimeSeries{cpu, total, avail}
}

func (f *fixture) resourceURL() string {
	return fmt.Sprintf("%s/tenants/acme/resources/%d", f.srv.url, f.hostID)
}
