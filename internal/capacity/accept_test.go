package capacity

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	pstorage "github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/yearplan"
)

// yearlyFixture is the capacity fixture with the real yearly plan behind
// the accept endpoint: the capacity store as its source of groups, and a
// real TSDB holding three weeks of the acme web hosts' CPU up to the
// fixture's now (2026-12-07 06:00 Tokyo), so that the plan runs from
// 2027-01.
type yearlyFixture struct {
	*fixture
	yearly *yearplan.Service
	web    *Group // acme's group on hosts web-01 and web-02
}

func newYearlyFixture(t *testing.T) *yearlyFixture {
	t.Helper()
	fx := newFixture(t)
	ms, err := metricstore.Open(filepath.Join(t.TempDir(), "tsdb"), metricstore.Options{Retention: 10 * 365 * 24 * time.Hour},
		slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	// Weekdays 09–18 busy, quiet otherwise, both growing week by week: a
	// trend, so that the months of next year differ.
	start := fx.clock.now().Add(-21 * 24 * time.Hour)
	writeCPU(t, ms, "acme", []string{"web-01", "web-02"}, start, fx.clock.now(), func(ts time.Time) float64 {
		grow := 1 + 0.15*ts.Sub(start).Hours()/24/7
		local := ts.In(tokyo)
		if wd, h := local.Weekday(), local.Hour(); wd >= time.Monday && wd <= time.Friday && h >= 9 && h < 18 {
			return min(45*grow, 100)
		}
		return 12 * grow
	})
	svc := yearplan.NewService(YearplanSource{Store: fx.store}, yearplan.TSDBLoad{Metrics: report.TSDB{Store: ms, Chunks: ms.Queryable().(pstorage.ChunkQueryable)}},
		fx.st, nil, nil).WithClock(fx.clock.now)
	h := NewHandlers(fx.store, apitest.PathTenant, nil).WithYearlyPlans(svc)
	h.now = fx.clock.now
	fx.srv = apitest.NewServer(t, h.Routes())
	var web Group
	fx.must(t, 201, "POST", "/api/v1/tenants/acme/capacity/groups", admin, map[string]any{
		"name": "web", "service_id": fx.svc["acme"], "kind": "manual", "min": 1, "max": 40,
		"instance_size": "Standard_D2s_v5", "hourly_price": 0.5, "host_selector": `host=~"web-0[12]"`}, &web)
	// The group ran 2 instances throughout, as the scheduler observed.
	if err := fx.store.observed(context.Background(), web.ID, Observation{At: start.Add(-time.Hour), Desired: 2, Running: 2}); err != nil {
		t.Fatal(err)
	}
	return &yearlyFixture{fixture: fx, yearly: svc, web: &web}
}

// writeCPU writes node_cpu_seconds_total (idle and user of CPU 0) of
// tenant's hosts every five minutes from from to to, each five minutes
// busy at cpu percent.
func writeCPU(t *testing.T, ms *metricstore.Store, tenant string, hosts []string, from, to time.Time, cpu func(time.Time) float64) {
	t.Helper()
	app := ms.AppenderV2(context.Background())
	const step = 5 * time.Minute
	type series struct {
		idle, user labels.Labels
		ci, cu     float64
	}
	var all []*series
	for _, host := range hosts {
		mk := func(mode string) labels.Labels {
			return labels.FromStrings("__name__", "node_cpu_seconds_total", metricstore.TenantLabel, tenant, "host", host, "cpu", "0", "mode", mode)
		}
		all = append(all, &series{idle: mk("idle"), user: mk("user"), ci: 1e6, cu: 1e6})
	}
	// Time outside, hosts inside: the head takes samples in time order.
	for ts := from; !ts.After(to); ts = ts.Add(step) {
		for _, s := range all {
			if ts.After(from) {
				v := cpu(ts.Add(-step))
				s.cu += v / 100 * step.Seconds()
				s.ci += (1 - v/100) * step.Seconds()
			}
			if _, err := app.Append(0, s.idle, 0, ts.UnixMilli(), s.ci, nil, nil, pstorage.AOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := app.Append(0, s.user, 0, ts.UnixMilli(), s.cu, nil, nil, pstorage.AOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
}

const acceptPath = "/api/v1/tenants/acme/yearly-plan/accept"

// TestAcceptYearlyPlanMakesOneDraftWithTheMonthlyCounts: accepting the
// yearly plan makes one draft version of the group's plan whose count, at
// every month's weekday noon, night and weekend noon, is the count the
// yearly plan recommends for that month; the version names the yearly plan
// and links back to it; the accept is audited.
func TestAcceptYearlyPlanMakesOneDraftWithTheMonthlyCounts(t *testing.T) {
	fx := newYearlyFixture(t)
	p, err := fx.yearly.Generate(context.Background(), "acme", yearplan.Options{Target: 60})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Groups) != 1 || p.Groups[0].Note != "" || len(p.Groups[0].Months) != 12 {
		t.Fatalf("the yearly plan has no forecast for web: %+v", p.Groups)
	}
	months := p.Groups[0].Months
	versions := fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/plan/versions", fx.web.ID)
	state := func() string { _, body := fx.do(t, "GET", versions, admin, nil); return body }
	do := func(method, path string, body any) (int, []byte) {
		code, _, data := apitest.Do(t, fx.srv, method, path, ":read,write", body)
		return code, data
	}
	body := apitest.CheckAudited(t, fx.store.db, do, "acme", apitest.Change{Method: "POST", Path: acceptPath,
		Body: map[string]any{"from": "2027-01", "target": 60}, State: state, Action: "accept_yearly_plan", ObjectType: "capacity_plan"})
	var res AcceptResult
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Accepted) != 1 || !res.Accepted[0].Created || res.Accepted[0].Group != fx.web.ID {
		t.Fatalf("accepted: %s", body)
	}
	var list []Version
	fx.must(t, 200, "GET", versions, "acme:viewer", nil, &list)
	if len(list) != 1 {
		t.Fatalf("%d versions, want the one draft", len(list))
	}
	v := list[0]
	if v.State != StateDraft || v.Reason != "yearly plan 2027 accepted" || v.Origin == nil || v.Origin.Key != "yearly-plan/2027-01" ||
		v.Origin.Target != 60 || !strings.HasSuffix(v.Origin.HTML, "/tenants/acme/yearly-plan.html?target=60") {
		t.Fatalf("version: state %s, reason %q, origin %+v", v.State, v.Reason, v.Origin)
	}
	if len(v.Document.Seasons) < 2 {
		t.Errorf("%d seasons: the growing load should give next year more than one monthly count", len(v.Document.Seasons))
	}
	tl := Compile(&v.Document, tokyo, fx.web.Min, fx.web.Max, nil)
	clamp := func(n int) int { return min(max(n, fx.web.Min), fx.web.Max) }
	for _, m := range months {
		first := m.Month.In(tokyo)
		wed := first.AddDate(0, 0, (int(time.Wednesday)-int(first.Weekday())+7)%7)
		sat := first.AddDate(0, 0, (int(time.Saturday)-int(first.Weekday())+7)%7)
		for _, c := range []struct {
			at   time.Time
			want int
			what string
		}{
			{wed.Add(12 * time.Hour), clamp(m.Day), "weekday noon"},
			{wed.Add(3 * time.Hour), clamp(m.Night), "night"},
			{sat.Add(12 * time.Hour), clamp(m.Weekend), "weekend noon"},
		} {
			if pt := tl.At(c.at); pt.Count != c.want && len(pt.Events) == 0 {
				t.Errorf("%s %s (%s): %d, want %d", first.Format("2006-01"), c.what, c.at.Format(time.DateTime), pt.Count, c.want)
			}
		}
	}

	// The draft is the customer's to approve like any other, after the MSP
	// proposes it.
	path := fmt.Sprintf("%s/%d", versions, v.Version)
	fx.must(t, 200, "POST", path+"/propose", ":read,write", nil, nil)
	fx.must(t, 200, "POST", path+"/approve", "acme:requester", nil, nil)
}

// TestAcceptYearlyPlanTwiceAddsNothing: a second accept of the same yearly
// plan answers 200 with the draft it made before, adds no version and
// writes no audit entry; a new version since does not change that.
func TestAcceptYearlyPlanTwiceAddsNothing(t *testing.T) {
	fx := newYearlyFixture(t)
	in := map[string]any{"from": "2027-01"}
	var first, second AcceptResult
	fx.must(t, 201, "POST", acceptPath, ":read,write", in, &first)
	versions := fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/plan/versions", fx.web.ID)
	fx.must(t, 201, "POST", versions, ":read,write", map[string]any{"document": shop(), "reason": "by hand"}, nil)
	audits := auditCount(t, fx.fixture)
	fx.must(t, 200, "POST", acceptPath, ":read,write", in, &second)
	if len(second.Accepted) != 1 || second.Accepted[0].Created || second.Accepted[0].Version.ID != first.Accepted[0].Version.ID {
		t.Fatalf("second accept: %+v", second.Accepted)
	}
	var list []Version
	fx.must(t, 200, "GET", versions, admin, nil, &list)
	if len(list) != 2 {
		t.Fatalf("%d versions after a second accept, want 2 (the draft and the hand-written one)", len(list))
	}
	if n := auditCount(t, fx.fixture); n != audits {
		t.Fatalf("a second accept wrote %d audit entries", n-audits)
	}
}

func auditCount(t *testing.T, fx *fixture) int {
	t.Helper()
	var n int
	if err := fx.store.db.QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAcceptYearlyPlanRefusals: the customer viewer may not accept (the
// MSP does, after the meeting), another tenant's caller gets 404, a group
// of another tenant is not a group of this one, and a yearly plan other
// than the one now made is refused naming the field; none makes a draft.
func TestAcceptYearlyPlanRefusals(t *testing.T) {
	fx := newYearlyFixture(t)
	var beta Group
	fx.must(t, 201, "POST", "/api/v1/tenants/beta/capacity/groups", admin, map[string]any{
		"name": "beta-web", "service_id": fx.svc["beta"], "kind": "manual", "max": 3}, &beta)
	f := func(token string, body any, want int, field string) {
		t.Helper()
		code, data := fx.do(t, "POST", acceptPath, token, body)
		if code != want || (field != "" && !strings.Contains(data, `"field":"`+field+`"`)) {
			t.Errorf("%s %v = %d %s, want %d naming %q", token, body, code, data, want, field)
		}
	}
	ok := map[string]any{"from": "2027-01"}
	f("acme:viewer", ok, 403, "")
	f("beta:read,write", ok, 404, "")
	f("beta:viewer", ok, 404, "")
	f(":read,write", map[string]any{"from": "2027-01", "groups": []int64{beta.ID}}, 400, "groups[0]")
	f(":read,write", map[string]any{"from": "2027-02"}, 400, "from")
	f(":read,write", map[string]any{"from": "next year"}, 400, "from")
	f(":read,write", map[string]any{"from": "2027-01", "target": 99}, 400, "target")
	var list []Version
	fx.must(t, 200, "GET", fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/plan/versions", fx.web.ID), admin, nil, &list)
	if len(list) != 0 {
		t.Fatalf("a refused accept made %d versions", len(list))
	}
}
