package incident

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestVendorCaseAPI walks a vendor case through the API under an incident
// and under an inquiry: opened, the vendor replies, closed; the tenant's
// list shows the active ones; a viewer never reads the notes; a catalog
// request takes none; bad input names its field and changes nothing.
func TestVendorCaseAPI(t *testing.T) {
	s := newServer(t)
	const acme = "/api/v1/tenants/acme"
	var inc, inq, req Incident
	s.must(t, 201, "POST", acme+"/incidents", acmeRW, map[string]any{"short_description": "Azure VM 停止"}, &inc)
	s.must(t, 201, "POST", acme+"/requests", acmeRW, map[string]any{"kind": "inquiry", "short_description": "ライセンスの質問"}, &inq)
	var item CatalogItem
	s.must(t, 201, "POST", acme+"/catalog-items", acmeRW, map[string]any{"name": "mailbox"}, &item)
	s.must(t, 201, "POST", acme+"/requests", acmeRW, map[string]any{"kind": "request", "catalog_item_id": item.ID}, &req)

	incCases := fmt.Sprintf("%s/incidents/%d/vendor-cases", acme, inc.ID)
	var c VendorCase
	s.must(t, 201, "POST", incCases, acmeRW, map[string]any{"vendor": "microsoft", "case_number": "2612070040000001",
		"severity": "A", "support_plan": "Unified", "notes": "secret-note"}, &c)
	if c.Status != CaseWaitingVendor || c.Ticket != inc.Number || c.TicketKind != KindIncident || c.Notes != "secret-note" {
		t.Fatalf("opened %+v", c)
	}
	inqCases := fmt.Sprintf("%s/requests/%d/vendor-cases", acme, inq.ID)
	var q VendorCase
	s.must(t, 201, "POST", inqCases, acmeRW, map[string]any{"vendor": "other", "vendor_name": "Cisco TAC", "case_number": "69000001",
		"status": "open"}, &q)
	s.must(t, 200, "PATCH", fmt.Sprintf("%s/%d", inqCases, q.ID), acmeRW, map[string]any{"status": "closed"}, &q)
	if q.Status != CaseClosed || q.ClosedAt == nil {
		t.Fatalf("closed %+v", q)
	}

	var list []VendorCase
	s.must(t, 200, "GET", acme+"/vendor-cases", acmeRO, nil, &list)
	if len(list) != 1 || list[0].ID != c.ID || list[0].Notes != "" {
		t.Fatalf("tenant list for a read-only token: %+v, want the Microsoft case without notes", list)
	}
	s.must(t, 200, "GET", acme+"/vendor-cases?all=true", acmeRW, nil, &list)
	if len(list) != 2 {
		t.Fatalf("all=true lists %d cases, want 2", len(list))
	}
	for _, tok := range []string{acmeViewer, acmeRO} {
		for _, path := range []string{incCases, fmt.Sprintf("%s/%d", incCases, c.ID), acme + "/vendor-cases"} {
			if _, body := s.do(t, "GET", path, tok, nil); strings.Contains(string(body), "secret-note") {
				t.Errorf("%s reads the notes at %s: %s", tok, path, body)
			}
		}
	}
	if _, body := s.do(t, "GET", fmt.Sprintf("%s/incidents/%d/timeline", acme, inc.ID), acmeViewer, nil); !strings.Contains(string(body), "Escalated to Microsoft") {
		t.Errorf("the customer's timeline lacks the escalation: %s", body)
	}

	// Bad input: 400 naming the field, and the case as it was.
	bad := func(method, path, body, field string) {
		t.Helper()
		code, data := s.do(t, method, path, acmeRW, body)
		var e struct{ Field string }
		json.Unmarshal(data, &e)
		if code != 400 || e.Field != field {
			t.Errorf("%s %s %s = %d %s, want 400 naming %s", method, path, body, code, data, field)
		}
	}
	bad("POST", incCases, `{"vendor":"ibm","case_number":"1"}`, "vendor")
	bad("POST", incCases, `{"vendor":"aws"}`, "case_number")
	bad("POST", incCases, `{"vendor":"aws","case_number":"1","colour":"red"}`, "colour")
	bad("PATCH", fmt.Sprintf("%s/%d", incCases, c.ID), `{"status":"later"}`, "status")
	bad("PATCH", fmt.Sprintf("%s/%d", inqCases, q.ID), `{"status":"open"}`, "status")
	s.must(t, 200, "GET", fmt.Sprintf("%s/%d", incCases, c.ID), acmeRW, nil, &c)
	if c.Status != CaseWaitingVendor {
		t.Fatalf("a refused edit changed the case: %+v", c)
	}

	// Where cases are not: a catalog request, the other collection, another tenant.
	for _, tc := range []struct{ method, path, tok string }{
		{"POST", fmt.Sprintf("%s/requests/%d/vendor-cases", acme, req.ID), acmeRW},
		{"GET", fmt.Sprintf("%s/requests/%d/vendor-cases", acme, inc.ID), acmeRW},
		{"GET", fmt.Sprintf("%s/incidents/%d/vendor-cases/%d", acme, inc.ID, q.ID), acmeRW},
		{"GET", fmt.Sprintf("%s/incidents/%d/vendor-cases/x", acme, inc.ID), acmeRW},
		{"GET", fmt.Sprintf("/api/v1/tenants/beta/incidents/%d/vendor-cases", inc.ID), betaRW},
		{"PATCH", fmt.Sprintf("/api/v1/tenants/beta/incidents/%d/vendor-cases/%d", inc.ID, c.ID), betaRW},
		{"DELETE", fmt.Sprintf("/api/v1/tenants/beta/incidents/%d/vendor-cases/%d", inc.ID, c.ID), betaRW},
	} {
		if code, body := s.do(t, tc.method, tc.path, tc.tok, `{"vendor":"aws","case_number":"9","status":"closed"}`); code != 404 {
			t.Errorf("%s %s as %s = %d %s, want 404", tc.method, tc.path, tc.tok, code, body)
		}
	}
	s.must(t, 200, "GET", "/api/v1/tenants/beta/vendor-cases?all=true", betaRW, nil, &list)
	if len(list) != 0 {
		t.Errorf("beta lists acme's cases: %+v", list)
	}
	s.must(t, 403, "POST", incCases, acmeRO, map[string]any{"vendor": "aws", "case_number": "2"}, nil)
	s.must(t, 204, "DELETE", fmt.Sprintf("%s/%d", inqCases, q.ID), acmeRW, nil, nil)
	s.must(t, 404, "GET", fmt.Sprintf("%s/%d", inqCases, q.ID), acmeRW, nil, nil)
}

