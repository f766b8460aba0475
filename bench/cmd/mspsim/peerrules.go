package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// ruleInterval is how often Prometheus evaluates the translated rules:
// unyo's rule interval for an item without one.
const ruleInterval = 15 * time.Second

// fastCheckItem is the item of the bench-fast template provision creates in
// every tenant: a failing check alerts at once. The same map is sent to
// unyo and translated for Prometheus, so the two cannot drift apart.
var fastCheckItem = map[string]any{"name": "check", "kind": "metric", "metric": map[string]string{"series": "unyo_check_up"},
	"threshold": map[string]any{"op": "<", "critical": 1}, "notify": []string{benchChannel}}

// promRule is one alerting rule of a Prometheus rule file.
type promRule struct {
	Alert  string            `yaml:"alert"`
	Expr   string            `yaml:"expr"`
	For    string            `yaml:"for,omitempty"`
	Labels map[string]string `yaml:"labels"`
}

type promGroup struct {
	Name     string     `yaml:"name"`
	Interval string     `yaml:"interval"`
	Rules    []promRule `yaml:"rules"`
}

// peerRules is the Prometheus rule file equivalent to what unyo evaluates
// for every simulated host: the built-in linux-base template's items and the
// bench-fast check item.
func peerRules() ([]byte, error) {
	builtins, err := monitoring.Builtins()
	if err != nil {
		return nil, err
	}
	var linux *monitoring.Template
	for _, t := range builtins {
		if t.Builtin == "linux-base" {
			linux = t
		}
	}
	if linux == nil {
		return nil, fmt.Errorf("peer rules: no built-in linux-base template")
	}
	var check monitoring.Item
	b, _ := json.Marshal(fastCheckItem)
	if err := json.Unmarshal(b, &check); err != nil {
		return nil, fmt.Errorf("peer rules: the check item: %w", err)
	}
	var groups []promGroup
	for _, g := range []struct {
		name  string
		items []*monitoring.Item
	}{{"linux-base", linux.Items}, {benchTemplate, []*monitoring.Item{&check}}} {
		pg := promGroup{Name: g.name, Interval: shortDur(ruleInterval)}
		for _, it := range g.items {
			rs, err := translateItem(it)
			if err != nil {
				return nil, fmt.Errorf("peer rules: item %s of %s: %w", it.Name, g.name, err)
			}
			pg.Rules = append(pg.Rules, rs...)
		}
		groups = append(groups, pg)
	}
	return yaml.Marshal(map[string]any{"groups": groups})
}

// translateItem is the Prometheus rules of one unyo item, evaluated over
// every host at once where unyo runs one rule a host: the query's grouping
// by host also keeps the tenant (one Prometheus holds every tenant's series,
// told apart by a tenant label); each threshold level is a rule of its own
// with a severity label (Alertmanager inhibits the warning while the
// critical fires, as unyo keeps one alert at the higher level); unyo's
// recovery level (hysteresis) keeps the first level's alert firing through
// ALERTS.
// Items that collect only make no rule.
func translateItem(it *monitoring.Item) ([]promRule, error) {
	switch it.Kind {
	case monitoring.KindMetric:
		return metricRules(it)
	case monitoring.KindNoData:
		return noDataRules(it)
	case monitoring.KindOS:
		return nil, nil
	}
	return nil, fmt.Errorf("kind %s is not translated", it.Kind)
}

func metricRules(it *monitoring.Item) ([]promRule, error) {
	th := it.Threshold
	if th == nil {
		return nil, nil
	}
	q := it.Metric.Query
	if q == "" {
		q = it.Metric.Series
	}
	q, err := withTenant(q)
	if err != nil {
		return nil, err
	}
	var rules []promRule
	first := true
	for _, l := range []struct {
		severity string
		level    *float64
	}{{"warning", th.Warning}, {"critical", th.Critical}} {
		if l.level == nil {
			continue
		}
		expr := fmt.Sprintf("(%s) %s %s", q, th.Op, fmtLevel(*l.level))
		// Only the first level holds down to the recovery level: a value
		// back under critical but not recovered is a warning in unyo.
		if rec := th.RecoveryLevel(); first && rec != *l.level {
			expr = fmt.Sprintf(`%s or ((%s) %s %s and ignoring (alertname, alertstate, severity) ALERTS{alertname=%q, alertstate="firing", severity=%q})`,
				expr, q, th.Op, fmtLevel(rec), it.Name, l.severity)
		}
		rules = append(rules, promRule{Alert: it.Name, Expr: expr, For: forOf(it), Labels: map[string]string{"severity": l.severity}})
		first = false
	}
	return rules, nil
}

