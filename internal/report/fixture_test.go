package report

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/improvement"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/workreport"
)

// The generated data set: November 2026 in Tokyo for tenant acme (Japanese)
// and the same hosts' names under tenant beta with other values, which no
// acme figure may include.
var (
	jst      = time.FixedZone("JST", 9*3600)
	fromNov  = time.Date(2026, 11, 1, 0, 0, 0, 0, jst)
	toNov    = time.Date(2026, 12, 1, 0, 0, 0, 0, jst)
	fromPrev = fromNov.Add(-30 * 24 * time.Hour)
)

const (
	sampleEvery = time.Minute
	diskSize    = 100e9
	memTotal    = 8 << 30
)

// fixture is a real SQLite database and a real TSDB holding the data set.
type fixture struct {
	db      *ustorage.Store
	metrics *metricstore.Store
	tsdbDir string
	src     Sources
}

func newFixture(t testing.TB, hosts int, every time.Duration) *fixture {
	// An hour before the previous period gives its first step a counter base.
	return newFixtureFrom(t, []string{"acme", "beta"}, hosts, fromPrev.Add(-time.Hour), every)
}

// newFixtureFrom writes the metrics of tenants from from to the end of
// November.
func newFixtureFrom(t testing.TB, tenants []string, hosts int, from time.Time, every time.Duration) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := ustorage.New(db)
	for _, tn := range []*model.Tenant{
		{ID: "acme", Name: "株式会社アクメ", Language: "ja", TimeZone: "Asia/Tokyo"},
		{ID: "beta", Name: "Beta Inc.", Language: "en", TimeZone: "UTC"},
	} {
		if err := st.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	cal := calendar.Calendar{TimeZone: "Asia/Tokyo"}
	for _, s := range []*model.Service{
		{TenantID: "acme", Name: "ECサイト", Level: model.ServiceLevel{Calendar: cal, AvailabilityTarget: 99.9}},
		{TenantID: "acme", Name: "API", Level: model.ServiceLevel{Calendar: cal, AvailabilityTarget: 99.5}},
		{TenantID: "beta", Name: "Portal", Level: model.ServiceLevel{Calendar: cal, AvailabilityTarget: 99}},
	} {
		if err := st.CreateService(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := metricstore.Open(filepath.Join(dir, "tsdb"), metricstore.Options{Retention: 10 * 365 * 24 * time.Hour}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	writeMetrics(t, ms, tenants, hosts, from, every)
	register := improvement.NewStore(db)
	writeRegister(t, register, workreport.NewStore(db))
	return &fixture{db: st, metrics: ms, tsdbDir: filepath.Join(dir, "tsdb"), src: Sources{
		Tenants: st, Metrics: TSDB{Store: ms, Chunks: ms.Queryable().(storage.ChunkQueryable)},
		Alerts: alertList(acmeAlerts()), Incidents: incidentList(acmeIncidents()),
		Downtime: intervalList(acmeDowntime()), Maintenance: intervalList(acmeMaintenance()),
		Improvements: improvementSource{register},
	}}
}

// writeRegister fills acme's improvement register (an accepted item, a
// proposed one, and a done one the report leaves out) and its manual work
// of September to November: monthly patching three times (7 h), log
// checks three times in November (1.5 h), a certificate renewal twice (no
// routine).
func writeRegister(t testing.TB, register *improvement.Store, work *workreport.Store) {
	ctx := context.Background()
	for _, it := range []struct {
		item improvement.Item
		to   []improvement.Status
	}{
		{improvement.Item{Title: "ログ整理", Category: "operations", Owner: "佐藤", Due: "2026-12-25",
			Effect: "アラート削減", Proposal: "logrotateの世代数を見直す"}, []improvement.Status{improvement.Accepted}},
		{improvement.Item{Title: "パッチ自動化", Category: "automation", Effect: "作業削減"}, nil},
		{improvement.Item{Title: "監視項目の追加", Category: "configuration"}, []improvement.Status{improvement.Accepted, improvement.InProgress, improvement.Done}},
	} {
		it.item.Tenant, it.item.CreatedBy = "acme", "user:sato"
		if err := register.Create(ctx, &it.item); err != nil {
			t.Fatal(err)
		}
		for _, to := range it.to {
			if _, err := register.Move(ctx, "acme", it.item.ID, to, "user:sato", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, w := range []struct {
		subject string
		start   time.Time
		d       time.Duration
	}{
		{"月次パッチ web1", time.Date(2026, 9, 2, 10, 0, 0, 0, jst), 2 * time.Hour},
		{"月次パッチ web2", time.Date(2026, 10, 2, 10, 0, 0, 0, jst), 2 * time.Hour},
		{"月次パッチ web3", at(2, 10, 0), 3 * time.Hour},
		{"ログ確認", at(5, 9, 0), 30 * time.Minute},
		{"ログ確認", at(12, 9, 0), 30 * time.Minute},
		{"ログ確認", at(19, 9, 0), 30 * time.Minute},
		{"証明書更新", at(20, 9, 0), 5 * time.Hour},
		{"証明書更新", at(21, 9, 0), 5 * time.Hour},
	} {
		r := &workreport.Report{TenantID: "acme", Subject: w.subject, Worker: "佐藤", Result: workreport.ResultDone,
			StartedAt: w.start, EndedAt: w.start.Add(w.d), CreatedBy: "user:sato"}
		if err := work.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
}

// hostCPU is web-01's CPU in November: 40 % but 90 % in every tenth
// five-minute block, so avg 45, p95 90, max 90. db-01 idles at 10 %.
// Last period both ran at 30 %.
func hostCPU(host string, t time.Time) float64 {
	if t.Before(fromNov) || t.Equal(fromNov) {
		return 30
	}
	if host != "web-01" {
		return 10
	}
	block := (t.Sub(fromNov) - time.Millisecond) / (5 * time.Minute)
	if block%10 == 9 {
		return 90
	}
	return 40
}

func hostMem(host string) float64 {
	if host == "web-01" {
		return 60
	}
	return 30
}

func hostName(i int) string {
	switch i {
	case 0:
		return "web-01"
	case 1:
		return "db-01"
	}
	return "app-" + string(rune('a'+i%26)) + string(rune('a'+i/26%26))
}

// writeMetrics writes (fromPrev, toNov] at every for both tenants, in time
// order across all series as agents would. beta's values differ from acme's,
// so any leak between tenants shows in acme's figures.
func writeMetrics(t testing.TB, ms appendable, tenants []string, hosts int, from time.Time, every time.Duration) {
	t.Helper()
	ctx := context.Background()
	var all []*hostSeries
	for _, tenant := range tenants {
		for h := range hosts {
			all = append(all, newHostSeries(tenant, hostName(h)))
		}
	}
	app := ms.AppenderV2(ctx)
	n := 0
	for ts := from.Add(every); !ts.After(toNov); ts = ts.Add(every) {
		for _, hs := range all {
			hs.write(t, app, ts, every)
		}
		if n++; n%200 == 0 {
			if err := app.Commit(); err != nil {
				t.Fatal(err)
			}
			app = ms.AppenderV2(ctx)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
}

// appendable is where the data set is written: metricstore.(*Store) or a
// tsdb.DB opened with other options.
type appendable interface {
	AppenderV2(ctx context.Context) storage.AppenderV2
}

type series struct {
	ls  labels.Labels
	ref storage.SeriesRef
}

type hostSeries struct {
	tenant, host               string
	idle, user, mt, ma, fs, fa *series
	req, sess, tls             *series
	cIdle, cUser, cReq         float64
}

func newHostSeries(tenant, host string) *hostSeries {
	mk := func(name string, kv ...string) *series {
		return &series{ls: labels.FromStrings(append([]string{"__name__", name, metricstore.TenantLabel, tenant, "host", host}, kv...)...)}
	}
	return &hostSeries{
		tenant: tenant, host: host,
		idle: mk("node_cpu_seconds_total", "cpu", "0", "mode", "idle"), user: mk("node_cpu_seconds_total", "cpu", "0", "mode", "user"),
		mt: mk("node_memory_MemTotal_bytes"), ma: mk("node_memory_MemAvailable_bytes"),
		fs: mk("node_filesystem_size_bytes", "mountpoint", "/"), fa: mk("node_filesystem_avail_bytes", "mountpoint", "/"),
		req: mk("http_requests_total"), sess: mk("web_sessions_active"),
		tls:   mk("unyo_check_tls_cert_expiry_days", "item", "shop-https", "target", "https://shop.example.jp"),
		cIdle: 1e6, cUser: 1e6, cReq: 1e6,
	}
}

func (h *hostSeries) write(t testing.TB, app storage.AppenderV2, ts time.Time, every time.Duration) {
	cpu, mem := hostCPU(h.host, ts), hostMem(h.host)
	if h.tenant == "beta" {
		cpu, mem = 99, 95
	}
	secs := every.Seconds()
	h.cUser += cpu / 100 * secs
	h.cIdle += (1 - cpu/100) * secs
	days := ts.Sub(fromNov).Hours() / 24
	used := 50e9 + 1e9*days // 1 GB a day: 80 GB at the end of November
	if h.host != "web-01" {
		used = 20e9
	}
	tms := ts.UnixMilli()
	add := func(s *series, v float64) {
		ref, err := app.Append(s.ref, s.ls, 0, tms, v, nil, nil, storage.AOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.ref = ref
	}
	add(h.idle, h.cIdle)
	add(h.user, h.cUser)
	add(h.mt, memTotal)
	add(h.ma, memTotal*(1-mem/100))
	add(h.fs, diskSize)
	add(h.fa, diskSize-used)
	if h.host != "web-01" {
		return
	}
	rate := 10.0 // requests a minute in November, 5 before
	if !ts.After(fromNov) {
		rate = 5
	}
	h.cReq += rate * every.Minutes()
	add(h.req, h.cReq)
	add(h.sess, 100)
	add(h.tls, 40-days) // 10 days left at the end of November
}

func at(day, hour, min int) time.Time { return time.Date(2026, 11, day, hour, min, 0, 0, jst) }
func ptrTo[T any](v T) *T             { return &v }

// cpuTitle is the title of the item cpu-high in both languages.
var cpuTitle = Bilingual{Ja: "CPU使用率", En: "CPU usage"}

func acmeAlerts() map[string][]AlertRecord {
	return map[string][]AlertRecord{"acme": {
		{Item: "cpu-high", Title: cpuTitle, Host: "web-01", Severity: "critical", FiredAt: at(3, 10, 0)},
		{Item: "cpu-high", Title: cpuTitle, Host: "web-01", Severity: "critical", FiredAt: at(3, 23, 30)},
		{Item: "cpu-high", Title: cpuTitle, Host: "web-01", Severity: "critical", FiredAt: at(10, 8, 30)},
		{Item: "cpu-high", Title: cpuTitle, Host: "web-01", Severity: "critical", FiredAt: at(20, 0, 10)},
		{Item: "disk-usage", Host: "db-01", Severity: "warning", FiredAt: at(4, 8, 30)},
		{Item: "disk-usage", Host: "db-01", Severity: "warning", FiredAt: at(30, 23, 59)},
		{Item: "http-down", Title: Bilingual{Ja: "ショップサイト(HTTP)", En: "Shop site (HTTP)"}, Severity: "critical", FiredAt: at(5, 12, 0)},
		// last period
		{Item: "cpu-high", Title: cpuTitle, Host: "web-01", Severity: "critical", FiredAt: at(1, 0, 0).AddDate(0, 0, -3)},
		{Item: "cpu-high", Title: cpuTitle, Host: "web-01", Severity: "critical", FiredAt: at(1, 0, 0).AddDate(0, 0, -10)},
		{Item: "disk-usage", Host: "db-01", Severity: "warning", FiredAt: at(1, 0, 0).AddDate(0, 0, -20)},
	}, "beta": {
		{Item: "beta-only", Host: "web-01", Severity: "critical", FiredAt: at(3, 10, 0)},
	}}
}

func acmeIncidents() map[string][]IncidentRecord {
	return map[string][]IncidentRecord{"acme": {
		{ID: "INC-1", Title: "ECサイト応答遅延", Service: "ECサイト", Severity: "major", OpenedAt: at(5, 12, 0), ResolvedAt: ptrTo(at(5, 12, 45)), SLAMet: ptrTo(true), SLAUsed: 0.9},
		{ID: "INC-2", Title: "API停止", Service: "API", Severity: "critical", OpenedAt: at(18, 9, 0), ResolvedAt: ptrTo(at(18, 12, 0)), SLAMet: ptrTo(false), SLAUsed: 1.5},
		{ID: "INC-0", Title: "前月の障害", Service: "API", OpenedAt: at(1, 0, 0).AddDate(0, 0, -5)},
	}}
}

// acmeDowntime: ECサイト is down 30 min, then 60 min inside its maintenance
// window, then 45 min of which 30 are inside it: 45 min count, out of 30 days
// less the window's 2 h, so 99.896 %. API is down 3 h: 99.583 %.
func acmeDowntime() map[string][]Interval {
	return map[string][]Interval{"acme": {
		{Service: "ECサイト", Start: at(5, 12, 0), End: at(5, 12, 30)},
		{Service: "ECサイト", Start: at(12, 2, 30), End: at(12, 3, 30)},
		{Service: "ECサイト", Start: at(12, 3, 30), End: at(12, 4, 15)},
		{Service: "API", Start: at(18, 9, 0), End: at(18, 12, 0)},
	}, "beta": {
		{Service: "Portal", Start: at(1, 0, 0), End: at(30, 0, 0)},
	}}
}

func acmeMaintenance() map[string][]Interval {
	return map[string][]Interval{"acme": {{Service: "ECサイト", Start: at(12, 2, 0), End: at(12, 4, 0)}}}
}

// The sources of the other domains, as the server's adapters will give them:
// records by tenant, filtered by time.
type alertList map[string][]AlertRecord

func (l alertList) Alerts(_ context.Context, tenant string, from, to time.Time) ([]AlertRecord, error) {
	var out []AlertRecord
	for _, a := range l[tenant] {
		if !a.FiredAt.Before(from) && a.FiredAt.Before(to) {
			out = append(out, a)
		}
	}
	return out, nil
}

type incidentList map[string][]IncidentRecord

func (l incidentList) Incidents(_ context.Context, tenant string, from, to time.Time) ([]IncidentRecord, error) {
	var out []IncidentRecord
	for _, in := range l[tenant] {
		if !in.OpenedAt.Before(from) && in.OpenedAt.Before(to) {
			out = append(out, in)
		}
	}
	return out, nil
}

type intervalList map[string][]Interval

func (l intervalList) Downtime(_ context.Context, tenant string, from, to time.Time) ([]Interval, error) {
	return l.Windows(nil, tenant, from, to)
}

func (l intervalList) Windows(_ context.Context, tenant string, from, to time.Time) ([]Interval, error) {
	var out []Interval
	for _, iv := range l[tenant] {
		if iv.End.After(from) && iv.Start.Before(to) {
			out = append(out, iv)
		}
	}
	return out, nil
}
