package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
)

// adminDoer posts a form of the console's page from as b, as CheckAudited
// wants it: a form done answers 303, counted as a success.
func adminDoer(b *browser, from string) apitest.Doer {
	return func(method, path string, body any) (int, []byte) {
		form := url.Values{}
		for k, v := range body.(url.Values) {
			form[k] = append([]string(nil), v...)
		}
		code, page, _ := b.postForm(from, path, form)
		if code == http.StatusSeeOther {
			code = http.StatusOK
		}
		return code, []byte(page)
	}
}

// fieldError is the refusal shown next to the form field name.
func fieldError(page, name string) string {
	m := regexp.MustCompile(`<span class="field-error" id="err-` + regexp.QuoteMeta(name) + `">([^<]*)</span>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestTenantServiceResourceForms: an admin adds a tenant, a service with
// its service level, hours and holidays (one typed, a pasted list), and a
// resource with labels, edits and deletes them, each write audited with
// its change; bad input is refused next to its field and stores nothing.
func TestTenantServiceResourceForms(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	db := e.store.DB()
	a := e.login("admin")

	// A slug that is no slug: 400, the reason beside the ID, no tenant.
	code, page, _ := a.postForm("/settings/tenants/new", "/settings/tenants", url.Values{"id": {"Gamma Corp"}, "name": {"ガンマ"}, "language": {"ja"}, "time_zone": {"Asia/Tokyo"}})
	if code != http.StatusBadRequest || !strings.Contains(fieldError(page, "id"), "lower-case") || !strings.Contains(page, `value="ガンマ"`) {
		t.Errorf("bad slug = %d, field error %q; want 400 beside id, the name kept", code, fieldError(page, "id"))
	}
	if code, page, _ = a.postForm("/settings/tenants/new", "/settings/tenants", url.Values{"id": {"gamma"}, "name": {"ガンマ"}, "time_zone": {"Mars/Olympus"}}); code != http.StatusBadRequest || fieldError(page, "time_zone") == "" {
		t.Errorf("unknown zone = %d, want 400 beside time_zone", code)
	}
	if _, err := e.store.Tenant(ctx, "gamma"); err == nil {
		t.Fatal("a refused tenant was stored")
	}
	tenants := func() string { list, _ := e.store.Tenants(ctx, ""); return fmt.Sprint(len(list)) }
	apitest.CheckAudited(t, db, adminDoer(a, "/settings/tenants/new"), "gamma", apitest.Change{Method: "POST", Path: "/settings/tenants",
		Body: url.Values{"id": {"gamma"}, "name": {"ガンマ株式会社"}, "language": {"en"}, "time_zone": {"Asia/Tokyo"}}, State: tenants, Action: "create", ObjectType: "tenant"})
	if code, _, _ = a.postForm("/settings/tenants/new", "/settings/tenants", url.Values{"id": {"gamma"}, "name": {"again"}}); code != http.StatusBadRequest {
		t.Errorf("a taken slug = %d, want 400", code)
	}
	apitest.CheckAudited(t, db, adminDoer(a, "/tenants/gamma/edit"), "gamma", apitest.Change{Method: "POST", Path: "/tenants/gamma/edit",
		Body: url.Values{"name": {"ガンマ"}, "language": {"ja"}, "time_zone": {"UTC"}}, State: func() string { g, _ := e.store.Tenant(ctx, "gamma"); return fmt.Sprint(g) },
		Action: "update", ObjectType: "tenant"})
	if g, _ := e.store.Tenant(ctx, "gamma"); g.Name != "ガンマ" || g.Language != "ja" || g.TimeZone != "UTC" {
		t.Errorf("gamma after the edit = %+v", g)
	}

	// A service: durations as typed, hours a line each, one holiday typed
	// and the Cabinet Office's CSV pasted.
	svcForm := url.Values{"name": {"基幹"}, "availability_target": {"99.9"}, "acknowledge_target": {"30m"}, "resolve_target": {"8h"},
		"cal_zone": {"Asia/Tokyo"}, "hours": {"mon 09:00-18:00\ntue 09:00-18:00"}, "holiday_add": {"2026-12-31"},
		"holiday_import": {"国民の祝日・休日月日,国民の祝日・休日名称\r\n2027/1/1,元日\r\n2027/1/11,成人の日\r\n"}}
	bad := url.Values{}
	for k, v := range svcForm {
		bad[k] = v
	}
	bad["resolve_target"], bad["holiday_import"] = []string{"8 hours"}, []string{"2027/1/1\n2027/2/30"}
	code, page, _ = a.postForm("/tenants/gamma/services/new", "/tenants/gamma/services", bad)
	if code != http.StatusBadRequest || !strings.Contains(fieldError(page, "holiday_import"), "line 2") {
		t.Errorf("a bad holiday line = %d, field error %q; want 400 naming line 2", code, fieldError(page, "holiday_import"))
	}
	bad["holiday_import"] = svcForm["holiday_import"]
	if code, page, _ = a.postForm("/tenants/gamma/services/new", "/tenants/gamma/services", bad); code != http.StatusBadRequest || !strings.Contains(fieldError(page, "resolve_target"), "duration") {
		t.Errorf("a bad duration = %d, field error %q; want 400 beside resolve_target", code, fieldError(page, "resolve_target"))
	}
	bad["resolve_target"], bad["hours"] = svcForm["resolve_target"], []string{"mon 18:00-09:00"}
	if code, page, _ = a.postForm("/tenants/gamma/services/new", "/tenants/gamma/services", bad); code != http.StatusBadRequest || fieldError(page, "hours") == "" {
		t.Errorf("overnight hours = %d, want 400 beside hours", code)
	}
	services := func() string { list, _ := e.store.Services(ctx, "gamma"); return fmt.Sprint(len(list)) }
	if services() != "0" {
		t.Fatal("a refused service was stored")
	}
	apitest.CheckAudited(t, db, adminDoer(a, "/tenants/gamma/services/new"), "gamma", apitest.Change{Method: "POST", Path: "/tenants/gamma/services",
		Body: svcForm, State: services, Action: "create", ObjectType: "service"})
	list, _ := e.store.Services(ctx, "gamma")
	s := list[0]
	l := s.Level
	if l.AvailabilityTarget != 99.9 || l.AcknowledgeTarget.Std() != 30*time.Minute || l.ResolveTarget.Std() != 8*time.Hour || len(l.Calendar.Hours) != 2 ||
		!slices.Equal(l.Calendar.Holidays, []string{"2026-12-31", "2027-01-01", "2027-01-11"}) {
		t.Errorf("the service level stored = %+v", l)
	}
	// The edit form shows it as typed; unticking a holiday removes it.
	_, page, _ = a.get(fmt.Sprintf("/tenants/gamma/services/%d/edit", s.ID))
	for _, want := range []string{`value="30m"`, `value="8h"`, "mon 09:00-18:00", `value="2027-01-11"`, "受付目標時間", `<label for="svc-holiday-import">`} {
		if !strings.Contains(page, want) {
			t.Errorf("the edit form lacks %q", want)
		}
	}
	edit := url.Values{"name": {"基幹"}, "availability_target": {"99.5"}, "cal_zone": {"Asia/Tokyo"}, "holidays": {"2027-01-01", "2027-01-11"}}
	apitest.CheckAudited(t, db, adminDoer(a, fmt.Sprintf("/tenants/gamma/services/%d/edit", s.ID)), "gamma", apitest.Change{Method: "POST",
		Path: fmt.Sprintf("/tenants/gamma/services/%d", s.ID), Body: edit, State: func() string { x, _ := e.store.Service(ctx, "gamma", s.ID); return fmt.Sprint(x.Level) },
		Action: "update", ObjectType: "service"})
	if x, _ := e.store.Service(ctx, "gamma", s.ID); !slices.Equal(x.Level.Calendar.Holidays, []string{"2027-01-01", "2027-01-11"}) || x.Level.AvailabilityTarget != 99.5 {
		t.Errorf("after the edit = %+v", x.Level)
	}

	// A resource with labels; a bad label is refused beside labels.
	if code, page, _ = a.postForm("/tenants/gamma/resources/new", "/tenants/gamma/resources", url.Values{"name": {"web-01"}, "kind": {"host"}, "labels": {"os linux"}}); code != http.StatusBadRequest || fieldError(page, "labels") == "" {
		t.Errorf("a bad label line = %d, want 400 beside labels", code)
	}
	resources := func() string {
		list, _ := e.store.Resources(ctx, "gamma", ustorage.ResourceFilter{})
		return fmt.Sprint(len(list))
	}
	apitest.CheckAudited(t, db, adminDoer(a, "/tenants/gamma/resources/new"), "gamma", apitest.Change{Method: "POST", Path: "/tenants/gamma/resources",
		Body: url.Values{"name": {"web-01"}, "kind": {"host"}, "service_id": {fmt.Sprint(s.ID)}, "labels": {"os=linux\nrole = web"}}, State: resources,
		Action: "create", ObjectType: "resource"})
	id := e.resourceID("gamma", "web-01")
	res, _ := e.store.Resource(ctx, "gamma", id)
	if res.ServiceID == nil || *res.ServiceID != s.ID || res.Labels["role"] != "web" || res.Labels["os"] != "linux" {
		t.Errorf("the resource stored = %+v", res)
	}
	// Another tenant's service is refused beside the service.
	acmeSvc, _ := e.store.Services(ctx, "acme")
	if code, page, _ = a.postForm("/tenants/gamma/resources/new", "/tenants/gamma/resources", url.Values{"name": {"x"}, "kind": {"host"}, "service_id": {fmt.Sprint(acmeSvc[0].ID)}}); code != http.StatusBadRequest || fieldError(page, "service_id") == "" {
		t.Errorf("acme's service for gamma's resource = %d, want 400 beside service_id", code)
	}
	apitest.CheckAudited(t, db, adminDoer(a, fmt.Sprintf("/tenants/gamma/resources/%d/edit", id)), "gamma", apitest.Change{Method: "POST",
		Path: fmt.Sprintf("/tenants/gamma/resources/%d/delete", id), Body: url.Values{}, State: resources, Action: "delete", ObjectType: "resource"})
}

// TestItemTemplateAssignmentForms: an operator adds a metric item with
// thresholds to a host, a template with a check item, assigns it by label
// and deletes the assignment; the host's effective items follow.
func TestItemTemplateAssignmentForms(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	db := e.store.DB()
	op := e.login("operator")
	host := e.resourceID("acme", "acme-web-01")
	from := fmt.Sprintf("/tenants/acme/monitoring/items/new?resource_id=%d", host)
	_, page, _ := op.get(from)
	for _, want := range []string{`<label for="item-threshold-critical">`, "重大しきい値", `id="kind-check"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the item form lacks %q", want)
		}
	}
	item := url.Values{"resource_id": {fmt.Sprint(host)}, "name": {"queue_depth"}, "title.ja": {"キュー滞留"}, "title.en": {"Queue depth"}, "kind": {"metric"},
		"metric.series": {"shop_queue_depth"}, "threshold.op": {">"}, "threshold.warning": {"50"}, "threshold.critical": {"lots"}}
	code, page, _ := op.postForm(from, "/tenants/acme/monitoring/items", item)
	if code != http.StatusBadRequest || !strings.Contains(fieldError(page, "threshold.critical"), "number") {
		t.Errorf("a threshold that is no number = %d, field error %q", code, fieldError(page, "threshold.critical"))
	}
	item.Set("threshold.critical", "100")
	items := func() string {
		l, _ := e.design.Items(ctx, "acme", monitoring.ItemFilter{ResourceID: host})
		return fmt.Sprint(len(l))
	}
	apitest.CheckAudited(t, db, adminDoer(op, from), "acme", apitest.Change{Method: "POST", Path: "/tenants/acme/monitoring/items", Body: item,
		State: items, Action: "create", ObjectType: "monitoring_item"})
	own, _ := e.design.Items(ctx, "acme", monitoring.ItemFilter{ResourceID: host})
	it := own[0]
	if it.Threshold == nil || *it.Threshold.Critical != 100 || *it.Threshold.Warning != 50 || it.Metric.Series != "shop_queue_depth" || it.Title.En != "Queue depth" {
		t.Fatalf("the item stored = %+v", it)
	}
	// Edited: the critical level moves; the form showed what was stored.
	_, page, _ = op.get(fmt.Sprintf("/tenants/acme/monitoring/items/%d", it.ID))
	if !strings.Contains(page, `value="shop_queue_depth"`) || !strings.Contains(page, `value="100"`) {
		t.Error("the edit form does not show the stored item")
	}
	item.Set("threshold.critical", "80")
	if code, _, _ := op.postForm(fmt.Sprintf("/tenants/acme/monitoring/items/%d", it.ID), fmt.Sprintf("/tenants/acme/monitoring/items/%d", it.ID), item); code != http.StatusSeeOther {
		t.Errorf("edit = %d, want 303", code)
	}
	if it, _ = e.design.Item(ctx, "acme", it.ID); *it.Threshold.Critical != 80 {
		t.Errorf("critical after the edit = %v", *it.Threshold.Critical)
	}

	// A template of the tenant's own, a check item in it, assigned by label.
	code, _, loc := op.postForm("/tenants/acme/monitoring", "/tenants/acme/monitoring/templates", url.Values{"name": {"shop"}, "title.ja": {"ショップ"}, "title.en": {"Shop"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/tenants/acme/monitoring/templates/") {
		t.Fatalf("create template = %d to %q", code, loc)
	}
	var tplID int64
	fmt.Sscanf(strings.TrimPrefix(loc, "/tenants/acme/monitoring/templates/"), "%d", &tplID)
	check := url.Values{"template_id": {fmt.Sprint(tplID)}, "name": {"shop_port"}, "kind": {"check"}, "check.type": {"tcp"}, "check.from": {"server"},
		"check.address": {"127.0.0.1:1"}, "severity": {"critical"}}
	if code, page, _ := op.postForm(loc, "/tenants/acme/monitoring/items", check); code != http.StatusSeeOther {
		t.Fatalf("add a check item to the template = %d %s", code, fieldError(page, "check.address")+refusedText(page))
	}
	_, page, _ = op.get(loc)
	if !strings.Contains(page, `data-item="shop_port"`) {
		t.Error("the template page does not list its new item")
	}
	assigns := func() string { l, _ := e.design.Assignments(ctx, "acme"); return fmt.Sprint(len(l)) }
	apitest.CheckAudited(t, db, adminDoer(op, "/tenants/acme/monitoring"), "acme", apitest.Change{Method: "POST", Path: "/tenants/acme/monitoring/assignments",
		Body: url.Values{"template_id": {fmt.Sprint(tplID)}, "selector": {"os=linux"}}, State: assigns, Action: "create", ObjectType: "monitoring_assignment"})
	effective := func() bool {
		list, _ := e.design.EffectiveItems(ctx, "acme", host)
		return slices.ContainsFunc(list, func(r monitoring.ResolvedItem) bool { return r.Name == "shop_port" })
	}
	if !effective() {
		t.Error("the template assigned by label does not reach acme-web-01")
	}
	as, _ := e.design.Assignments(ctx, "acme")
	apitest.CheckAudited(t, db, adminDoer(op, "/tenants/acme/monitoring"), "acme", apitest.Change{Method: "POST",
		Path: fmt.Sprintf("/tenants/acme/monitoring/assignments/%d/delete", as[len(as)-1].ID), Body: url.Values{}, State: assigns,
		Action: "delete", ObjectType: "monitoring_assignment"})
	if effective() {
		t.Error("the deleted assignment still reaches acme-web-01")
	}
	// A built-in template is read-only: no form, and no item through it.
	tpls, _ := e.design.Templates(ctx, "acme")
	builtin := tpls[0]
	if _, page, _ := op.get(fmt.Sprintf("/tenants/acme/monitoring/templates/%d", builtin.ID)); !strings.Contains(page, `id="template-readonly"`) || strings.Contains(page, `id="template-form"`) {
		t.Error("a built-in template's page offers a form")
	}
	if code, _, _ := op.postForm("/tenants/acme/monitoring", "/tenants/acme/monitoring/items", url.Values{"template_id": {fmt.Sprint(builtin.ID)}, "name": {"x"}, "kind": {"metric"}}); code != http.StatusBadRequest {
		t.Errorf("an item into a built-in template = %d, want 400", code)
	}
}

func refusedText(page string) string {
	if m := regexp.MustCompile(`id="form-error">([^<]*)<`).FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

// TestFirstSetup: the guide issues an enroll token and shows the exact
// command with the server's URL; a host token works for its host; an
// agent's pull as an unregistered host shows on the tenant page with a
// register button that opens the form with its name.
func TestFirstSetup(t *testing.T) {
	e := newEnv(t)
	a := e.login("admin")
	if code, page, _ := a.get("/setup?tenant=acme"); code != 200 || !strings.Contains(page, `href="/tenants/acme/services/new?setup=1"`) || !strings.Contains(page, `href="/setup"`) {
		t.Fatalf("setup page = %d", code)
	}
	code, page, _ := a.postForm("/setup?tenant=acme", "/setup/token", url.Values{"tenant": {"acme"}, "mode": {"enroll"}})
	m := regexp.MustCompile(`sudo unyo-agent --enroll (\S+) --server (\S+)</pre>`).FindStringSubmatch(page)
	if code != http.StatusCreated || m == nil || m[2] != e.url {
		t.Fatalf("issue an enroll token = %d, command %v; want the command with %s", code, m, e.url)
	}
	p, err := e.authn.Authenticate(bearer(m[1]))
	if err != nil || p.Tenant != "acme" || !p.Can(model.ScopeEnroll) || p.Can(model.ScopeRead) {
		t.Errorf("the token of the command = %+v, %v; want acme's enroll token", p, err)
	}
	code, page, _ = a.postForm("/setup?tenant=acme", "/setup/token", url.Values{"tenant": {"acme"}, "mode": {"host"}, "host": {"acme-web-01"}})
	m = regexp.MustCompile(`-token (\S+) -host acme-web-01</pre>`).FindStringSubmatch(page)
	if code != http.StatusCreated || m == nil {
		t.Fatalf("issue a host token = %d, no command", code)
	}
	if p, err := e.authn.Authenticate(bearer(m[1])); err != nil || !p.Can(model.ScopeIngest) || p.Tenant != "acme" {
		t.Errorf("the host token = %+v, %v", p, err)
	}
	if code, page, _ = a.postForm("/setup?tenant=acme", "/setup/token", url.Values{"tenant": {"acme"}, "mode": {"host"}, "host": {"beta-web-01"}}); code != http.StatusBadRequest || fieldError(page, "host") == "" {
		t.Errorf("a token for beta's host in acme = %d, want 400 beside host", code)
	}

	// An agent pulls as a host acme does not have.
	if err := e.design.NoteUnregistered(context.Background(), "acme", "web-09", "192.0.2.7:40000", time.Now()); err != nil {
		t.Fatal(err)
	}
	_, page, _ = a.get("/tenants/acme")
	if !strings.Contains(page, `data-unregistered="web-09"`) || !strings.Contains(page, `href="/tenants/acme/resources/new?name=web-09"`) || !strings.Contains(page, "192.0.2.7") {
		t.Error("the tenant page does not offer to register web-09")
	}
	if _, page, _ = a.get("/tenants/acme/resources/new?name=web-09"); !strings.Contains(page, `id="res-name" name="name" required maxlength="200" size="40" value="web-09"`) {
		t.Error("the register button does not open the form with the host's name")
	}
	if code, _, _ = a.postForm("/tenants/acme/resources/new", "/tenants/acme/resources", url.Values{"name": {"web-09"}, "kind": {"host"}}); code != http.StatusSeeOther {
		t.Fatalf("register web-09 = %d", code)
	}
	if _, page, _ = a.get("/tenants/acme"); strings.Contains(page, `data-unregistered="web-09"`) {
		t.Error("web-09 is still offered once registered")
	}
	// An operator issues no token: the guide is the MSP admin's.
	if code, _, _ := e.login("operator").get("/setup"); code != http.StatusForbidden {
		t.Errorf("operator GET /setup = %d, want 403", code)
	}
}

func bearer(token string) *http.Request {
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}
