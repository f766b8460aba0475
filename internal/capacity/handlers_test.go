package capacity

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/outbox"
)

// TestOpenAPIDescribesTheRoutes holds the fragment and the routes together.
func TestOpenAPIDescribesTheRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}

// TestApprovalIsTheCustomers: the customer's requester approves its own
// tenant's proposal (recorded with who and when); the customer's viewer
// only reads (403); a user of another tenant gets 404 on it and cannot approve; MSP staff cannot approve on
// the customer's behalf without a documented approval, and with one it is
// recorded as such; nothing applies before agreement, except an emergency
// change by an MSP admin, recorded as one, which an operator cannot make.
func TestApprovalIsTheCustomers(t *testing.T) {
	fx := newFixture(t)
	g := fx.group(t, "acme", "web", newFleet(t))
	base := fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/plan/versions", g.ID)
	fx.must(t, 201, "POST", base, ":read,write", map[string]any{"document": shop()}, nil)

	// A draft is neither approved nor activated.
	if code, out := fx.do(t, "POST", base+"/1/approve", "acme:requester", nil); code != 400 || !strings.Contains(out, `"field":"state"`) {
		t.Errorf("approve a draft: %d %s", code, out)
	}
	if code, out := fx.do(t, "POST", base+"/1/activate", ":read,write", nil); code != 400 || !strings.Contains(out, "draft") {
		t.Errorf("activate a draft: %d %s", code, out)
	}
	if code, _ := fx.do(t, "POST", base+"/1/propose", "acme:viewer", nil); code != 403 {
		t.Errorf("the customer proposes: %d, want 403", code)
	}
	fx.must(t, 200, "POST", base+"/1/propose", ":read,write", nil, nil)

	for _, c := range []struct {
		method, path, token string
		body                any
		code                int
		says                string
	}{
		{"GET", base + "/1", "beta:viewer", nil, 404, ""},
		{"POST", base + "/1/approve", "beta:requester", nil, 404, ""},
		{"POST", base + "/1/approve", "acme:viewer", nil, 403, "only the customer"},
		{"GET", fmt.Sprintf("/api/v1/tenants/beta/capacity/groups/%d/plan/versions/1", g.ID), "beta:viewer", nil, 404, ""},
		{"POST", fmt.Sprintf("/api/v1/tenants/beta/capacity/groups/%d/plan/versions/1/approve", g.ID), ":read,write", map[string]any{"reference": "x"}, 404, ""},
		{"POST", base + "/1/approve", ":read,write", nil, 403, "documented approval"},
		{"POST", base + "/1/approve", "acme:read", nil, 403, "only the customer"},
		{"POST", base + "/1/activate", ":read,write", map[string]any{"emergency": true, "reason": "load"}, 403, "MSP admin"},
		{"POST", base + "/1/activate", "acme:read,write,admin", map[string]any{"emergency": true, "reason": "load"}, 403, "MSP admin"},
	} {
		if code, out := fx.do(t, c.method, c.path, c.token, c.body); code != c.code || !strings.Contains(out, c.says) {
			t.Errorf("%s %s as %s: %d %s, want %d %q", c.method, c.path, c.token, code, out, c.code, c.says)
		}
	}
	var v Version
	fx.must(t, 200, "POST", base+"/1/approve", "acme:requester", nil, &v)
	if v.State != StateAgreed || v.Approval != ApprovalCustomer || v.ApprovedBy != "user:requester" || v.ApprovedAt == nil {
		t.Errorf("approved by the customer: %+v", v)
	}
	fx.must(t, 200, "POST", base+"/1/activate", ":read,write", nil, &v)
	if v.State != StateActive || v.ActivatedAt == nil {
		t.Errorf("activated: %+v", v)
	}

	// A change while it runs is a new version with a reason.
	doc := shop()
	doc.Baseline.Rules[0].Count = 7
	if code, out := fx.do(t, "POST", base, ":read,write", map[string]any{"document": doc}); code != 400 || !strings.Contains(out, `"field":"reason"`) {
		t.Errorf("a new version without a reason: %d %s", code, out)
	}
	fx.must(t, 201, "POST", base, ":read,write", map[string]any{"document": doc, "reason": "more traffic on weekdays"}, nil)
	fx.must(t, 200, "POST", base+"/2/propose", ":read,write", nil, nil)
	fx.must(t, 200, "POST", base+"/2/approve", ":read,write", map[string]any{"reference": "定例会議事録 2026-12-04 §3"}, &v)
	if v.Approval != ApprovalDocumented || v.ApprovalRef != "定例会議事録 2026-12-04 §3" || v.ApprovedBy != "token:test" {
		t.Errorf("documented approval: %+v", v)
	}
	fx.must(t, 200, "POST", base+"/2/activate", ":read,write", nil, nil)

	// An MSP admin's emergency change applies without agreement.
	doc.Baseline.Default = 5
	fx.must(t, 201, "POST", base, ":read,write", map[string]any{"document": doc, "reason": "night batch overloads"}, nil)
	if code, out := fx.do(t, "POST", base+"/3/activate", admin, map[string]any{"emergency": true}); code != 400 || !strings.Contains(out, `"field":"reason"`) {
		t.Errorf("emergency without a reason: %d %s", code, out)
	}
	fx.must(t, 200, "POST", base+"/3/activate", admin, map[string]any{"emergency": true, "reason": "CPU 95% at night"}, &v)
	if v.State != StateActive || v.Approval != ApprovalEmergency || v.Reason != "CPU 95% at night" {
		t.Errorf("emergency: %+v", v)
	}

	// The history stays readable: who, when, why.
	var list []Version
	fx.must(t, 200, "GET", base, "acme:viewer", nil, &list)
	if len(list) != 3 || list[0].State != StateSuperseded || list[0].SupersededAt == nil || list[1].State != StateSuperseded ||
		list[1].Reason != "more traffic on weekdays" || list[2].State != StateActive {
		t.Errorf("history: %+v", list)
	}
	var diff struct {
		Reason  string   `json:"reason"`
		Changes []Change `json:"changes"`
	}
	fx.must(t, 200, "GET", fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/plan/diff?from=1&to=3", g.ID), "acme:viewer", nil, &diff)
	if len(diff.Changes) != 2 || diff.Changes[0].Path != "baseline.default" || diff.Changes[1].Path != "baseline.rules[0]" || diff.Reason != "CPU 95% at night" {
		t.Errorf("diff 1→3: %+v", diff)
	}
	// Viewers see, they do not change.
	if code, _ := fx.do(t, "POST", base, "acme:viewer", map[string]any{"document": doc, "reason": "x"}); code != 403 {
		t.Errorf("a viewer drafts: %d", code)
	}
}

// TestGroupsValidateAndKeepSecrets: bad input names the field and stores
// nothing; the actuator secret is sealed and never returned; a command
// group is the MSP admin's alone.
func TestGroupsValidateAndKeepSecrets(t *testing.T) {
	fx := newFixture(t)
	f := newFleet(t)
	path := "/api/v1/tenants/acme/capacity/groups"
	body := func(mut func(m map[string]any)) map[string]any {
		m := map[string]any{"name": "web", "service_id": fx.svc["acme"], "kind": "command", "config": map[string]any{"argv": []string{f.path}},
			"min": 2, "max": 10, "host_selector": `role="web"`, "secret": "s3cr3t-kubeconfig"}
		if mut != nil {
			mut(m)
		}
		return m
	}
	bad := func(m map[string]any, field string) {
		t.Helper()
		if code, out := fx.do(t, "POST", path, admin, m); code != 400 || !strings.Contains(out, `"field":"`+field+`"`) {
			t.Errorf("%v: %d %s, want 400 naming %s", m, code, out, field)
		}
	}
	bad(body(func(m map[string]any) { m["kind"] = "vmware" }), "kind")
	bad(body(func(m map[string]any) { m["config"] = map[string]any{"argv": []string{"scale.sh"}} }), "config.argv")
	bad(body(func(m map[string]any) { m["max"] = 1 }), "max")
	bad(body(func(m map[string]any) { m["service_id"] = fx.svc["beta"] }), "service_id")
	bad(body(func(m map[string]any) { m["host_selector"] = `role=web` }), "host_selector")
	bad(body(func(m map[string]any) { m["verify_within"] = "1s" }), "verify_within")
	bad(body(func(m map[string]any) { m["load_query"] = "sum(rate(http_requests_total[5m]" }), "load_query")
	rps := func(m map[string]any) { m["load_query"] = `sum(rate(http_requests_total{job="web"}[10m]))` }
	bad(body(func(m map[string]any) { m["load_under"] = 1500 }), "load_under")
	bad(body(func(m map[string]any) { m["load_unit"] = "req/s" }), "load_unit")
	bad(body(func(m map[string]any) { rps(m); m["load_unit"] = strings.Repeat("x", 41) }), "load_unit")
	bad(body(func(m map[string]any) { rps(m); m["load_under"] = -1 }), "load_under")
	bad(body(func(m map[string]any) { rps(m); m["load_per_instance"] = 0 }), "load_per_instance")
	bad(body(func(m map[string]any) { rps(m); m["load_under"], m["load_over"] = 1500, 1500 }), "load_over")
	if code, out := fx.do(t, "POST", path, ":read,write", body(nil)); code != 403 || !strings.Contains(out, "MSP admin") {
		t.Errorf("an operator makes a command group: %d %s", code, out)
	}
	var g Group
	fx.must(t, 201, "POST", path, admin, body(nil), &g)
	code, out := fx.do(t, "GET", fmt.Sprintf("%s/%d", path, g.ID), "acme:read", nil)
	if code != 200 || strings.Contains(out, "s3cr3t") || !strings.Contains(out, `"has_secret":true`) {
		t.Errorf("read back: %d %s", code, out)
	}
	var stored []byte
	fx.store.db.QueryRow(`SELECT secret FROM capacity_groups WHERE id=?`, g.ID).Scan(&stored)
	if len(stored) == 0 || strings.Contains(string(stored), "s3cr3t") {
		t.Errorf("the secret at rest: %q", stored)
	}
	var detail string
	fx.store.db.QueryRow(`SELECT detail FROM audit_log WHERE object_type='capacity_group'`).Scan(&detail)
	if strings.Contains(detail, "s3cr3t") || detail == "" {
		t.Errorf("audit detail: %s", detail)
	}
	// Renamed, the secret still opens.
	fx.must(t, 200, "PUT", fmt.Sprintf("%s/%d", path, g.ID), admin, body(func(m map[string]any) { m["name"] = "web-2"; delete(m, "secret") }), &g)
	gg, _ := fx.store.Group(context.Background(), "acme", g.ID)
	if plain, err := fx.box.Open(gg.secret, secretAD("acme", "web-2")); err != nil || string(plain) != "s3cr3t-kubeconfig" {
		t.Errorf("secret after the rename: %q %v", plain, err)
	}
	if code, _ := fx.do(t, "GET", fmt.Sprintf("/api/v1/tenants/beta/capacity/groups/%d", g.ID), "beta:read", nil); code != 404 {
		t.Errorf("another tenant reads the group: %d", code)
	}
	// The group's own load metric is kept and read back; a refused change
	// of it loses nothing stored.
	withLoad := body(func(m map[string]any) {
		m["name"], m["load_query"], m["load_unit"], m["load_under"], m["load_over"] = "web-2", `sum(rate(http_requests_total{job="web"}[10m]))`, "req/s", 1500, 300
		delete(m, "secret")
	})
	fx.must(t, 200, "PUT", fmt.Sprintf("%s/%d", path, g.ID), admin, withLoad, nil)
	withLoad["load_over"] = 2000
	if code, out := fx.do(t, "PUT", fmt.Sprintf("%s/%d", path, g.ID), admin, withLoad); code != 400 || !strings.Contains(out, `"field":"load_over"`) {
		t.Errorf("over above under: %d %s", code, out)
	}
	fx.must(t, 200, "GET", fmt.Sprintf("%s/%d", path, g.ID), "acme:read", nil, &g)
	if g.LoadUnit != "req/s" || g.LoadUnder == nil || *g.LoadUnder != 1500 || g.LoadOver == nil || *g.LoadOver != 300 || g.LoadPerInstance != nil ||
		g.PerInstance() != 1500*100/85.0 {
		t.Errorf("load metric read back: %+v (per instance %v)", g, g.PerInstance())
	}
}

// TestChangesCommitWithTheirAudit: every write of the API commits with
// its audit entry or not at all.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	fx := newFixture(t)
	f := newFleet(t)
	do := func(method, path string, b any) (int, []byte) {
		code, out := fx.do(t, method, path, admin, b)
		return code, []byte(out)
	}
	groups := "/api/v1/tenants/acme/capacity/groups"
	state := func() string {
		_, a := fx.do(t, "GET", groups, "acme:read", nil)
		var b, c string
		fx.store.db.QueryRow(`SELECT coalesce(MAX(state),'') || coalesce(MAX(approval),'') || COUNT(*) FROM capacity_plan_versions`).Scan(&b)
		fx.store.db.QueryRow(`SELECT COUNT(*) || '/' || COUNT(released_at) FROM capacity_holds`).Scan(&c)
		return a + b + c
	}
	check := func(method, path string, body any, action, typ string) []byte {
		t.Helper()
		return apitest.CheckAudited(t, fx.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: body, State: state, Action: action, ObjectType: typ})
	}
	var g Group
	b := map[string]any{"name": "web", "service_id": fx.svc["acme"], "kind": "command", "config": map[string]any{"argv": []string{f.path}}, "min": 1, "max": 9}
	json.Unmarshal(check("POST", groups, b, "create", "capacity_group"), &g)
	gp := fmt.Sprintf("%s/%d", groups, g.ID)
	b["max"] = 12
	check("PUT", gp, b, "update", "capacity_group")
	check("POST", gp+"/plan/versions", map[string]any{"document": shop()}, "create", "capacity_plan")
	check("PUT", gp+"/plan/versions/1", map[string]any{"document": flat(3)}, "update", "capacity_plan")
	check("POST", gp+"/plan/versions/1/propose", nil, "propose", "capacity_plan")
	check("POST", gp+"/plan/versions/1/approve", map[string]any{"reference": "minutes"}, "approve", "capacity_plan")
	check("POST", gp+"/plan/versions/1/activate", nil, "activate", "capacity_plan")
	check("POST", gp+"/hold", map[string]any{"count": 8, "until": fx.clock.now().Add(time.Hour), "reason": "keep 8 until 18:00"}, "hold", "capacity_group")
	check("DELETE", gp+"/hold", nil, "release_hold", "capacity_group")
	check("DELETE", gp, nil, "delete", "capacity_group")
}

