package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/improvement"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/runbook"
	"github.com/unyo-ops/unyo/internal/servicenow"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/workreport"
)

// TestViewerSeesOnlyItsTenant walks every tenant page as acme's viewer
// against beta's data: each answers 403 and nothing of beta changes.
func TestViewerSeesOnlyItsTenant(t *testing.T) {
	var opts *Options
	e := newEnv(t, withBackups, withYearly(t, nil), withImprovements, withDashboards, withOps, func(o *Options) { opts = o })
	betaInc := e.openOn(opts.IncidentDesk, "beta", "beta-web-01", "beta outage")
	betaDash := &dashboard.Dashboard{Tenant: "beta", Title: "beta-dashboard", Panels: []dashboard.Panel{{Type: dashboard.Stat, Queries: []dashboard.Query{{Query: "up"}}}}}
	if err := e.console.opts.Dashboards.Create(context.Background(), betaDash); err != nil {
		t.Fatal(err)
	}
	betaDashPath := fmt.Sprintf("/tenants/beta/dashboards/%d", betaDash.ID)
	betaPolicy := e.backupPolicy("beta", "beta-backup", time.Hour, 0, time.Minute)
	register := improvement.NewStore(e.store.DB())
	betaItem := &improvement.Item{Tenant: "beta", Title: "beta-improvement", Category: "cost", CreatedBy: "user:b"}
	if err := register.Create(context.Background(), betaItem); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	betaHost := e.resourceID("beta", "beta-web-01")
	acmeHost := e.resourceID("acme", "acme-web-01")
	b := e.login("acme-viewer")
	betaChange := e.apiChange("beta", "beta-change", time.Now().Add(time.Hour))
	betaChangePath := fmt.Sprintf("/tenants/beta/changes/%d", betaChange.ID)

	for _, path := range []string{
		"/tenants/beta/changes",
		"/tenants/beta/changes/new",
		"/tenants/beta/changes/calendar",
		betaChangePath,
		"/tenants/acme/changes/new", // a customer's viewer writes no change, its own tenant's included
		"/tenants/beta",
		fmt.Sprintf("/tenants/beta/resources/%d", betaHost),
		"/tenants/beta/monitoring",
		"/tenants/beta/monitoring/items.csv",
		"/tenants/beta/monitoring/items.html",
		"/tenants/beta/backups",
		"/tenants/beta/improvements",
		fmt.Sprintf("/tenants/beta/improvements/%d", betaItem.ID),
		"/tenants/beta/automation",
		"/tenants/beta/dashboards",
		betaDashPath,
		betaDashPath + "/edit",
		"/tenants/acme/dashboards/1/edit", // a customer's viewer edits no dashboard
		"/tenants/beta/capacity",
		"/tenants/beta/capacity/groups/1",
		"/tenants/beta/capacity/groups/1?view=month",
		"/tenants/beta/capacity/yearly-plan.html",
		"/tenants/beta/capacity/yearly-plan.pdf",
		"/tenants/no-such-tenant",
		"/tenants/beta/settings/cloud-accounts",
		"/tenants/acme/settings/cloud-accounts", // a customer's viewer has no settings, its own tenant's included
		"/tenants/beta/settings/cloud-discovery",
		"/tenants/acme/settings/cloud-discovery",
		"/tenants/beta/oncall",
		"/tenants/acme/oncall", // on-call duty is the MSP's: no page for a customer's viewer
		"/tenants/beta/silences",
		"/tenants/acme/silences", // silences are the MSP's to set
		"/settings/tokens",
		"/settings/users",
	} {
		if code, body, _ := b.get(path); code != http.StatusForbidden || strings.Contains(body, "Beta Inc.") {
			t.Errorf("GET %s as acme's viewer = %d, want 403 without beta's data", path, code)
		}
	}
	before, _ := e.design.Assignments(ctx, "beta")
	for path, form := range map[string]url.Values{
		"/tenants/beta/monitoring/assignments": {"template_id": {"1"}, "resource_id": {fmt.Sprint(betaHost)}},
		"/settings/tokens":                     {"name": {"x"}, "tenant": {"beta"}, "scopes": {"read"}},
		"/settings/users":                      {"login": {"intruder"}, "role": {"viewer"}, "tenant": {"beta"}, "password": {"long-enough-password"}},
		"/settings/tokens/1/revoke":            {},
		"/tenants/beta/backups/restore-tests": {"policy_id": {fmt.Sprint(betaPolicy.ID)}, "started_at": {"2026-12-01T10:00"},
			"finished_at": {"2026-12-01T11:00"}, "restored": {"x"}, "verification": {"x"}, "result": {"failed"}},
		"/tenants/acme/backups/restore-tests": {"policy_id": {fmt.Sprint(betaPolicy.ID)}, "started_at": {"2026-12-01T10:00"},
			"finished_at": {"2026-12-01T11:00"}, "restored": {"x"}, "verification": {"x"}, "result": {"failed"}},
		"/tenants/beta/improvements":                                     {"title": {"x"}, "category": {"cost"}},
		fmt.Sprintf("/tenants/beta/improvements/%d", betaItem.ID):        {"title": {"taken"}, "category": {"cost"}},
		fmt.Sprintf("/tenants/beta/improvements/%d/status", betaItem.ID): {"status": {"rejected"}},
		"/tenants/acme/improvements":                                     {"title": {"a viewer's"}, "category": {"cost"}},
		"/tenants/beta/dashboards":                                       {"title": {"x"}},
		"/tenants/acme/dashboards":                                       {"title": {"a viewer's"}},
		"/tenants/beta/dashboards/import":                                {"json": {`{"panels":[{"type":"stat","targets":[{"expr":"up"}]}]}`}},
		betaDashPath + "/edit":                                           {"title": {"taken"}, "action": {"save"}, "panels": {"0"}, "variables": {"0"}},
		betaDashPath + "/delete":                                         {},
		"/tenants/beta/capacity/groups/1/versions":                       {"document": {`{"baseline":{"default":1}}`}},
		"/tenants/beta/capacity/groups/1/versions/1/approve":             {},
		"/tenants/beta/capacity/groups/1/versions/1/activate":            {},
		"/tenants/beta/capacity/groups/1/load":                           {"load_query": {"sum(up)"}},
		"/tenants/beta/settings/cloud-accounts": {"name": {"x"}, "provider": {"aws"}, "access_key_id": {"AKIAIOSFODNN7EXAMPLE"},
			"secret_access_key": {"x-secret"}, "regions": {"us-east-1"}},
		"/tenants/acme/settings/cloud-accounts": {"name": {"x"}, "provider": {"aws"}, "access_key_id": {"AKIAIOSFODNN7EXAMPLE"},
			"secret_access_key": {"x-secret"}, "regions": {"us-east-1"}},
		"/tenants/beta/settings/cloud-accounts/1/test":          {},
		"/tenants/beta/settings/cloud-discovery/rules":          {"types": {"lb"}},
		"/tenants/acme/settings/cloud-discovery/rules":          {"types": {"lb"}},
		"/tenants/beta/settings/cloud-discovery/accounts/1/run": {},
		"/tenants/beta/capacity/yearly-plan/accept":             {"from": {"2027-01"}},
		"/tenants/beta/changes": {"type": {"normal"}, "risk": {"low"}, "title": {"x"}, "resource_ids": {fmt.Sprint(betaHost)},
			"start": {"2027-01-01T10:00"}, "end": {"2027-01-01T11:00"}},
		"/tenants/acme/changes": {"type": {"normal"}, "risk": {"low"}, "title": {"x"}, "resource_ids": {fmt.Sprint(acmeHost)},
			"start": {"2027-01-01T10:00"}, "end": {"2027-01-01T11:00"}},
		betaChangePath + "/approve":        {},
		betaChangePath + "/reject":         {"reason": {"x"}},
		betaChangePath + "/submit":         {},
		betaChangePath + "/state":          {"state": {"closed"}},
		betaChangePath + "/incidents":      {"incident_id": {"1"}},
		"/tenants/beta/networks":           {"networks": {"10.0.0.0/8"}},
		"/tenants/acme/networks":           {"networks": {"10.0.0.0/8"}}, // only an MSP admin sets them, for its own tenant too
		"/tenants/beta/oncall/1/overrides": {"contact": {"x"}, "start": {"2026-12-01T10:00"}, "end": {"2026-12-01T11:00"}},
		"/tenants/acme/oncall/1/overrides": {"contact": {"x"}, "start": {"2026-12-01T10:00"}, "end": {"2026-12-01T11:00"}},
		// The operator's forms (ops_routes.go): nothing for a customer's viewer, its own tenant's included.
		"/tenants/beta/incidents": {"short_description": {"x"}, "impact": {"1"}, "urgency": {"1"}},
		"/tenants/acme/incidents": {"short_description": {"x"}, "impact": {"1"}, "urgency": {"1"}},
		"/incidents":              {"tenant": {"beta"}, "short_description": {"x"}, "impact": {"1"}, "urgency": {"1"}},
		fmt.Sprintf("/tenants/beta/incidents/%d/assign", betaInc.ID): {"assignee": {"intruder"}},
		"/tenants/beta/silences":                                     {"m_name": {"host"}, "m_op": {"="}, "m_value": {"x"}, "duration": {"1h"}, "comment": {"x"}},
		"/tenants/acme/silences":                                     {"m_name": {"host"}, "m_op": {"="}, "m_value": {"x"}, "duration": {"1h"}, "comment": {"x"}},
		"/tenants/beta/silences/1/expire":                            {},
		"/tenants/beta/alerts/1/incident":                            {"incident": {fmt.Sprint(betaInc.ID)}},
	} {
		if code, _, _ := b.postForm("/board", path, form); code != http.StatusForbidden {
			t.Errorf("POST %s as acme's viewer = %d, want 403", path, code)
		}
	}
	if now, err := e.changes.Get(ctx, "beta", betaChange.ID); err != nil || now.State != "requested" || len(now.WindowIDs) != 0 {
		t.Errorf("beta's change after acme's viewer: %+v %v", now, err)
	}
	for _, tn := range []string{"acme", "beta"} {
		if list, _ := e.changes.List(ctx, tn, time.Time{}, time.Time{}); len(list) != map[string]int{"acme": 0, "beta": 1}[tn] {
			t.Errorf("%s has %d changes after acme's viewer", tn, len(list))
		}
	}
	for _, tn := range []string{"acme", "beta"} {
		if rules, _ := e.disc.Rules(ctx, tn); len(rules.Types) != 0 {
			t.Errorf("a viewer changed %s's discovery rules: %+v", tn, rules)
		}
	}
	for _, tn := range []string{"acme", "beta"} {
		if list, _ := opts.IncidentDesk.Incidents(ctx, tn, incident.Filter{}); len(list) != map[string]int{"acme": 0, "beta": 1}[tn] || (tn == "beta" && list[0].Assignee != "") {
			t.Errorf("%s's incidents after acme's viewer: %d", tn, len(list))
		}
	}
	after, _ := e.design.Assignments(ctx, "beta")
	if len(after) != len(before) {
		t.Errorf("beta's assignments changed: %d -> %d", len(before), len(after))
	}
	for _, tn := range []string{"acme", "beta"} {
		if nets, _ := e.store.TenantNetworks(ctx, tn); len(nets) != 0 {
			t.Errorf("a viewer set %s's networks: %v", tn, nets)
		}
	}
	if _, err := e.store.UserByLogin(ctx, "intruder"); err == nil {
		t.Error("a viewer created a user")
	}
	for _, tn := range []string{"acme", "beta"} {
		if list, _ := e.clouds.List(ctx, tn); len(list) != 0 {
			t.Errorf("a viewer added a cloud account to %s: %+v", tn, list)
		}
	}
	if toks, _ := e.store.Tokens(ctx, ""); len(toks) != 0 {
		t.Errorf("a viewer created a token: %+v", toks)
	}
	if tests, _ := backup.NewStore(e.store.DB(), e.store).RestoreTests(ctx, "beta", 0, time.Time{}, time.Time{}); len(tests) != 0 {
		t.Errorf("a viewer recorded a restore test of beta: %+v", tests)
	}
	// The viewer reads its own tenant's backups, without the form.
	if code, body, _ := b.get("/tenants/acme/backups"); code != 200 || strings.Contains(body, "beta-backup") || strings.Contains(body, `id="restore-form"`) {
		t.Errorf("own backups page = %d, want 200, read-only, nothing of beta", code)
	}
	// An operator on acme's path with beta's policy ID stores nothing.
	op := e.login("operator")
	if code, _, _ := op.postForm("/tenants/acme/backups", "/tenants/acme/backups/restore-tests", url.Values{"policy_id": {fmt.Sprint(betaPolicy.ID)},
		"started_at": {"2026-12-01T10:00"}, "finished_at": {"2026-12-01T11:00"}, "restored": {"x"}, "verification": {"x"}, "result": {"ok"}}); code != http.StatusNotFound {
		t.Errorf("beta's policy under acme's path = %d, want 404", code)
	}
	if tests, _ := backup.NewStore(e.store.DB(), e.store).RestoreTests(ctx, "beta", 0, time.Time{}, time.Time{}); len(tests) != 0 {
		t.Errorf("a restore test reached beta's policy through acme's path: %+v", tests)
	}

	// beta's improvement under acme's path is not found, for the viewer or
	// an operator, and stays as it was; the viewer's own register has no form.
	for _, c := range []struct {
		b    *browser
		path string
		form url.Values
	}{
		{b, fmt.Sprintf("/tenants/acme/improvements/%d", betaItem.ID), nil},
		{op, fmt.Sprintf("/tenants/acme/improvements/%d", betaItem.ID), nil},
		{op, fmt.Sprintf("/tenants/acme/improvements/%d", betaItem.ID), url.Values{"title": {"taken"}, "category": {"cost"}}},
		{op, fmt.Sprintf("/tenants/acme/improvements/%d/status", betaItem.ID), url.Values{"status": {"rejected"}}},
	} {
		code, body, _ := c.b.get(c.path)
		if c.form != nil {
			code, body, _ = c.b.postForm("/tenants/acme/improvements", c.path, c.form)
		}
		if code != http.StatusNotFound || strings.Contains(body, "beta-improvement") {
			t.Errorf("%s beta's item under acme's path = %d, want 404", c.path, code)
		}
	}
	if got, err := e.console.opts.Dashboards.Get(ctx, "beta", betaDash.ID); err != nil || got.Title != "beta-dashboard" {
		t.Errorf("beta's dashboard after acme's viewer: %+v %v", got, err)
	}
	if list, _ := e.console.opts.Dashboards.List(ctx, "acme"); len(list) != 0 {
		t.Errorf("acme's viewer made dashboards: %d", len(list))
	}
	if got, _ := register.Get(ctx, "beta", betaItem.ID); got == nil || got.Title != "beta-improvement" || got.Status != improvement.Proposed {
		t.Errorf("beta's item changed: %+v", got)
	}
	if list, _ := register.List(ctx, "acme", improvement.Filter{}); len(list) != 0 {
		t.Errorf("a viewer filed an item: %+v", list)
	}
	if code, body, _ := b.get("/tenants/acme/improvements"); code != 200 || strings.Contains(body, `id="improvement-form"`) || strings.Contains(body, "beta-improvement") {
		t.Errorf("own register page = %d, want 200, read-only, nothing of beta", code)
	}

	// beta's resource ID under acme's own path is not found: IDs are scoped.
	if code, _, _ := b.get(fmt.Sprintf("/tenants/acme/resources/%d", betaHost)); code != http.StatusNotFound {
		t.Errorf("beta's resource under acme's path = %d, want 404", code)
	}
	// The viewer's own tenant works, read-only.
	if code, _, _ := b.get(fmt.Sprintf("/tenants/acme/resources/%d", acmeHost)); code != 200 {
		t.Errorf("own resource = %d, want 200", code)
	}
	if code, _, _ := b.postForm("/tenants/acme/monitoring", "/tenants/acme/monitoring/assignments", url.Values{"template_id": {"1"}, "resource_id": {fmt.Sprint(acmeHost)}}); code != http.StatusForbidden {
		t.Errorf("viewer assigning a template in its own tenant = %d, want 403 (read-only role)", code)
	}
	_, board, _ := b.get("/board")
	if !strings.Contains(board, "株式会社アクメ") || strings.Contains(board, "Beta Inc.") {
		t.Errorf("acme's viewer's board must show acme only:\n%s", board)
	}
}

