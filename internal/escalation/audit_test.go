package escalation

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
	e := newEnv(t)
	serve := e.serve(t)
	do := func(method, path string, body any) (int, []byte) { return serve(method, path, "acme:read,write", body) }
	state := func() string { _, b := serve("GET", base, "acme:read", nil); return string(b) }
	check := func(method, path string, body any, action string) []byte {
		return apitest.CheckAudited(t, e.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: body,
			State: state, Action: action, ObjectType: "escalation_policy"})
	}
	in := map[string]any{"name": "standard", "steps": []any{map[string]any{"targets": []string{"l1"}, "wait": "15m"}}}
	var p Policy
	json.Unmarshal(check("POST", base, in, "create"), &p)
	path := fmt.Sprintf("%s/%d", base, p.ID)
	in["name"] = "renamed"
	check("PUT", path, in, "update")
	check("DELETE", path, nil, "delete")
}