// enqueued records the manual actuator's requests.
type enqueued struct{ list []outbox.Notification }

func (e *enqueued) Enqueue(_ context.Context, n outbox.Notification) error {
	e.list = append(e.list, n)
	return nil
}

// TestManualGroupAsksAPersonAndVerifiesTheirConfirmation: a manual step
// sends one request through the notification pipeline, in the tenant's
// language alone, and verifies once a person confirms the count.
func TestManualGroupAsksAPersonAndVerifiesTheirConfirmation(t *testing.T) {
	fx := newFixture(t)
	q := &enqueued{}
	fx.store.AddKind(KindManual, fx.store.ManualFactory(q, "http://unyo.example"))
	var g Group
	fx.must(t, 201, "POST", "/api/v1/tenants/acme/capacity/groups", ":read,write", map[string]any{"name": "batch", "service_id": fx.svc["acme"],
		"kind": "manual", "min": 0, "max": 10}, &g)
	fx.agreed(t, "acme", &g, flat(4), "")
	sc := fx.scheduler()
	tick(t, sc)
	tick(t, sc)
	if len(q.list) != 1 || !strings.Contains(q.list[0].Message.Title, "batch → 4") || q.list[0].Message.URL != fmt.Sprintf("http://unyo.example/tenants/acme/capacity/groups/%d", g.ID) {
		t.Fatalf("requests: %+v", q.list)
	}
	ja := q.list[0].Message
	if ja.Language != "ja" || ja.Title != "運行作業依頼: batch → 4" || !strings.Contains(ja.Summary, "batch を 4 台にして") || strings.Contains(ja.Title+ja.Summary, "Set ") {
		t.Errorf("the Japanese customer's request: %q, %q, %q", ja.Language, ja.Title, ja.Summary)
	}
	beta, err := fx.st.Tenant(t.Context(), "beta")
	if err != nil {
		t.Fatal(err)
	}
	beta.Language = "en"
	if err := fx.st.UpdateTenant(t.Context(), beta); err != nil {
		t.Fatal(err)
	}
	if err := (&manual{store: fx.store, q: q, url: "http://unyo.example", tenant: "beta", group: g.ID, name: "jobs"}).Apply(t.Context(), 3); err != nil {
		t.Fatal(err)
	}
	en := q.list[len(q.list)-1].Message
	if en.Language != "en" || en.Title != "Scale by hand: jobs → 3" || en.Summary != "Set jobs to 3 instances, then confirm the count in the console." {
		t.Errorf("the English customer's request: %q, %q, %q", en.Language, en.Title, en.Summary)
	}
	q.list = q.list[:1]
	path := fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d", g.ID)
	if code, _ := fx.do(t, "POST", path+"/confirm", "acme:viewer", map[string]any{"count": 4}); code != 403 {
		t.Errorf("a viewer confirms: %d", code)
	}
	fx.must(t, 204, "POST", path+"/confirm", ":read,write", map[string]any{"count": 4}, nil)
	tick(t, sc)
	var st []Step
	fx.must(t, 200, "GET", path+"/steps", "acme:read", nil, &st)
	if len(st) != 1 || st[0].State != StepVerified || *st[0].ReachedCount != 4 {
		t.Errorf("steps: %+v", st)
	}
	var status Status
	fx.must(t, 200, "GET", path+"/status", "acme:viewer", nil, &status)
	if status.Desired != 4 || status.Running != 4 || status.Plan == nil || status.Plan.Count != 4 || status.Version != 1 {
		t.Errorf("status: %+v", status)
	}
}

