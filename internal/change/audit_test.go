package change

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestChangesCommitWithTheirAudit: every write of the change API writes
// its audit entry in its own transaction: refused, nothing stays and the
// API answers 5xx; made, it has exactly one entry.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	fx := newFixture(t)
	const base = "/api/v1/tenants/acme/changes"
	token := staff
	do := func(method, path string, b any) (int, []byte) {
		code, out := fx.do(t, method, path, token, b)
		return code, []byte(out)
	}
	state := func() string { _, out := fx.do(t, "GET", base, "acme:read", nil); return out }
	check := func(method, path string, b any, action string) []byte {
		return apitest.CheckAudited(t, fx.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: b,
			State: state, Action: action, ObjectType: "change"})
	}
	body, _ := json.Marshal(fx.body("acme", TypeNormal, time.Now().Add(time.Hour)))
	var c Change
	if err := json.Unmarshal(check("POST", base, string(body), "create"), &c); err != nil || c.ID == 0 {
		t.Fatalf("created change: %+v %v", c, err)
	}
	path := fmt.Sprintf("%s/%d", base, c.ID)
	check("PUT", path, string(body), "update")
	check("POST", path+"/submit", "", "submit")
	token = requester
	check("POST", path+"/approve", "", "approve")
	token = staff
	check("POST", path+"/state", `{"state":"in_progress"}`, "transition")
}
