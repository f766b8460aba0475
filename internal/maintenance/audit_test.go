package maintenance

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestChangesCommitWithTheirAudit: a window's create, update and delete
// write their audit entry in their own transaction: refused, the change
// does not stay and the API answers 5xx; made, it has exactly one entry.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	f := newFixture(t)
	do := func(method, path string, body any) (int, []byte) { return f.do(t, method, path, acmeRW, body) }
	state := func() string { _, b := f.do(t, "GET", base, acmeRO, nil); return string(b) }
	check := func(method, path string, body any, action string) []byte {
		return apitest.CheckAudited(t, f.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: body,
			State: state, Action: action, ObjectType: "maintenance_window"})
	}
	var w Stored
	json.Unmarshal(check("POST", base, map[string]any{"name": "patching", "recurrence": sundayPatch()}, "create"), &w)
	path := fmt.Sprintf("%s/%d", base, w.ID)
	check("PUT", path, map[string]any{"name": "patching 2", "resource_id": f.web1.ID, "recurrence": sundayPatch()}, "update")
	check("DELETE", path, nil, "delete")
}
