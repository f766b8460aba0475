package report

import (
	"context"
	"encoding/json"
	"math"
	"sync"
	"testing"
	"time"
)

var (
	fixOnce sync.Once
	fix     *fixture
)

// sharedFixture builds the data set once for the package's tests: a month
// and its previous month of one-minute samples for two hosts per tenant.
func sharedFixture(t *testing.T) *fixture {
	fixOnce.Do(func() { fix = newFixture(&onceTB{T: t}, 2, sampleEvery) })
	if fix == nil {
		t.Fatal("fixture failed to build")
	}
	return fix
}

// onceTB keeps the fixture's temporary directory for the whole test binary:
// t.TempDir would remove it when the first test ends.
type onceTB struct{ *testing.T }

func (o *onceTB) TempDir() string { return tempDir }
func (o *onceTB) Cleanup(func())  {}

func generate(t *testing.T, tenant string) *Report {
	t.Helper()
	f := sharedFixture(t)
	g := NewGenerator(f.src, nil)
	g.now = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	r, err := g.Generate(context.Background(), tenant, fromNov, toNov)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func host(t *testing.T, r *Report, name string) HostPerf {
	t.Helper()
	for _, h := range r.Hosts {
		if h.Host == name {
			return h
		}
	}
	t.Fatalf("no host %q in %+v", name, r.Hosts)
	return HostPerf{}
}

func TestAvailabilityExcludesMaintenance(t *testing.T) {
	r := generate(t, "acme")
	got := map[string]Availability{}
	for _, a := range r.Summary.Services {
		got[a.Service] = a
	}
	want := map[string]Availability{
		"ECサイト": {Service: "ECサイト", Target: 99.9, Percent: 99.896, Downtime: Duration(45 * time.Minute), Met: false},
		"API":   {Service: "API", Target: 99.5, Percent: 99.583, Downtime: Duration(3 * time.Hour), Met: true},
	}
	if len(got) != len(want) {
		t.Fatalf("services: got %+v, want %+v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %+v, want %+v", k, got[k], w)
		}
	}
}

func TestSummaryCounts(t *testing.T) {
	s := generate(t, "acme").Summary
	if s.Incidents != (Count{2, 1}) || s.IncidentsMet != 1 || s.IncidentsMiss != 1 {
		t.Errorf("incidents %+v met %d missed %d, want {2 1} 1 1", s.Incidents, s.IncidentsMet, s.IncidentsMiss)
	}
	if s.Alerts != (Count{7, 3}) {
		t.Errorf("alerts %+v, want {7 3}", s.Alerts)
	}
}

func TestHostPerformance(t *testing.T) {
	r := generate(t, "acme")
	if len(r.Hosts) != 2 {
		t.Fatalf("got %d hosts, want web-01 and db-01 only", len(r.Hosts))
	}
	web, db := host(t, r, "web-01"), host(t, r, "db-01")
	f := func(name string, got, want Stats) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
	f("web-01 cpu", web.CPU, Stats{Avg: 45, P95: 90, Max: 90, N: 8640})
	f("web-01 prev cpu", web.PrevCPU, Stats{Avg: 30, P95: 30, Max: 30, N: 8640})
	f("web-01 mem", web.Mem, Stats{Avg: 60, P95: 60, Max: 60, N: 8640})
	f("db-01 cpu", db.CPU, Stats{Avg: 10, P95: 10, Max: 10, N: 8640})
	f("db-01 mem", db.Mem, Stats{Avg: 30, P95: 30, Max: 30, N: 8640})
	if len(web.CPULine) == 0 || len(web.CPULine) > linePoints+2 {
		t.Errorf("chart line has %d points, want 1..%d", len(web.CPULine), linePoints+2)
	}
	if len(web.Disks) != 1 {
		t.Fatalf("web-01 disks: %+v", web.Disks)
	}
	d := web.Disks[0]
	if d.Mount != "/" || d.StartPercent != 50 || d.UsedPercent != 80 || d.DaysToFull != 20 || math.Abs(d.GrowthPerDay-1e9) > 1 {
		t.Errorf("web-01 disk: got %+v, want / 50%% → 80%%, 1 GB a day, full in 20 days", d)
	}
	if dd := db.Disks[0]; dd.UsedPercent != 20 || dd.DaysToFull != -1 || dd.GrowthPerDay != 0 {
		t.Errorf("db-01 disk: got %+v, want 20%% steady", dd)
	}
}

