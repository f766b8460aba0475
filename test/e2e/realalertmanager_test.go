package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestAlertmanagerUnknownSeverity: a real Alertmanager 0.25 posts one group
// holding a "major" and a "critical" alert to unyo's intake; unyo takes the
// batch whole (Alertmanager would retry a refusal forever), both alerts are
// recorded, the major one as warning with its original severity kept.
func TestAlertmanagerUnknownSeverity(t *testing.T) {
	s := startServer(t, t.TempDir())
	ingest, read := s.tenantWithTokens("acme")
	addr := freeAddr(t)
	config := `route:
  receiver: unyo
  group_by: [job]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: unyo
    webhook_configs:
      - url: ` + yamlQuote(s.url+"/api/v1/intake/alertmanager") + `
        http_config:
          authorization: {credentials: ` + yamlQuote(ingest) + `}
`
	am := startPeer(t, "prometheus-alertmanager", addr, "/-/ready", config, "--config.file={config}",
		"--storage.path="+t.TempDir(), "--web.listen-address="+addr, "--cluster.listen-address=")

	alerts := `[
  {"labels": {"alertname": "DiskAlmostFull", "severity": "major", "job": "node", "instance": "web-01:9100"},
   "annotations": {"summary": "disk 91% full"}},
  {"labels": {"alertname": "HostDown", "severity": "critical", "job": "node", "instance": "web-02:9100"},
   "annotations": {"summary": "web-02 does not answer"}}
]`
	resp, err := http.Post(am.url+"/api/v2/alerts", "application/json", bytes.NewBufferString(alerts))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("posting alerts to Alertmanager = %d", resp.StatusCode)
	}

	want := "DiskAlmostFull firing warning original_severity=major\nHostDown firing critical original_severity="
	await(t, 60*time.Second, func() string {
		var got []string
		for _, a := range s.alertsOf(read, "acme", "") {
			got = append(got, fmt.Sprintf("%s %s %s original_severity=%s", a.Labels["alertname"], a.State, a.Severity, a.Labels["original_severity"]))
		}
		sort.Strings(got)
		if strings.Join(got, "\n") != want {
			return fmt.Sprintf("unyo's alerts:\n%s\nwant\n%s\nalertmanager said: %s", strings.Join(got, "\n"), want, am.output)
		}
		return ""
	})
	// Grafana's alerting view reads them in Prometheus's format.
	code, body := s.call("GET", "/api/v1/alerts", read, nil)
	if code != 200 || strings.Count(string(body), `"state":"firing"`) != 2 || !strings.Contains(string(body), `"alertname":"DiskAlmostFull"`) {
		t.Fatalf("GET /api/v1/alerts = %d %s", code, body)
	}
}
