package console

import (
	"context"
	"log/slog"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
)

// closedLag is the lag the tests give the board's closed days: a day is
// closed an hour after it ends.
const closedLag = time.Hour

// askedRuns is the TSDB's RunFinder, recording the period of each read.
type askedRuns struct {
	report.TSDB
	mu    sync.Mutex
	asked []asked
}

// asked is one read of the TSDB's runs.
type asked struct {
	tenant   string
	from, to time.Time
}

func (a *askedRuns) Runs(ctx context.Context, tenant string, q report.StepQuery, match func(float64) bool) ([]report.StepRun, error) {
	a.mu.Lock()
	a.asked = append(a.asked, asked{tenant, q.From.UTC(), q.To.UTC()})
	a.mu.Unlock()
	return a.TSDB.Runs(ctx, tenant, q, match)
}

// take returns the reads since the last take.
func (a *askedRuns) take() []asked {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.asked
	a.asked = nil
	return out
}

// cacheEnv is the console with two generators of this month's
// availability over the same TSDB and database: cached keeps closed days,
// plain reads every day at each view.
type cacheEnv struct {
	*env
	ms            *metricstore.Store
	runs          *askedRuns
	cached, plain *report.Generator
	clock         *testClock
	gammaSvc      int64
}

// newCacheEnv adds tenant gamma (UTC, as beta) whose host and service have
// beta's names but whose check never fails, and writes a check a minute for
// every host from 31 October to 9 November 2026: acme's host fails on
// 2 November 10:00–10:30 and 6 November 03:00–03:20 UTC, beta's on
// 3 November 00:00–02:00 and from 5 November 22:00 to 6 November 01:00 UTC.
// The board's clock stands at 5 November 12:00 UTC.
func newCacheEnv(t *testing.T) *cacheEnv {
	e := &cacheEnv{env: newEnv(t), clock: &testClock{t: time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)}}
	ctx := context.Background()
	var err error
	// A TSDB of its own that keeps the month (the env's keeps a day).
	e.ms, err = metricstore.Open(filepath.Join(t.TempDir(), "tsdb"), metricstore.Options{Retention: 400 * 24 * time.Hour, OutOfOrderWindow: 24 * time.Hour}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.ms.Close() })
	if err := e.store.CreateTenant(ctx, &model.Tenant{ID: "gamma", Name: "Gamma", Language: "en", TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	svc := &model.Service{TenantID: "gamma", Name: "beta-web"}
	if err := e.store.CreateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	e.gammaSvc = svc.ID
	e.resource("gamma", "beta-web-01", &svc.ID)
	utc := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	// One appender for all: a later one would find the TSDB's newest sample
	// on 9 November and refuse older ones beyond the out-of-order window.
	app := e.ms.AppenderV2(ctx)
	e.writeChecks(app, "acme", "acme-web-01", utc(2, 10, 0), utc(2, 10, 30), utc(6, 3, 0), utc(6, 3, 20))
	e.writeChecks(app, "beta", "beta-web-01", utc(3, 0, 0), utc(3, 2, 0), utc(5, 22, 0), utc(6, 1, 0))
	e.writeChecks(app, "gamma", "beta-web-01")
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	src := report.SourcesOf(e.ms, e.ms.Queryable(), report.Stores{Tenants: e.store, Maintenance: e.windows})
	tsdb := src.Metrics.(report.TSDB)
	e.plain = report.NewGenerator(src, slog.New(slog.DiscardHandler))
	e.runs = &askedRuns{TSDB: tsdb}
	src.Downtime = report.CheckDowntime{Metrics: e.runs, Resources: e.store}
	e.cached = report.NewGenerator(src, slog.New(slog.DiscardHandler))
	e.cached.KeepClosedDays(report.NewClosedDays(closedLag, 0, nil))
	e.console.now = e.clock.now
	return e
}

// writeChecks writes host's check a minute, 0 inside the [start, end)
// pairs of down.
func (e *cacheEnv) writeChecks(app storage.AppenderV2, tenant, host string, down ...time.Time) {
	e.t.Helper()
	ls := labels.FromStrings("__name__", "unyo_check_up", metricstore.TenantLabel, tenant, "host", host, "item", "https")
	var ref storage.SeriesRef
	for ts := time.Date(2026, 10, 31, 14, 0, 0, 0, time.UTC); ts.Before(time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)); ts = ts.Add(time.Minute) {
		up := 1.0
		for i := 0; i+1 < len(down); i += 2 {
			if !ts.Before(down[i]) && ts.Before(down[i+1]) {
				up = 0
			}
		}
		var err error
		if ref, err = app.Append(ref, ls, 0, ts.UnixMilli(), up, nil, nil, storage.AOptions{}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// tileRE finds a tenant's tile and its availability list on the board.
var tileRE = regexp.MustCompile(`(?s)<li class="tile[^"]*" data-tenant="([^"]+)">.*?<ul class="availability">(.*?)</ul>`)

// view is the board's availability lists by tenant, as the admin sees
// them with gen.
func (e *cacheEnv) view(b *browser, gen *report.Generator) map[string]string {
	e.t.Helper()
	e.console.opts.Availability = gen
	code, body, _ := b.get("/board")
	if code != 200 {
		e.t.Fatalf("board = %d", code)
	}
	out := map[string]string{}
	for _, m := range tileRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	if len(out) != 3 {
		e.t.Fatalf("board shows the availability of %d tenants, want 3:\n%s", len(out), body)
	}
	return out
}

// same checks that the board shows with the cache what it shows without,
// and that the generators give the same figures, downtime included.
func (e *cacheEnv) same(b *browser) map[string]string {
	e.t.Helper()
	want := e.view(b, e.plain)
	if got := e.view(b, e.cached); !reflect.DeepEqual(got, want) {
		e.t.Errorf("at %s the board shows with the cache\n%v\nwithout\n%v", e.clock.now().UTC(), got, want)
	}
	for _, tenant := range []string{"acme", "beta", "gamma"} {
		from, to := e.month(tenant)
		want, err := e.plain.Availability(context.Background(), tenant, from, to)
		if err != nil {
			e.t.Fatal(err)
		}
		got, err := e.cached.Availability(context.Background(), tenant, from, to)
		if err != nil {
			e.t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			e.t.Errorf("at %s %s's availability with the cache is %+v, without %+v", to.UTC(), tenant, got, want)
		}
	}
	e.runs.take()
	return want
}

// month is the board's period for tenant: this month so far.
func (e *cacheEnv) month(tenant string) (time.Time, time.Time) {
	zone := map[string]string{"acme": "Asia/Tokyo", "beta": "UTC", "gamma": "UTC"}[tenant]
	return monthSoFar(e.clock.now(), zone)
}

// closedEnd is where tenant's closed days end now: the start of the day,
// in its zone, that holds now less the lag.
func (e *cacheEnv) closedEnd(tenant string) time.Time {
	from, to := e.month(tenant)
	n := to.Add(-closedLag).In(from.Location())
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, from.Location()).UTC()
}

// reads are the periods read from the TSDB by tenant.
func reads(list []asked) map[string][]string {
	out := map[string][]string{}
	for _, a := range list {
		out[a.tenant] = append(out[a.tenant], a.from.Format(time.RFC3339)+"–"+a.to.Format(time.RFC3339))
	}
	return out
}

func TestBoardKeepsClosedDaysWithTheSameFigures(t *testing.T) {
	e := newCacheEnv(t)
	b := e.login("admin")
	// Two days in steps that cross the tenants' midnights and the lag,
	// beta's outage across midnight of 5 November UTC included.
	for range 16 {
		e.same(b)
		e.clock.add(3*time.Hour + 7*time.Minute)
	}
	// 7 November 13:52 UTC: beta's 300 minutes down of 9,472 this month,
	// acme's 50 of 10,012 (its month began on 31 October 15:00 UTC).
	got := e.view(b, e.cached)
	if !strings.Contains(got["beta"], "beta-web 96.833%") || !strings.Contains(got["acme"], "acme-web 99.501%") {
		t.Errorf("the failed checks do not show on the board: %v", got)
	}
}

func TestBoardReadsNoClosedDayTwice(t *testing.T) {
	e := newCacheEnv(t)
	b := e.login("admin")
	e.view(b, e.cached)
	first := reads(e.runs.take())
	for _, tenant := range []string{"acme", "beta", "gamma"} {
		from, _ := e.month(tenant)
		if len(first[tenant]) != 2 || !strings.HasPrefix(first[tenant][0], from.UTC().Format(time.RFC3339)) {
			t.Errorf("the first view read %s's %v, want the closed days from %s, then the open one", tenant, first[tenant], from.UTC())
		}
	}
	e.view(b, e.cached)
	second := e.runs.take()
	for _, a := range second {
		if end := e.closedEnd(a.tenant); a.from.Before(end) {
			t.Errorf("the second view read %s's closed days again: %s–%s (closed until %s)", a.tenant, a.from, a.to, end)
		}
	}
	if r := reads(second); len(r) != 3 || len(r["acme"])+len(r["beta"])+len(r["gamma"]) != 3 {
		t.Errorf("the second view read %v, want each tenant's open day once", r)
	}
}

func TestBoardMovesYesterdayIntoTheKeptDays(t *testing.T) {
	e := newCacheEnv(t)
	b := e.login("admin")
	e.same(b)
	e.view(b, e.cached)
	e.runs.take()
	// 6 November 01:30 UTC: 5 November (UTC) closed half an hour ago.
	e.clock.add(13*time.Hour + 30*time.Minute)
	e.view(b, e.cached)
	got := reads(e.runs.take())["beta"]
	want := []string{"2026-11-05T00:00:00Z–2026-11-06T00:00:00Z", "2026-11-06T00:00:00Z–2026-11-06T01:30:00Z"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after midnight the board read beta's %v, want yesterday then today: %v", got, want)
	}
	e.view(b, e.cached)
	if got := reads(e.runs.take())["beta"]; !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("the next view read beta's %v, want today only: %v", got, want[1:])
	}
	e.same(b)
}

func TestBoardShowsAChangedServiceAtTheNextView(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	b := e.login("admin")
	before := e.same(b)
	e.view(b, e.cached) // the closed days are kept

	// acme's host moves to a new service; acme-web gets a target; beta's
	// outage of 3 November falls in a maintenance window.
	db := &model.Service{TenantID: "acme", Name: "acme-db", Level: model.ServiceLevel{AvailabilityTarget: 99.99}}
	if err := e.store.CreateService(ctx, db); err != nil {
		t.Fatal(err)
	}
	host, err := e.store.Resource(ctx, "acme", e.resourceID("acme", "acme-web-01"))
	if err != nil {
		t.Fatal(err)
	}
	host.ServiceID = &db.ID
	if err := e.store.UpdateResource(ctx, host); err != nil {
		t.Fatal(err)
	}
	web := e.service("acme", "acme-web")
	web.Level.AvailabilityTarget = 99.5
	if err := e.store.UpdateService(ctx, web); err != nil {
		t.Fatal(err)
	}
	if err := e.windows.Create(ctx, &maintenance.Stored{Tenant: "beta", Name: "メンテナンス",
		Window: maintenance.Window{Start: time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC)}}); err != nil {
		t.Fatal(err)
	}
	after := e.same(b)
	if !strings.Contains(after["acme"], "acme-db 99.") || !strings.Contains(after["acme"], `acme-web 100.000% <small>(目標 99.5%)`) {
		t.Errorf("acme's tile does not show its host moved to acme-db and acme-web's target: %s (before: %s)", after["acme"], before["acme"])
	}
	if after["beta"] == before["beta"] || after["beta"] != "<li class=\"met\">beta-web 100.000% </li>" {
		t.Errorf("beta's outage in a maintenance window still counts: %s (before: %s)", after["beta"], before["beta"])
	}
}