func TestWebAccess(t *testing.T) {
	r := generate(t, "acme")
	if len(r.Web) != 1 {
		t.Fatalf("web: %+v, want web-01 only", r.Web)
	}
	w := r.Web[0]
	if w.Host != "web-01" || w.Requests != 432000 || w.PrevRequests != 216000 || w.Sessions.Avg != 100 {
		t.Errorf("web-01: got %+v, want 432000 requests (216000 before), 100 sessions", w)
	}
}

func TestAlertStatistics(t *testing.T) {
	a := generate(t, "acme").Alerts
	eq := func(name string, got, want []KeyCount) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
			return
		}
		for i := range want {
			if got[i].Key != want[i].Key || got[i].Count != want[i].Count {
				t.Errorf("%s: got %v, want %v", name, got, want)
				return
			}
		}
	}
	eq("by severity", a.BySeverity, []KeyCount{{Key: "critical", Count: 5}, {Key: "warning", Count: 2}})
	eq("by item", a.ByItem, []KeyCount{{Key: "cpu-high", Count: 4}, {Key: "disk-usage", Count: 2}, {Key: "http-down", Count: 1}})
	eq("by host", a.ByHost, []KeyCount{{Key: "web-01", Count: 4}, {Key: "db-01", Count: 2}, {Key: "-", Count: 1}})
	eq("noisiest", a.Noisiest[:1], []KeyCount{{Key: "cpu-high @ web-01", Count: 4}})
	// An item shows its title in the reader's language (a check's too,
	// not its name); one without a title shows its name.
	for _, c := range []struct{ lang, want string }{{"ja", "CPU使用率"}, {"en", "CPU usage"}} {
		if got := a.ByItem[0].Label(c.lang); got != c.want {
			t.Errorf("cpu-high in %s: %q, want %q", c.lang, got, c.want)
		}
	}
	if got := a.ByItem[2].Label("en"); got != "Shop site (HTTP)" {
		t.Errorf("the check http-down in en: %q, want its title", got)
	}
	if got := a.ByItem[1].Label("en"); got != "disk-usage" {
		t.Errorf("an item without a title: %q, want its name", got)
	}
	if got := a.Noisiest[0].Label("ja"); got != "CPU使用率 @ web-01" {
		t.Errorf("noisiest in ja: %q", got)
	}
	if len(a.ByDay) != 30 {
		t.Fatalf("by day has %d days, want 30", len(a.ByDay))
	}
	days := map[string]int{}
	for _, d := range a.ByDay {
		if d.Count > 0 {
			days[d.Key] = d.Count
		}
	}
	want := map[string]int{"2026-11-03": 2, "2026-11-04": 1, "2026-11-05": 1, "2026-11-10": 1, "2026-11-20": 1, "2026-11-30": 1}
	if len(days) != len(want) {
		t.Fatalf("by day (Tokyo): got %v, want %v", days, want)
	}
	for k, v := range want {
		if days[k] != v {
			t.Errorf("by day (Tokyo) %s: got %d, want %d", k, days[k], v)
		}
	}
}

func TestFindingsAndCapacity(t *testing.T) {
	r := generate(t, "acme")
	kinds := map[string]int{}
	for _, f := range r.Findings {
		kinds[f.Kind]++
	}
	want := map[string]int{"disk_full": 1, "cpu_high": 1, "recurring_alert": 1, "sla_near_breach": 2, "tls_expiry": 1}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("%s findings: got %d, want %d (all: %+v)", k, kinds[k], v, r.Findings)
		}
	}
	titles := map[string]string{}
	for _, f := range r.Findings {
		titles[f.Kind] += f.Title + "|"
	}
	for kind, s := range map[string]string{
		"disk_full":  "web-01 の / は現在の増加ペースで約20日後に満杯になります|",
		"tls_expiry": "https://shop.example.jp の証明書の有効期限まで残り10日です|",
		"cpu_high":   "web-01 のCPU使用率95%値が 90.0% です|",
	} {
		if titles[kind] != s {
			t.Errorf("%s: got %q, want %q", kind, titles[kind], s)
		}
	}
	adv := map[string]string{}
	for _, a := range r.Capacity {
		adv[a.Host] = a.Kind
	}
	if adv["web-01"] != "under" || adv["db-01"] != "over" || len(adv) != 2 {
		t.Errorf("capacity: got %v, want web-01 under, db-01 over", adv)
	}
}

