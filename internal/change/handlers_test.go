package change

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/incident"
)

const (
	staff     = "acme:read,write"
	viewer    = "acme:viewer"
	requester = "acme:requester"
	mspAdmin  = ":read,write,admin"
)

// held reports whether an alert of resource (of acme) at is held by a maintenance window.
func (fx *fixture) held(t *testing.T, tenant string, resource int64, at time.Time) bool {
	t.Helper()
	_, in, err := fx.windows.Active(context.Background(), tenant, resource, 0, map[string]string{}, at)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestCustomerApprovesNormalChange: a normal change waits for the
// customer; until approved nothing is held; the customer's viewer may not
// approve (it only reads); the customer's requester approves it, which records who and when and opens a window that holds the alerts
// of the affected host (and no other) over the schedule only.
func TestCustomerApprovesNormalChange(t *testing.T) {
	fx := newFixture(t)
	start := time.Now().Add(time.Hour).Truncate(time.Second)
	var c Change
	fx.mustDo(t, 201, "POST", "/api/v1/tenants/acme/changes", staff, fx.body("acme", TypeNormal, start), &c)
	if c.State != StateDraft || c.CreatedBy == "" {
		t.Fatalf("created: %+v", c)
	}
	path := fmt.Sprintf("/api/v1/tenants/acme/changes/%d", c.ID)
	fx.mustDo(t, 200, "POST", path+"/submit", staff, nil, &c)
	if c.State != StateRequested || c.Approval != "" {
		t.Fatalf("submitted normal change: %s %q", c.State, c.Approval)
	}
	mid := start.Add(time.Hour)
	if fx.held(t, "acme", fx.res["acme"], mid) {
		t.Fatal("a change nobody approved holds alerts")
	}
	// Staff cannot approve in the customer's name without a reference.
	if code, out := fx.do(t, "POST", path+"/approve", staff, nil); code != 403 {
		t.Fatalf("staff approve without reference = %d %s, want 403", code, out)
	}
	if code, out := fx.do(t, "POST", path+"/approve", viewer, nil); code != 403 {
		t.Fatalf("the customer's viewer approves = %d %s, want 403", code, out)
	}
	fx.mustDo(t, 200, "POST", path+"/approve", requester, nil, &c)
	if c.State != StateApproved || c.Approval != ApprovalCustomer || c.ApprovedBy == "" || c.ApprovedAt == nil || len(c.WindowIDs) != 1 {
		t.Fatalf("approved: %+v", c)
	}
	if !fx.held(t, "acme", fx.res["acme"], mid) {
		t.Error("the approved change's window does not hold alerts of the affected host")
	}
	if fx.held(t, "acme", fx.other["acme"], mid) {
		t.Error("the window holds a host the change does not affect")
	}
	if fx.held(t, "acme", fx.res["acme"], start.Add(-time.Minute)) || fx.held(t, "acme", fx.res["acme"], start.Add(2*time.Hour)) {
		t.Error("the window holds alerts outside the change's schedule")
	}
	w, err := fx.windows.Get(context.Background(), "acme", c.WindowIDs[0])
	if err != nil || !strings.Contains(w.Name, "OS patching") || !w.Start.Equal(start) {
		t.Fatalf("the window: %+v %v", w, err)
	}
	// Approving twice opens nothing more.
	if code, out := fx.do(t, "POST", path+"/approve", requester, nil); code != 400 || !strings.Contains(out, `"field":"state"`) {
		t.Fatalf("second approval = %d %s", code, out)
	}
	if list, _ := fx.windows.List(context.Background(), "acme"); len(list) != 1 {
		t.Fatalf("%d windows after a second approval", len(list))
	}
	// Its lifecycle, with the result.
	fx.mustDo(t, 200, "POST", path+"/state", staff, map[string]any{"state": "in_progress"}, &c)
	if code, out := fx.do(t, "POST", path+"/state", staff, map[string]any{"state": "closed"}); code != 400 || !strings.Contains(out, `"field":"state"`) {
		t.Fatalf("in_progress → closed = %d %s", code, out)
	}
	fx.mustDo(t, 200, "POST", path+"/state", staff, map[string]any{"state": "implemented", "result": "patched, rebooted in 4 min"}, &c)
	fx.mustDo(t, 200, "GET", path, viewer, nil, &c)
	if c.State != StateImplemented || c.Result != "patched, rebooted in 4 min" {
		t.Fatalf("after implementation: %s %q", c.State, c.Result)
	}
}

// TestRejectRecordsWhoAndWhy: the customer refuses with a reason; nothing
// is held; staff record a refusal only with a reference.
func TestRejectRecordsWhoAndWhy(t *testing.T) {
	fx := newFixture(t)
	start := time.Now().Add(time.Hour)
	var c Change
	fx.mustDo(t, 201, "POST", "/api/v1/tenants/acme/changes", staff, fx.body("acme", TypeNormal, start), &c)
	path := fmt.Sprintf("/api/v1/tenants/acme/changes/%d", c.ID)
	fx.mustDo(t, 200, "POST", path+"/submit", staff, nil, nil)
	if code, out := fx.do(t, "POST", path+"/reject", requester, map[string]string{}); code != 400 || !strings.Contains(out, `"field":"reason"`) {
		t.Fatalf("reject without reason = %d %s", code, out)
	}
	if code, out := fx.do(t, "POST", path+"/reject", staff, map[string]string{"reason": "busy"}); code != 403 {
		t.Fatalf("staff reject without reference = %d %s", code, out)
	}
	fx.mustDo(t, 200, "POST", path+"/reject", requester, map[string]string{"reason": "month-end closing that week"}, &c)
	if c.State != StateRejected || c.RejectedBy == "" || c.RejectedAt == nil || c.RejectReason != "month-end closing that week" || len(c.WindowIDs) != 0 {
		t.Fatalf("rejected: %+v", c)
	}
	if fx.held(t, "acme", fx.res["acme"], start.Add(time.Minute)) {
		t.Error("a rejected change holds alerts")
	}
	if code, _ := fx.do(t, "POST", path+"/approve", requester, nil); code != 400 {
		t.Errorf("approving a rejected change = %d", code)
	}
}

// TestDocumentedAndEmergencyApprovals: MSP staff approve with the
// reference of the customer's agreement (recorded as such); an emergency
// change is authorised at submission by an MSP admin only; a standard
// change needs a catalog item of its tenant and is pre-approved.
func TestDocumentedAndEmergencyApprovals(t *testing.T) {
	fx := newFixture(t)
	start := time.Now().Add(time.Hour)
	var c Change
	fx.mustDo(t, 201, "POST", "/api/v1/tenants/acme/changes", staff, fx.body("acme", TypeNormal, start), &c)
	path := fmt.Sprintf("/api/v1/tenants/acme/changes/%d", c.ID)
	fx.mustDo(t, 200, "POST", path+"/submit", staff, nil, nil)
	fx.mustDo(t, 200, "POST", path+"/approve", staff, map[string]string{"reference": "定例会議事録 2026-12-01"}, &c)
	if c.Approval != ApprovalDocumented || c.ApprovalRef != "定例会議事録 2026-12-01" {
		t.Fatalf("documented approval: %+v", c)
	}

	fx.mustDo(t, 201, "POST", "/api/v1/tenants/acme/changes", staff, fx.body("acme", TypeEmergency, start), &c)
	path = fmt.Sprintf("/api/v1/tenants/acme/changes/%d", c.ID)
	if code, out := fx.do(t, "POST", path+"/submit", staff, nil); code != 403 {
		t.Fatalf("a tenant's staff submits an emergency change: %d %s", code, out)
	}
	fx.mustDo(t, 200, "POST", path+"/submit", mspAdmin, nil, &c)
	if c.State != StateApproved || c.Approval != ApprovalEmergency || len(c.WindowIDs) != 1 {
		t.Fatalf("emergency change: %+v", c)
	}

	b := fx.body("acme", TypeStandard, start)
	if code, out := fx.do(t, "POST", "/api/v1/tenants/acme/changes", staff, b); code != 400 || !strings.Contains(out, `"field":"catalog_item_id"`) {
		t.Fatalf("standard without catalog item = %d %s", code, out)
	}
	desk := incident.NewDesk(fx.store.db, fx.st, nil)
	items := map[string]*incident.CatalogItem{}
	for _, tn := range []string{"acme", "beta"} {
		items[tn] = &incident.CatalogItem{TenantID: tn, Name: "monthly patching", Description: "OS patches"}
		if err := desk.CreateCatalogItem(context.Background(), items[tn]); err != nil {
			t.Fatal(err)
		}
	}
	b["catalog_item_id"] = items["beta"].ID
	if code, out := fx.do(t, "POST", "/api/v1/tenants/acme/changes", staff, b); code != 400 || !strings.Contains(out, "no catalog item") {
		t.Fatalf("standard with another tenant's item = %d %s", code, out)
	}
	b["catalog_item_id"] = items["acme"].ID
	fx.mustDo(t, 201, "POST", "/api/v1/tenants/acme/changes", staff, b, &c)
	fx.mustDo(t, 200, "POST", fmt.Sprintf("/api/v1/tenants/acme/changes/%d/submit", c.ID), staff, nil, &c)
	if c.State != StateApproved || c.Approval != ApprovalStandard {
		t.Fatalf("standard change: %+v", c)
	}
}

// TestBadInputAndTenancy: refusals name the field; another tenant's
// resource is unknown; another tenant's change is not found.
func TestBadInputAndTenancy(t *testing.T) {
	fx := newFixture(t)
	start := time.Now().Add(time.Hour)
	f := func(edit func(map[string]any), field string) {
		t.Helper()
		b := fx.body("acme", TypeNormal, start)
		edit(b)
		code, out := fx.do(t, "POST", "/api/v1/tenants/acme/changes", staff, b)
		if code != 400 || !strings.Contains(out, `"field":"`+field+`"`) {
			t.Errorf("want 400 on %s, got %d %s", field, code, out)
		}
	}
	f(func(b map[string]any) { b["end"] = start.Add(-time.Hour).Format(time.RFC3339) }, "end")
	f(func(b map[string]any) { b["risk"] = "extreme" }, "risk")
	f(func(b map[string]any) { b["type"] = "whenever" }, "type")
	f(func(b map[string]any) { b["title"] = " " }, "title")
	f(func(b map[string]any) { b["resource_ids"] = []int64{fx.res["beta"]} }, "resource_ids[0]")
	f(func(b map[string]any) { delete(b, "resource_ids") }, "resource_ids")
	if code, _ := fx.do(t, "POST", "/api/v1/tenants/acme/changes", viewer, fx.body("acme", TypeNormal, start)); code != 403 {
		t.Errorf("a viewer creates a change: %d", code)
	}
	var c Change
	fx.mustDo(t, 201, "POST", "/api/v1/tenants/acme/changes", staff, fx.body("acme", TypeNormal, start), &c)
	for _, path := range []string{"/api/v1/tenants/beta/changes/%d", "/api/v1/tenants/beta/changes/%d/approve"} {
		method := "GET"
		if strings.HasSuffix(path, "approve") {
			method = "POST"
		}
		if code, out := fx.do(t, method, fmt.Sprintf(path, c.ID), "beta:requester", nil); code != 404 {
			t.Errorf("beta %s acme's change: %d %s", method, code, out)
		}
	}
	var list []Change
	fx.mustDo(t, 200, "GET", "/api/v1/tenants/beta/changes", "beta:read", nil, &list)
	if len(list) != 0 {
		t.Errorf("beta lists %d changes", len(list))
	}
	// Once submitted, the content is what is being agreed: no edit.
	path := fmt.Sprintf("/api/v1/tenants/acme/changes/%d", c.ID)
	fx.mustDo(t, 200, "PUT", path, staff, fx.body("acme", TypeNormal, start.Add(time.Hour)), nil)
	fx.mustDo(t, 200, "POST", path+"/submit", staff, nil, nil)
	if code, out := fx.do(t, "PUT", path, staff, fx.body("acme", TypeNormal, start)); code != 400 || !strings.Contains(out, `"field":"state"`) {
		t.Errorf("editing a requested change = %d %s", code, out)
	}
}

// TestCalendarAndIncidentLink: the calendar lists the changes and window
// occurrences of a range, and only those; an incident names the change
// that caused it, seen from both sides.
func TestCalendarAndIncidentLink(t *testing.T) {
	fx := newFixture(t)
	start := time.Date(2027, 3, 10, 1, 0, 0, 0, time.UTC)
	var c Change
	fx.mustDo(t, 201, "POST", "/api/v1/tenants/acme/changes", staff, fx.body("acme", TypeEmergency, start), &c)
	fx.mustDo(t, 200, "POST", fmt.Sprintf("/api/v1/tenants/acme/changes/%d/submit", c.ID), mspAdmin, nil, nil)
	var cal Calendar
	fx.mustDo(t, 200, "GET", "/api/v1/tenants/acme/change-calendar?from=2027-03-01T00:00:00Z&to=2027-04-01T00:00:00Z", viewer, nil, &cal)
	if len(cal.Changes) != 1 || cal.Changes[0].ID != c.ID || len(cal.Windows) != 1 || !cal.Windows[0].Start.Equal(start) {
		t.Fatalf("March calendar: %+v", cal)
	}
	fx.mustDo(t, 200, "GET", "/api/v1/tenants/acme/change-calendar?from=2027-04-01T00:00:00Z&to=2027-05-01T00:00:00Z", viewer, nil, &cal)
	if len(cal.Changes) != 0 || len(cal.Windows) != 0 {
		t.Fatalf("April calendar: %+v", cal)
	}
	if code, out := fx.do(t, "GET", "/api/v1/tenants/acme/change-calendar?from=2027-01-01T00:00:00Z&to=2027-05-01T00:00:00Z", viewer, nil); code != 400 || !strings.Contains(out, `"field":"to"`) {
		t.Fatalf("a four-month range = %d %s", code, out)
	}

	desk := incident.NewDesk(fx.store.db, fx.st, nil)
	incs := map[string]int64{}
	for _, tn := range []string{"acme", "beta"} {
		desc := "web down after patching"
		inc, err := desk.Open(context.Background(), tn, "user:ops", incident.Fields{ShortDescription: &desc})
		if err != nil {
			t.Fatal(err)
		}
		incs[tn] = inc.ID
	}
	path := fmt.Sprintf("/api/v1/tenants/acme/changes/%d/incidents", c.ID)
	if code, out := fx.do(t, "POST", path, staff, map[string]any{"incident_id": incs["beta"]}); code != 400 || !strings.Contains(out, `"field":"incident_id"`) {
		t.Fatalf("linking beta's incident = %d %s", code, out)
	}
	fx.mustDo(t, 200, "POST", path, staff, map[string]any{"incident_id": incs["acme"], "note": "IIS did not restart"}, nil)
	fx.mustDo(t, 200, "GET", fmt.Sprintf("/api/v1/tenants/acme/changes/%d", c.ID), viewer, nil, &c)
	if len(c.Incidents) != 1 || c.Incidents[0].IncidentID != incs["acme"] || c.Incidents[0].Note != "IIS did not restart" {
		t.Fatalf("the change's incidents: %+v", c.Incidents)
	}
	var l IncidentLink
	fx.mustDo(t, 200, "GET", fmt.Sprintf("/api/v1/tenants/acme/incidents/%d/caused-by-change", incs["acme"]), viewer, nil, &l)
	if l.ChangeID != c.ID {
		t.Fatalf("the incident's cause: %+v", l)
	}
	if code, _ := fx.do(t, "GET", fmt.Sprintf("/api/v1/tenants/beta/incidents/%d/caused-by-change", incs["beta"]), "beta:read", nil); code != 404 {
		t.Errorf("beta's unlinked incident: %d", code)
	}
}

// TestOpenAPI: the fragment documents exactly the routes.
func TestOpenAPI(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}
