package alert

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeFixtures(t *testing.T) {
	am, err := DecodeAlertmanager(fixture(t, "alertmanager_firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(am) != 2 {
		t.Fatalf("%d signals, want 2", len(am))
	}
	s := am[0]
	if s.Fingerprint != "3b1e5a2f0c9d4e71" || s.Status != StateFiring || s.Severity != SeverityCritical || s.Resource != "web-01" ||
		s.Name != "HighMemoryUsage" || s.Summary != "Memory usage above 95% on web-01" || s.RunbookURL != "https://runbooks.example/memory" ||
		!s.StartsAt.Equal(time.Date(2025, 4, 1, 8, 58, 30, 123e6, time.UTC)) {
		t.Errorf("alertmanager signal: %+v", s)
	}
	if am[1].Severity != SeverityWarning || am[1].Summary != "Memory usage above 85% on db-01" || am[1].Resource != "db-01" {
		t.Errorf("second signal: %+v", am[1])
	}
	az, err := DecodeAzureMonitor(fixture(t, "azure_fired.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a := az[0]; a.Severity != SeverityCritical || a.Status != StateFiring || a.Resource != "web-01" || a.Name != "vm-cpu-high" ||
		a.Labels["signal_type"] != "Metric" || a.Fingerprint[:15] != "/subscriptions/" {
		t.Errorf("azure signal: %+v", a)
	}
	azr, err := DecodeAzureMonitor(fixture(t, "azure_resolved.json"))
	if err != nil || azr[0].Status != StateResolved || azr[0].Fingerprint != az[0].Fingerprint {
		t.Errorf("azure resolved: %+v %v", azr, err)
	}
	ev, err := DecodeEvents(fixture(t, "event_firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	if e := ev[0]; e.Resource != "db-01" || e.Name != "BackupFailed" || e.Severity != SeverityCritical || len(e.Fingerprint) != 32 ||
		!e.StartsAt.Equal(time.Date(2025, 3, 31, 18, 0, 12, 0, time.UTC)) {
		t.Errorf("event signal: %+v", e)
	}
}

func TestDecodeZabbix(t *testing.T) {
	p, err := DecodeZabbix(fixture(t, "zabbix_problem.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s := p[0]; s.Fingerprint != "4211573" || s.Status != StateFiring || s.Severity != SeverityCritical || s.Resource != "web-01" ||
		s.Name != "Free disk space is less than 10% on volume /" || s.Summary != "Free: 7.2 %" || s.Labels["tag_scope"] != "capacity" ||
		s.Labels["zabbix_trigger_id"] != "23456" || !s.StartsAt.Equal(time.Unix(1796634764, 0)) || s.Source != SourceZabbix {
		t.Errorf("problem: %+v", s)
	}
	r, err := DecodeZabbix(fixture(t, "zabbix_resolved.json"))
	if err != nil || r[0].Status != StateResolved || r[0].Fingerprint != p[0].Fingerprint {
		t.Errorf("resolved: %+v %v", r, err)
	}
	f := func(body string, status State, sev Severity, raw string) {
		t.Helper()
		s, err := DecodeZabbix([]byte(body))
		if err != nil || s[0].Status != status || s[0].Severity != sev || s[0].RawSeverity != raw {
			t.Errorf("%s: %+v %v", body, s, err)
		}
	}
	f(`{"event_id":"1","event_value":"1","severity":"Average"}`, StateFiring, SeverityWarning, "")
	f(`{"event_id":"1","status":"UPDATE","event_value":"0","severity":"Information"}`, StateResolved, SeverityInfo, "")
	f(`{"event_id":"1","status":"PROBLEM","severity":"緊急"}`, StateFiring, "", "緊急") // renamed in Zabbix: the tenant's map
	f(`{"event_id":"1","status":"PROBLEM","severity":"{EVENT.SEVERITY}","nseverity":"5"}`, StateFiring, SeverityCritical, "")
}

func TestDecodeRefusesNamingTheField(t *testing.T) {
	f := func(decode func([]byte) ([]Signal, error), body, field string) {
		t.Helper()
		_, err := decode([]byte(body))
		e, ok := invalid.As(err)
		if !ok || e.Field != field {
			t.Errorf("%s: error %v, want one on field %q", body, err, field)
		}
	}
	f(DecodeAlertmanager, `{"version":"3","alerts":[]}`, "version")
	f(DecodeAlertmanager, `{"version":"4","alerts":[]}`, "alerts")
	f(DecodeAlertmanager, `{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"}},{"status":"pending","labels":{"a":"b"}}]}`, "alerts[1].status")
	f(DecodeAlertmanager, `{"version":"4","alerts":[{"status":"firing","labels":{}}]}`, "alerts[0].labels")
	f(DecodeAlertmanager, `{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"yesterday"}]}`, "alerts[0].startsAt")
	f(DecodeAlertmanager, `{"version":4}`, "version")
	f(DecodeAlertmanager, `{"version":"4",`, "body")
	f(DecodeAlertmanager, ``, "body")
	f(DecodeAlertmanager, `[]`, "body")
	f(DecodeZabbix, `{"status":"PROBLEM"}`, "event_id")
	f(DecodeZabbix, `{"event_id":"{EVENT.ID}","status":"PROBLEM"}`, "event_id")
	f(DecodeZabbix, `{"event_id":"1"}`, "status")
	f(DecodeZabbix, `{"event_id":"1","status":"ACK"}`, "status")
	f(DecodeZabbix, `{"event_id":"1","status":"PROBLEM","nseverity":"9"}`, "nseverity")
	f(DecodeZabbix, `{"event_id":"1","status":"PROBLEM","clock":"yesterday"}`, "clock")
	f(DecodeZabbix, `{"event_id":1,"status":"PROBLEM"}`, "event_id")
	f(DecodeAzureMonitor, `{"schemaId":"Microsoft.Insights/activityLogs"}`, "schemaId")
	f(DecodeAzureMonitor, `{"schemaId":"azureMonitorCommonAlertSchema","data":{}}`, "data.essentials")
	f(DecodeAzureMonitor, `{"schemaId":"azureMonitorCommonAlertSchema","data":{"essentials":{"alertId":"x","severity":"Sev5"}}}`, "data.essentials.severity")
	f(DecodeAzureMonitor, `{"schemaId":"azureMonitorCommonAlertSchema","data":{"essentials":{"alertId":"x","severity":"Sev2","monitorCondition":"Paused"}}}`, "data.essentials.monitorCondition")
	f(DecodeAzureMonitor, `{"schemaId":"azureMonitorCommonAlertSchema","data":{"essentials":{"alertId":"x","severity":"Sev2","monitorCondition":"Fired","firedDateTime":"now"}}}`, "data.essentials.firedDateTime")
	f(DecodeAzureMonitor, `{"schemaId":"azureMonitorCommonAlertSchema","data":{"essentials":{"severity":"Sev2"}}}`, "data.essentials.alertId")
	f(DecodeEvents, `{"severity":"critical"}`, "fingerprint")
	f(DecodeEvents, `{"fingerprint":"x","status":"open"}`, "status")
	f(DecodeEvents, `{"fingerprint":"x","severity":"urgent"}`, "severity")
	f(DecodeEvents, `{"fingerprint":"x","labels":{"a":1}}`, "labels")
	f(DecodeEvents, `{"fingerprint":"x"} {"fingerprint":"y"}`, "body")
}

func TestIntakeDeduplicatesByFingerprint(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	ctx := context.Background()
	intake := func(tenant, name string, decode func([]byte) ([]Signal, error)) IntakeResult {
		t.Helper()
		s, err := decode(fixture(t, name))
		if err != nil {
			t.Fatal(err)
		}
		res, err := w.engine.Intake(ctx, tenant, s)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	w.maint[web.ID] = true
	if res := intake("acme", "alertmanager_firing.json", DecodeAlertmanager); res != (IntakeResult{Received: 2, Opened: 2}) {
		t.Errorf("first delivery: %+v", res)
	}
	// Alertmanager repeats a group every repeat_interval: nothing new, but
	// the alert held by the maintenance window that has ended is released.
	w.maint[web.ID] = false
	if res := intake("acme", "alertmanager_firing.json", DecodeAlertmanager); res != (IntakeResult{Received: 2}) {
		t.Errorf("repeat: %+v", res)
	}
	intake("acme", "azure_fired.json", DecodeAzureMonitor)
	list := w.alerts("acme")
	if len(list) != 3 {
		t.Fatalf("%d alerts, want 3", len(list))
	}
	var web01 *Alert
	for _, a := range list {
		if a.Source == SourceAlertmanager && a.Resource == "web-01" {
			web01 = a
		}
	}
	if web01 == nil || web01.ResourceID != web.ID || web01.State != StateFiring || !web01.Announced || !web01.StartedAt.Equal(time.Date(2025, 4, 1, 8, 58, 30, 123e6, time.UTC)) {
		t.Fatalf("alertmanager alert of web-01: %+v", web01)
	}
	if res := intake("acme", "alertmanager_resolved.json", DecodeAlertmanager); res != (IntakeResult{Received: 1, Resolved: 1}) {
		t.Errorf("resolution: %+v", res)
	}
	if res := intake("acme", "alertmanager_resolved.json", DecodeAlertmanager); res != (IntakeResult{Received: 1, Unknown: 1}) {
		t.Errorf("repeated resolution: %+v", res)
	}
	if got, want := w.events("acme", web01.ID), ">firing intake, firing>firing released notify, firing>resolved intake notify"; got != want {
		t.Errorf("events: %s, want %s", got, want)
	}
	// The same payload from beta's token is beta's own alert.
	intake("beta", "azure_fired.json", DecodeAzureMonitor)
	if n := len(w.alerts("beta")); n != 1 {
		t.Errorf("beta has %d alerts, want 1", n)
	}
	if n := len(w.alerts("acme")); n != 3 {
		t.Errorf("acme has %d alerts after beta's intake, want 3", n)
	}
}

// TestZabbixIntakeFlow: a Zabbix server's webhook problem opens one alert on
// the host it names, a repeat (Zabbix repeats an action's step) changes
// nothing, and the recovery of the same event ID resolves it.
func TestZabbixIntakeFlow(t *testing.T) {
	s := newAPIServer(t)
	web := s.host("acme", "web-01")
	post := func(name string, want IntakeResult) {
		t.Helper()
		code, body := s.do(t, "POST", "/api/v1/intake/zabbix", acmeIngest, string(fixture(t, name)))
		var got IntakeResult
		if err := json.Unmarshal(body, &got); code != 200 || err != nil || got != want {
			t.Fatalf("%s = %d %s, want %+v", name, code, body, want)
		}
	}
	post("zabbix_problem.json", IntakeResult{Received: 1, Opened: 1})
	post("zabbix_problem.json", IntakeResult{Received: 1})
	list := s.alerts("acme")
	if len(list) != 1 || list[0].State != StateFiring || list[0].Severity != SeverityCritical || list[0].ResourceID != web.ID || list[0].Source != SourceZabbix {
		t.Fatalf("after the problem: %+v", list)
	}
	post("zabbix_resolved.json", IntakeResult{Received: 1, Resolved: 1})
	if list = s.alerts("acme"); len(list) != 1 || list[0].State != StateResolved {
		t.Fatalf("after the recovery: %+v", list)
	}
}
