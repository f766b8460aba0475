package report

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestChangesCommitWithTheirAudit: a report's create, edit, publish and
// delivery and the recipients' update write their audit entry in their own
// transaction: refused, the change does not stay and the API answers 5xx;
// made, it has exactly one entry.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	f := newFixtureFrom(t, []string{"acme"}, 0, fromNov, time.Minute)
	s := newAPIOn(t, f)
	const base = "/api/v1/tenants/acme/reports"
	do := func(method, path string, b any) (int, []byte) { return s.do(t, method, path, acmeRW, b) }
	// State is the reports as the operator lists them (state, publication
	// and delivery times), their contents and the recipients.
	state := func() string {
		out := string(s.want(t, 200, "GET", base, acmeRW, nil))
		for _, st := range decodeAs[[]Stored](t, []byte(out)) {
			out += string(s.want(t, 200, "GET", base+"/"+itoa(st.ID), acmeRW, nil))
		}
		return out + string(s.want(t, 200, "GET", "/api/v1/tenants/acme/report-recipients", acmeRW, nil))
	}
	check := func(method, path string, b any, action string) []byte {
		return apitest.CheckAudited(t, f.db.DB(), do, "acme", apitest.Change{Method: method, Path: path, Body: b,
			State: state, Action: action, ObjectType: "report"})
	}
	var st Stored
	json.Unmarshal(check("POST", base, map[string]string{"from": "2026-11-01", "to": "2026-11-30"}, "create"), &st)
	path := base + "/" + itoa(st.ID)
	check("PATCH", path, map[string]any{"comment": "今月は安定稼働でした。"}, "update")
	check("POST", path+"/publish", nil, "publish")
	check("PUT", "/api/v1/tenants/acme/report-recipients", map[string]any{"recipients": []map[string]string{{"email": "cio@acme.example"}}}, "update")
	check("POST", path+"/deliver", nil, "deliver")
}
