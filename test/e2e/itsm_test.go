package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestRequestsRunbooksWorkReportsThroughTheBinary drives the rest of the
// desk through the real server: a catalog request waits for approval, a work
// report is attached to it, a runbook renders safely, a checklist day is
// ticked off; and another tenant's token reaches none of it.
func TestRequestsRunbooksWorkReportsThroughTheBinary(t *testing.T) {
	s := startServer(t, t.TempDir())
	_, acmeRead := s.tenantWithTokens("acme")
	s.tenantWithTokens("beta")
	token := func(tenant string) string {
		var out struct {
			Token string `json:"token"`
		}
		s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": tenant + "-ops", "tenant": tenant, "scopes": []string{"read", "write"}}, &out)
		return out.Token
	}
	acme, beta := token("acme"), token("beta")
	base := "/api/v1/tenants/acme"

	var item struct{ ID int64 }
	s.mustJSON(201, "POST", base+"/catalog-items", acme, map[string]any{"name": "VPNアカウント発行", "approval_required": true,
		"fields": []map[string]any{{"name": "user_name", "label": "氏名", "type": "string", "required": true}}}, &item)
	s.mustJSON(400, "POST", base+"/requests", acme, map[string]any{"kind": "request", "catalog_item_id": item.ID, "values": map[string]any{}}, nil)
	var req struct {
		ID       int64
		Number   string
		Approval string
		State    string
	}
	s.mustJSON(201, "POST", base+"/requests", acme, map[string]any{"kind": "request", "catalog_item_id": item.ID, "values": map[string]any{"user_name": "山田"}}, &req)
	if req.Number != "REQ0001001" || req.Approval != "pending" {
		t.Fatalf("request %+v", req)
	}
	rq := fmt.Sprintf("%s/requests/%d", base, req.ID)
	s.mustJSON(400, "POST", rq+"/state", acme, map[string]string{"state": "in_progress"}, nil)
	s.mustJSON(200, "POST", rq+"/approve", acme, map[string]string{"note": "OK"}, &req)
	s.mustJSON(200, "POST", rq+"/state", acme, map[string]string{"state": "resolved", "close_code": "Fulfilled", "close_notes": "発行済み"}, &req)

	var wr struct{ ID int64 }
	s.mustJSON(201, "POST", base+"/work-reports", acme, map[string]any{"subject": "VPNアカウント発行", "worker": "佐藤", "result": "done",
		"started_at": "2026-01-05T10:00:00+09:00", "ended_at": "2026-01-05T10:20:00+09:00", "incident_id": req.ID}, &wr)
	var rb struct {
		ID   int64
		HTML string
	}
	s.mustJSON(201, "POST", base+"/runbooks", acme, map[string]string{"title": "VPN障害", "body": "# 手順\n<script>alert(1)</script>"}, &rb)
	s.mustJSON(200, "GET", fmt.Sprintf("%s/runbooks/%d", base, rb.ID), acmeRead, nil, &rb)
	if !strings.Contains(rb.HTML, "<h1>手順</h1>") || strings.Contains(rb.HTML, "<script") {
		t.Errorf("runbook HTML %q", rb.HTML)
	}
	var cl struct{ ID int64 }
	s.mustJSON(201, "POST", base+"/checklists", acme, map[string]any{"name": "朝の点検", "items": []string{"バックアップ確認"}}, &cl)
	var day struct{ Done, Total int }
	s.mustJSON(200, "POST", fmt.Sprintf("%s/checklists/%d/days/2026-01-05/items/0", base, cl.ID), acme, map[string]string{"note": "OK"}, &day)
	if day.Done != 1 || day.Total != 1 {
		t.Errorf("checklist day %+v", day)
	}

	for _, p := range []string{"/catalog-items", fmt.Sprintf("/requests/%d", req.ID), fmt.Sprintf("/work-reports/%d", wr.ID),
		fmt.Sprintf("/runbooks/%d", rb.ID), fmt.Sprintf("/checklists/%d/days/2026-01-05", cl.ID)} {
		if code, body := s.call("GET", base+p, beta, nil); code != 404 {
			t.Errorf("beta GET acme%s: %d %s", p, code, body)
		}
		if code, body := s.call("GET", "/api/v1/tenants/beta"+p, beta, nil); strings.Contains(string(body), "VPN") || (strings.Contains(p, "/") && code == 200 && p != "/catalog-items") {
			t.Errorf("beta GET its own%s with acme's IDs: %d %s", p, code, body)
		}
	}
}