func TestOtherTenantSeesNothingOfAcme(t *testing.T) {
	r := generate(t, "beta")
	for _, h := range r.Hosts {
		if h.CPU.Avg != 99 || h.Mem.Avg != 95 {
			t.Errorf("beta %s: cpu %+v mem %+v, want beta's own 99 and 95", h.Host, h.CPU, h.Mem)
		}
	}
	if r.Summary.Alerts.Now != 1 || r.Alerts.ByItem[0].Key != "beta-only" || len(r.Summary.Services) != 1 || r.Summary.Services[0].Service != "Portal" {
		t.Errorf("beta summary leaks or misses: %+v", r.Summary)
	}
}

func TestMissingSourcesGiveNotes(t *testing.T) {
	f := sharedFixture(t)
	g := NewGenerator(Sources{Tenants: f.db, Metrics: f.src.Metrics}, nil)
	from := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) // no metrics then
	r, err := g.Generate(context.Background(), "acme", from, from.AddDate(0, 1, 0))
	if err != nil {
		t.Fatalf("a report without sources must still be made: %v", err)
	}
	for section, key := range map[string]string{"summary": "no.downtime", "performance": "no.hosts", "web": "no.web", "alerts": "no.alerts.source", "responses": "no.responses"} {
		if r.Notes[section] != key {
			t.Errorf("note of %s: got %q, want %q", section, r.Notes[section], key)
		}
	}
}

func TestUnknownTenantFails(t *testing.T) {
	f := sharedFixture(t)
	if _, err := NewGenerator(f.src, nil).Generate(context.Background(), "nobody", fromNov, toNov); err == nil {
		t.Fatal("want an error for an unknown tenant")
	}
}

// TestChunkAndSamplePathsAgree: the report read through the chunks (with its
// own tenant matcher) is the report read through the tenant-scoped samples.
func TestChunkAndSamplePathsAgree(t *testing.T) {
	f := sharedFixture(t)
	for _, tenant := range []string{"acme", "beta"} {
		var got [2]string
		for i, m := range []Metrics{f.src.Metrics, TSDB{Store: f.metrics}} {
			src := f.src
			src.Metrics = m
			g := NewGenerator(src, nil)
			g.now = func() time.Time { return toNov }
			r, err := g.Generate(context.Background(), tenant, fromNov, toNov)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(r)
			got[i] = string(b)
		}
		if got[0] != got[1] {
			t.Errorf("%s: the chunk path and the sample path differ", tenant)
		}
	}
}

// TestSummaryCountsOpenApart: an incident still open within its SLA is
// counted apart, not as missed, and the summary says so in its own column.
func TestSummaryCountsOpenApart(t *testing.T) {
	f := sharedFixture(t)
	src := f.src
	incs := acmeIncidents()
	incs["acme"] = append(incs["acme"], IncidentRecord{ID: "INC-3", Title: "対応中の障害", Service: "API", OpenedAt: at(30, 20, 0), SLAOpen: true, SLAUsed: 0.2})
	src.Incidents = incidentList(incs)
	g := NewGenerator(src, nil)
	r, err := g.Generate(context.Background(), "acme", fromNov, toNov)
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Summary; s.IncidentsMet != 1 || s.IncidentsMiss != 1 || s.IncidentsOpen != 1 {
		t.Errorf("met %d missed %d open %d, want 1 1 1", s.IncidentsMet, s.IncidentsMiss, s.IncidentsOpen)
	}
	rows := Layout(r).Sections[0].Blocks[1].Table.Rows
	if last := rows[len(rows)-1]; last[0] != "SLA達成 / SLA未達 / 対応中" || last[1] != "1 / 1 / 1" {
		t.Errorf("SLA row %q, want met / missed / open 1 / 1 / 1", last)
	}
}
