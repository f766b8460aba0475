package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"
)

// callAs sends a request with basic auth as login, or none when login is "".
func (s *server) callAs(login, password, method, path string) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+path, nil)
	if login != "" {
		req.SetBasicAuth(login, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestAuditHidesWorkNotesFromCustomer writes an internal work note on an
// incident; the tenant's viewer and the tenant's read token are refused the
// audit log (whose detail holds the note), while MSP staff still read it.
func TestAuditHidesWorkNotesFromCustomer(t *testing.T) {
	s := startServer(t, t.TempDir())
	_, read := s.tenantWithTokens("acme")
	s.mustJSON(201, "POST", "/api/v1/users", "", map[string]any{"login": "acme-viewer", "role": "viewer", "tenant": "acme", "password": "acme-viewer-password"}, nil)
	var inc struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"short_description": "DB slow", "impact": 2, "urgency": 2}, &inc)
	const note = "internal-only: blame the vendor's DBA"
	s.mustJSON(200, "POST", fmt.Sprintf("/api/v1/tenants/acme/incidents/%d/work-notes", inc.ID), "", map[string]string{"text": note}, nil)

	code, body := s.callAs("admin", adminPassword, "GET", "/api/v1/tenants/acme/audit")
	if code != 200 || !strings.Contains(string(body), "work") {
		t.Fatalf("MSP admin's audit = %d, want 200 with the work note entry: %s", code, body)
	}
	code, body = s.callAs("acme-viewer", "acme-viewer-password", "GET", "/api/v1/tenants/acme/audit")
	if code != 403 || strings.Contains(string(body), note) {
		t.Errorf("viewer's audit = %d, want 403 without the note: %s", code, body)
	}
	code, body = s.call("GET", "/api/v1/tenants/acme/audit", read, nil)
	if code != 403 || strings.Contains(string(body), note) {
		t.Errorf("tenant read token's audit = %d, want 403 without the note: %s", code, body)
	}
}

// TestMetricsHideTenants writes samples for a tenant, which counts them in
// unyo_remote_write_samples_total{tenant=...}: an unauthenticated /metrics
// and a tenant's own token never see the tenant's ID, while the MSP admin
// reads the per-tenant count.
func TestMetricsHideTenants(t *testing.T) {
	s := startServer(t, t.TempDir())
	ingest, read := s.tenantWithTokens("zq-secret-customer")
	s.push(ingest, []prompb.TimeSeries{{
		Labels:  []prompb.Label{{Name: "__name__", Value: "up"}},
		Samples: []prompb.Sample{{Value: 1, Timestamp: time.Now().UnixMilli()}},
	}})
	code, body := s.callAs("", "", "GET", "/metrics")
	if code != 200 || !strings.Contains(string(body), "unyo_http_request_duration_seconds") {
		t.Fatalf("unauthenticated /metrics = %d, want 200 with the server's metrics: %.300s", code, body)
	}
	if strings.Contains(string(body), "zq-secret-customer") {
		t.Errorf("unauthenticated /metrics names the tenant:\n%s", grepLines(body, "zq-secret-customer"))
	}
	if code, body = s.call("GET", "/metrics", read, nil); strings.Contains(string(body), "zq-secret-customer") {
		t.Errorf("/metrics with a tenant's read token = %d and names the tenant:\n%s", code, grepLines(body, "zq-secret-customer"))
	}
	code, body = s.callAs("admin", adminPassword, "GET", "/metrics")
	if want := `unyo_remote_write_samples_total{tenant="zq-secret-customer"} 1`; code != 200 || !strings.Contains(string(body), want) {
		t.Errorf("MSP admin's /metrics = %d, want %s in:\n%s", code, want, grepLines(body, "unyo_remote_write_samples_total"))
	}
}

func grepLines(body []byte, sub string) string {
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestDeletedTenantMetricsGone writes a series for a tenant, deletes the
// tenant and creates one with the same ID: the new tenant reads no series of
// the old one, before and after a restart, and its own new samples are seen.
func TestDeletedTenantMetricsGone(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	ingest, read := s.tenantWithTokens("reused")
	now := time.Now()
	s.push(ingest, []prompb.TimeSeries{{
		Labels:  []prompb.Label{{Name: "__name__", Value: "old_owner_secret"}, {Name: "host", Value: "db1"}},
		Samples: []prompb.Sample{{Value: 42, Timestamp: now.Add(-time.Minute).UnixMilli()}, {Value: 43, Timestamp: now.UnixMilli()}},
	}})
	if got := s.query(read, "old_owner_secret", float64(now.Unix())); len(got) != 1 {
		t.Fatalf("before delete: %v, want the series", got)
	}
	if code, body := s.call("DELETE", "/api/v1/tenants/reused", "", nil); code != 204 {
		t.Fatalf("delete tenant = %d: %s", code, body)
	}
	ingest, read = s.tenantWithTokens("reused")
	check := func(when string) {
		t.Helper()
		for _, q := range []string{"old_owner_secret", `{__name__=~".+"}`} {
			if got := s.query(read, q, float64(now.Unix())); len(got) != 0 {
				t.Errorf("%s: the new tenant reads %s of the deleted one: %v", when, q, got)
			}
		}
		code, body := s.call("GET", "/api/v1/label/__name__/values", read, nil)
		if code != 200 || strings.Contains(string(body), "old_owner_secret") {
			t.Errorf("%s: label values = %d %s", when, code, body)
		}
	}
	check("after recreate")
	later := time.Now().Add(time.Second)
	s.push(ingest, []prompb.TimeSeries{{
		Labels:  []prompb.Label{{Name: "__name__", Value: "new_owner"}},
		Samples: []prompb.Sample{{Value: 7, Timestamp: later.UnixMilli()}},
	}})
	if got := s.query(read, "new_owner", float64(later.Unix()+1)); len(got) != 1 || got[0].Value != 7 {
		t.Errorf("the new tenant's own sample: %v, want 7", got)
	}
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.stderr)
	}
	s = startServer(t, dir)
	var out struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "reader2", "tenant": "reused", "scopes": []string{"read"}}, &out)
	read = out.Token
	check("after restart")
}
