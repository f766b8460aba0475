package incident

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestHandlerChangesCommitWithTheirAudit: what people and tokens do to an
// incident and to the catalog writes its audit entry in the change's own
// transaction: refused, the change does not stay (nor its timeline entry)
// and the API answers 5xx; made, it has exactly one entry.
func TestHandlerChangesCommitWithTheirAudit(t *testing.T) {
	s := newServer(t)
	const acme = "/api/v1/tenants/acme"
	var id int64
	do := func(method, path string, body any) (int, []byte) { return s.do(t, method, path, acmeRW, body) }
	state := func() string {
		_, list := s.do(t, "GET", acme+"/incidents", acmeRO, nil)
		_, tl := s.do(t, "GET", fmt.Sprintf("%s/incidents/%d/timeline", acme, id), acmeRW, nil)
		_, items := s.do(t, "GET", acme+"/catalog-items", acmeRO, nil)
		return string(list) + string(tl) + string(items)
	}
	check := func(method, path string, body any, action, objType string) int64 {
		b := apitest.CheckAudited(t, s.fixture.s.db, do, "acme", apitest.Change{Method: method, Path: path, Body: body,
			State: state, Action: action, ObjectType: objType})
		var v struct{ ID int64 }
		json.Unmarshal(b, &v)
		return v.ID
	}
	id = check("POST", acme+"/incidents", map[string]any{"short_description": "メール送信不可", "impact": 1, "urgency": 1}, "create", "incident")
	base := fmt.Sprintf("%s/incidents/%d", acme, id)
	check("PATCH", base, map[string]any{"urgency": 2}, "update", "incident")
	check("POST", base+"/work-notes", map[string]string{"text": "ログ確認中"}, "work_note", "incident")
	check("POST", base+"/state", map[string]string{"state": "in_progress"}, "state", "incident")
	item := check("POST", acme+"/catalog-items", map[string]any{"name": "new account"}, "create", "catalog_item")
	check("PUT", fmt.Sprintf("%s/catalog-items/%d", acme, item), map[string]any{"name": "new mailbox"}, "update", "catalog_item")
	check("DELETE", fmt.Sprintf("%s/catalog-items/%d", acme, item), nil, "delete", "catalog_item")
}