// TestDryRunCalendarAndPlanActual: the dry run lists the next 7 days'
// steps; the calendar shows events as segments over the baseline with the
// overlap; plan against actual counts instance-hours and costs from what
// the plan said and what the platform ran.
func TestDryRunCalendarAndPlanActual(t *testing.T) {
	fx := newFixture(t)
	f := newFleet(t)
	g := fx.group(t, "acme", "web", f)
	start := fx.clock.now() // Monday 06:00 Tokyo
	doc := shop()
	doc.Events = []Event{
		{Name: "campaign", Start: start.Add(4 * time.Hour), End: start.Add(6 * time.Hour), Count: 10, Lead: model.Duration(time.Hour)},
		{Name: "tv", Start: start.Add(5 * time.Hour), End: start.Add(7 * time.Hour), Count: 12},
	}
	fx.agreed(t, "acme", g, doc, "")
	path := fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d", g.ID)
	var dry DryRun
	fx.must(t, 200, "GET", path+"/dry-run", "acme:viewer", nil, &dry)
	// Mon 6 at 08:00, 10 at 09:00 (the lead), 12 at 11:00, 6 at 13:00, 2 at 23:00;
	// Tue–Fri 6 at 08:00 and 2 at 23:00; Sat 4 at 00:00; Mon 2 at 00:00: 15 steps.
	if !dry.Applies || dry.Now.Count != 2 || len(dry.Steps) != 15 || dry.Steps[1].Count != 10 || dry.Steps[2].Winner != "tv" {
		t.Errorf("dry run: applies %v now %+v, %d steps: %+v", dry.Applies, dry.Now, len(dry.Steps), dry.Steps[:3])
	}
	var cal Calendar
	fx.must(t, 200, "GET", path+"/calendar?from="+start.UTC().Format(time.RFC3339)+"&to="+start.Add(24*time.Hour).UTC().Format(time.RFC3339), "acme:viewer", nil, &cal)
	overlap := false
	for _, s := range cal.Segments {
		if len(s.Events) == 2 && s.Count == 12 && s.Winner == "tv" {
			overlap = true
		}
	}
	if !overlap || len(cal.Events) != 2 {
		t.Errorf("calendar shows no overlap: %+v", cal)
	}

	// Run the day: the scheduler ticks every 10 minutes for 24 hours.
	sc := fx.scheduler()
	for i := 0; i < 144; i++ {
		tick(t, sc)
		fx.clock.add(10 * time.Minute)
	}
	var pa PlanActual
	fx.must(t, 200, "GET", path+"/plan-actual?from="+start.UTC().Format(time.RFC3339)+"&to="+start.Add(24*time.Hour).UTC().Format(time.RFC3339), "acme:viewer", nil, &pa)
	// Planned: 2×2h + 6×1h + 10×2h + 12×2h + 6×10h + 2×7h = 128 instance-hours;
	// the peak 12 over 24h is 288; at 0.5 an hour 64 against 144.
	if pa.PlannedHours != 128 || pa.PeakPlanned != 12 || pa.FixedHours != 288 || *pa.PlannedCost != 64 || *pa.FixedCost != 144 {
		t.Errorf("planned: %v h, peak %d, fixed %v h, cost %v vs %v", pa.PlannedHours, pa.PeakPlanned, pa.FixedHours, *pa.PlannedCost, *pa.FixedCost)
	}
	if pa.ActualHours != pa.PlannedHours || len(pa.Steps) != 6 || len(pa.Events) != 2 || !strings.Contains(pa.LoadQuery, "node_cpu_seconds_total") {
		t.Errorf("actual %v h, %d steps, %d events, load %q", pa.ActualHours, len(pa.Steps), len(pa.Events), pa.LoadQuery)
	}
	res, err := fx.store.Results(context.Background(), "acme", start, start.Add(24*time.Hour), start.Add(48*time.Hour))
	if err != nil || len(res.Groups) != 1 || len(res.Upcoming) != 0 {
		t.Errorf("results: %+v %v", res, err)
	}
}

