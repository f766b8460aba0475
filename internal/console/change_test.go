package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/change"
)

// apiChange stores a submitted normal change of tenant's web-01 from start, as the API would.
func (e *env) apiChange(tenant, title string, start time.Time) *change.Change {
	e.t.Helper()
	ctx := context.Background()
	c, err := e.changes.Create(ctx, tenant, "user:operator", change.Fields{Type: change.TypeNormal, Title: title, Risk: change.RiskLow,
		ResourceIDs: []int64{e.resourceID(tenant, tenant+"-web-01")}, Start: start, End: start.Add(2 * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	if c, err = e.changes.Submit(ctx, tenant, c.ID, "user:operator"); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// TestChangeFormApprovalAndCalendar: an operator writes a change in the
// form and submits it; the customer's viewer only reads; its requester sees approve and reject but no
// staff actions, approves, and the host's alerts are held over the
// schedule; the month view shows the change and its window on its day.
func TestChangeFormApprovalAndCalendar(t *testing.T) {
	e := newEnv(t)
	ops := e.login("operator")
	host := e.resourceID("acme", "acme-web-01")
	start := time.Now().Add(48 * time.Hour).In(time.UTC).Truncate(time.Minute)
	form := url.Values{"type": {"normal"}, "risk": {"medium"}, "title": {"IIS 更新"}, "resource_ids": {fmt.Sprint(host)},
		"implementation_plan": {"1. stop\n2. update"}, "backout_plan": {"restore snapshot"},
		"start": {start.Add(time.Hour).Format("2006-01-02T15:04")}, "end": {start.Format("2006-01-02T15:04")}}
	// The operator's zone is the tenant-less default; the end before the start is refused, naming the field.
	code, body, _ := ops.postForm("/tenants/acme/changes/new", "/tenants/acme/changes", form)
	if code != http.StatusBadRequest || !strings.Contains(body, "end") {
		t.Fatalf("end before start = %d", code)
	}
	if list, _ := e.changes.List(context.Background(), "acme", time.Time{}, time.Time{}); len(list) != 0 {
		t.Fatalf("a refused form stored %d changes", len(list))
	}
	form.Set("start", start.Format("2006-01-02T15:04"))
	form.Set("end", start.Add(2*time.Hour).Format("2006-01-02T15:04"))
	code, _, loc := ops.postForm("/tenants/acme/changes/new", "/tenants/acme/changes", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/tenants/acme/changes/") {
		t.Fatalf("create = %d %q", code, loc)
	}
	if code, body, _ := ops.postForm(loc, loc+"/submit", url.Values{}); code != 200 || !strings.Contains(body, `id="change-approve"`) {
		t.Fatalf("submit = %d", code)
	}

	if _, vbody, _ := e.login("acme-viewer").get(loc); strings.Contains(vbody, `id="change-approve"`) {
		t.Error("the customer's viewer, who only reads, is offered the approval")
	}
	viewer := e.login("acme-requester")
	code, body, _ = viewer.get(loc)
	if code != 200 || !strings.Contains(body, `id="change-approve"`) || strings.Contains(body, `id="change-link-form"`) || strings.Contains(body, `id="approve-reference"`) {
		t.Fatalf("the customer's page = %d; approve offered without reference, no staff actions: %v %v", code,
			strings.Contains(body, `id="change-approve"`), !strings.Contains(body, `id="change-link-form"`))
	}
	if code, _, _ := viewer.postForm(loc, "/tenants/acme/changes", form); code != http.StatusForbidden {
		t.Errorf("the customer's viewer creates a change: %d", code)
	}
	code, body, _ = viewer.postForm(loc, loc+"/approve", url.Values{})
	if code != 200 || !strings.Contains(body, "お客様承認") || !strings.Contains(body, "acme-requester") || strings.Contains(body, "user:acme-requester") || !strings.Contains(body, `id="change-windows"`) {
		t.Fatalf("approve = %d", code)
	}
	id := strings.TrimPrefix(loc, "/tenants/acme/changes/")
	var n int64
	fmt.Sscan(id, &n)
	ch, err := e.changes.Get(context.Background(), "acme", n)
	if err != nil || ch.State != change.StateApproved || ch.End.Sub(ch.Start) != 2*time.Hour {
		t.Fatalf("stored: %+v %v", ch, err)
	}
	if _, in, _ := e.windows.Active(context.Background(), "acme", host, 0, nil, ch.Start.Add(time.Hour)); !in {
		t.Error("the approved change holds no alert of its host")
	}
	if _, in, _ := e.windows.Active(context.Background(), "acme", host, 0, nil, ch.End); in {
		t.Error("the window outlasts the change")
	}

	// The operator's zone is Asia/Tokyo (the default); the month is the change's there.
	code, body, _ = ops.get("/tenants/acme/changes/calendar?month=" + ch.Start.In(tokyo(t)).Format("2006-01"))
	if code != 200 {
		t.Fatalf("calendar = %d", code)
	}
	if !strings.Contains(body, `data-change="`+id+`"`) || !strings.Contains(body, `class="window"`) {
		t.Errorf("the month view lacks the change or its window")
	}
	if code, body, _ := ops.get("/tenants/acme/changes/calendar?month=2026-13"); code != 200 || !strings.Contains(body, "YYYY-MM") {
		t.Errorf("a bad month = %d", code)
	}

	// Staff decide for the customer only with a reference.
	other := e.apiChange("acme", "DNS 切替", start)
	path := fmt.Sprintf("/tenants/acme/changes/%d", other.ID)
	if code, body, _ := ops.postForm(path, path+"/approve", url.Values{}); code != http.StatusBadRequest || !strings.Contains(body, "合意の記録") {
		t.Errorf("staff approve without reference = %d", code)
	}
	if code, body, _ := ops.postForm(path, path+"/approve", url.Values{"reference": {"12/1 定例議事録"}}); code != 200 || !strings.Contains(body, "12/1 定例議事録") {
		t.Errorf("staff approve with reference = %d", code)
	}
}

func tokyo(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
