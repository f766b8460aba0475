package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestFreshStartRaisesNoFalseNoData: a fresh server watching its own host
// opens no "Host up (no data)" alert or incident in its first seconds, when
// no sample could have arrived yet; a nodata item waits its window (5m for
// the base template) after the start. Whether the self agent's first push
// beats the engine's first evaluation is a race, so a host of another tenant,
// assigned a nodata item through the API and sending nothing, is watched too:
// it must wait its window after the assignment.
func TestFreshStartRaisesNoFalseNoData(t *testing.T) {
	s := startServer(t, t.TempDir(), "--monitor-self=true")
	s.tenantWithTokens("acme")
	s.hostWithItems("acme", "web-01", map[string]any{"name": "silent", "kind": "nodata", "severity": "critical",
		"title": map[string]string{"ja": "データ途絶", "en": "no data"}, "nodata": map[string]string{"after": "2m"}})
	// The self tenant and its host exist once the self agent is set up; the
	// engine reloads its rules at the assignment and evaluates them each second.
	await(t, 30*time.Second, func() string {
		code, body := s.call("GET", "/api/v1/tenants/self/resources", "", nil)
		if code != 200 || !strings.Contains(string(body), `"kind":"host"`) {
			return "no self host yet"
		}
		return ""
	})
	for until := time.Now().Add(10 * time.Second); time.Now().Before(until); time.Sleep(250 * time.Millisecond) {
		for _, path := range []string{"/api/v1/tenants/self/alerts", "/api/v1/tenants/self/incidents", "/api/v1/tenants/acme/alerts", "/api/v1/tenants/acme/incidents"} {
			code, body := s.call("GET", path, "", nil)
			if code != 200 {
				t.Fatalf("GET %s = %d: %s", path, code, body)
			}
			var list []struct {
				Title any `json:"title"`
			}
			if err := json.Unmarshal(body, &list); err != nil {
				t.Fatalf("GET %s: %v: %s", path, err, body)
			}
			for _, x := range list {
				if b, _ := json.Marshal(x.Title); strings.Contains(strings.ToLower(string(b)), "no data") || strings.Contains(string(b), "データ途絶") {
					t.Fatalf("a fresh start raised a no-data alert or incident (%s): %s", path, body)
				}
			}
		}
	}
}
