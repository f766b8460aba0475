package runbook

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestChangesCommitWithTheirAudit: runbook and checklist changes, and a
// checklist item's completion, write their audit entry in their own
// transaction: refused, the change does not stay and the API answers 5xx;
// made, it has exactly one entry.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	fx := newFixture(t)
	const acme = "/api/v1/tenants/acme"
	do := func(method, path string, body any) (int, []byte) {
		code, _, b := apitest.Do(t, fx.srv, method, path, "acme:read,write", body)
		return code, b
	}
	var cl int64
	state := func() string {
		out := ""
		for _, p := range []string{acme + "/runbooks", acme + "/checklists", fmt.Sprintf("%s/checklists/%d/days/2026-01-05", acme, cl)} {
			_, _, b := apitest.Do(t, fx.srv, "GET", p, "acme:read", nil)
			out += string(b)
		}
		return out
	}
	check := func(method, path, body, action, objType string) int64 {
		b := apitest.CheckAudited(t, fx.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: body,
			State: state, Action: action, ObjectType: objType})
		var v struct{ ID int64 }
		json.Unmarshal(b, &v)
		return v.ID
	}
	rb := check("POST", acme+"/runbooks", `{"title":"DB再起動","body":"1. 停止"}`, "create", "runbook")
	check("PUT", fmt.Sprintf("%s/runbooks/%d", acme, rb), `{"title":"DB再起動","body":"1. 停止 2. 起動"}`, "update", "runbook")
	check("DELETE", fmt.Sprintf("%s/runbooks/%d", acme, rb), "", "delete", "runbook")
	cl = check("POST", acme+"/checklists", `{"name":"朝の点検","items":["バックアップ結果確認","夜間アラート確認"]}`, "create", "checklist")
	path := fmt.Sprintf("%s/checklists/%d", acme, cl)
	check("PUT", path, `{"name":"朝の点検","items":["バックアップ結果確認","ディスク使用率確認"]}`, "update", "checklist")
	check("POST", path+"/days/2026-01-05/items/0", `{"note":"OK"}`, "complete", "checklist")
	check("DELETE", path, "", "delete", "checklist")
}