// TestTenantIsolation: beta's token with every scope, and beta's
// customer viewer, read and change nothing of acme's on every capacity
// endpoint, on acme's path or on beta's own with acme's IDs.
func TestTenantIsolation(t *testing.T) {
	fx := newFixture(t)
	g := fx.group(t, "acme", "acme-secret-web", newFleet(t))
	fx.agreed(t, "acme", g, shop(), "")
	beta := map[string]string{"token": "beta:ingest,read,write,admin", "viewer": "beta:viewer"}
	bodies := map[string]string{
		"/groups": `{"name":"taken over","service_id":1,"kind":"manual","max":3}`, "/{id}": `{"name":"taken over","service_id":1,"kind":"manual","max":3}`,
		"/confirm": `{"count":1}`, "/hold": `{"count":1,"until":"2099-01-01T00:00:00Z","reason":"b"}`,
		"/versions": `{"document":{"baseline":{"default":1}},"reason":"b"}`, "/{version}": `{"document":{"baseline":{"default":1}},"reason":"b"}`,
		"/approve": `{"reference":"b"}`, "/activate": `{"emergency":true,"reason":"b"}`, "/propose": ``,
	}
	for _, rt := range NewHandlers(nil, apitest.PathTenant, nil).Routes() {
		path := strings.ReplaceAll(strings.ReplaceAll(rt.Path, "{id}", fmt.Sprint(g.ID)), "{version}", "1")
		if strings.HasSuffix(rt.Path, "/diff") {
			path += "?from=1&to=1"
		}
		for _, who := range beta {
			var b any
			if rt.Method != "GET" && rt.Method != "DELETE" {
				b = bodies[rt.Path[strings.LastIndex(rt.Path, "/"):]]
			}
			if code, out := fx.do(t, rt.Method, strings.ReplaceAll(path, "{tenant}", "acme"), who, b); code != 404 {
				t.Errorf("%s %s on acme's path: %d %s", who, rt.Method, code, out)
			}
			code, out := fx.do(t, rt.Method, strings.ReplaceAll(path, "{tenant}", "beta"), who, b)
			if strings.Contains(rt.Path, "{id}") && code != 404 && code != 403 {
				t.Errorf("%s %s %s with acme's ID: %d %s", who, rt.Method, rt.Path, code, out)
			}
			for _, leak := range []string{"acme-secret-web", `"tenant":"acme"`, "Standard_D2s_v5"} {
				if strings.Contains(out, leak) {
					t.Errorf("%s %s %s leaks %q: %s", who, rt.Method, rt.Path, leak, out)
				}
			}
		}
	}
	v, err := fx.store.Active(t.Context(), "acme", g.ID)
	if err != nil || v == nil || v.Version != 1 {
		t.Errorf("acme's plan after beta: %+v %v", v, err)
	}
	if got, err := fx.store.Group(t.Context(), "acme", g.ID); err != nil || got.Name != "acme-secret-web" {
		t.Errorf("acme's group after beta: %+v %v", got, err)
	}
}
