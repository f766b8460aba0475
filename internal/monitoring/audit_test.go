package monitoring

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestChangesCommitWithTheirAudit: every design change of the API (template,
// item, assignment, override) writes its audit entry in its own
// transaction: refused, the change does not stay and the API answers 5xx;
// made, it has exactly one entry.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	s := newServer(t)
	base := "/api/v1/tenants/acme/monitoring"
	do := func(method, path string, body any) (int, []byte) {
		code, _, b := s.do(t, method, path, acmeRW, body)
		return code, b
	}
	list := func(what string) func() string {
		return func() string { _, _, b := s.do(t, "GET", base+"/"+what, acmeRO, nil); return string(b) }
	}
	check := func(method, path string, body any, action, what string) int64 {
		b := apitest.CheckAudited(t, s.s.db, do, "acme", apitest.Change{Method: method, Path: path, Body: body,
			State: list(what + "s"), Action: action, ObjectType: "monitoring_" + what})
		var v struct{ ID int64 }
		json.Unmarshal(b, &v)
		return v.ID
	}
	tpl := check("POST", base+"/templates", map[string]any{"name": "batch", "title": map[string]string{"ja": "バッチ", "en": "Batch"}}, "create", "template")
	tplPath := fmt.Sprintf("%s/templates/%d", base, tpl)
	check("PUT", tplPath, map[string]any{"name": "batch2", "title": map[string]string{"ja": "バッチ", "en": "Batch"}}, "update", "template")
	cp := check("POST", tplPath+"/copy", map[string]any{"name": "batch3"}, "copy", "template")

	item := map[string]any{"template_id": tpl, "name": "batch-proc", "kind": "process", "process": map[string]any{"pattern": "^batchd$"}, "severity": "critical"}
	it := check("POST", base+"/items", item, "create", "item")
	item["severity"] = "warning"
	check("PUT", fmt.Sprintf("%s/items/%d", base, it), item, "update", "item")

	as := check("POST", base+"/assignments", map[string]any{"template_id": tpl, "resource_id": s.web1.ID}, "create", "assignment")
	check("DELETE", fmt.Sprintf("%s/assignments/%d", base, as), nil, "delete", "assignment")

	o := check("POST", base+"/overrides", map[string]any{"item_id": it, "resource_id": s.web1.ID, "disabled": true}, "create", "override")
	check("PUT", fmt.Sprintf("%s/overrides/%d", base, o), map[string]any{"disabled": false, "note": "back on"}, "update", "override")
	check("DELETE", fmt.Sprintf("%s/overrides/%d", base, o), nil, "delete", "override")

	check("DELETE", fmt.Sprintf("%s/items/%d", base, it), nil, "delete", "item")
	check("DELETE", fmt.Sprintf("%s/templates/%d", base, cp), nil, "delete", "template")
}
