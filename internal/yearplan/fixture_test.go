package yearplan

import (
	"context"
	"log/slog"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
)

// The data set: ten weeks of the group "web" of tenant acme (two hosts of
// 1 CPU at 5-minute samples, Tokyo time) up to now, 2026-12-07 10:30 JST.
// Each host runs at 50% on weekdays 09–18, 45% on Saturdays 10–18 and 20%
// otherwise; during the past campaign (Mon 11/16 09:00 – Wed 11/18 18:00)
// every hour is 1.76 times that, so the weekday peak was 88%. The group ran
// 2 instances throughout. Tenant beta has hosts of the same names at 99%,
// which no acme figure may include.
var (
	jst       = time.FixedZone("JST", 9*3600)
	now       = time.Date(2026, 12, 7, 10, 30, 0, 0, jst)
	dataFrom  = time.Date(2026, 9, 28, 10, 0, 0, 0, jst)
	pastStart = time.Date(2026, 11, 16, 9, 0, 0, 0, jst)
	pastEnd   = time.Date(2026, 11, 18, 18, 0, 0, 0, jst)
	// The upcoming New Year sale: Sat 01/02 10:00 – Mon 01/04 22:00.
	saleStart = time.Date(2027, 1, 2, 10, 0, 0, 0, jst)
	saleEnd   = time.Date(2027, 1, 4, 22, 0, 0, 0, jst)
)

const uplift = 1.76

// hostCPU is a web host's CPU in percent over the five minutes from t.
func hostCPU(t time.Time) float64 {
	t = t.In(jst)
	v := 20.0
	switch wd, h := t.Weekday(), t.Hour(); {
	case wd >= time.Monday && wd <= time.Friday && h >= 9 && h < 18:
		v = 50
	case wd == time.Saturday && h >= 10 && h < 18:
		v = 45
	}
	if !t.Before(pastStart) && t.Before(pastEnd) {
		v *= uplift
	}
	return v
}

// groups is the capacity groups' side of the fixture, standing in for the
// capacity store until the lead wires it.
type groups struct {
	list   map[string][]Group
	counts map[int64][]CountChange
	events map[int64][]Event
}

func (g groups) Groups(_ context.Context, tenant string) ([]Group, error) {
	return g.list[tenant], nil
}

func (g groups) Counts(_ context.Context, _ string, id int64, from, to time.Time) ([]CountChange, error) {
	return g.counts[id], nil
}

func (g groups) Events(_ context.Context, _ string, id int64, from, to time.Time) ([]Event, error) {
	var out []Event
	for _, e := range g.events[id] {
		if e.End.After(from) && e.Start.Before(to) {
			out = append(out, e)
		}
	}
	return out, nil
}

func acmeGroups() groups {
	return groups{
		list: map[string][]Group{
			"acme": {{ID: 1, Name: "web", HostSelector: `host=~"web-0[12]"`, Size: "Standard_D4s_v5", HourlyPrice: 100, Currency: "JPY", Min: 1, Max: 10, Count: 2}},
			"beta": {{ID: 2, Name: "beta-portal", HostSelector: `host="web-01"`, Size: "m6i.xlarge", HourlyPrice: 0.2, Currency: "USD", Min: 1, Count: 1}},
		},
		counts: map[int64][]CountChange{1: {{At: dataFrom.Add(-time.Hour), Count: 2}}},
		events: map[int64][]Event{1: {
			{Name: "Autumn campaign", Start: pastStart, End: pastEnd},
			{Name: "New Year sale", Start: saleStart, End: saleEnd},
		}},
	}
}