// TestVendorCaseChangesCommitWithTheirAudit: opening, editing and removing
// a case each write one audit entry on the vendor case, in the change's
// own transaction: refused, the case and the timeline stay as they were.
func TestVendorCaseChangesCommitWithTheirAudit(t *testing.T) {
	s := newServer(t)
	const acme = "/api/v1/tenants/acme"
	var inc Incident
	s.must(t, 201, "POST", acme+"/incidents", acmeRW, map[string]any{"short_description": "RDS failover"}, &inc)
	base := fmt.Sprintf("%s/incidents/%d/vendor-cases", acme, inc.ID)
	do := func(method, path string, body any) (int, []byte) { return s.do(t, method, path, acmeRW, body) }
	state := func() string {
		_, cases := s.do(t, "GET", acme+"/vendor-cases?all=true", acmeRW, nil)
		_, tl := s.do(t, "GET", fmt.Sprintf("%s/incidents/%d/timeline", acme, inc.ID), acmeRW, nil)
		return string(cases) + string(tl)
	}
	b := apitest.CheckAudited(t, s.fixture.s.db, do, "acme", apitest.Change{Method: "POST", Path: base,
		Body: map[string]any{"vendor": "aws", "case_number": "171200000001"}, State: state, Action: "create", ObjectType: "vendor_case"})
	var c VendorCase
	json.Unmarshal(b, &c)
	path := fmt.Sprintf("%s/%d", base, c.ID)
	apitest.CheckAudited(t, s.fixture.s.db, do, "acme", apitest.Change{Method: "PATCH", Path: path,
		Body: map[string]any{"status": "waiting_on_us"}, State: state, Action: "update", ObjectType: "vendor_case"})
	apitest.CheckAudited(t, s.fixture.s.db, do, "acme", apitest.Change{Method: "DELETE", Path: path,
		State: state, Action: "delete", ObjectType: "vendor_case"})
}
