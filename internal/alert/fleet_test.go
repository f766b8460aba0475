package alert

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/cputime"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// fleet is a world of Linux hosts with the built-in linux-base template
// assigned by selector (os=linux) in every tenant, and six minutes of
// node_exporter series per host in the TSDB, as mspsim's agents send them.
type fleet struct {
	*world
	hosts map[string][]*model.Resource // by tenant
}

// fleetHost shapes one host's series: its CPU busy share, its memory and
// disk use in percent; silent sends nothing.
type fleetHost struct {
	busy, mem, disk float64
	silent          bool
	stop            time.Duration // after the world's start: the host's last sample; 0: none
}

// newFleet writes each host's series from six minutes before the
// world's time to span after it.
func newFleet(tb testing.TB, tenants []string, perTenant int, span time.Duration, shape func(tenant string, i int) fleetHost) *fleet {
	tb.Helper()
	ctx := context.Background()
	f := &fleet{world: newWorld(tb, nil), hosts: map[string][]*model.Resource{}}
	if err := f.design.SyncBuiltins(ctx); err != nil {
		tb.Fatal(err)
	}
	for _, tn := range tenants {
		if tn != "acme" && tn != "beta" {
			if err := f.db.CreateTenant(ctx, &model.Tenant{ID: tn, Name: tn, Language: "en", TimeZone: "UTC"}); err != nil {
				tb.Fatal(err)
			}
		}
		f.assign(tn, "linux-base")
		for i := range perTenant {
			h := f.host(tn, fmt.Sprintf("%s-web-%02d", tn, i))
			f.hosts[tn] = append(f.hosts[tn], h)
			if s := shape(tn, i); !s.silent {
				f.nodeSeries(tn, h.Name, s, span)
			}
		}
	}
	return f
}

// assign assigns the tenant's (or the global) template of that name by os=linux.
func (f *fleet) assign(tenant, name string) {
	f.t.Helper()
	ctx := context.Background()
	ts, err := f.design.Templates(ctx, tenant)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, t := range ts {
		if t.Name == name {
			if err := f.design.CreateAssignment(ctx, &monitoring.Assignment{TenantID: tenant, TemplateID: t.ID, Selector: "os=linux"}); err != nil {
				f.t.Fatal(err)
			}
			return
		}
	}
	f.t.Fatalf("no template %s", name)
}

// templateItem is the ID of an item of a global template.
func (f *fleet) templateItem(template, item string) int64 {
	f.t.Helper()
	ts, err := f.design.Templates(context.Background(), "acme")
	if err != nil {
		f.t.Fatal(err)
	}
	for _, t := range ts {
		if t.Name != template {
			continue
		}
		for _, it := range t.Items {
			if it.Name == item {
				return it.ID
			}
		}
	}
	f.t.Fatalf("no item %s/%s", template, item)
	return 0
}

// nodeSeries writes from six minutes before the world's time to span after of what
// node_exporter reports of host: 16 CPUs in 8 modes, memory and swap,
// 8 filesystems, 12 disks, load, time and boot time (about 180 series).
func (f *fleet) nodeSeries(tenant, host string, s fleetHost, span time.Duration) {
	f.t.Helper()
	app := f.metrics.AppenderV2(context.Background())
	add := func(at time.Time, v float64, lbls ...string) {
		lset := labels.FromStrings(append(lbls, "host", host, metricstore.TenantLabel, tenant)...)
		if _, err := app.Append(0, lset, 0, at.UnixMilli(), v, nil, nil, storage.AOptions{}); err != nil {
			f.t.Fatal(err)
		}
	}
	start, end := f.clock().Add(-6*time.Minute), f.clock().Add(span)
	if s.stop > 0 {
		end = f.clock().Add(s.stop)
	}
	for step := 0; !start.Add(time.Duration(step) * 15 * time.Second).After(end); step++ {
		at := start.Add(time.Duration(step) * 15 * time.Second)
		secs := float64(step * 15)
		for cpu := range 16 {
			for _, mode := range []string{"idle", "user", "system", "iowait", "irq", "softirq", "steal", "nice"} {
				share := s.busy / 100 / 7
				if mode == "idle" {
					share = 1 - s.busy/100
				}
				add(at, 1000+secs*share, "__name__", "node_cpu_seconds_total", "cpu", fmt.Sprint(cpu), "mode", mode)
			}
		}
		add(at, 64e9, "__name__", "node_memory_MemTotal_bytes")
		add(at, 64e9*(1-s.mem/100), "__name__", "node_memory_MemAvailable_bytes")
		add(at, 8e9, "__name__", "node_memory_SwapTotal_bytes")
		add(at, 8e9, "__name__", "node_memory_SwapFree_bytes")
		for fs := range 8 {
			mount := fmt.Sprintf("/data%d", fs)
			add(at, 1e12, "__name__", "node_filesystem_size_bytes", "mountpoint", mount, "fstype", "ext4")
			add(at, 1e12*(1-s.disk/100), "__name__", "node_filesystem_avail_bytes", "mountpoint", mount, "fstype", "ext4")
		}
		for d := range 12 {
			add(at, secs*1e6, "__name__", "node_disk_read_bytes_total", "device", fmt.Sprintf("sd%c", 'a'+d))
		}
		add(at, 16*s.busy/100, "__name__", "node_load5")
		add(at, float64(at.Unix()), "__name__", "node_time_seconds")
		add(at, float64(start.Add(-24*time.Hour).Unix()), "__name__", "node_boot_time_seconds")
	}
	if err := app.Commit(); err != nil {
		f.t.Fatal(err)
	}
}

// round evaluates every rule as the timer does when all of them are due.
func (f *fleet) round() {
	f.engine.mu.Lock()
	for k := range f.engine.next {
		f.engine.next[k] = time.Time{}
	}
	f.engine.mu.Unlock()
	f.engine.evaluateDue(context.Background())
}

// BenchmarkEvaluateFleet is one timed round of the alert engine over 200
// Linux hosts (10 tenants of 20, as mspsim makes them) with the built-in
// linux-base template: 7 rules a host, every rule due.
func BenchmarkEvaluateFleet(b *testing.B) {
	var tenants []string
	for i := range 10 {
		tenants = append(tenants, fmt.Sprintf("t%02d", i))
	}
	f := newFleet(b, tenants, 20, 6*time.Minute, func(_ string, i int) fleetHost {
		return fleetHost{busy: float64(10 + i*4), mem: 50, disk: 40}
	})
	f.start()
	// Past the nodata items' 5-minute window, with six minutes of series
	// behind: every rule is evaluated, none finds its host silent.
	f.setClock(t0.Add(5*time.Minute + 30*time.Second))
	f.round() // the first round makes the alerts; the rest find them
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		f.round()
	}
	b.ReportMetric(float64((cputime.Process()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
	f.engine.mu.Lock()
	n := len(f.engine.rules)
	f.engine.mu.Unlock()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rules/s")
}

func (f *fleet) setClock(at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = at
}

// BenchmarkReloadFleet is the engine's periodic re-resolution of every
// host's items (every 30 s by default) over the same 200 hosts: an
// EffectiveItems a host.
func BenchmarkReloadFleet(b *testing.B) {
	var tenants []string
	for i := range 10 {
		tenants = append(tenants, fmt.Sprintf("t%02d", i))
	}
	f := newFleet(b, tenants, 20, 0, func(string, int) fleetHost { return fleetHost{silent: true} })
	f.start()
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		f.engine.reloadRules(context.Background())
	}
	b.ReportMetric(float64((cputime.Process()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
}
