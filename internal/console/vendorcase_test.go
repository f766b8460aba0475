package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/incident"
)

// withVendorCases serves the incident pages and the vendor cases from the
// service desk's own desk (withServiceDesk first), as the server does.
func withVendorCases(o *Options) {
	desk := o.Requests.(*incident.Desk)
	o.IncidentDesk, o.VendorCases = desk, desk
}

// TestVendorCaseCatalogComputed: every vendor, status and the timeline
// kind the pages show through a computed key has its words.
func TestVendorCaseCatalogComputed(t *testing.T) {
	keys := []string{"entry." + string(incident.EntryVendor)}
	for _, v := range incident.Vendors {
		keys = append(keys, "vendor."+string(v))
	}
	for _, s := range incident.CaseStatuses {
		keys = append(keys, "vcs."+string(s))
	}
	for _, k := range keys {
		if _, ok := catalog[k]; !ok {
			t.Errorf("catalog lacks %q", k)
		}
	}
}

// TestVendorCaseBlock: an operator escalates acme's incident to Microsoft
// from the incident page, the vendor replies, the case is closed; each
// step is on the timeline and in the audit log; a form without a case
// number is refused naming it and stores nothing; acme's viewer sees the
// case and the escalation, not the notes nor the forms; the inquiry page
// has the block, and the tenant's list shows the active cases.
func TestVendorCaseBlock(t *testing.T) {
	e := newEnv(t, withServiceDesk, withVendorCases)
	ctx := context.Background()
	desk := e.opts().VendorCases
	short := "Exchange Online の配送遅延"
	inc, err := desk.Open(ctx, "acme", "user:operator", incident.Fields{ShortDescription: &short})
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/tenants/acme/incidents/%d", inc.ID)
	op := e.login("operator")
	if code, body, _ := op.postForm(page, page+"/vendor-cases", url.Values{"vendor": {"microsoft"}, "severity": {"B"}}); code != http.StatusBadRequest ||
		!strings.Contains(body, "case_number") {
		t.Fatalf("a case without its number = %d, want 400 naming case_number", code)
	}
	code, _, loc := op.postForm(page, page+"/vendor-cases", url.Values{"vendor": {"microsoft"}, "case_number": {"2612070040000777"},
		"severity": {"B"}, "support_plan": {"Unified Enterprise"}, "status": {"waiting_on_vendor"}, "notes": {"社内: 山田さん担当"}})
	if code != http.StatusSeeOther || loc != page+"#vendor-cases" {
		t.Fatalf("escalate = %d to %q", code, loc)
	}
	cases, _ := desk.VendorCases(ctx, "acme", inc.ID)
	if len(cases) != 1 || !e.auditHas("acme", "create", "vendor_case") {
		t.Fatalf("cases %+v, audited %v", cases, e.auditHas("acme", "create", "vendor_case"))
	}
	c := cases[0]
	_, body, _ := op.get(page)
	for _, want := range []string{`id="vendor-cases"`, "2612070040000777", "Unified Enterprise", "ベンダー回答待ち", "社内: 山田さん担当",
		"Microsoftへエスカレーションしました（ケース 2612070040000777）", fmt.Sprintf(`id="vc-close-%d"`, c.ID), `id="vendor-case-form"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the incident page lacks %q", want)
		}
	}
	casePath := fmt.Sprintf("%s/vendor-cases/%d", page, c.ID)
	if code, _, _ := op.postForm(page, casePath, url.Values{"status": {"waiting_on_us"}, "notes": {"社内: 回答あり"}}); code != http.StatusSeeOther {
		t.Fatalf("vendor replied = %d", code)
	}
	_, body, _ = op.get(page)
	if !strings.Contains(body, "Microsoftから回答がありました（ケース 2612070040000777、当社対応待ち）") || !e.auditHas("acme", "update", "vendor_case") {
		t.Error("the reply is not on the timeline or not audited")
	}

	v := e.login("acme-viewer")
	_, body, _ = v.get(page)
	if !strings.Contains(body, "2612070040000777") || !strings.Contains(body, "Microsoftへエスカレーション") || strings.Contains(body, "社内:") ||
		strings.Contains(body, `id="vendor-case-form"`) || strings.Contains(body, "vc-close-") {
		t.Error("the viewer must see the case and the escalation, not the notes nor the forms")
	}
	if code, _, _ := v.postForm(page, casePath, url.Values{"status": {"closed"}}); code != http.StatusForbidden {
		t.Errorf("viewer's status change = %d, want 403", code)
	}
	_, body, _ = v.get("/tenants/acme/vendor-cases")
	if !strings.Contains(body, "2612070040000777") || strings.Contains(body, "社内:") {
		t.Error("the viewer's list must show the active case without notes")
	}

	if code, _, _ := op.postForm(page, casePath, url.Values{"status": {"closed"}}); code != http.StatusSeeOther {
		t.Fatalf("close = %d", code)
	}
	if _, body, _ := op.get("/tenants/acme/vendor-cases"); strings.Contains(body, "2612070040000777") {
		t.Error("a closed case is still in the active list")
	}
	if _, body, _ := op.get("/tenants/acme/vendor-cases?view=all"); !strings.Contains(body, "2612070040000777") {
		t.Error("a closed case is missing from the full list")
	}

	// An inquiry has the block too; a catalog request has none.
	inq, err := desk.OpenRequest(ctx, "acme", "user:operator", incident.RequestInput{Kind: incident.KindInquiry, Fields: incident.Fields{ShortDescription: &short}})
	if err != nil {
		t.Fatal(err)
	}
	inqPage := fmt.Sprintf("/tenants/acme/requests/%d", inq.ID)
	if code, _, _ := op.postForm(inqPage, inqPage+"/vendor-cases", url.Values{"vendor": {"other"}, "vendor_name": {"Cisco TAC"},
		"case_number": {"69000123"}}); code != http.StatusSeeOther {
		t.Fatalf("escalate the inquiry = %d", code)
	}
	if _, body, _ := op.get(inqPage); !strings.Contains(body, "Cisco TACへエスカレーションしました") || !strings.Contains(body, `id="vendor-case-form"`) {
		t.Error("the inquiry page lacks its vendor case")
	}
	// The incident's ID under /requests, and the inquiry's under /incidents, are not found.
	for _, p := range []string{fmt.Sprintf("/tenants/acme/requests/%d/vendor-cases", inc.ID), fmt.Sprintf("/tenants/acme/incidents/%d/vendor-cases", inq.ID)} {
		if code, _, _ := op.postForm(page, p, url.Values{"vendor": {"aws"}, "case_number": {"1"}}); code != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", p, code)
		}
	}
}
