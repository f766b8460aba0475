package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"
)

type e2eAlert struct {
	ID         int64             `json:"id"`
	State      string            `json:"state"`
	Severity   string            `json:"severity"`
	ResourceID int64             `json:"resource_id"`
	ValueText  string            `json:"value_text"`
	Labels     map[string]string `json:"labels"`
	Events     []struct {
		From   string `json:"from"`
		To     string `json:"to"`
		Reason string `json:"reason"`
	} `json:"events"`
}

// alertsOf lists the alerts of tenant with query.
func (s *server) alertsOf(token, tenant, query string) []e2eAlert {
	s.t.Helper()
	code, body := s.call("GET", "/api/v1/tenants/"+tenant+"/alerts?"+query, token, nil)
	if code != 200 {
		s.t.Fatalf("list alerts = %d: %s", code, body)
	}
	var list []e2eAlert
	if err := json.Unmarshal(body, &list); err != nil {
		s.t.Fatalf("list alerts: %v: %s", err, body)
	}
	return list
}

// pushUntil pushes value for host every second until the alerts of tenant
// matching query are not empty, or fails after the deadline. The engine
// reloads its rules when an item is created, so only the first samples may
// find no rule yet.
func (s *server) pushUntil(ingest, read, tenant, query string, value float64) []e2eAlert {
	s.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		s.push(ingest, []prompb.TimeSeries{{
			Labels:  []prompb.Label{{Name: "__name__", Value: "node_cpu_busy_percent"}, {Name: "host", Value: "web-01"}},
			Samples: []prompb.Sample{{Value: value, Timestamp: time.Now().UnixMilli()}},
		}})
		if list := s.alertsOf(read, tenant, query); len(list) > 0 {
			return list
		}
		time.Sleep(time.Second)
	}
	s.t.Fatalf("no alert matching %q within 90s\n%s", query, s.stderr)
	return nil
}

// TestAlertFromRemoteWrite: a sample over an item's threshold fires an
// alert, one under the recovery level resolves it, and the history
// survives kill -9.
func TestAlertFromRemoteWrite(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	ingest, read := s.tenantWithTokens("acme")
	_, betaRead := s.tenantWithTokens("beta")
	var host struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "web-01", "kind": "host", "labels": map[string]string{"os": "linux"}}, &host)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", map[string]any{
		"resource_id": host.ID, "name": "cpu", "kind": "metric", "title": map[string]string{"ja": "CPU 使用率", "en": "CPU usage"},
		"metric":    map[string]string{"series": "node_cpu_busy_percent"},
		"threshold": map[string]any{"op": ">", "warning": 80, "critical": 90, "recovery": 75},
	}, nil)

	firing := s.pushUntil(ingest, read, "acme", "state=firing", 93.5)
	if a := firing[0]; a.Severity != "critical" || a.ResourceID != host.ID || a.ValueText != "cpu 93.5 > 90" || a.Labels["host"] != "web-01" {
		t.Fatalf("firing alert: %+v", a)
	}
	id := firing[0].ID
	if code, body := s.call("GET", "/api/v1/tenants/acme/alerts", betaRead, nil); code != 404 {
		t.Errorf("beta's token lists acme's alerts: %d %s", code, body)
	}
	// Alertmanager's webhook lands in the same alerts, under the token's tenant.
	am, err := os.ReadFile("../../internal/alert/testdata/alertmanager_firing.json")
	if err != nil {
		t.Fatal(err)
	}
	code, body := s.call("POST", "/api/v1/intake/alertmanager", ingest, bytes.NewReader(am), "Content-Type", "application/json")
	if code != 200 || !bytes.Contains(body, []byte(`"opened":2`)) {
		t.Fatalf("alertmanager intake = %d %s", code, body)
	}
	code, body = s.call("POST", "/api/v1/intake/alertmanager", ingest, strings.NewReader(`{"version":"4","alerts":[{"status":"pending","labels":{"a":"b"}}]}`))
	if code != 400 || !bytes.Contains(body, []byte(`"field":"alerts[0].status"`)) {
		t.Errorf("bad payload = %d %s", code, body)
	}
	resolved := s.pushUntil(ingest, read, "acme", "state=resolved", 70)
	if resolved[0].ID != id {
		t.Fatalf("resolved alert %d, want %d", resolved[0].ID, id)
	}

	s.stop(syscall.SIGKILL)
	s = startServer(t, dir)
	var a e2eAlert
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/alerts/%d", id), read, nil, &a)
	if a.State != "resolved" || len(a.Events) != 2 || a.Events[0].To != "firing" || a.Events[1].Reason != "recovered" {
		t.Fatalf("after kill -9: %+v", a)
	}
	if n := len(s.alertsOf(read, "acme", "state=firing&severity=critical,warning")); n != 2 {
		t.Errorf("%d firing alerts after kill -9, want the 2 from Alertmanager", n)
	}
}