// TestOperatorHasNoSettings: operators work on every tenant but do not
// manage tokens or users.
func TestOperatorHasNoSettings(t *testing.T) {
	e := newEnv(t)
	b := e.login("operator")
	if code, _, _ := b.get("/tenants/beta"); code != 200 {
		t.Errorf("operator on beta = %d, want 200", code)
	}
	for _, p := range []string{"/settings/tokens", "/settings/users"} {
		if code, _, _ := b.get(p); code != http.StatusForbidden {
			t.Errorf("operator GET %s = %d, want 403", p, code)
		}
	}
}

// TestServiceDeskPagesIsolated: the request, catalog, work report,
// runbook, checklist and ServiceNow pages answer 403 for beta's paths to
// acme's viewer, and 404 for beta's IDs under acme's path to the MSP's
// staff; nothing of beta changes.
func TestServiceDeskPagesIsolated(t *testing.T) {
	e := newEnv(t, withServiceDesk)
	ctx := context.Background()
	o := e.opts()
	item := &incident.CatalogItem{TenantID: "beta", Name: "beta-item", Fields: []incident.FieldSpec{}}
	if err := o.Requests.CreateCatalogItem(ctx, item); err != nil {
		t.Fatal(err)
	}
	short := "beta-inquiry"
	inq, err := o.Requests.OpenRequest(ctx, "beta", "someone", incident.RequestInput{Kind: incident.KindInquiry, Fields: incident.Fields{ShortDescription: &short}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Requests.AddNote(ctx, "beta", inq.ID, "someone", "beta-secret-note", true); err != nil {
		t.Fatal(err)
	}
	wr := &workreport.Report{TenantID: "beta", Subject: "beta-work", Worker: "w", Result: workreport.ResultDone,
		StartedAt: time.Now().Add(-time.Hour), EndedAt: time.Now()}
	rb := &runbook.Runbook{TenantID: "beta", Title: "beta-runbook", Body: "x"}
	cl := &runbook.Checklist{TenantID: "beta", Name: "beta-checklist", Items: []string{"one"}}
	if err := errors.Join(o.WorkReports.Create(ctx, wr), o.Books.Create(ctx, rb), o.Books.CreateChecklist(ctx, cl)); err != nil {
		t.Fatal(err)
	}
	on := true
	if _, err := o.ServiceNow.Put(ctx, "beta", servicenow.ConfigInput{InstanceURL: "https://beta.service-now.com", Auth: servicenow.AuthBasic,
		Username: "u", Password: "beta-password", Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	tlBefore, _ := o.Requests.Timeline(ctx, "beta", inq.ID, true)
	ids := map[string]int64{"requests": inq.ID, "work-reports": wr.ID, "runbooks": rb.ID, "checklists": cl.ID}

	for _, who := range []string{"acme-viewer", "acme-requester"} {
		serviceDeskRefused(t, e.login(who), who, inq.ID, wr.ID, rb.ID, cl.ID, ids)
	}
	// The MSP's staff with beta's IDs under acme's path find nothing.
	a := e.login("admin")
	for noun, id := range ids {
		p := fmt.Sprintf("/tenants/acme/%s/%d", noun, id)
		if code, body, _ := a.get(p); code != http.StatusNotFound || strings.Contains(body, "beta-") {
			t.Errorf("GET %s = %d, want 404", p, code)
		}
	}
	for p, form := range map[string]url.Values{
		fmt.Sprintf("/tenants/acme/requests/%d/notes", inq.ID):                    {"visibility": {"comment"}, "text": {"x"}},
		fmt.Sprintf("/tenants/acme/requests/%d/decision", inq.ID):                 {"decision": {"approve"}},
		fmt.Sprintf("/tenants/acme/work-reports/%d", wr.ID):                       {"subject": {"x"}, "worker": {"x"}, "result": {"done"}, "started_at": {"2026-12-01T10:00"}, "ended_at": {"2026-12-01T11:00"}},
		fmt.Sprintf("/tenants/acme/runbooks/%d", rb.ID):                           {"title": {"x"}, "body": {"x"}},
		fmt.Sprintf("/tenants/acme/checklists/%d", cl.ID):                         {"name": {"x"}, "items": {"x"}},
		fmt.Sprintf("/tenants/acme/checklists/%d/days/2026-12-01/items/0", cl.ID): {},
	} {
		if code, _, _ := a.postForm("/board", p, form); code != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", p, code)
		}
	}
	// A request form naming beta's catalog item under acme's path is refused.
	if code, _, _ := a.postForm("/board", "/tenants/acme/requests", url.Values{"kind": {"request"}, "catalog_item_id": {fmt.Sprint(item.ID)}}); code != http.StatusBadRequest {
		t.Errorf("beta's catalog item under acme's path = %d, want 400", code)
	}
	// The CSRF token is required.
	if code, _, _ := a.post("/tenants/acme/runbooks", url.Values{"title": {"x"}, "body": {"x"}}); code != http.StatusForbidden {
		t.Errorf("POST without the CSRF token = %d, want 403", code)
	}

	tl, _ := o.Requests.Timeline(ctx, "beta", inq.ID, true)
	got, _ := o.Requests.Incident(ctx, "beta", inq.ID)
	gotWR, _ := o.WorkReports.Get(ctx, "beta", wr.ID)
	gotRB, _ := o.Books.Get(ctx, "beta", rb.ID)
	day, _ := o.Books.Day(ctx, "beta", cl.ID, "2026-12-01")
	cfg, cr, _ := o.ServiceNow.Credentials(ctx, "beta")
	reqs, _ := o.Requests.Incidents(ctx, "beta", incident.Filter{Kinds: requestKinds})
	acme, _ := o.Requests.Incidents(ctx, "acme", incident.Filter{Kinds: requestKinds})
	if len(tl) != len(tlBefore) || got.Approval != "" || got.State != incident.StateNew || gotWR.Subject != "beta-work" || gotRB.Title != "beta-runbook" || day.Done != 0 || day.Total != 1 ||
		cfg.InstanceURL != "https://beta.service-now.com" || cr.Password != "beta-password" || len(reqs) != 1 || len(acme) != 0 {
		t.Errorf("beta changed: timeline %d, approval %q, %q, %q, %d done, %s, %d requests; acme has %d", len(tl), got.Approval,
			gotWR.Subject, gotRB.Title, day.Done, cfg.InstanceURL, len(reqs), len(acme))
	}
}

// serviceDeskRefused: v, a user of acme, gets 403 on every service desk
// page and form of beta, and reads nothing of beta's.
func serviceDeskRefused(t *testing.T, v *browser, who string, inq, wr, rb, cl int64, ids map[string]int64) {
	t.Helper()
	gets := []string{"/tenants/beta/requests", "/tenants/beta/catalog", "/tenants/beta/work-reports", "/tenants/beta/runbooks",
		"/tenants/beta/checklists", "/tenants/beta/settings/servicenow", "/tenants/acme/settings/servicenow"}
	for noun, id := range ids {
		gets = append(gets, fmt.Sprintf("/tenants/beta/%s/%d", noun, id))
	}
	for _, p := range gets {
		if code, body, _ := v.get(p); code != http.StatusForbidden || strings.Contains(body, "beta-") {
			t.Errorf("GET %s as %s = %d, want 403 without beta's data", p, who, code)
		}
	}
	posts := map[string]url.Values{
		"/tenants/beta/requests":                                               {"kind": {"inquiry"}, "short_description": {"x"}},
		fmt.Sprintf("/tenants/beta/requests/%d/notes", inq):                    {"visibility": {"comment"}, "text": {"x"}},
		fmt.Sprintf("/tenants/beta/requests/%d/decision", inq):                 {"decision": {"approve"}},
		"/tenants/beta/catalog":                                                {"name": {"x"}},
		"/tenants/beta/work-reports":                                           {"subject": {"x"}, "worker": {"x"}, "result": {"done"}, "started_at": {"2026-12-01T10:00"}, "ended_at": {"2026-12-01T11:00"}},
		fmt.Sprintf("/tenants/beta/work-reports/%d", wr):                       {"subject": {"x"}, "worker": {"x"}, "result": {"done"}, "started_at": {"2026-12-01T10:00"}, "ended_at": {"2026-12-01T11:00"}},
		"/tenants/beta/runbooks":                                               {"title": {"x"}, "body": {"x"}},
		fmt.Sprintf("/tenants/beta/runbooks/%d", rb):                           {"title": {"x"}, "body": {"x"}},
		"/tenants/beta/checklists":                                             {"name": {"x"}, "items": {"x"}},
		fmt.Sprintf("/tenants/beta/checklists/%d", cl):                         {"name": {"x"}, "items": {"x"}},
		fmt.Sprintf("/tenants/beta/checklists/%d/days/2026-12-01/items/0", cl): {},
		"/tenants/beta/settings/servicenow":                                    {"instance_url": {"https://evil.example.com"}, "auth": {"basic"}, "username": {"x"}, "password": {"x"}},
	}
	for p, form := range posts {
		if code, _, _ := v.postForm("/board", p, form); code != http.StatusForbidden {
			t.Errorf("POST %s as %s = %d, want 403", p, who, code)
		}
	}
}

// TestVendorCasePagesIsolated: beta's vendor cases, on beta's incident and
// inquiry, are not acme's viewer's to read (403) nor acme's path's to reach
// with beta's IDs (404), by the MSP's staff either; nothing of beta changes.
func TestVendorCasePagesIsolated(t *testing.T) {
	e := newEnv(t, withServiceDesk, withVendorCases)
	ctx := context.Background()
	desk := e.opts().VendorCases
	short := "beta-incident"
	inc, err := desk.Open(ctx, "beta", "someone", incident.Fields{ShortDescription: &short})
	if err != nil {
		t.Fatal(err)
	}
	inq, err := desk.OpenRequest(ctx, "beta", "someone", incident.RequestInput{Kind: incident.KindInquiry, Fields: incident.Fields{ShortDescription: &short}})
	if err != nil {
		t.Fatal(err)
	}
	var cases []*incident.VendorCase
	for _, id := range []int64{inc.ID, inq.ID} {
		c, err := desk.OpenVendorCase(ctx, "beta", id, "someone", incident.CaseInput{Vendor: incident.VendorMicrosoft, CaseNumber: "beta-case", Notes: "beta-note"})
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	form := url.Values{"vendor": {"aws"}, "case_number": {"x"}, "status": {"closed"}}
	v := e.login("acme-viewer")
	for _, p := range []string{"/tenants/beta/vendor-cases", "/tenants/beta/vendor-cases?view=all", fmt.Sprintf("/tenants/beta/incidents/%d", inc.ID),
		fmt.Sprintf("/tenants/beta/requests/%d", inq.ID)} {
		if code, body, _ := v.get(p); code != http.StatusForbidden || strings.Contains(body, "beta-") {
			t.Errorf("GET %s as acme's viewer = %d, want 403 without beta's data", p, code)
		}
	}
	posts := []string{fmt.Sprintf("/tenants/%%s/incidents/%d/vendor-cases", inc.ID), fmt.Sprintf("/tenants/%%s/incidents/%d/vendor-cases/%d", inc.ID, cases[0].ID),
		fmt.Sprintf("/tenants/%%s/requests/%d/vendor-cases", inq.ID), fmt.Sprintf("/tenants/%%s/requests/%d/vendor-cases/%d", inq.ID, cases[1].ID)}
	for _, p := range posts {
		if code, _, _ := v.postForm("/board", fmt.Sprintf(p, "beta"), form); code != http.StatusForbidden {
			t.Errorf("POST %s as acme's viewer = %d, want 403", fmt.Sprintf(p, "beta"), code)
		}
	}
	a := e.login("admin")
	for _, p := range posts {
		if code, body, _ := a.postForm("/board", fmt.Sprintf(p, "acme"), form); code != http.StatusNotFound || strings.Contains(body, "beta-") {
			t.Errorf("POST %s = %d, want 404", fmt.Sprintf(p, "acme"), code)
		}
	}
	if _, body, _ := a.get("/tenants/acme/vendor-cases?view=all"); strings.Contains(body, "beta-") {
		t.Error("acme's list of vendor cases shows beta's")
	}
	got, _ := desk.TenantVendorCases(ctx, "beta", incident.CaseFilter{All: true})
	mine, _ := desk.TenantVendorCases(ctx, "acme", incident.CaseFilter{All: true})
	if len(got) != 2 || got[0].Status != incident.CaseWaitingVendor || got[1].Status != incident.CaseWaitingVendor || len(mine) != 0 {
		t.Errorf("beta's cases changed: %+v; acme has %d", got, len(mine))
	}
}

// TestAdminPagesIsolated: the administration forms (tenants, services,
// resources, items, templates, assignments, the first setup) answer 403
// to acme's viewer for beta's paths and for its own writes, 404 to the
// MSP's staff for beta's IDs under acme's path, 403 without the CSRF
// token; and nothing of beta changes.
func TestAdminPagesIsolated(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	betaHost := e.resourceID("beta", "beta-web-01")
	betaSvc, _ := e.store.Services(ctx, "beta")
	betaItem := &monitoring.Item{TenantID: "beta", ResourceID: betaHost, Name: "beta_depth", Kind: monitoring.KindMetric,
		Metric: &monitoring.Metric{Series: "beta_depth"}, Threshold: &monitoring.Threshold{Op: ">", Critical: ptrFloat(1)}}
	betaTpl := &monitoring.Template{TenantID: "beta", Name: "beta-template", Items: []*monitoring.Item{}}
	if err := errors.Join(e.design.CreateItem(ctx, betaItem), e.design.CreateTemplate(ctx, betaTpl)); err != nil {
		t.Fatal(err)
	}
	betaAssign := &monitoring.Assignment{TenantID: "beta", TemplateID: betaTpl.ID, Selector: "os=linux"}
	if err := e.design.CreateAssignment(ctx, betaAssign); err != nil {
		t.Fatal(err)
	}
	if err := e.design.NoteUnregistered(context.Background(), "beta", "beta-ghost", "192.0.2.9:1", time.Now()); err != nil {
		t.Fatal(err)
	}
	snapshot := func() string {
		tn, _ := e.store.Tenant(ctx, "beta")
		svcs, _ := e.store.Services(ctx, "beta")
		res, _ := e.store.Resources(ctx, "beta", ustorage.ResourceFilter{})
		it, _ := e.design.Item(ctx, "beta", betaItem.ID)
		tpl, _ := e.design.Template(ctx, "beta", betaTpl.ID)
		as, _ := e.design.Assignments(ctx, "beta")
		toks, _ := e.store.Tokens(ctx, "")
		tns, _ := e.store.Tenants(ctx, "")
		return fmt.Sprintf("%s|%s|%d %v|%d|%s %v|%s|%d|%d|%d", tn.Name, svcs[0].Name, len(res), res[0].Labels, len(svcs), it.Name, *it.Threshold.Critical, tpl.Name, len(as), len(toks), len(tns))
	}
	before := snapshot()
	svc := fmt.Sprint(betaSvc[0].ID)
	v := e.login("acme-viewer")
	gets := []string{"/settings/tenants/new", "/tenants/beta/edit", "/tenants/acme/edit", "/tenants/beta/services/new", "/tenants/acme/services/new",
		"/tenants/beta/services/" + svc + "/edit", "/tenants/beta/resources/new", "/tenants/acme/resources/new",
		fmt.Sprintf("/tenants/beta/resources/%d/edit", betaHost), fmt.Sprintf("/tenants/beta/monitoring/items/new?resource_id=%d", betaHost),
		fmt.Sprintf("/tenants/beta/monitoring/items/%d", betaItem.ID), fmt.Sprintf("/tenants/beta/monitoring/templates/%d", betaTpl.ID),
		"/setup", "/setup?tenant=beta", "/tenants/beta/delete", "/tenants/acme/delete", "/tenants/beta/services/" + svc + "/delete"}
	for _, p := range gets {
		if code, body, _ := v.get(p); code != http.StatusForbidden || strings.Contains(body, "beta-") || strings.Contains(body, "Beta Inc.") {
			t.Errorf("GET %s as acme's viewer = %d, want 403 without beta's data", p, code)
		}
	}
	// The tenant page of the viewer's own tenant shows no unregistered
	// hosts and no admin links (nor beta's attempts).
	if _, body, _ := v.get("/tenants/acme"); strings.Contains(body, "beta-ghost") || strings.Contains(body, `id="tenant-admin"`) {
		t.Error("the viewer's tenant page shows admin links or beta's unregistered host")
	}
	itemForm := url.Values{"resource_id": {fmt.Sprint(betaHost)}, "name": {"x"}, "kind": {"metric"}, "metric.series": {"x"}, "threshold.op": {">"}, "threshold.critical": {"1"}}
	posts := map[string]url.Values{
		"/settings/tenants":                                                          {"id": {"intruder"}, "name": {"x"}},
		"/tenants/beta/edit":                                                         {"name": {"taken"}, "language": {"en"}, "time_zone": {"UTC"}},
		"/tenants/acme/edit":                                                         {"name": {"taken"}, "language": {"en"}, "time_zone": {"UTC"}},
		"/tenants/beta/services":                                                     {"name": {"x"}},
		"/tenants/beta/services/" + svc:                                              {"name": {"taken"}},
		"/tenants/beta/resources":                                                    {"name": {"x"}, "kind": {"host"}},
		"/tenants/acme/resources":                                                    {"name": {"x"}, "kind": {"host"}},
		fmt.Sprintf("/tenants/beta/resources/%d", betaHost):                          {"name": {"taken"}, "kind": {"host"}},
		fmt.Sprintf("/tenants/beta/resources/%d/delete", betaHost):                   {},
		"/tenants/beta/monitoring/items":                                             itemForm,
		fmt.Sprintf("/tenants/beta/monitoring/items/%d", betaItem.ID):                itemForm,
		"/tenants/beta/monitoring/templates":                                         {"name": {"x"}},
		fmt.Sprintf("/tenants/beta/monitoring/templates/%d", betaTpl.ID):             {"name": {"taken"}},
		fmt.Sprintf("/tenants/beta/monitoring/assignments/%d/delete", betaAssign.ID): {},
		"/setup/token":                                                               {"tenant": {"beta"}, "mode": {"enroll"}},
		"/tenants/beta/delete":                                                       {},
		"/tenants/acme/delete":                                                       {},
		"/tenants/beta/services/" + svc + "/delete":                                  {},
	}
	for p, form := range posts {
		if code, _, _ := v.postForm("/board", p, form); code != http.StatusForbidden {
			t.Errorf("POST %s as acme's viewer = %d, want 403", p, code)
		}
	}
	// The MSP's staff with beta's IDs under acme's path find nothing.
	a := e.login("admin")
	for _, p := range []string{"/tenants/acme/services/" + svc + "/edit", "/tenants/acme/services/" + svc + "/delete", fmt.Sprintf("/tenants/acme/resources/%d/edit", betaHost),
		fmt.Sprintf("/tenants/acme/monitoring/items/%d", betaItem.ID), fmt.Sprintf("/tenants/acme/monitoring/templates/%d", betaTpl.ID),
		fmt.Sprintf("/tenants/acme/monitoring/items/new?resource_id=%d", betaHost)} {
		if code, body, _ := a.get(p); code != http.StatusNotFound || strings.Contains(body, "beta-") {
			t.Errorf("GET %s = %d, want 404", p, code)
		}
	}
	for p, form := range map[string]url.Values{
		"/tenants/acme/services/" + svc:                                              {"name": {"taken"}},
		"/tenants/acme/services/" + svc + "/delete":                                  {},
		fmt.Sprintf("/tenants/acme/resources/%d", betaHost):                          {"name": {"taken"}, "kind": {"host"}},
		fmt.Sprintf("/tenants/acme/resources/%d/delete", betaHost):                   {},
		fmt.Sprintf("/tenants/acme/monitoring/items/%d", betaItem.ID):                itemForm,
		"/tenants/acme/monitoring/items":                                             itemForm, // beta's host as the owner
		fmt.Sprintf("/tenants/acme/monitoring/templates/%d", betaTpl.ID):             {"name": {"taken"}},
		fmt.Sprintf("/tenants/acme/monitoring/assignments/%d/delete", betaAssign.ID): {},
	} {
		if code, _, _ := a.postForm("/board", p, form); code != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", p, code)
		}
	}
	if code, _, _ := a.post("/tenants/acme/resources", url.Values{"name": {"x"}, "kind": {"host"}}); code != http.StatusForbidden {
		t.Errorf("POST without the CSRF token = %d, want 403", code)
	}
	if _, body, _ := a.get("/tenants/acme"); strings.Contains(body, "beta-ghost") {
		t.Error("acme's page offers beta's unregistered host")
	}
	if after := snapshot(); after != before {
		t.Errorf("beta changed:\nbefore %s\nafter  %s", before, after)
	}
}

func ptrFloat(f float64) *float64 { return &f }
