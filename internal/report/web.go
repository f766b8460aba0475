package report

import (
	"context"
	"math"
	"sort"
	"time"
)

// The web access series: the application's own request counter, or the
// counter the agent derives from an access log, and a sessions gauge.
const (
	webRequests = "http_requests_total"
	webSessions = "web_sessions_active"
)

// web fills the web access figures of the hosts that have such series.
func (g *Generator) web(ctx context.Context, r *Report) {
	q := StepQuery{Name: webRequests, From: r.From, To: r.To, Step: time.Duration(r.Step), Counter: true}
	prevQ := q
	prevQ.From, prevQ.To = r.PrevFrom, r.From
	res, err := g.read(ctx, r.Tenant, q, prevQ, q.with(webSessions))
	if err != nil {
		g.note(r, "web", "no.web", err)
		return
	}
	webs := map[string]*WebStats{}
	get := func(h string) *WebStats {
		if webs[h] == nil {
			webs[h] = &WebStats{Host: h}
		}
		return webs[h]
	}
	for h, vs := range sumBy(res[0], byHost) {
		get(h).Requests = sumOf(vs)
	}
	for h, vs := range sumBy(res[1], byHost) {
		if w := webs[h]; w != nil {
			w.PrevRequests = sumOf(vs)
		}
	}
	for h, vs := range sumBy(res[2], byHost) {
		get(h).Sessions = statsOf(vs)
	}
	for _, w := range webs {
		r.Web = append(r.Web, *w)
	}
	sort.Slice(r.Web, func(i, j int) bool { return r.Web[i].Host < r.Web[j].Host })
	if len(r.Web) == 0 {
		g.note(r, "web", "no.web", nil)
	}
}

// sumOf adds the increases of the steps; they tile the period.
func sumOf(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		if !math.IsNaN(v) {
			s += v
		}
	}
	return math.Round(s)
}
