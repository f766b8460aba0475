package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
)

// TestIncidentsSurviveKill9: an incident, its acknowledgement and a work
// note, each answered 2xx, are all there after kill -9 and a restart, and
// the next incident takes the next number (the counter survived too). With
// UNYO_TEST_DATABASE=postgres this runs on PostgreSQL, as the other kill -9
// tests (TestNotificationsSurviveKill9, TestAlertFromRemoteWrite) do.
func TestIncidentsSurviveKill9(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	s.tenantWithTokens("acme")
	var inc incidentView
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{
		"short_description": "DB応答遅延", "impact": 2, "urgency": 2}, &inc)
	base := fmt.Sprintf("/api/v1/tenants/acme/incidents/%d", inc.ID)
	s.mustJSON(200, "POST", base+"/acknowledge", "", map[string]any{}, nil)
	s.mustJSON(200, "POST", base+"/work-notes", "", map[string]string{"text": "スロークエリを調査中"}, nil)
	if err := s.stop(syscall.SIGKILL); err != nil && !strings.Contains(err.Error(), "killed") {
		t.Fatalf("kill: %v", err)
	}

	s = startServer(t, dir)
	var got incidentView
	s.mustJSON(200, "GET", base, "", nil, &got)
	if got.Number != inc.Number || got.AcknowledgedAt == nil {
		t.Fatalf("after kill -9: %+v, want %s acknowledged", got, inc.Number)
	}
	code, body := s.call("GET", base+"/timeline", "", nil)
	if code != 200 || !strings.Contains(string(body), "スロークエリを調査中") {
		t.Fatalf("timeline after kill -9 = %d %s, want the work note", code, body)
	}
	var next incidentView
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{
		"short_description": "二件目", "impact": 3, "urgency": 3}, &next)
	if next.Number != "INC0001002" || inc.Number != "INC0001001" {
		t.Fatalf("numbers %s then %s, want INC0001001 then INC0001002", inc.Number, next.Number)
	}
}