// noDataRules: a host that sent its agent's heartbeat within the last hour
// and nothing at all within the item's window. unyo reads
// absent_over_time({host="h"}[after]) per host, every series of the host
// over the window; the second term reads the same samples for all hosts.
func noDataRules(it *monitoring.Item) ([]promRule, error) {
	// Prometheus writes its alerts back as series with the host's labels:
	// they are not the host sending.
	sel := `{host=~".+",__name__!~"ALERTS|ALERTS_FOR_STATE"}`
	if it.NoData.Series != "" {
		s, err := withTenant(it.NoData.Series)
		if err != nil {
			return nil, err
		}
		sel = s
	}
	after := shortDur(time.Duration(it.NoData.After))
	expr := fmt.Sprintf(`group by (tenant, host) (present_over_time(unyo_agent_up[1h])) unless group by (tenant, host) (last_over_time(%s[%s]))`, sel, after)
	sev := string(it.Severity)
	if sev == "" {
		sev = "critical"
	}
	return []promRule{{Alert: it.Name, Expr: expr, For: forOf(it), Labels: map[string]string{"severity": sev}}}, nil
}

// withTenant parses q and adds the tenant label wherever q groups or matches
// by host, so that hosts stay apart across tenants.
func withTenant(q string) (string, error) {
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(q)
	if err != nil {
		return "", err
	}
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.AggregateExpr:
			if !n.Without && slices.Contains(n.Grouping, "host") && !slices.Contains(n.Grouping, "tenant") {
				n.Grouping = append([]string{"tenant"}, n.Grouping...)
			}
		case *parser.BinaryExpr:
			if m := n.VectorMatching; m != nil && m.On && slices.Contains(m.MatchingLabels, "host") && !slices.Contains(m.MatchingLabels, "tenant") {
				m.MatchingLabels = append([]string{"tenant"}, m.MatchingLabels...)
			}
		}
		return nil
	})
	return expr.String(), nil
}

func forOf(it *monitoring.Item) string {
	if it.For == 0 {
		return ""
	}
	return shortDur(time.Duration(it.For))
}

// shortDur writes d as Prometheus's configuration takes it: 15s, 10m, 1h.
func shortDur(d time.Duration) string {
	s := d.String()
	for _, cut := range []string{"m0s", "h0m"} {
		if strings.HasSuffix(s, cut) {
			s = strings.TrimSuffix(s, cut) + cut[:1]
		}
	}
	return s
}

func fmtLevel(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// alertmanagerConfig routes every alert to mspsim's receiver, one group a
// host (unyo groups a host's notifications): the first alert of a group
// goes at once, those that follow within 10 s wait for it (unyo's
// UNYO_NOTIFY_GROUP_WINDOW); a critical alert inhibits the warning of the
// same item on the host, and a host that is down inhibits its other alerts,
// as unyo does.
func alertmanagerConfig(hookURL string) ([]byte, error) {
	cfg := map[string]any{
		"route": map[string]any{"receiver": "mspsim", "group_by": []string{"tenant", "host"},
			"group_wait": "0s", "group_interval": "10s", "repeat_interval": "4h"},
		"receivers": []any{map[string]any{"name": "mspsim",
			"webhook_configs": []any{map[string]any{"url": hookURL, "send_resolved": false}}}},
		"inhibit_rules": []any{
			map[string]any{"source_matchers": []string{`severity="critical"`}, "target_matchers": []string{`severity="warning"`},
				"equal": []string{"tenant", "host", "alertname"}},
			map[string]any{"source_matchers": []string{`alertname="nodata"`}, "target_matchers": []string{`alertname!="nodata"`},
				"equal": []string{"tenant", "host"}},
		},
	}
	return yaml.Marshal(cfg)
}
