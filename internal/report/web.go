package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/prometheus/prometheus/promql"
)

// The web access series: the application's own request counter, or the
// counter the agent derives from an access log, and a sessions gauge.
const (
	qRequests = `sum by (host) (increase(http_requests_total[%s]))`
	qSessions = `sum by (host) (web_sessions_active)`
)

// web fills the web access figures of the hosts that have such series.
func (g *Generator) web(ctx context.Context, r *Report) {
	step := time.Duration(r.Step)
	q := fmt.Sprintf(qRequests, step)
	now, err1 := g.src.Metrics.QueryRange(ctx, r.Tenant, q, r.From.Add(step), r.To, step)
	prev, err2 := g.src.Metrics.QueryRange(ctx, r.Tenant, q, r.PrevFrom.Add(step), r.From, step)
	sess, err3 := g.src.Metrics.QueryRange(ctx, r.Tenant, qSessions, r.From.Add(step), r.To, step)
	if err := firstErr(err1, err2, err3); err != nil {
		g.note(r, "web", "no.web", err)
		return
	}
	byHost := map[string]*WebStats{}
	get := func(h string) *WebStats {
		if byHost[h] == nil {
			byHost[h] = &WebStats{Host: h}
		}
		return byHost[h]
	}
	for _, s := range now {
		get(s.Metric.Get("host")).Requests = sumOf(s.Floats)
	}
	for _, s := range prev {
		if w := byHost[s.Metric.Get("host")]; w != nil {
			w.PrevRequests = sumOf(s.Floats)
		}
	}
	for _, s := range sess {
		get(s.Metric.Get("host")).Sessions = statsOf(s.Floats)
	}
	for _, w := range byHost {
		r.Web = append(r.Web, *w)
	}
	sort.Slice(r.Web, func(i, j int) bool { return r.Web[i].Host < r.Web[j].Host })
	if len(r.Web) == 0 {
		g.note(r, "web", "no.web", nil)
	}
}

// sumOf adds the increases of consecutive windows; they tile the period.
func sumOf(ps []promql.FPoint) float64 {
	s := 0.0
	for _, p := range ps {
		s += p.F
	}
	return math.Round(s)
}
