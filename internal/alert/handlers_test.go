package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/response"
)

type apiServer struct {
	*world
	srv *httptest.Server
}

// newAPIServer serves the handlers; the X-Token header "tenant:scope,scope"
// stands for an authenticated token ("" tenant: every tenant).
func newAPIServer(t *testing.T) *apiServer {
	w := newWorld(t, nil)
	h := NewHandlers(w.engine, apitest.PathTenant, nil)
	srv := apitest.NewServer(t, h.Routes())
	return &apiServer{w, srv}
}

func (s *apiServer) do(t *testing.T, method, path, token string, body string) (int, []byte) {
	t.Helper()
	code, _, data := apitest.Do(t, s.srv, method, path, token, body)
	return code, data
}

const (
	acmeRW     = "acme:read,write"
	acmeRO     = "acme:read"
	acmeIngest = "acme:ingest"
	betaRW     = "beta:read,write"
	betaIngest = "beta:ingest"
)

func TestAPIFlow(t *testing.T) {
	s := newAPIServer(t)
	web := s.host("acme", "web-01")
	code, body := s.do(t, "POST", "/api/v1/intake/alertmanager", acmeIngest, string(fixture(t, "alertmanager_firing.json")))
	if code != 200 || !bytes.Contains(body, []byte(`"opened":2`)) {
		t.Fatalf("intake = %d %s", code, body)
	}
	code, body = s.do(t, "GET", fmt.Sprintf("/api/v1/tenants/acme/alerts?state=firing&severity=critical&resource=%d", web.ID), acmeRO, "")
	var list []*Alert
	if err := json.Unmarshal(body, &list); code != 200 || err != nil || len(list) != 1 || list[0].Resource != "web-01" {
		t.Fatalf("list = %d %s", code, body)
	}
	id := list[0].ID
	base := fmt.Sprintf("/api/v1/tenants/acme/alerts/%d", id)
	if code, body = s.do(t, "POST", base+"/acknowledge", acmeRO, ""); code != 403 {
		t.Errorf("acknowledge with read scope = %d %s", code, body)
	}
	if code, body = s.do(t, "POST", base+"/acknowledge", acmeRW, ""); code != 200 || !bytes.Contains(body, []byte(`"acknowledged_by":"token:test"`)) {
		t.Errorf("acknowledge = %d %s", code, body)
	}
	until := s.clock().Add(2 * time.Hour).Format(time.RFC3339)
	if code, body = s.do(t, "POST", base+"/silence", acmeRW, `{"until":"`+until+`"}`); code != 200 || !bytes.Contains(body, []byte(`"silenced_until"`)) {
		t.Errorf("silence = %d %s", code, body)
	}
	for _, bad := range []struct{ body, field string }{
		{`{"until":"tomorrow"}`, "until"},
		{`{"until":"2020-01-01T00:00:00Z"}`, "until"},
		{`{"until":`, "body"},
	} {
		code, body = s.do(t, "POST", base+"/silence", acmeRW, bad.body)
		var e response.Body
		json.Unmarshal(body, &e)
		if code != 400 || e.Field != bad.field {
			t.Errorf("silence %s = %d %s, want 400 on %s", bad.body, code, body, bad.field)
		}
	}
	code, body = s.do(t, "GET", base, acmeRO, "")
	var a Alert
	if err := json.Unmarshal(body, &a); code != 200 || err != nil || len(a.Events) != 3 || a.Events[1].Actor != "token:test" {
		t.Fatalf("get = %d %s", code, body)
	}
	audit, err := s.db.AuditLog(context.Background(), "acme", 10)
	if err != nil || len(audit) != 2 || audit[0].Action != "silence" || audit[0].ObjectType != "alert" {
		t.Errorf("audit log: %+v %v", audit, err)
	}
	for _, q := range []string{"state=open", "severity=dire", "resource=x", "from=yesterday", "from=2025-04-02T00:00:00Z&to=2025-04-01T00:00:00Z", "limit=0"} {
		code, body = s.do(t, "GET", "/api/v1/tenants/acme/alerts?"+q, acmeRO, "")
		field := strings.SplitN(q, "=", 2)[0]
		if strings.Contains(q, "&to=") {
			field = "to"
		}
		var e response.Body
		json.Unmarshal(body, &e)
		if code != 400 || e.Field != field {
			t.Errorf("?%s = %d %s, want 400 on %s", q, code, body, field)
		}
	}
	// Time range: an alert started after to is left out.
	code, body = s.do(t, "GET", "/api/v1/tenants/acme/alerts?to=2025-04-01T08:58:00Z", acmeRO, "")
	if code != 200 || string(bytes.TrimSpace(body)) != "[]" {
		t.Errorf("before anything started = %d %s", code, body)
	}
	// A bad intake payload stores nothing.
	code, body = s.do(t, "POST", "/api/v1/intake/events", acmeIngest, `{"fingerprint":"x","status":"open"}`)
	if code != 400 || !bytes.Contains(body, []byte(`"field":"status"`)) {
		t.Errorf("bad event = %d %s", code, body)
	}
	if n := len(s.alerts("acme")); n != 2 {
		t.Errorf("%d alerts after a refused payload, want 2", n)
	}
	if code, _ = s.do(t, "POST", "/api/v1/intake/events", ":ingest", `{"fingerprint":"x"}`); code != 403 {
		t.Errorf("intake with an MSP-wide token = %d, want 403", code)
	}
	if code, _ = s.do(t, "POST", "/api/v1/intake/events", acmeRW, `{"fingerprint":"x"}`); code != 403 {
		t.Errorf("intake without the ingest scope = %d, want 403", code)
	}
}

