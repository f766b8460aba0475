package report

import (
	"context"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// Thresholds of the computed findings.
const (
	diskFullDays   = 30  // a disk full within this many days is a topic
	cpuHighP95     = 80  // percent
	recurringCount = 3   // firings of one alert on one host
	slaNearBudget  = 0.8 // share of the allowed downtime, or of an incident's target
	tlsDays        = 30  // days left on a certificate
	underMemP95    = 90  // percent
	overCPUP95     = 20  // percent
	overMemMax     = 40  // percent
)

// findings computes the topics that the figures already in r call for.
func findings(r *Report) []Topic {
	l := r.Language
	var out []Topic
	for _, h := range r.Hosts {
		for _, d := range h.Disks {
			if d.Forecast == ForecastFull && d.DaysToFull <= diskFullDays {
				out = append(out, Topic{Kind: "disk_full",
					Title: tr(l, "f.disk_full", h.Host, d.Mount, inDays(l, d.DaysToFull)),
					Body:  tr(l, "f.disk_full.body", d.UsedPercent, humanize.Bytes(uint64(d.GrowthPerDay)))})
			}
		}
		if h.CPU.N > 0 && h.CPU.P95 > cpuHighP95 {
			out = append(out, Topic{Kind: "cpu_high", Title: tr(l, "f.cpu_high", h.Host, h.CPU.P95), Body: tr(l, "f.cpu_high.body")})
		}
	}
	for _, kc := range r.Alerts.Noisiest {
		if kc.Count >= recurringCount {
			item, host, _ := strings.Cut(kc.Label(l), " @ ")
			out = append(out, Topic{Kind: "recurring_alert", Title: tr(l, "f.recurring", item, host, kc.Count), Body: tr(l, "f.recurring.body")})
		}
	}
	for _, a := range r.Summary.Services {
		if !a.Met || a.Target >= 100 {
			continue
		}
		allowed := (100 - a.Target) / 100
		used := (100 - a.Percent) / 100 / allowed
		if used >= slaNearBudget {
			out = append(out, Topic{Kind: "sla_near_breach", Title: tr(l, "f.sla_near", a.Service, a.Percent, a.Target), Body: tr(l, "f.sla_near.body", used*100)})
		}
	}
	for _, in := range r.Responses.Incidents {
		if in.SLAMet != nil && *in.SLAMet && in.SLAUsed >= slaNearBudget {
			out = append(out, Topic{Kind: "sla_near_breach", Title: tr(l, "f.inc_near", in.ID, in.SLAUsed*100)})
		}
	}
	return out
}

// tlsFindings reads the days left on the certificates the agent's HTTPS
// checks see, in the last step of the period; the lowest per check target.
func (g *Generator) tlsFindings(ctx context.Context, r *Report) []Topic {
	step := time.Duration(r.Step)
	ss, err := g.src.Metrics.Steps(ctx, r.Tenant, StepQuery{Name: "unyo_check_tls_cert_expiry_days", From: r.To.Add(-step), To: r.To, Step: step})
	if err != nil {
		g.logger.Warn("report: certificate expiry not read", "tenant", r.Tenant, "err", err)
		return nil
	}
	least := map[string]float64{}
	for _, s := range ss {
		name := s.Labels.Get("target")
		if name == "" {
			name = s.Labels.Get("item")
		}
		if d := s.Values[len(s.Values)-1]; !math.IsNaN(d) {
			if v, ok := least[name]; !ok || d < v {
				least[name] = d
			}
		}
	}
	var out []Topic
	for _, name := range slices.Sorted(maps.Keys(least)) {
		if days := least[name]; days <= tlsDays {
			out = append(out, Topic{Kind: "tls_expiry", Title: tr(r.Language, "f.tls", name, daysLeft(r.Language, days)), Body: tr(r.Language, "f.tls.body")})
		}
	}
	return out
}

// capacity recommends a change for the hosts whose use is far from their size.
func capacity(r *Report) []Advice {
	var out []Advice
	for _, h := range r.Hosts {
		if h.CPU.N == 0 || h.Mem.N == 0 {
			continue
		}
		switch {
		case h.CPU.P95 > cpuHighP95 || h.Mem.P95 > underMemP95:
			out = append(out, Advice{Host: h.Host, Kind: "under", CPU: h.CPU.P95, Memory: h.Mem.P95,
				Reason: tr(r.Language, "a.under", h.CPU.P95, h.Mem.P95)})
		case h.CPU.P95 < overCPUP95 && h.Mem.Max < overMemMax:
			out = append(out, Advice{Host: h.Host, Kind: "over", CPU: h.CPU.P95, Memory: h.Mem.Max,
				Reason: tr(r.Language, "a.over", h.CPU.P95, h.Mem.Max)})
		}
	}
	return out
}