func TestBoardKeepsEachTenantsClosedDaysApart(t *testing.T) {
	e := newCacheEnv(t)
	// beta and gamma share the month's start, the host's and the service's
	// names; only beta's check fails.
	for _, who := range []string{"beta-viewer", "admin"} {
		b := e.login(who)
		e.console.opts.Availability = e.cached
		_, body, _ := b.get("/board")
		// 120 minutes down of 6,480 (5 November 12:00 UTC).
		if who == "beta-viewer" && !strings.Contains(body, "beta-web 98.148%") {
			t.Fatalf("beta's failed checks do not show on its board:\n%s", body)
		}
	}
	got := e.view(e.login("admin"), e.cached)
	if got["gamma"] != `<li class="met">beta-web 100.000% </li>` {
		t.Errorf("gamma's tile shows %s: another tenant's downtime", got["gamma"])
	}
	if got["beta"] == got["gamma"] {
		t.Errorf("beta's tile shows gamma's figures: %s", got["beta"])
	}
}

// service returns tenant's service by name.
func (e *cacheEnv) service(tenant, name string) *model.Service {
	e.t.Helper()
	list, err := e.store.Services(context.Background(), tenant)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, s := range list {
		if s.Name == name {
			return s
		}
	}
	e.t.Fatalf("no service %q in %q", name, tenant)
	return nil
}
