package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/servicenow/servicenowtest"
)

// TestAlertOpensIncidentSyncedToServiceNow: an alert from the customer's
// own monitoring opens an incident of the host's service; the engineer
// acknowledges it, records the cause and resolves it; the clocks stop at
// those instants; the customer's ServiceNow sees the create first, then the
// acknowledgement, the cause and the resolve, in order, each once.
func TestAlertOpensIncidentSyncedToServiceNow(t *testing.T) {
	t.Setenv("UNYO_SERVICENOW_INTERVAL", "100ms")
	sn := servicenowtest.New("unyo.integration", "sn-pass-alert", "", "")
	defer sn.Close()
	s := startServer(t, t.TempDir())
	ingest, read := s.tenantWithTokens("acme")
	var tok struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "l2", "tenant": "acme", "scopes": []string{"read", "write", "admin"}}, &tok)
	ops := tok.Token
	var svc struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "shop", "description": "",
		"service_level": map[string]any{"acknowledge_target": "15m", "identify_target": "1h", "resolve_target": "4h"}}, &svc)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "web-01", "kind": "host", "service_id": svc.ID}, nil)
	s.mustJSON(200, "PUT", "/api/v1/tenants/acme/servicenow", ops, map[string]any{"instance_url": sn.URL, "auth": "basic",
		"username": "unyo.integration", "password": "sn-pass-alert"}, nil)

	code, body := s.call("POST", "/api/v1/intake/events", ingest, strings.NewReader(`{"fingerprint":"shop-5xx","name":"Shop 5xx rate",
		"severity":"critical","status":"firing","summary":"5xx above 5% for 5 minutes","resource":"web-01"}`), "Content-Type", "application/json")
	if code != 200 {
		t.Fatalf("intake = %d %s", code, body)
	}
	var list []incidentView
	eventually(t, 30*time.Second, func() string {
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/incidents", read, nil, &list)
		if len(list) != 1 {
			return fmt.Sprintf("%d incidents", len(list))
		}
		return ""
	})
	inc := list[0]
	base := fmt.Sprintf("/api/v1/tenants/acme/incidents/%d", inc.ID)
	var withService struct {
		ServiceID int64 `json:"service_id"`
	}
	s.mustJSON(200, "GET", base, read, nil, &withService)
	if withService.ServiceID != svc.ID || inc.State != "new" {
		t.Fatalf("incident from the alert: %+v, service %d; want state new, service %d", inc, withService.ServiceID, svc.ID)
	}

	s.mustJSON(200, "POST", base+"/acknowledge", ops, map[string]any{}, nil)
	s.mustJSON(200, "POST", base+"/cause", ops, map[string]string{"cause": "決済APIのタイムアウト", "category": "external"}, nil)
	s.mustJSON(200, "POST", base+"/state", ops, map[string]string{"state": "resolved", "close_code": "Solution provided", "close_notes": "タイムアウト値を変更"}, nil)
	s.mustJSON(200, "GET", base, read, nil, &inc)
	if inc.AcknowledgedAt == nil || inc.CauseAt == nil || inc.ResolvedAt == nil {
		t.Fatalf("resolved incident: %+v", inc)
	}
	for name, stop := range map[string]time.Time{"acknowledge": *inc.AcknowledgedAt, "identify": *inc.CauseAt, "resolve": *inc.ResolvedAt} {
		c := inc.clock(t, name)
		if want := stop.Sub(inc.OpenedAt).String(); c.Elapsed != want || c.State != "met" {
			t.Errorf("%s clock: %s %s, want %s met", name, c.Elapsed, c.State, want)
		}
	}

	// ServiceNow: the create, then each change once, in order.
	var reqs []servicenowtest.Request
	eventually(t, 30*time.Second, func() string {
		reqs = sn.Requests()
		if len(reqs) == 0 || reqs[len(reqs)-1].Fields["state"] != "6" {
			return fmt.Sprintf("ServiceNow saw %+v", reqs)
		}
		return ""
	})
	if reqs[0].Method != "POST" || reqs[0].Fields["correlation_id"] != fmt.Sprint(inc.ID) {
		t.Fatalf("first write %+v, want the create with correlation_id %d", reqs[0], inc.ID)
	}
	var seen []string
	for _, r := range reqs[1:] {
		switch {
		case strings.HasPrefix(r.Fields["work_notes"], "Acknowledged"):
			seen = append(seen, "ack")
		case strings.HasPrefix(r.Fields["work_notes"], "Cause identified"):
			seen = append(seen, "cause")
		case r.Fields["state"] == "6":
			seen = append(seen, "resolve")
		}
	}
	if fmt.Sprint(seen) != "[ack cause resolve]" {
		t.Errorf("ServiceNow updates %v, want [ack cause resolve] once each: %+v", seen, reqs)
	}
	if rec := sn.Records(); len(rec) != 1 || rec[0]["close_code"] != "Solution provided" {
		t.Errorf("ServiceNow records: %+v", rec)
	}
}
