package yearplan

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/report"
)

// requests is the web service's total requests per second over the five
// minutes from t: 2,700 on weekdays 09–18, 500 otherwise, 1.76 times that
// in the past campaign. Unlike the hosts' CPU it has no Saturday peak.
func requests(t time.Time) float64 {
	t = t.In(jst)
	v := 500.0
	if wd, h := t.Weekday(), t.Hour(); wd >= time.Monday && wd <= time.Friday && h >= 9 && h < 18 {
		v = 2700
	}
	if !t.Before(pastStart) && t.Before(pastEnd) {
		v *= uplift
	}
	return v
}

// requestWriter writes http_requests_total{job="web"} of acme every five
// minutes, and beta's at ten times the rate; the counters carry on from
// one write to the next.
type requestWriter struct{ value map[string]float64 }

// write appends the samples of (from, to].
func (w *requestWriter) write(t *testing.T, ms *metricstore.Store, from, to time.Time) {
	t.Helper()
	app := ms.AppenderV2(context.Background())
	for ts := from.Add(5 * time.Minute); !ts.After(to); ts = ts.Add(5 * time.Minute) {
		for tenant, scale := range map[string]float64{"acme": 1, "beta": 10} {
			w.value[tenant] += requests(ts.Add(-5*time.Minute)) * scale * 300
			ls := labels.FromStrings("__name__", "http_requests_total", metricstore.TenantLabel, tenant, "job", "web")
			if _, err := app.Append(0, ls, 0, ts.UnixMilli(), w.value[tenant], nil, nil, storage.AOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestPlanOnOwnLoad: a group whose load metric is requests per second and
// one instance serves 1,000 is forecast and sized on the requests, not on
// its CPU: weekdays 2.7 instances' worth → 5 at 60 % (CPU would say 2),
// weekends 1 (CPU's Saturday peak would say 2), the New Year sale 8; the
// past campaign is judged by the requests per instance too (2,376 req/s
// over the 850 mark), and the document says which metric it planned on.
func TestPlanOnOwnLoad(t *testing.T) {
	f := newFixture(t)
	// A TSDB of its own, the CPU and the requests written hour by hour
	// (the TSDB's head takes each series in time order).
	ms := openTSDB(t)
	cpu := newCPUWriter(map[string][]string{"acme": {"web-01", "web-02"}}, func(_ string, ts time.Time) float64 { return hostCPU(ts) })
	cpu.write(t, ms, dataFrom, dataFrom)
	rw := &requestWriter{value: map[string]float64{"acme": 0, "beta": 0}}
	rw.write(t, ms, dataFrom.Add(-5*time.Minute), dataFrom)
	for h := dataFrom; h.Before(now); h = h.Add(time.Hour) {
		cpu.write(t, ms, h, h.Add(time.Hour))
		rw.write(t, ms, h, h.Add(time.Hour))
	}
	g := &f.src.list["acme"][0]
	g.LoadQuery, g.LoadUnit, g.PerInstance, g.LoadUnder, g.LoadOver = `sum(rate(http_requests_total{job="web"}[10m]))`, "req/s", 1000, 850, 200
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 50_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	load := TSDBLoad{Metrics: report.TSDB{Store: ms, Chunks: ms.Queryable().(storage.ChunkQueryable)}, Query: PromQuery(engine, ms.ForTenant)}
	svc := NewService(f.src, load, f.tenants, nil, nil).WithClock(func() time.Time { return now })
	p, err := svc.Generate(t.Context(), "acme", Options{Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	gp := p.Groups[0]
	if gp.Note != "" || !gp.OwnLoad {
		t.Fatalf("note %q, own load %v", gp.Note, gp.OwnLoad)
	}
	for _, c := range []struct {
		how  int
		want float64
	}{{24 + 10, 2.7}, {3, 0.5}, {6*24 + 12, 0.5}} {
		if !near(gp.Week[c.how], c.want) {
			t.Errorf("load at hour of week %d: %.4f, want %.2f", c.how, gp.Week[c.how], c.want)
		}
	}
	for _, m := range gp.Months {
		if m.Day != 5 || m.Night != 1 || m.Weekend != 1 {
			t.Errorf("month %s: %+v, want day 5, night 1, weekend 1", m.Month.Format("2006-01"), m)
		}
	}
	if len(gp.Events) != 1 || gp.Events[0].Count != 8 || !near(gp.Events[0].Multiplier, uplift) {
		t.Errorf("events %+v, want the sale at ×1.76: ⌈2.7 × 1.76 / 0.6⌉ = 8", gp.Events)
	}
	if len(gp.PastEvents) != 1 {
		t.Fatalf("past events %+v", gp.PastEvents)
	}
	if pe := gp.PastEvents[0]; !near(pe.LoadP95, 2376) || pe.LoadSamples == 0 || !near(pe.CPUP95, 88) || pe.Verdict != "under" {
		t.Errorf("past event %+v, want 2,376 req/s per instance, CPU 88 %%, under", pe)
	}
	html, err := HTML(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Load is forecast on the group&#39;s own metric", "one instance serves 1,000 req/s", "req/s per instance p95", "<td>2,376</td>"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the document lacks %q", want)
		}
	}
}

// TestOwnLoadWithoutCapacityStaysOnCPU: a load query without what one
// instance serves (nor an under mark) plans on CPU and says so.
func TestOwnLoadWithoutCapacityStaysOnCPU(t *testing.T) {
	f := newFixture(t)
	g := &f.src.list["acme"][0]
	g.LoadQuery = `sum(rate(http_requests_total{job="web"}[10m]))`
	p, err := f.svc.Generate(t.Context(), "acme", Options{Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if gp := p.Groups[0]; gp.OwnLoad || len(gp.Months) == 0 || gp.Months[0].Day != 2 {
		t.Errorf("own load %v, months %+v: want CPU's 2 on weekdays", gp.OwnLoad, gp.Months)
	}
	html, _ := HTML(p)
	if !strings.Contains(string(html), "neither load_per_instance nor load_under, so it is planned on CPU") {
		t.Error("the document does not say the plan stayed on CPU")
	}
}

// TestOwnLoadThatFailsStaysOnCPU: a load query that fails when it runs
// (a many-to-many match) costs the group its metric, not the document:
// the plan is made on CPU and says why.
func TestOwnLoadThatFailsStaysOnCPU(t *testing.T) {
	f := newFixture(t)
	g := &f.src.list["acme"][0]
	g.LoadQuery, g.PerInstance = `node_cpu_seconds_total + on() node_cpu_seconds_total`, 1000
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 50_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	load := TSDBLoad{Metrics: report.TSDB{Store: f.metrics, Chunks: f.metrics.Queryable().(storage.ChunkQueryable)}, Query: PromQuery(engine, f.metrics.ForTenant)}
	p, err := NewService(f.src, load, f.tenants, nil, nil).WithClock(func() time.Time { return now }).Generate(t.Context(), "acme", Options{Language: "en"})
	if err != nil {
		t.Fatalf("the document failed with its group's query: %v", err)
	}
	if gp := p.Groups[0]; gp.OwnLoad || gp.LoadError == "" || len(gp.Months) == 0 || gp.Months[0].Day != 2 {
		t.Errorf("own load %v, error %q, months %+v: want CPU's 2 on weekdays", gp.OwnLoad, gp.LoadError, gp.Months)
	}
	html, _ := HTML(p)
	if !strings.Contains(string(html), "could not be read, so the group is planned on CPU") {
		t.Error("the document does not say why it stayed on CPU")
	}
}
