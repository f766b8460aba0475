package alert

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestActionsCommitWithTheirAudit: an acknowledgement, a silence and a
// severity map write their audit entry in their own transaction: refused,
// the alert (and its events) and the map stay as they were and the API
// answers 5xx; made, each has exactly one entry.
func TestActionsCommitWithTheirAudit(t *testing.T) {
	s := newAPIServer(t)
	s.host("acme", "web-01")
	if code, body := s.do(t, "POST", "/api/v1/intake/alertmanager", acmeIngest, string(fixture(t, "alertmanager_firing.json"))); code != 200 {
		t.Fatalf("intake = %d %s", code, body)
	}
	_, body := s.do(t, "GET", "/api/v1/tenants/acme/alerts", acmeRO, "")
	var list []*Alert
	json.Unmarshal(body, &list)
	if len(list) == 0 {
		t.Fatalf("no alerts: %s", body)
	}
	base := fmt.Sprintf("/api/v1/tenants/acme/alerts/%d", list[0].ID)
	const severities = "/api/v1/tenants/acme/alert-severities"
	do := func(method, path string, b any) (int, []byte) { return s.do(t, method, path, acmeRW, b.(string)) }
	state := func() string {
		_, a := s.do(t, "GET", base, acmeRO, "")
		_, m := s.do(t, "GET", severities, acmeRO, "")
		return string(a) + string(m)
	}
	check := func(method, path, body, action, objType string) {
		apitest.CheckAudited(t, s.engine.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: body,
			State: state, Action: action, ObjectType: objType})
	}
	check("POST", base+"/acknowledge", "", "acknowledge", "alert")
	until := s.now.Add(time.Hour).UTC().Format(time.RFC3339)
	check("POST", base+"/silence", `{"until":"`+until+`"}`, "silence", "alert")
	check("PUT", severities, `{"unknown":"info","severities":{"major":"critical"}}`, "update", "alert-severities")
}
