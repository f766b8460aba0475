package alert

import (
	"bytes"
	"encoding/json"
	"testing"
)

// amBatch is an Alertmanager webhook with one alert per severity given.
func amBatch(severities ...string) string {
	var alerts []map[string]any
	for _, sev := range severities {
		alerts = append(alerts, map[string]any{"status": "firing", "fingerprint": "fp-" + sev,
			"labels": map[string]string{"alertname": "Disk-" + sev, "severity": sev, "instance": "web-01:9100"}})
	}
	b, _ := json.Marshal(map[string]any{"version": "4", "status": "firing", "alerts": alerts})
	return string(b)
}

// TestUnknownSeverityIsMappedNotRefused: an Alertmanager batch holding an
// alert with a severity unyo does not know is taken whole (2xx); the odd
// alert takes the tenant's mapping (warning by default) and keeps the
// sender's name as its original_severity label. Only a malformed body is
// refused, and the tenant's table is validated.
func TestUnknownSeverityIsMappedNotRefused(t *testing.T) {
	s := newAPIServer(t)
	code, body := s.do(t, "POST", "/api/v1/intake/alertmanager", acmeIngest, amBatch("major", "critical"))
	if code != 200 || !bytes.Contains(body, []byte(`"opened":2`)) {
		t.Fatalf("intake of major and critical = %d %s", code, body)
	}
	got := map[string]*Alert{}
	for _, a := range s.alerts("acme") {
		got[a.Title.En] = a
	}
	if a := got["Disk-major"]; a == nil || a.Severity != SeverityWarning || a.Labels[OriginalSeverityLabel] != "major" || a.State != StateFiring {
		t.Errorf("the major alert: %+v", a)
	}
	if a := got["Disk-critical"]; a == nil || a.Severity != SeverityCritical || a.Labels[OriginalSeverityLabel] != "" {
		t.Errorf("the critical alert: %+v", a)
	}

	// The tenant maps major to critical and anything else to info.
	if code, body := s.do(t, "PUT", "/api/v1/tenants/acme/alert-severities", acmeRW, `{"unknown":"info","severities":{"MAJOR":"critical"}}`); code != 200 ||
		!bytes.Contains(body, []byte(`"major":"critical"`)) {
		t.Fatalf("PUT the map = %d %s", code, body)
	}
	if code, body := s.do(t, "POST", "/api/v1/intake/alertmanager", acmeIngest, amBatch("Major", "p5")); code != 200 {
		t.Fatalf("intake after the map = %d %s", code, body)
	}
	for _, a := range s.alerts("acme") {
		switch a.Title.En {
		case "Disk-Major":
			if a.Severity != SeverityCritical || a.Labels[OriginalSeverityLabel] != "Major" {
				t.Errorf("Major by the map: %+v", a)
			}
		case "Disk-p5":
			if a.Severity != SeverityInfo || a.Labels[OriginalSeverityLabel] != "p5" {
				t.Errorf("p5, unknown to the map: %+v", a)
			}
		}
	}
	// Another tenant's table is its own.
	if code, body := s.do(t, "GET", "/api/v1/tenants/beta/alert-severities", betaRW, ""); code != 200 || string(bytes.TrimSpace(body)) != `{"unknown":"warning","severities":{}}` {
		t.Errorf("beta's map = %d %s", code, body)
	}

	for _, bad := range []struct{ body, field string }{
		{`{"unknown":"major"}`, "unknown"},
		{`{"unknown":"warning","severities":{"p1":"urgent"}}`, "severities.p1"},
		{`{"unknown":"warning","severities":{"":"info"}}`, "severities"},
		{`{"unknown":"warning","severities":{"Sev":"info","sev":"critical"}}`, "severities.sev"},
		{`{"unknown":"warning","extra":1}`, "extra"},
	} {
		code, body := s.do(t, "PUT", "/api/v1/tenants/acme/alert-severities", acmeRW, bad.body)
		var e struct{ Field string }
		json.Unmarshal(body, &e)
		if code != 400 || e.Field != bad.field {
			t.Errorf("PUT %s = %d %s, want 400 on %q", bad.body, code, body, bad.field)
		}
	}
	if code, body := s.do(t, "PUT", "/api/v1/tenants/acme/alert-severities", acmeRO, `{"unknown":"info"}`); code != 403 {
		t.Errorf("PUT with the read scope = %d %s", code, body)
	}
	// A malformed body is still refused, whole.
	if code, body := s.do(t, "POST", "/api/v1/intake/alertmanager", acmeIngest, `{"version":"4","alerts":[{"status":"burning","labels":{"a":"b"}}]}`); code != 400 {
		t.Errorf("a malformed alert = %d %s", code, body)
	}
}
