package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/capacity"
)

// capacityGroup gives tenant a manual group with a proposed plan of two
// overlapping events.
func (e *env) capacityGroup(tenant, name string) (*capacity.Group, time.Time) {
	e.t.Helper()
	ctx := context.Background()
	svcs, _ := e.store.Services(ctx, tenant)
	g := &capacity.Group{TenantID: tenant, ServiceID: svcs[0].ID, Name: name, Kind: capacity.KindManual, Min: 1, Max: 20}
	if err := e.plans.CreateGroup(ctx, g, nil); err != nil {
		e.t.Fatal(err)
	}
	start := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	doc := capacity.Document{Baseline: capacity.Baseline{Default: 2}, Events: []capacity.Event{
		{Name: "春のキャンペーン", Start: start, End: start.Add(3 * time.Hour), Count: 8},
		{Name: "TV <spot>", Start: start.Add(time.Hour), End: start.Add(2 * time.Hour), Count: 12},
	}}
	if _, err := e.plans.CreateVersion(ctx, tenant, g.ID, doc, "", "user:operator"); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.plans.Propose(ctx, tenant, g.ID, 1, "user:operator"); err != nil {
		e.t.Fatal(err)
	}
	return g, start
}

// TestCapacityPagesApproveAndIsolate: the customer's viewer sees its
// group, the calendar with the events (names escaped) and the overlap,
// and approves the proposal as the customer; an operator's approval needs
// the reference of the agreement; another tenant's viewer gets 403 on
// every capacity page and its approval changes nothing.
func TestCapacityPagesApproveAndIsolate(t *testing.T) {
	e := newEnv(t)
	g, _ := e.capacityGroup("acme", "acme-web")
	base := fmt.Sprintf("/tenants/acme/capacity/groups/%d", g.ID)

	beta := e.login("beta-viewer")
	for _, path := range []string{"/tenants/acme/capacity", base, base + "?view=month"} {
		if code, body, _ := beta.get(path); code != http.StatusForbidden || strings.Contains(body, "acme-web") {
			t.Errorf("GET %s as beta's viewer = %d, want 403", path, code)
		}
	}
	if code, _, _ := beta.postForm("/board", base+"/versions/1/approve", url.Values{}); code != http.StatusForbidden {
		t.Errorf("beta's viewer approves acme's plan: %d", code)
	}
	if code, _, _ := beta.get(fmt.Sprintf("/tenants/beta/capacity/groups/%d", g.ID)); code != http.StatusNotFound {
		t.Errorf("acme's group under beta's path: %d, want 404", code)
	}

	viewer := e.login("acme-viewer")
	code, list, _ := viewer.get("/tenants/acme/capacity")
	if code != 200 || !strings.Contains(list, "acme-web") || !strings.Contains(list, "運行計画") {
		t.Fatalf("the groups page: %d", code)
	}
	code, page, _ := viewer.get(base + "?view=week")
	if code != 200 || !strings.Contains(page, `id="calendar"`) || !strings.Contains(page, "春のキャンペーン") ||
		!strings.Contains(page, "TV &lt;spot&gt;") || strings.Contains(page, "TV <spot>") || !strings.Contains(page, "重複") {
		t.Fatalf("the group page: %d\n%s", code, page)
	}
	if strings.Contains(page, `id="draft-form"`) || strings.Contains(page, `id="propose-1"`) || !strings.Contains(page, `id="approve-1"`) {
		t.Errorf("the viewer's page offers the wrong actions")
	}
	if code, _, _ := viewer.postForm(base, base+"/versions", url.Values{"document": {`{"baseline":{"default":1}}`}}); code != http.StatusForbidden {
		t.Errorf("the viewer drafts: %d", code)
	}

	op := e.login("operator")
	if code, body, _ := op.postForm(base, base+"/versions/1/approve", url.Values{}); code != http.StatusBadRequest || !strings.Contains(body, "議事録") {
		t.Errorf("the operator approves without a reference: %d", code)
	}
	if code, body, _ := viewer.postForm(base, base+"/versions/1/approve", url.Values{}); code != 200 || !strings.Contains(body, "お客様承認") {
		t.Errorf("the customer approves: %d", code)
	}
	v, _ := e.plans.Version(context.Background(), "acme", g.ID, 1)
	if v.State != capacity.StateAgreed || v.Approval != capacity.ApprovalCustomer || v.ApprovedBy != "user:acme-viewer" {
		t.Errorf("stored approval: %+v", v)
	}
	if code, _, _ := op.postForm(base, base+"/versions/1/activate", url.Values{"emergency": {"on"}, "reason": {"x"}}); code != http.StatusForbidden {
		t.Errorf("an operator's emergency change: %d", code)
	}
	if code, body, _ := op.postForm(base, base+"/versions/1/activate", url.Values{}); code != 200 || !strings.Contains(body, "運行中") {
		t.Errorf("activate: %d", code)
	}
	// The editor makes version 2; the diff shows what changed.
	doc := `{"baseline":{"default":3},"events":[]}`
	if code, body, _ := op.postForm(base, base+"/versions", url.Values{"document": {doc}, "reason": {"夜間バッチ増"}}); code != 200 || !strings.Contains(body, "第 2 版") {
		t.Fatalf("the editor: %d %s", code, body)
	}
	if code, body, _ := op.postForm(base, base+"/versions", url.Values{"document": {`{"baseline":{"default":-1}}`}, "reason": {"x"}}); code != http.StatusBadRequest || !strings.Contains(body, "baseline.default") {
		t.Errorf("a bad document: %d", code)
	}
	_, page, _ = op.get(base + "?diff=1-2")
	if !strings.Contains(page, `id="diff"`) || !strings.Contains(page, "baseline.default") || !strings.Contains(page, "春のキャンペーン") {
		t.Errorf("the diff:\n%s", page)
	}
	// A person confirms the manual group's count; an operator holds it.
	if code, body, _ := op.postForm(base, base+"/confirm", url.Values{"count": {"2"}}); code != 200 || !strings.Contains(body, "稼働台数 2 を記録しました") {
		t.Errorf("confirm: %d", code)
	}
	if code, _, _ := viewer.postForm(base, base+"/confirm", url.Values{"count": {"9"}}); code != http.StatusForbidden {
		t.Errorf("the viewer confirms: %d", code)
	}
	until := time.Now().Add(3 * time.Hour).In(tokyoZone(t)).Format("2006-01-02T15:04")
	if code, body, _ := op.postForm(base, base+"/hold", url.Values{"count": {"8"}, "until": {until}, "reason": {"keep 8 for the launch"}}); code != 200 || !strings.Contains(body, `id="status-hold"`) {
		t.Errorf("hold: %d", code)
	}
	if code, body, _ := op.postForm(base, base+"/hold", url.Values{"release": {"1"}}); code != 200 || strings.Contains(body, `id="status-hold"`) {
		t.Errorf("release: %d", code)
	}
	var audits int
	list2, _ := e.store.AuditLog(context.Background(), "acme", 100)
	for _, a := range list2 {
		if a.ObjectType == "capacity_plan" {
			audits++
		}
	}
	if audits != 3 { // approve, activate, create (the store's own seed writes none)
		t.Errorf("audit entries of the console's plan changes: %d, want 3", audits)
	}
	var groupAudits []string
	for _, a := range list2 {
		if a.ObjectType == "capacity_group" {
			groupAudits = append(groupAudits, a.Action)
		}
	}
	if strings.Join(groupAudits, ",") != "release_hold,hold,confirm" {
		t.Errorf("audit entries of the group: %v", groupAudits)
	}
}

func tokyoZone(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
