package capacity

import (
	"context"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/yearplan"
)

// loadTSDB is the real TSDB holding a day of a web group's series: two
// hosts' CPU counters at 40 % and the service's http_requests_total,
// 1,200 req/s in all, 5,520 req/s from campaignFrom to campaignTo. Tenant
// beta has the same series at ten times the requests.
func loadTSDB(t *testing.T, from, to, campaignFrom, campaignTo time.Time) *metricstore.Store {
	t.Helper()
	ms, err := metricstore.Open(filepath.Join(t.TempDir(), "tsdb"), metricstore.Options{Retention: 10 * 365 * 24 * time.Hour, OutOfOrderWindow: 24 * time.Hour},
		slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	type series struct {
		ls    labels.Labels
		value float64
		rate  func(time.Time) float64 // per second over the minute before
	}
	var all []*series
	for _, tenant := range []string{"acme", "beta"} {
		scale := 1.0
		if tenant == "beta" {
			scale = 10
		}
		for _, host := range []string{"web-1", "web-2"} {
			for mode, share := range map[string]float64{"idle": 0.6, "user": 0.4} {
				all = append(all, &series{ls: labels.FromStrings("__name__", "node_cpu_seconds_total", metricstore.TenantLabel, tenant,
					"host", host, "role", "web", "cpu", "0", "mode", mode), value: 1e6, rate: func(time.Time) float64 { return share }})
			}
		}
		all = append(all, &series{ls: labels.FromStrings("__name__", "http_requests_total", metricstore.TenantLabel, tenant, "job", "web"),
			rate: func(t time.Time) float64 {
				if m := t.Add(-time.Minute); !m.Before(campaignFrom) && m.Before(campaignTo) {
					return 5520 * scale
				}
				return 1200 * scale
			}})
	}
	ctx := context.Background()
	app := ms.AppenderV2(ctx)
	for ts, n := from, 0; !ts.After(to); ts, n = ts.Add(time.Minute), n+1 {
		for _, s := range all {
			if ts.After(from) {
				s.value += s.rate(ts) * 60
			}
			if _, err := app.Append(0, s.ls, 0, ts.UnixMilli(), s.value, nil, nil, storage.AOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if n%300 == 299 {
			if err := app.Commit(); err != nil {
				t.Fatal(err)
			}
			app = ms.AppenderV2(ctx)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestOwnLoadJudgesThePlan: a group whose load metric is requests per
// second, judged per instance (under-provisioned above 1,500 req/s, over
// below 300). Its hosts' CPU stayed at 40 % all day, which CPU alone
// judges right; but during the spring campaign the three instances served
// 1,840 req/s each, so the monthly report finds it under-provisioned by
// that metric, names the p95 and the threshold, and lays the requests over
// the counts; outside the campaign (600 req/s each) nothing is found.
// Another tenant's requests of the same names count for nothing.
func TestOwnLoadJudgesThePlan(t *testing.T) {
	fx := newFixture(t)
	f := newFleet(t)
	g := fx.group(t, "acme", "web", f)
	start := fx.clock.now() // Monday 06:00 Tokyo
	campaignFrom, campaignTo := start.Add(4*time.Hour), start.Add(7*time.Hour)
	ctx := context.Background()
	under, over := 1500.0, 300.0
	g.HostSelector, g.LoadQuery, g.LoadUnit, g.LoadUnder, g.LoadOver = `role="web"`, `sum(rate(http_requests_total{job="web"}[10m]))`, "req/s", &under, &over
	if err := fx.store.UpdateGroup(ctx, g, g.Name, nil); err != nil {
		t.Fatal(err)
	}
	fx.agreed(t, "acme", g, flat(2, Event{Name: "spring campaign", Start: campaignFrom, End: campaignTo, Count: 3}), "")
	sc := fx.scheduler()
	for range 48 {
		tick(t, sc)
		fx.clock.add(30 * time.Minute)
	}
	ms := loadTSDB(t, start.Add(-time.Hour), start.Add(25*time.Hour), campaignFrom, campaignTo)
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 50_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	load := yearplan.TSDBLoad{Metrics: report.TSDB{Store: ms, Chunks: ms.Queryable().(storage.ChunkQueryable)}, Query: yearplan.PromQuery(engine, ms.ForTenant)}

	from, to := start, start.Add(24*time.Hour)
	ops, err := ReportOperations{Store: fx.store, Load: load}.Operations(ctx, "acme", from, to, to.Add(30*24*time.Hour))
	if err != nil || len(ops) != 1 {
		t.Fatalf("operations: %+v %v", ops, err)
	}
	op := ops[0]
	if op.LoadUnit != "req/s" || op.LoadUnder != 1500 || op.LoadOver != 300 || len(op.Query) == 0 {
		t.Fatalf("the group's load metric: unit %q, under %v, over %v, %d points", op.LoadUnit, op.LoadUnder, op.LoadOver, len(op.Query))
	}
	for _, lang := range []string{"en", "ja"} {
		found := report.Findings(lang, op, from, to)
		text := strings.Join(found, "\n")
		want := map[string]string{"en": "during spring campaign, req/s per instance p95 1,840 (threshold 1,500)",
			"ja": "spring campaign期間中に2.9時間の能力不足(req/s 1台あたり95%値 1,840、しきい値 1,500)"}[lang]
		if !strings.Contains(text, want) || strings.Contains(text, "CPU") || len(found) != 1 {
			t.Errorf("%s findings:\n%s\nwant only %q", lang, text, want)
		}
	}
	// The chart lays the requests over the counts, in instances' worth of
	// what one instance serves (1,500 as the 85 % mark: 1,764.7 req/s).
	o := report.OperationOf(op, from, to)
	peak := 0.0
	for _, p := range o.LoadLine {
		peak = max(peak, p.V)
	}
	if !o.LoadLineOwn || math.Abs(peak-5520/(1500/0.85)) > 0.01 {
		t.Errorf("the chart's load line: own %v, peak %.3f instances' worth, want 3.128", o.LoadLineOwn, peak)
	}
	// The yearly plan reads the same metric.
	yg, err := YearplanSource{Store: fx.store}.Groups(ctx, "acme")
	if err != nil || len(yg) != 1 || !yg[0].OwnLoad() || yg[0].LoadUnder != 1500 || math.Abs(yg[0].PerInstance-1500/0.85) > 1e-9 {
		t.Errorf("yearly plan's group: %+v %v", yg, err)
	}
}