type fixture struct {
	svc     *Service
	metrics *metricstore.Store
	tenants *ustorage.Store
	src     groups
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := ustorage.New(db)
	for _, tn := range []*model.Tenant{
		{ID: "acme", Name: "ACME Corp.", Language: "ja", TimeZone: "Asia/Tokyo"},
		{ID: "beta", Name: "Beta Inc.", Language: "en", TimeZone: "UTC"},
	} {
		if err := st.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	ms := openTSDB(t)
	newCPUWriter(map[string][]string{"acme": {"web-01", "web-02"}, "beta": {"web-01"}}, func(tenant string, ts time.Time) float64 {
		if tenant == "beta" {
			return 99
		}
		return hostCPU(ts)
	}).write(t, ms, dataFrom, now)
	f := &fixture{metrics: ms, tenants: st, src: acmeGroups()}
	f.svc = NewService(f.src, TSDBLoad{Metrics: report.TSDB{Store: ms, Chunks: ms.Queryable().(storage.ChunkQueryable)}}, st, testPDF(t), nil)
	f.svc.now = func() time.Time { return now }
	return f
}

func openTSDB(t testing.TB) *metricstore.Store {
	t.Helper()
	return openTSDBAt(t, filepath.Join(t.TempDir(), "tsdb"))
}

func openTSDBAt(t testing.TB, dir string) *metricstore.Store {
	t.Helper()
	ms, err := metricstore.Open(dir, metricstore.Options{Retention: 10 * 365 * 24 * time.Hour},
		slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	return ms
}

var pdfRenderer *report.PDF

// testPDF is the PDF renderer; a missing font fails the test naming its
// Debian package.
func testPDF(t testing.TB) *report.PDF {
	t.Helper()
	if pdfRenderer == nil {
		p, err := report.NewPDF("")
		if err != nil {
			t.Fatal(err)
		}
		pdfRenderer = p
	}
	return pdfRenderer
}

type cpuSeries struct {
	tenant       string
	idle, user   labels.Labels
	rIdle, rUser storage.SeriesRef
	cIdle, cUser float64
}

// appendable is where samples go: the TSDB, or a block writer.
type appendable interface {
	AppenderV2(ctx context.Context) storage.AppenderV2
}

// cpuWriter writes node_cpu_seconds_total (idle and user of CPU 0) of
// hosts every five minutes, each sample counting the five minutes before
// it at cpu(tenant, start of those five minutes). The counters carry on
// from one write to the next.
type cpuWriter struct {
	all     []*cpuSeries
	cpu     func(tenant string, ts time.Time) float64
	started bool
}

func newCPUWriter(hosts map[string][]string, cpu func(tenant string, ts time.Time) float64) *cpuWriter {
	w := &cpuWriter{cpu: cpu}
	for _, tenant := range slices.Sorted(maps.Keys(hosts)) {
		for _, h := range hosts[tenant] {
			mk := func(mode string) labels.Labels {
				return labels.FromStrings("__name__", "node_cpu_seconds_total", metricstore.TenantLabel, tenant, "host", h, "cpu", "0", "mode", mode)
			}
			w.all = append(w.all, &cpuSeries{tenant: tenant, idle: mk("idle"), user: mk("user"), cIdle: 1e6, cUser: 1e6})
		}
	}
	return w
}

// write appends the samples of (from, to], and of from itself on the
// first write.
func (w *cpuWriter) write(t testing.TB, dst appendable, from, to time.Time) {
	t.Helper()
	ctx := context.Background()
	app := dst.AppenderV2(ctx)
	const step = 5 * time.Minute
	n := 0
	ts := from
	if w.started {
		ts = from.Add(step)
	}
	for ; !ts.After(to); ts = ts.Add(step) {
		for _, s := range w.all {
			if w.started {
				v := w.cpu(s.tenant, ts.Add(-step))
				s.cUser += v / 100 * step.Seconds()
				s.cIdle += (1 - v/100) * step.Seconds()
			}
			var err error
			if s.rIdle, err = app.Append(0, s.idle, 0, ts.UnixMilli(), s.cIdle, nil, nil, storage.AOptions{}); err != nil {
				t.Fatal(err)
			}
			if s.rUser, err = app.Append(0, s.user, 0, ts.UnixMilli(), s.cUser, nil, nil, storage.AOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		w.started = true
		if n++; n%500 == 0 {
			if err := app.Commit(); err != nil {
				t.Fatal(err)
			}
			app = dst.AppenderV2(ctx)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }
