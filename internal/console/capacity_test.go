package console

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	pstorage "github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/yearplan"
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
// and only reads; its requester approves the proposal as the customer; an operator's approval needs
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
	if strings.Contains(page, `id="draft-form"`) || strings.Contains(page, `id="propose-1"`) || strings.Contains(page, `id="approve-1"`) {
		t.Errorf("the viewer's page offers actions: a viewer only reads")
	}
	requester := e.login("acme-requester")
	if _, page, _ := requester.get(base + "?view=week"); strings.Contains(page, `id="draft-form"`) || strings.Contains(page, `id="propose-1"`) || !strings.Contains(page, `id="approve-1"`) {
		t.Errorf("the requester's page offers the wrong actions")
	}
	if code, _, _ := viewer.postForm(base, base+"/versions/1/approve", url.Values{}); code != http.StatusForbidden {
		t.Errorf("the viewer approves: %d, want 403", code)
	}
	if code, _, _ := viewer.postForm(base, base+"/versions", url.Values{"document": {`{"baseline":{"default":1}}`}}); code != http.StatusForbidden {
		t.Errorf("the viewer drafts: %d", code)
	}

	op := e.login("operator")
	if code, body, _ := op.postForm(base, base+"/versions/1/approve", url.Values{}); code != http.StatusBadRequest || !strings.Contains(body, "議事録") {
		t.Errorf("the operator approves without a reference: %d", code)
	}
	if code, body, _ := requester.postForm(base, base+"/versions/1/approve", url.Values{}); code != 200 || !strings.Contains(body, "お客様承認") {
		t.Errorf("the customer approves: %d", code)
	}
	v, _ := e.plans.Version(context.Background(), "acme", g.ID, 1)
	if v.State != capacity.StateAgreed || v.Approval != capacity.ApprovalCustomer || v.ApprovedBy != "user:acme-requester" {
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

// withYearly gives the console the yearly plan: the real service over the
// env's capacity store, reading the load from a TSDB of its own that keeps
// a year (the env's keeps a day), returned in *ms.
func withYearly(t *testing.T, ms **metricstore.Store) func(*Options) {
	return func(o *Options) {
		store, err := metricstore.Open(filepath.Join(t.TempDir(), "yearly-tsdb"), metricstore.Options{Retention: 365 * 24 * time.Hour},
			slog.New(slog.DiscardHandler), prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		pdf, err := report.NewPDF("")
		if err != nil {
			t.Fatalf("the yearly plan's PDF needs the Debian package %s: %v", report.FontPackage, err)
		}
		o.Yearly = yearplan.NewService(capacity.YearplanSource{Store: o.Capacity},
			yearplan.TSDBLoad{Metrics: report.TSDB{Store: store, Chunks: store.Queryable().(pstorage.ChunkQueryable)}}, o.Store, pdf, nil)
		if ms != nil {
			*ms = store
		}
	}
}

// writeHostCPU writes three weeks up to now of host's CPU (tenant's
// node_cpu_seconds_total, idle and user) at 5-minute steps: busy on
// weekday office hours, quiet otherwise.
func writeHostCPU(t *testing.T, ms *metricstore.Store, tenant, host string) {
	t.Helper()
	const step = 5 * time.Minute
	to := time.Now()
	from := to.Add(-21 * 24 * time.Hour)
	mk := func(mode string) labels.Labels {
		return labels.FromStrings("__name__", "node_cpu_seconds_total", metricstore.TenantLabel, tenant, "host", host, "cpu", "0", "mode", mode)
	}
	idle, user := mk("idle"), mk("user")
	app := ms.AppenderV2(context.Background())
	ci, cu := 1e6, 1e6
	for ts := from; !ts.After(to); ts = ts.Add(step) {
		v := 15.0
		if local := ts.In(tokyoZone(t)); local.Weekday() >= time.Monday && local.Weekday() <= time.Friday && local.Hour() >= 9 && local.Hour() < 18 {
			v = 55
		}
		cu += v / 100 * step.Seconds()
		ci += (1 - v/100) * step.Seconds()
		if _, err := app.Append(0, idle, 0, ts.UnixMilli(), ci, nil, nil, pstorage.AOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Append(0, user, 0, ts.UnixMilli(), cu, nil, nil, pstorage.AOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestCapacityYearlyPlanAccept: the capacity pages link the yearly plan
// (HTML and PDF, which the customer's viewer may read too); an operator's
// "accept as next year's draft" makes one draft version of the group's
// plan, shown in its versions with the reason and a link back; accepting
// again adds nothing; the viewer has no button and is refused.
func TestCapacityYearlyPlanAccept(t *testing.T) {
	var ms *metricstore.Store
	e := newEnv(t, withYearly(t, &ms))
	ctx := context.Background()
	svcs, _ := e.store.Services(ctx, "acme")
	g := &capacity.Group{TenantID: "acme", ServiceID: svcs[0].ID, Name: "acme-web", Kind: capacity.KindManual, Min: 1, Max: 20, HostSelector: `host="acme-web-01"`}
	if err := e.plans.CreateGroup(ctx, g, nil); err != nil {
		t.Fatal(err)
	}
	writeHostCPU(t, ms, "acme", "acme-web-01")
	year := yearplan.FirstMonth(time.Now(), tokyoZone(t))
	list := "/tenants/acme/capacity"
	base := fmt.Sprintf("/tenants/acme/capacity/groups/%d", g.ID)

	viewer := e.login("acme-viewer")
	if code, page, _ := viewer.get(list); code != 200 || !strings.Contains(page, `id="yearly-html"`) || strings.Contains(page, `id="yearly-accept"`) {
		t.Fatalf("the viewer's groups page: %d, want the yearly plan's links and no accept button", code)
	}
	if code, doc, _ := viewer.get(list + "/yearly-plan.html"); code != 200 || !strings.Contains(doc, "年間運行計画") || !strings.Contains(doc, "acme-web") {
		t.Errorf("the yearly plan's HTML as the viewer: %d", code)
	}
	if code, doc, _ := viewer.get(list + "/yearly-plan.pdf"); code != 200 || !strings.HasPrefix(doc, "%PDF") {
		t.Errorf("the yearly plan's PDF as the viewer: %d", code)
	}
	form := url.Values{"from": {year.Format("2006-01")}, "target": {"60"}}
	if code, _, _ := viewer.postForm(list, list+"/yearly-plan/accept", form); code != http.StatusForbidden {
		t.Errorf("the viewer accepts: %d, want 403", code)
	}

	op := e.login("operator")
	_, page, _ := op.get(base)
	if !strings.Contains(page, `id="yearly-html"`) {
		t.Errorf("the group page has no link to the yearly plan")
	}
	_, page, _ = op.get(list)
	if !strings.Contains(page, `id="yearly-accept"`) || !strings.Contains(page, `name="from" value="`+year.Format("2006-01")+`"`) {
		t.Fatalf("the operator's groups page has no accept button for %s", year.Format("2006-01"))
	}
	if code, body, _ := op.postForm(list, list+"/yearly-plan/accept", url.Values{"from": {form.Get("from")}, "target": {"abc"}}); code != http.StatusBadRequest || !strings.Contains(body, "target") {
		t.Errorf("a bad target: %d", code)
	}
	code, body, _ := op.postForm(list, list+"/yearly-plan/accept", form)
	if code != 200 || !strings.Contains(body, fmt.Sprintf("%d 年の年間運行計画を採用し、1 グループに下書きを作成しました", year.Year())) {
		t.Fatalf("accept: %d\n%s", code, body)
	}
	_, page, _ = op.get(base)
	if !strings.Contains(page, fmt.Sprintf("yearly plan %d accepted", year.Year())) || !strings.Contains(page, `class="origin"`) || !strings.Contains(page, `id="propose-1"`) {
		t.Errorf("the draft is not in the group's versions:\n%s", page)
	}
	if code, body, _ := op.postForm(list, list+"/yearly-plan/accept", form); code != 200 || !strings.Contains(body, "採用済み") {
		t.Errorf("a second accept: %d", code)
	}
	versions, _ := e.plans.Versions(ctx, "acme", g.ID)
	if len(versions) != 1 || versions[0].State != capacity.StateDraft || versions[0].Origin == nil || len(versions[0].Document.Seasons) == 0 {
		t.Fatalf("versions after two accepts: %+v", versions)
	}
	audits, _ := e.store.AuditLog(ctx, "acme", 100)
	n := 0
	for _, a := range audits {
		if a.Action == "accept_yearly_plan" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d accept_yearly_plan audit entries after two accepts, want 1", n)
	}
}

// TestStepStatesAreTranslated holds the plan-against-actual table to the
// reader's language: every state a step can be in has its words in both.
func TestStepStatesAreTranslated(t *testing.T) {
	for _, s := range []capacity.StepState{capacity.StepClaimed, capacity.StepApplied, capacity.StepVerified,
		capacity.StepUnverified, capacity.StepFailed, capacity.StepSuperseded} {
		w, ok := catalog["cap.step."+string(s)]
		if !ok || w[0] == "" || w[1] == "" {
			t.Errorf("step state %q has no words in the catalog", s)
		}
	}
}

// TestCapacityLoadMetricForm: MSP staff set a group's own load metric on
// its page (query, unit, thresholds); bad input names the field and keeps
// what was stored; the page then states the rule and the plan-against-
// actual chart lays the requests over the counts; the customer's viewer
// may not change it; the change is audited.
func TestCapacityLoadMetricForm(t *testing.T) {
	e := newEnv(t)
	g, _ := e.capacityGroup("acme", "acme-web")
	base := fmt.Sprintf("/tenants/acme/capacity/groups/%d", g.ID)
	now := time.Now()
	for m := 30; m >= 0; m-- {
		at := now.Add(-time.Duration(m) * time.Minute)
		e.push("acme", "http_requests_total", at, float64(30-m)*60*3000, "job", "web")
		e.push("beta", "http_requests_total", at, float64(30-m)*60*30000, "job", "web")
	}
	query := `sum(rate(http_requests_total{job="web"}[10m]))`
	op := e.login("operator")
	if code, body, _ := op.postForm(base, base+"/load", url.Values{"load_under": {"1500"}}); code != http.StatusBadRequest || !strings.Contains(body, "load_under") {
		t.Errorf("a threshold without a query: %d", code)
	}
	if code, body, _ := op.postForm(base, base+"/load", url.Values{"load_query": {query}, "load_under": {"many"}}); code != http.StatusBadRequest || !strings.Contains(body, "数値で入力してください") {
		t.Errorf("a threshold that is no number: %d", code)
	}
	if stored, _ := e.plans.Group(context.Background(), "acme", g.ID); stored.LoadQuery != "" {
		t.Errorf("a refused form stored %q", stored.LoadQuery)
	}
	viewer := e.login("acme-viewer")
	if code, _, _ := viewer.postForm(base, base+"/load", url.Values{"load_query": {query}}); code != http.StatusForbidden {
		t.Errorf("the viewer sets the load metric: %d", code)
	}
	code, body, _ := op.postForm(base, base+"/load", url.Values{"load_query": {query}, "load_unit": {"req/s"}, "load_under": {"1500"}, "load_over": {"300"}})
	if code != 200 || !strings.Contains(body, "負荷指標を保存しました") || !strings.Contains(body, "req/s、1台あたり 95% 値: 1,500 超で不足、300 未満で過剰") {
		t.Fatalf("the load metric: %d", code)
	}
	if !strings.Contains(body, "負荷: req/s（台分）") {
		t.Error("the chart does not lay the requests over the counts")
	}
	stored, _ := e.plans.Group(context.Background(), "acme", g.ID)
	if stored.LoadQuery != query || stored.LoadUnit != "req/s" || stored.LoadUnder == nil || *stored.LoadUnder != 1500 || stored.LoadPerInstance != nil {
		t.Errorf("stored: %+v", stored)
	}
	list, _ := e.store.AuditLog(context.Background(), "acme", 100)
	if len(list) == 0 || list[0].ObjectType != "capacity_group" || list[0].Action != "update" {
		t.Errorf("audit: %+v", list)
	}
}
