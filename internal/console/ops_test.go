package console

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// withOps wires the real incident desk and a real alert engine into the
// console under test.
func withOps(o *Options) {
	db := o.Store.DB()
	o.IncidentDesk = incident.NewDesk(db, o.Store, nil)
	o.AlertDesk = alert.New(alert.NewStore(db), o.Store, monitoring.NewStore(db, o.Store), nil, alert.Options{}, slog.New(slog.DiscardHandler))
}

var incidentPathRE = regexp.MustCompile(`^/tenants/(\w+)/incidents/(\d+)$`)

// TestOpenAssignAndReopenIncident: an operator opens an incident by hand
// (a missing title or a bad impact is refused naming the field, nothing
// stored), assigns it to a person and a group, resolves it and reopens it
// from its page; the audit log has each change; acme's viewer may not open one.
func TestOpenAssignAndReopenIncident(t *testing.T) {
	var opts *Options
	e := newEnv(t, withOps, func(o *Options) { opts = o })
	op := e.login("operator")
	form := url.Values{"short_description": {"受注画面が表示されない"}, "impact": {"1"}, "urgency": {"2"},
		"assignment_group": {"運用1課"}, "assignee": {"佐藤"}}
	for field, bad := range map[string]url.Values{
		"short_description": {"short_description": {" "}, "impact": {"1"}, "urgency": {"2"}},
		"impact":            {"short_description": {"x"}, "impact": {"9"}, "urgency": {"2"}},
	} {
		code, page, _ := op.postForm("/tenants/acme/incidents", "/tenants/acme/incidents", bad)
		if code != http.StatusBadRequest || !strings.Contains(page, `id="form-error"`) || !strings.Contains(page, field+":") {
			t.Errorf("open with a bad %s = %d, want 400 naming it:\n%s", field, code, errorOf(page))
		}
	}
	if list, _ := opts.IncidentDesk.Incidents(context.Background(), "acme", incident.Filter{}); len(list) != 0 {
		t.Fatalf("refused forms stored %d incidents", len(list))
	}
	code, _, where := op.postForm("/tenants/acme/incidents", "/tenants/acme/incidents", form)
	m := incidentPathRE.FindStringSubmatch(where)
	if code != http.StatusSeeOther || m == nil || m[1] != "acme" {
		t.Fatalf("open = %d to %q, want 303 to the new incident", code, where)
	}
	_, page, _ := op.get(where)
	for _, want := range []string{"受注画面が表示されない", `id="incident-group">運用1課`, `id="incident-assignee">佐藤`, "2 高"} {
		if !strings.Contains(page, want) {
			t.Errorf("the new incident's page lacks %q", want)
		}
	}
	if !e.auditHas("acme", "open", "incident") {
		t.Error("no audit entry for the incident opened by hand")
	}
	// The cross-tenant list's form names the customer.
	code, _, where2 := op.postForm("/incidents", "/incidents", url.Values{"tenant": {"beta"}, "short_description": {"beta down"}, "impact": {"2"}, "urgency": {"2"}})
	if m2 := incidentPathRE.FindStringSubmatch(where2); code != http.StatusSeeOther || m2 == nil || m2[1] != "beta" {
		t.Errorf("open from /incidents for beta = %d to %q", code, where2)
	}
	viewer := e.login("acme-viewer")
	if code, _, _ := viewer.postForm("/tenants/acme/incidents", "/tenants/acme/incidents", form); code != http.StatusForbidden {
		t.Errorf("acme's viewer opening an incident = %d, want 403", code)
	}
	if _, page, _ := viewer.get("/tenants/acme/incidents"); strings.Contains(page, `id="open-form"`) {
		t.Error("acme's viewer is offered the open form")
	}

	code, _, _ = op.postForm(where, where+"/assign", url.Values{"assignment_group": {"DB班"}, "assignee": {"鈴木"}})
	if _, page, _ = op.get(where); code != http.StatusSeeOther || !strings.Contains(page, `id="incident-assignee">鈴木`) || !strings.Contains(page, `id="incident-group">DB班`) {
		t.Errorf("assign = %d; page shows %q", code, textOf(page, "incident-assignee"))
	}
	if !e.auditHas("acme", "assign", "incident") {
		t.Error("no audit entry for the assignment")
	}
	if _, page, _ = op.get(where); strings.Contains(page, `id="reopen-form"`) {
		t.Error("an open incident offers reopening")
	}
	op.postForm(where, where+"/state", url.Values{"state": {"resolved"}, "close_code": {"Solved (Permanently)"}, "close_notes": {"再起動"}})
	_, page, _ = op.get(where)
	if !strings.Contains(page, `id="reopen-form"`) || strings.Contains(page, `id="assign-form"`) {
		t.Fatalf("a resolved incident's page: reopen form %v, assign form %v; want reopen only", strings.Contains(page, `id="reopen-form"`), strings.Contains(page, `id="assign-form"`))
	}
	code, _, _ = op.postForm(where, where+"/state", url.Values{"state": {"in_progress"}})
	if _, page, _ = op.get(where); code != http.StatusSeeOther || !strings.Contains(page, `id="incident-state">対応中`) {
		t.Errorf("reopen = %d, state %q; want 対応中", code, textOf(page, "incident-state"))
	}
}

// TestLinkAlertToIncident: the alert page offers the tenant's open
// incidents; once linked, the alert page names the incident and the
// incident page links back to the alert. Another tenant's incident ID is refused.
func TestLinkAlertToIncident(t *testing.T) {
	var opts *Options
	e := newEnv(t, withOps, func(o *Options) { opts = o })
	ctx := context.Background()
	eng := opts.AlertDesk.(*alert.Engine)
	if _, err := eng.Intake(ctx, "acme", []alert.Signal{{Source: alert.SourceGeneric, Fingerprint: "cpu", Status: alert.StateFiring,
		Severity: alert.SeverityCritical, Name: "CPU高負荷", Resource: "acme-web-01", StartsAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	alerts, _ := eng.List(ctx, "acme", alert.Filter{})
	if len(alerts) != 1 {
		t.Fatalf("acme's alerts = %d, want 1", len(alerts))
	}
	a := alerts[0]
	inc := e.openOn(opts.IncidentDesk, "acme", "acme-web-01", "DB遅延")
	beta := e.openOn(opts.IncidentDesk, "beta", "beta-web-01", "beta outage")
	op := e.login("operator")
	alertPath := fmt.Sprintf("/tenants/acme/alerts/%d", a.ID)
	_, page, _ := op.get(alertPath)
	if !strings.Contains(page, `id="link-form"`) || !strings.Contains(page, inc.Number) || strings.Contains(page, "beta outage") {
		t.Fatalf("alert page: want the link form with acme's incident only:\n%s", page)
	}
	code, page, _ := op.postForm(alertPath, alertPath+"/incident", url.Values{"incident": {fmt.Sprint(beta.ID)}})
	if code != http.StatusBadRequest && code != http.StatusNotFound {
		t.Errorf("linking to beta's incident ID = %d, want refused", code)
	}
	code, _, _ = op.postForm(alertPath, alertPath+"/incident", url.Values{"incident": {fmt.Sprint(inc.ID)}})
	_, page, _ = op.get(alertPath)
	if code != http.StatusSeeOther || !strings.Contains(page, fmt.Sprintf(`<a href="/tenants/acme/incidents/%d">%s</a>`, inc.ID, inc.Number)) || strings.Contains(page, `id="link-form"`) {
		t.Errorf("link = %d; alert page's incident = %q", code, textOf(page, "alert-incident"))
	}
	_, page, _ = op.get(fmt.Sprintf("/tenants/acme/incidents/%d", inc.ID))
	if !strings.Contains(page, fmt.Sprintf(`href="%s"`, alertPath)) {
		t.Error("the incident page does not link back to the alert")
	}
	if !e.auditHas("acme", "link_alert", "incident") {
		t.Error("no audit entry for the link")
	}
}

// errorOf is the page's form error, for messages.
func errorOf(page string) string { return textOf(page, "form-error") }

// textOf is the text up to the next tag after id="id", for messages.
func textOf(page, id string) string {
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	if j := strings.Index(rest, ">"); j >= 0 {
		rest = rest[j+1:]
	}
	if k := strings.Index(rest, "<"); k >= 0 {
		rest = rest[:k]
	}
	return rest
}

// TestBoardTitleAndWallMode: a customer's viewer's board is titled with the
// customer's name, not "all customers"; ?wall=1 is the wall mode: no
// header, refreshing itself.
func TestBoardTitleAndWallMode(t *testing.T) {
	e := newEnv(t)
	_, page, _ := e.login("acme-viewer").get("/board")
	if !strings.Contains(page, "<h1>株式会社アクメ の稼働状況</h1>") || strings.Contains(page, "すべてのお客様の状態") {
		t.Errorf("acme viewer's board heading = %q, want 株式会社アクメ の稼働状況", textOf(page, "board"))
	}
	admin := e.login("admin")
	_, page, _ = admin.get("/board")
	if !strings.Contains(page, "すべてのお客様の状態") || !strings.Contains(page, `href="/board?wall=1"`) || strings.Contains(page, `class="wall"`) {
		t.Error("the MSP's board: want the all-customers lead and a link to the wall mode")
	}
	_, page, _ = admin.get("/board?wall=1")
	if !strings.Contains(page, `<body class="wall">`) || !strings.Contains(page, `data-refresh="60"`) || !strings.Contains(page, `id="wall-exit"`) {
		t.Error("the wall mode: want body.wall, a 60 s refresh and a way back")
	}
}

// TestSilencePages: from an alert, "silence like this" fills the matchers
// with its host and name; the preview lists the alerts they hold; a bad
// regular expression is refused naming the row; the silence is created,
// listed as active, audited, and expired; a viewer has no silence page.
func TestSilencePages(t *testing.T) {
	var opts *Options
	e := newEnv(t, withOps, func(o *Options) { opts = o })
	ctx := context.Background()
	eng := opts.AlertDesk.(*alert.Engine)
	if _, err := eng.Intake(ctx, "acme", []alert.Signal{{Source: alert.SourceGeneric, Fingerprint: "cpu", Status: alert.StateFiring,
		Severity: alert.SeverityCritical, Name: "CPU高負荷", Resource: "acme-web-01", StartsAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	alerts, _ := eng.List(ctx, "acme", alert.Filter{})
	op := e.login("operator")
	_, page, _ := op.get(fmt.Sprintf("/tenants/acme/silences?alert=%d", alerts[0].ID))
	if !strings.Contains(page, `id="m-name-0" name="m_name" value="host"`) || !strings.Contains(page, `id="m-value-0" name="m_value" value="acme-web-01"`) {
		t.Fatalf("silence form from the alert: want host=acme-web-01 in the first row:\n%s", page)
	}
	form := url.Values{"m_name": {"host", "severity"}, "m_op": {"=", "=~"}, "m_value": {"acme-web-01", "crit.*"}, "duration": {"2h"}, "comment": {"作業中"}}
	preview := url.Values{"action": {"preview"}}
	for k, v := range form {
		preview[k] = v
	}
	_, page, _ = op.postForm("/tenants/acme/silences", "/tenants/acme/silences", preview)
	if !strings.Contains(page, "この条件に合う発生中のアラート: 1件") || !strings.Contains(page, fmt.Sprintf(`data-alert="%d"`, alerts[0].ID)) {
		t.Errorf("preview: want the one alert held:\n%s", errorOf(page))
	}
	bad := url.Values{"m_name": {"host"}, "m_op": {"=~"}, "m_value": {"("}, "duration": {"2h"}, "comment": {"x"}}
	if code, page, _ := op.postForm("/tenants/acme/silences", "/tenants/acme/silences", bad); code != http.StatusBadRequest || !strings.Contains(errorOf(page), "matchers[0].value") {
		t.Errorf("a bad regular expression = %d %q, want 400 naming matchers[0].value", code, errorOf(page))
	}
	if list, _ := eng.Silences(ctx, "acme"); len(list) != 0 {
		t.Fatalf("preview or refusal stored %d silences", len(list))
	}
	form.Set("action", "create")
	if code, _, where := op.postForm("/tenants/acme/silences", "/tenants/acme/silences", form); code != http.StatusSeeOther || where != "/tenants/acme/silences" {
		t.Fatalf("create = %d to %q", code, where)
	}
	list, _ := eng.Silences(ctx, "acme")
	if len(list) != 1 {
		t.Fatalf("acme has %d silences, want 1", len(list))
	}
	_, page, _ = op.get("/tenants/acme/silences")
	if !strings.Contains(page, fmt.Sprintf(`data-silence="%d" data-state="active"`, list[0].ID)) || !strings.Contains(page, `host=&#34;acme-web-01&#34;`) {
		t.Errorf("the list does not show the active silence host=\"acme-web-01\"")
	}
	if !e.auditHas("acme", "create", "silence") {
		t.Error("no audit entry for the silence")
	}
	path := fmt.Sprintf("/tenants/acme/silences/%d/expire", list[0].ID)
	if code, _, _ := op.postForm("/tenants/acme/silences", path, url.Values{}); code != http.StatusSeeOther {
		t.Errorf("expire = %d", code)
	}
	if _, page, _ = op.get("/tenants/acme/silences"); !strings.Contains(page, `data-state="expired"`) || !e.auditHas("acme", "expire", "silence") {
		t.Error("the silence is not shown expired, or its expiry not audited")
	}
	if code, _, _ := e.login("acme-viewer").get("/tenants/acme/silences"); code != http.StatusForbidden {
		t.Errorf("acme's viewer on the silences page = %d, want 403", code)
	}
}

// TestMaintenanceByServiceAndLabels: a window for a service and a label set
// is stored with both; a label set that is not key=value is refused naming
// labels, nothing stored.
func TestMaintenanceByServiceAndLabels(t *testing.T) {
	var opts *Options
	e := newEnv(t, func(o *Options) { o.Maintenance = maintenance.NewStore(o.Store.DB(), o.Store); opts = o })
	ctx := context.Background()
	svcs, _ := e.store.Services(ctx, "acme")
	op := e.login("operator")
	form := url.Values{"name": {"DB移行"}, "kind": {"once"}, "start": {"2099-01-01T01:00"}, "end": {"2099-01-01T03:00"},
		"service_id": {fmt.Sprint(svcs[0].ID)}, "labels": {"role=db, env=prod"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("labels", "role db")
	if code, page, _ := op.postForm("/tenants/acme/maintenance", "/tenants/acme/maintenance", bad); code != http.StatusBadRequest || !strings.Contains(errorOf(page), "labels") {
		t.Errorf("a bad label set = %d %q, want 400 naming labels", code, errorOf(page))
	}
	if code, _, _ := op.postForm("/tenants/acme/maintenance", "/tenants/acme/maintenance", form); code != http.StatusSeeOther {
		t.Fatalf("create = %d", code)
	}
	list, _ := opts.Maintenance.List(ctx, "acme")
	if len(list) != 1 || list[0].ServiceID == nil || *list[0].ServiceID != svcs[0].ID || list[0].Labels["role"] != "db" || list[0].Labels["env"] != "prod" {
		t.Fatalf("windows = %+v, want one for the service with role=db, env=prod", list)
	}
	if _, page, _ := op.get("/tenants/acme/maintenance"); !strings.Contains(page, "<code>role=db</code>") {
		t.Error("the window list does not show the label set")
	}
}

// FuzzOpsForms: the label set and the silence form's times either parse
// or are refused naming a field, never a panic.
func FuzzOpsForms(f *testing.F) {
	f.Add("role=db, env=prod", "2h", "2026-12-01T10:00")
	f.Add("=x,,", "1d", "")
	f.Fuzz(func(t *testing.T, lbls, dur, start string) {
		if _, err := labelSet(lbls); err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Errorf("labelSet(%q): %v is not an input error", lbls, err)
			}
		}
		_, err := silenceOf(silenceForm{Matchers: []alert.Matcher{{Name: "host", Op: "=", Value: "x"}}, Duration: dur, Start: start, Comment: "x"}, "acme", time.UTC, time.Now())
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Errorf("silenceOf(%q, %q): %v is not an input error", dur, start, err)
			}
		}
	})
}

// TestHostPage: the host page draws filesystem (one line per mountpoint),
// network and load charts besides CPU and memory, the memory threshold of
// the Linux template on the memory chart, and lists what fires on the host
// now, its open incidents and its recent events; nothing of another host.
func TestHostPage(t *testing.T) {
	var opts *Options
	e := newEnv(t, withOps, func(o *Options) { opts = o })
	ctx := context.Background()
	host := e.resourceID("acme", "acme-web-01")
	tpls, _ := e.design.Templates(ctx, "acme")
	for _, tp := range tpls {
		if tp.Name == "linux-base" {
			if err := e.design.CreateAssignment(ctx, &monitoring.Assignment{TenantID: "acme", TemplateID: tp.ID, ResourceID: host}); err != nil {
				t.Fatal(err)
			}
		}
	}
	now := time.Now()
	for i := 10; i >= 0; i-- {
		at := now.Add(-time.Duration(i) * time.Minute)
		for _, mp := range []string{"/", "/var"} {
			e.push("acme", "node_filesystem_size_bytes", at, 100e9, "host", "acme-web-01", "mountpoint", mp, "device", "sda", "fstype", "ext4")
			e.push("acme", "node_filesystem_avail_bytes", at, 40e9, "host", "acme-web-01", "mountpoint", mp, "device", "sda", "fstype", "ext4")
		}
		e.push("acme", "node_load1", at, 1.5, "host", "acme-web-01")
		e.push("acme", "node_network_receive_bytes_total", at, float64(10-i)*6e6, "host", "acme-web-01", "device", "eth0")
		e.push("acme", "node_memory_MemTotal_bytes", at, 8e9, "host", "acme-web-01")
		e.push("acme", "node_memory_MemAvailable_bytes", at, 2e9, "host", "acme-web-01")
	}
	eng := opts.AlertDesk.(*alert.Engine)
	if _, err := eng.Intake(ctx, "acme", []alert.Signal{{Source: alert.SourceGeneric, Fingerprint: "app-log", Status: alert.StateFiring,
		Severity: alert.SeverityWarning, Name: "ERROR in app.log", Resource: "acme-web-01"}}); err != nil {
		t.Fatal(err)
	}
	inc := e.openOn(opts.IncidentDesk, "acme", "acme-web-01", "Web遅延")
	_, page, _ := e.login("operator").get(fmt.Sprintf("/tenants/acme/resources/%d", host))
	for _, want := range []string{`id="chart-filesystem" data-has-data="true"`, `id="chart-network" data-has-data="true"`, `id="chart-load" data-has-data="true"`,
		">/var<", `id="host-firing"`, "ERROR in app.log", inc.Number, `id="host-events"`} {
		if !strings.Contains(page, want) {
			t.Errorf("host page lacks %q", want)
		}
	}
	mem := page[strings.Index(page, `id="chart-memory"`):]
	mem = mem[:strings.Index(mem, "</figure>")]
	if !strings.Contains(mem, `class="mark"`) || !strings.Contains(mem, `stroke-dasharray`) {
		t.Errorf("the memory chart shows no threshold of the linux template:\n%s", mem[:min(len(mem), 400)])
	}
}

// TestZoomRange: a dragged range is read from unix milliseconds; a range
// under a minute, over 30 days or unreadable is refused naming its field.
func TestZoomRange(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	ms := func(d time.Duration) string { return fmt.Sprint(now.Add(d).UnixMilli()) }
	tr, to, ok, err := zoomRange(url.Values{"from": {ms(-40 * time.Minute)}, "to": {ms(-10 * time.Minute)}}, now)
	if err != nil || !ok || tr.Span != 30*time.Minute || !to.Equal(now.Add(-10*time.Minute)) || tr.Key != "custom" {
		t.Errorf("zoom 40m..10m ago = %v %v %v %v", tr, to, ok, err)
	}
	if _, _, ok, err := zoomRange(url.Values{}, now); ok || err != nil {
		t.Errorf("no zoom = %v %v", ok, err)
	}
	for field, q := range map[string]url.Values{
		"from": {"from": {"x"}, "to": {ms(0)}},
		"to":   {"from": {ms(-time.Hour)}, "to": {ms(-time.Hour + time.Second)}},
	} {
		if _, _, _, err := zoomRange(q, now); err == nil {
			t.Errorf("%v accepted", q)
		} else if e, ok := invalid.As(err); !ok || e.Field != field {
			t.Errorf("%v: %v, want a refusal of %s", q, err, field)
		}
	}
	if _, _, _, err := zoomRange(url.Values{"from": {ms(-31 * 24 * time.Hour)}, "to": {ms(0)}}, now); err == nil {
		t.Error("a 31-day zoom was accepted")
	}
}
