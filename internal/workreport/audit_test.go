package workreport

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestChangesCommitWithTheirAudit: a work report's create, update and
// delete write their audit entry in their own transaction: refused, the
// change does not stay and the API answers 5xx; made, it has exactly one
// entry.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	fx := newFixture(t)
	const base = "/api/v1/tenants/acme/work-reports"
	do := func(method, path string, b any) (int, []byte) {
		code, out := fx.do(t, method, path, "acme:read,write", b.(string))
		return code, []byte(out)
	}
	state := func() string { _, out := fx.do(t, "GET", base, "acme:read", ""); return out }
	check := func(method, path, b, action string) []byte {
		return apitest.CheckAudited(t, fx.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: b,
			State: state, Action: action, ObjectType: "work_report"})
	}
	var rep Report
	json.Unmarshal(check("POST", base, body("patching", "2026-02-03T10:00:00Z", "2026-02-03T11:00:00Z", 0), "create"), &rep)
	path := fmt.Sprintf("%s/%d", base, rep.ID)
	check("PUT", path, body("patching web", "2026-02-03T10:00:00Z", "2026-02-03T11:30:00Z", 0), "update")
	check("DELETE", path, "", "delete")
}
