package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/prometheus/prometheus/promql"

	"github.com/unyo-ops/unyo/internal/chart"
)

// linePoints is how many points of each host's lines are kept for the
// charts: about two per point of the chart's width.
const linePoints = 250

// hosts fills section 2 from one range query per figure and period: the
// engine reads every sample once, which for a month of 15 s samples is far
// cheaper than one query per host.
func (g *Generator) hosts(ctx context.Context, r *Report) {
	step := time.Duration(r.Step)
	win := step.String()
	cpuQ := fmt.Sprintf(qCPU, win, win)
	byHost := map[string]*HostPerf{}
	get := func(h string) *HostPerf {
		if byHost[h] == nil {
			byHost[h] = &HostPerf{Host: h}
		}
		return byHost[h]
	}
	figures := []struct {
		query string
		prev  bool
		set   func(h *HostPerf, s Stats, pts []chart.Point)
	}{
		{cpuQ, false, func(h *HostPerf, s Stats, pts []chart.Point) { h.CPU, h.CPULine = s, pts }},
		{cpuQ, true, func(h *HostPerf, s Stats, _ []chart.Point) { h.PrevCPU = s }},
		{qMem, false, func(h *HostPerf, s Stats, pts []chart.Point) { h.Mem, h.MemLine = s, pts }},
		{qMem, true, func(h *HostPerf, s Stats, _ []chart.Point) { h.PrevMem = s }},
	}
	for _, f := range figures {
		from, to := r.From, r.To
		if f.prev {
			from, to = r.PrevFrom, r.From
		}
		m, err := g.src.Metrics.QueryRange(ctx, r.Tenant, f.query, from.Add(step), to, step)
		if err != nil {
			g.note(r, "performance", "no.hosts", err)
			continue
		}
		for _, s := range m {
			host := s.Metric.Get("host")
			if host == "" || (f.prev && byHost[host] == nil) {
				continue // last period's hosts that are gone are not reported
			}
			f.set(get(host), statsOf(s.Floats), chart.Decimate(points(s.Floats), linePoints/2))
		}
	}
	g.disks(ctx, r, byHost)
	for _, h := range byHost {
		r.Hosts = append(r.Hosts, *h)
	}
	sort.Slice(r.Hosts, func(i, j int) bool { return r.Hosts[i].Host < r.Hosts[j].Host })
	if len(r.Hosts) == 0 {
		g.note(r, "performance", "no.hosts", nil)
	}
}

// disks adds usage, growth and days to full of each filesystem.
func (g *Generator) disks(ctx context.Context, r *Report, byHost map[string]*HostPerf) {
	step := time.Duration(r.Step)
	used, err1 := g.src.Metrics.QueryRange(ctx, r.Tenant, qDiskUsed, r.From.Add(step), r.To, step)
	size, err2 := g.src.Metrics.QueryRange(ctx, r.Tenant, qDiskSize, r.From.Add(step), r.To, step)
	if err := firstErr(err1, err2); err != nil {
		g.note(r, "performance", "no.hosts", err)
		return
	}
	sizes := map[string]float64{}
	for _, s := range size {
		if n := len(s.Floats); n > 0 {
			sizes[s.Metric.Get("host")+"\x00"+s.Metric.Get("mountpoint")] = s.Floats[n-1].F
		}
	}
	for _, s := range used {
		host, mount := s.Metric.Get("host"), s.Metric.Get("mountpoint")
		total := sizes[host+"\x00"+mount]
		h := byHost[host]
		if h == nil || total <= 0 || len(s.Floats) == 0 {
			continue
		}
		first, last := s.Floats[0].F, s.Floats[len(s.Floats)-1].F
		d := Disk{Mount: mount, SizeBytes: total, StartPercent: round(100 * first / total), UsedPercent: round(100 * last / total), DaysToFull: -1}
		d.GrowthPerDay = slope(s.Floats) * float64(24*time.Hour/time.Millisecond)
		if d.GrowthPerDay > 0 {
			d.DaysToFull = math.Round((total-last)/d.GrowthPerDay*10) / 10
		}
		h.Disks = append(h.Disks, d)
	}
	for _, h := range byHost {
		sort.Slice(h.Disks, func(i, j int) bool { return h.Disks[i].Mount < h.Disks[j].Mount })
	}
}

// statsOf is the average, 95th percentile and maximum of fs. The percentile
// interpolates between the closest ranks like PromQL's quantile().
func statsOf(fs []promql.FPoint) Stats {
	vs := make([]float64, 0, len(fs))
	sum := 0.0
	for _, p := range fs {
		if !math.IsNaN(p.F) {
			vs = append(vs, p.F)
			sum += p.F
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

// slope is the least squares slope of fs, per millisecond. Centring on the
// means keeps a steady series at exactly zero.
func slope(fs []promql.FPoint) float64 {
	n := float64(len(fs))
	if n < 2 {
		return 0
	}
	var mx, my float64
	for _, p := range fs {
		mx, my = mx+float64(p.T)/n, my+p.F/n
	}
	var sxx, sxy float64
	for _, p := range fs {
		dx, dy := float64(p.T)-mx, p.F-my
		sxx, sxy = sxx+dx*dx, sxy+dx*dy
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx
}

// round keeps two decimals: the report prints at most one, and exact
// figures in tests must not depend on float noise.
func round(v float64) float64 { return math.Round(v*100) / 100 }

func points(fs []promql.FPoint) []chart.Point {
	out := make([]chart.Point, len(fs))
	for i, p := range fs {
		out[i] = chart.Point{T: time.UnixMilli(p.T).UTC(), V: round(p.F)}
	}
	return out
}
