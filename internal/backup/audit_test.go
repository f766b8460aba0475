package backup

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestChangesCommitWithTheirAudit: a policy's create, update and delete
// write their audit entry in their own transaction: refused, the change
// does not stay and the API answers 5xx; made, it has exactly one entry.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	fx := newFixture(t)
	const base = "/api/v1/tenants/acme/backups/policies"
	do := func(method, path string, b any) (int, []byte) {
		code, out := fx.do(t, method, path, "acme:read,write", b.(string))
		return code, []byte(out)
	}
	state := func() string { _, out := fx.do(t, "GET", base, "acme:read", ""); return out }
	check := func(method, path, b, action string) []byte {
		return apitest.CheckAudited(t, fx.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: b,
			State: state, Action: action, ObjectType: "backup_policy"})
	}
	var p Policy
	if err := json.Unmarshal(check("POST", base, fx.policyBody("acme", "shop-db", ""), "create"), &p); err != nil || p.ID == 0 {
		t.Fatalf("created policy: %+v %v", p, err)
	}
	path := fmt.Sprintf("%s/%d", base, p.ID)
	check("PUT", path, fx.policyBody("acme", "shop-db", "1h"), "update")
	check("DELETE", path, "", "delete")
}