// TestTenantIsolation: beta's tokens read and change nothing of acme's on
// any endpoint, and beta's intake lands in beta.
func TestTenantIsolation(t *testing.T) {
	s := newAPIServer(t)
	if code, body := s.do(t, "POST", "/api/v1/intake/azure-monitor", acmeIngest, string(fixture(t, "azure_fired.json"))); code != 200 {
		t.Fatalf("intake = %d %s", code, body)
	}
	acme := s.alerts("acme")[0]
	before, _ := json.Marshal(mustAlert(t, s.world, acme.ID))
	acmeMap := `{"unknown":"info","severities":{"major":"critical"}}`
	if code, body := s.do(t, "PUT", "/api/v1/tenants/acme/alert-severities", acmeRW, acmeMap); code != 200 {
		t.Fatalf("acme's severity map = %d %s", code, body)
	}
	id := acme.ID
	until := s.clock().Add(time.Hour).Format(time.RFC3339)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/tenants/acme/alerts", ""},
		{"GET", fmt.Sprintf("/api/v1/tenants/acme/alerts/%d", id), ""},
		{"POST", fmt.Sprintf("/api/v1/tenants/acme/alerts/%d/acknowledge", id), ""},
		{"POST", fmt.Sprintf("/api/v1/tenants/acme/alerts/%d/silence", id), `{"until":"` + until + `"}`},
		{"GET", "/api/v1/tenants/acme/alert-severities", ""},
		{"PUT", "/api/v1/tenants/acme/alert-severities", `{"unknown":"critical","severities":{}}`},
	} {
		if code, body := s.do(t, c.method, c.path, betaRW, c.body); code != 404 {
			t.Errorf("beta %s %s = %d %s, want 404", c.method, c.path, code, body)
		}
		// beta's own path with acme's alert ID: no such alert.
		own := strings.Replace(c.path, "/tenants/acme/", "/tenants/beta/", 1)
		if code, body := s.do(t, c.method, own, betaRW, c.body); strings.Contains(c.path, "/alerts/") && code != 404 {
			t.Errorf("beta %s %s = %d %s, want 404", c.method, own, code, body)
		}
	}
	code, body := s.do(t, "GET", "/api/v1/tenants/beta/alerts", betaRW, "")
	if code != 200 || string(bytes.TrimSpace(body)) != "[]" {
		t.Errorf("beta's list = %d %s", code, body)
	}
	// The same alert sent with beta's token is beta's, and acme's is untouched.
	for _, path := range []string{"/api/v1/intake/azure-monitor", "/api/v1/intake/alertmanager", "/api/v1/intake/events", "/api/v1/intake/zabbix"} {
		name := map[string]string{"/api/v1/intake/azure-monitor": "azure_resolved.json", "/api/v1/intake/alertmanager": "alertmanager_firing.json",
			"/api/v1/intake/events": "event_firing.json", "/api/v1/intake/zabbix": "zabbix_problem.json"}[path]
		if code, body := s.do(t, "POST", path, betaIngest, string(fixture(t, name))); code != 200 {
			t.Errorf("beta intake %s = %d %s", path, code, body)
		}
	}
	if code, body := s.do(t, "GET", "/api/v1/tenants/acme/alert-severities", acmeRO, ""); code != 200 || !bytes.Contains(body, []byte(`"major":"critical"`)) || !bytes.Contains(body, []byte(`"unknown":"info"`)) {
		t.Errorf("acme's severity map after beta's calls = %d %s", code, body)
	}
	after, _ := json.Marshal(mustAlert(t, s.world, acme.ID))
	if !bytes.Equal(before, after) {
		t.Errorf("acme's alert changed:\nbefore %s\nafter  %s", before, after)
	}
	if n := len(s.alerts("acme")); n != 1 {
		t.Errorf("acme has %d alerts, want 1", n)
	}
	if n := len(s.alerts("beta")); n != 4 {
		t.Errorf("beta has %d alerts, want 4 (2 from Alertmanager, 1 event, 1 Zabbix problem; the Azure resolution matched nothing)", n)
	}
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}
