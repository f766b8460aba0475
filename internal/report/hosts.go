package report

import (
	"context"
	"errors"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/chart"
)

// linePoints is how many points of each host's lines are kept for the
// charts: about two per point of the chart's width.
const linePoints = 250

// hosts fills section 2: CPU from the idle share of the CPU seconds'
// increase per step, memory from MemAvailable over MemTotal at each step.
func (g *Generator) hosts(ctx context.Context, r *Report) {
	byHostPerf := map[string]*HostPerf{}
	for _, prev := range []bool{false, true} {
		q := StepQuery{From: r.From, To: r.To, Step: time.Duration(r.Step)}
		if prev {
			q.From, q.To = r.PrevFrom, r.From
		}
		cpu, mem, err := g.cpuMem(ctx, r.Tenant, q)
		if err != nil {
			g.note(r, "performance", "no.hosts", err)
			return
		}
		for _, host := range slices.Sorted(maps.Keys(cpu)) {
			h := byHostPerf[host]
			if prev {
				if h != nil { // last period's hosts that are gone are not reported
					h.PrevCPU, h.PrevMem = statsOf(cpu[host]), statsOf(mem[host])
				}
				continue
			}
			if h == nil && host != "" {
				h = &HostPerf{Host: host}
				byHostPerf[host] = h
			}
			if h != nil {
				h.CPU, h.Mem = statsOf(cpu[host]), statsOf(mem[host])
				h.CPULine, h.MemLine = line(q, cpu[host]), line(q, mem[host])
			}
		}
	}
	g.disks(ctx, r, byHostPerf)
	for _, h := range byHostPerf {
		r.Hosts = append(r.Hosts, *h)
	}
	sort.Slice(r.Hosts, func(i, j int) bool { return r.Hosts[i].Host < r.Hosts[j].Host })
	if len(r.Hosts) == 0 {
		g.note(r, "performance", "no.hosts", nil)
	}
}

// cpuMem reads the CPU and memory usage per host and step of q. The four
// series are read concurrently: each read is one pass over its samples.
func (g *Generator) cpuMem(ctx context.Context, tenant string, q StepQuery) (cpu, mem map[string][]float64, err error) {
	cq := q
	cq.Counter = true
	cq.Name = "node_cpu_seconds_total"
	res, err := g.read(ctx, tenant, cq, q.with("node_memory_MemAvailable_bytes"), q.with("node_memory_MemTotal_bytes"))
	if err != nil {
		return nil, nil, err
	}
	var idle []StepSeries
	for _, s := range res[0] {
		if s.Labels.Get("mode") == "idle" {
			idle = append(idle, s)
		}
	}
	idleBy, allBy := sumBy(idle, byHost), sumBy(res[0], byHost)
	cpu = map[string][]float64{}
	for h, all := range allBy {
		cpu[h] = usage(idleBy[h], all)
	}
	avail, total := sumBy(res[1], byHost), sumBy(res[2], byHost)
	mem = map[string][]float64{}
	for h, t := range total {
		mem[h] = usage(avail[h], t)
		if cpu[h] == nil {
			cpu[h] = nil // a host with memory figures only is still listed
		}
	}
	return cpu, mem, nil
}

func (q StepQuery) with(name string) StepQuery {
	q.Name, q.Counter = name, false
	return q
}

// read runs the queries concurrently, at most two at a time.
func (g *Generator) read(ctx context.Context, tenant string, qs ...StepQuery) ([][]StepSeries, error) {
	out := make([][]StepSeries, len(qs))
	errs := make([]error, len(qs))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = g.src.Metrics.Steps(ctx, tenant, q)
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// disks adds usage, growth and days to full of each filesystem.
func (g *Generator) disks(ctx context.Context, r *Report, hosts map[string]*HostPerf) {
	q := StepQuery{From: r.From, To: r.To, Step: time.Duration(r.Step)}
	res, err := g.read(ctx, r.Tenant, q.with("node_filesystem_size_bytes"), q.with("node_filesystem_avail_bytes"))
	if err != nil {
		g.note(r, "performance", "no.hosts", err)
		return
	}
	sizes, avails := sumBy(res[0], byHostMount), sumBy(res[1], byHostMount)
	for _, key := range slices.Sorted(maps.Keys(sizes)) {
		host, mount, _ := strings.Cut(key, "\x00")
		h := hosts[host]
		size, avail := sizes[key], avails[key]
		if h == nil || avail == nil {
			continue
		}
		var ts, used []float64
		total := 0.0
		for i := range size {
			if !math.IsNaN(size[i]) && !math.IsNaN(avail[i]) && size[i] > 0 {
				ts, used = append(ts, float64(i)), append(used, size[i]-avail[i])
				total = size[i]
			}
		}
		if len(used) == 0 {
			continue
		}
		first, last := used[0], used[len(used)-1]
		d := Disk{Mount: mount, SizeBytes: total, StartPercent: round(100 * first / total), UsedPercent: round(100 * last / total)}
		forecast(&d, ts, used, q.Step, total)
		h.Disks = append(h.Disks, d)
	}
}

// statsOf is the average, 95th percentile and maximum of fs. The percentile
// interpolates between the closest ranks like PromQL's quantile().
func statsOf(fs []float64) Stats {
	vs := make([]float64, 0, len(fs))
	sum := 0.0
	for _, v := range fs {
		if !math.IsNaN(v) {
			vs = append(vs, v)
			sum += v
		}
	}
	if len(vs) == 0 {
		return Stats{}
	}
	sort.Float64s(vs)
	return Stats{Avg: round(sum / float64(len(vs))), P95: round(quantile(0.95, vs)), Max: round(vs[len(vs)-1]), N: len(vs)}
}

// quantile of sorted vs, as promql's quantile: rank phi*(n-1), interpolated.
func quantile(phi float64, vs []float64) float64 {
	rank := phi * float64(len(vs)-1)
	lo := int(math.Floor(rank))
	hi := min(lo+1, len(vs)-1)
	w := rank - float64(lo)
	return vs[lo]*(1-w) + vs[hi]*w
}

// round keeps two decimals: the report prints at most one, and exact
// figures in tests must not depend on float noise.
func round(v float64) float64 { return math.Round(v*100) / 100 }

// line is the chart line of q's step values, each at its step's end,
// thinned as chart.Decimate thins, without first making a point per step.
func line(q StepQuery, vs []float64) []chart.Point {
	at := func(i int) chart.Point {
		return chart.Point{T: q.From.Add(time.Duration(i+1) * q.Step).UTC(), V: round(vs[i])}
	}
	buckets := linePoints / 2
	if len(vs) <= 2*buckets {
		out := make([]chart.Point, len(vs))
		for i := range vs {
			out[i] = at(i)
		}
		return out
	}
	out := make([]chart.Point, 0, 2*buckets+1)
	size := float64(len(vs)) / float64(buckets)
	for b := range buckets {
		start, stop := int(float64(b)*size), min(len(vs), int(float64(b+1)*size))
		if stop <= start {
			continue
		}
		lo, hi := start, start
		for i := start; i < stop; i++ {
			if round(vs[i]) < round(vs[lo]) {
				lo = i
			}
			if round(vs[i]) > round(vs[hi]) {
				hi = i
			}
		}
		out = append(out, at(min(lo, hi)))
		if lo != hi {
			out = append(out, at(max(lo, hi)))
		}
	}
	return out
}
