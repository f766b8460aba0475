package alert

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/promapi"
)

var _ promapi.RuleSource = (*Engine)(nil)

// PromRules returns the rules of tenant (of every tenant when all is set) in
// the shape of Prometheus's /api/v1/rules, one group per host, so that
// Grafana's alerting view lists what unyo evaluates.
func (e *Engine) PromRules(tenant string, all bool) []promapi.RuleGroup {
	e.mu.Lock()
	defer e.mu.Unlock()
	groups := map[string]*promapi.RuleGroup{}
	for k, r := range e.rules {
		if !all && r.tenant != tenant {
			continue
		}
		name := r.tenant + "/" + r.item.Resource
		g := groups[name]
		if g == nil {
			g = &promapi.RuleGroup{Name: r.item.Resource, File: r.tenant, Interval: r.interval.Seconds()}
			groups[name] = g
		}
		last := e.next[k].Add(-r.interval)
		if last.Before(e.since[k]) {
			last = time.Time{} // not evaluated yet
		}
		pr := promapi.Rule{
			State: "inactive", Name: r.item.Name, Query: r.query, Duration: r.forDur.Seconds(),
			Labels: map[string]string{}, Annotations: map[string]string{}, Alerts: []promapi.Alert{},
			Health: "ok", LastEvaluation: last, Type: "alerting",
		}
		if r.cond.severity != "" {
			pr.Labels["severity"] = string(r.cond.severity)
		}
		if t := r.item.DisplayTitle("en"); t != "" {
			pr.Annotations["summary"] = t
		}
		if r.item.Description != "" {
			pr.Annotations["description"] = r.item.Description
		}
		for _, a := range e.byRule[k] {
			pr.Alerts = append(pr.Alerts, promAlert(a))
			if a.State == StateFiring || pr.State == "inactive" {
				pr.State = string(a.State)
			}
		}
		sortAlerts(pr.Alerts)
		g.Rules = append(g.Rules, pr)
		if last.After(g.LastEvaluation) {
			g.LastEvaluation = last
		}
	}
	out := make([]promapi.RuleGroup, 0, len(groups))
	for _, name := range slices.Sorted(maps.Keys(groups)) {
		g := groups[name]
		slices.SortFunc(g.Rules, func(a, b promapi.Rule) int { return cmp.Compare(a.Name, b.Name) })
		out = append(out, *g)
	}
	return out
}

// PromAlerts returns the pending and firing alerts of tenant (of every tenant
// when all is set), from rules and intake alike, in the shape of Prometheus's
// /api/v1/alerts.
func (e *Engine) PromAlerts(tenant string, all bool) []promapi.Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []promapi.Alert{}
	for _, a := range e.active {
		if (all || a.TenantID == tenant) && (a.State == StatePending || a.State == StateFiring) {
			out = append(out, promAlert(a))
		}
	}
	sortAlerts(out)
	return out
}

func promAlert(a *Alert) promapi.Alert {
	lbls := map[string]string{}
	maps.Copy(lbls, a.Labels)
	lbls["alertname"] = cmp.Or(lbls["alertname"], a.Title.En, a.Title.Ja)
	lbls["severity"] = string(a.Severity)
	if a.Resource != "" {
		lbls["host"] = a.Resource
	}
	ann := map[string]string{}
	if s := cmp.Or(a.Summary.En, a.Summary.Ja); s != "" {
		ann["summary"] = s
	}
	if a.RunbookURL != "" {
		ann["runbook_url"] = a.RunbookURL
	}
	pa := promapi.Alert{Labels: lbls, Annotations: ann, State: string(a.State)}
	if !a.StartedAt.IsZero() {
		t := a.StartedAt
		pa.ActiveAt = &t
	}
	if a.Value != nil {
		pa.Value = strconv.FormatFloat(*a.Value, 'e', -1, 64)
	}
	return pa
}

func sortAlerts(list []promapi.Alert) {
	slices.SortFunc(list, func(a, b promapi.Alert) int {
		return cmp.Or(cmp.Compare(a.Labels["alertname"], b.Labels["alertname"]), cmp.Compare(a.Labels["host"], b.Labels["host"]))
	})
}
