package alert

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// rule is one monitoring item as it applies to one host: what to query,
// how often, and the condition its value is held to.
type rule struct {
	key        string // tenant/item/resource
	tenant     string
	item       monitoring.ResolvedItem
	resourceID int64
	serviceID  int64
	query      string // instant query; for check items, the selector of the range read
	interval   time.Duration
	forDur     time.Duration
	cond       condition
	// series is set when the item watches one series by name: samples of it
	// are evaluated as they arrive.
	series *seriesMatch
	// hostDown marks a nodata item on everything the host sends: while it
	// fires, the host's other alerts are inhibited.
	hostDown bool
	// quiet is how long after the engine first holds the rule (its start,
	// or the item's assignment) the rule is not evaluated: a nodata item's
	// window, since no sample could have arrived before then.
	quiet time.Duration
	// shape is query with the host left open, "" when the rule is
	// evaluated alone (batch.go).
	shape string
}

// condition is the test a rule's value is put to. Every kind is reduced to
// a threshold: log items fire at count matches (>= count), process items
// below min_count, service items below 1 (down), nodata items at 1 (the
// absent_over_time of the query), check items at N trailing failures.
type condition struct {
	th       monitoring.Threshold
	severity Severity // the item's own; "" for metric items, graded by level
	failures int      // check items: consecutive failures that fire
}

// seriesMatch is the selector of a single-series item.
type seriesMatch struct {
	metric   string
	host     string
	matchers []*labels.Matcher
}

func (m *seriesMatch) matches(lset labels.Labels) bool {
	for _, x := range m.matchers {
		if !x.Matches(lset.Get(x.Name)) {
			return false
		}
	}
	return true
}

// ruleKey names the rule of an item on a resource in a tenant.
func ruleKey(tenant string, item, resource int64) string {
	return tenant + "/" + strconv.FormatInt(item, 10) + "/" + strconv.FormatInt(resource, 10)
}

var seriesParser = parser.NewParser(parser.Options{})

// newRule makes the rule of a resolved item on res, or nil when the item
// does not alert here: disabled, a problem, collect-only, or a kind with
// no server-side condition.
func newRule(tenant string, res *model.Resource, it monitoring.ResolvedItem, defInterval time.Duration) *rule {
	if it.Disabled || it.Problem != "" || it.Query == "" {
		return nil
	}
	r := &rule{
		key: ruleKey(tenant, it.ID, res.ID), tenant: tenant, item: it, resourceID: res.ID,
		query: it.Query, interval: time.Duration(it.Interval), forDur: time.Duration(it.For),
	}
	if res.ServiceID != nil {
		r.serviceID = *res.ServiceID
	}
	if r.interval <= 0 {
		r.interval = defInterval
	}
	sev := Severity(it.Severity)
	one := 1.0
	switch it.Kind {
	case monitoring.KindMetric:
		if it.Threshold == nil {
			return nil
		}
		r.cond.th = *it.Threshold
		if it.Metric != nil && it.Metric.Query == "" && it.Metric.Series != "" {
			r.series = singleSeries(it.Query, res.Name)
		}
		return r
	case monitoring.KindLog:
		n := float64(it.Log.Count)
		r.cond = condition{th: monitoring.Threshold{Op: monitoring.OpGE, Critical: &n}, severity: sev}
	case monitoring.KindProcess:
		n := float64(it.Process.MinCount)
		r.cond = condition{th: monitoring.Threshold{Op: monitoring.OpLT, Critical: &n}, severity: sev}
	case monitoring.KindService, monitoring.KindBackup, monitoring.KindExporter:
		r.cond = condition{th: monitoring.Threshold{Op: monitoring.OpLT, Critical: &one}, severity: sev}
	case monitoring.KindNoData:
		r.cond = condition{th: monitoring.Threshold{Op: monitoring.OpGE, Critical: &one}, severity: sev}
		r.hostDown = it.NoData.Series == ""
		r.quiet = time.Duration(it.NoData.After)
	case monitoring.KindCheck:
		n := float64(it.Check.Failures)
		r.cond = condition{th: monitoring.Threshold{Op: monitoring.OpGE, Critical: &n, Recovery: &one}, severity: sev, failures: it.Check.Failures}
	default:
		return nil
	}
	if sev == "" {
		return nil
	}
	return r
}

// singleSeries parses the scoped selector of a series item.
func singleSeries(query, host string) *seriesMatch {
	ms, err := seriesParser.ParseMetricSelector(query)
	if err != nil {
		return nil
	}
	m := &seriesMatch{host: host, matchers: ms}
	for _, x := range ms {
		if x.Name == labels.MetricName && x.Type == labels.MatchEqual {
			m.metric = x.Value
		}
	}
	if m.metric == "" {
		return nil
	}
	return m
}

// level returns the severity the value v reaches, if any.
func (c *condition) level(v float64) (Severity, bool) {
	t := &c.th
	if t.Critical != nil && t.Fires(v, *t.Critical) {
		if c.severity != "" {
			return c.severity, true
		}
		return SeverityCritical, true
	}
	if t.Warning != nil && t.Fires(v, *t.Warning) {
		if c.severity != "" {
			return c.severity, true
		}
		return SeverityWarning, true
	}
	return "", false
}

// holds reports whether a firing alert at value v stays firing: it resolves
// only once v no longer compares with the recovery level (hysteresis).
func (c *condition) holds(v float64) bool {
	return c.th.Fires(v, c.th.RecoveryLevel())
}

// describe writes the value against the level it was compared with: "cpu 93.5 > 90".
func (c *condition) describe(name string, v float64, sev Severity, firing bool) string {
	t := &c.th
	if !firing {
		return fmt.Sprintf("%s %s %s %s", name, num(v), t.RecoveryOp(), num(t.RecoveryLevel()))
	}
	level := t.Critical
	if sev == SeverityWarning && c.severity == "" || level == nil {
		level = t.Warning
	}
	if level == nil {
		return fmt.Sprintf("%s %s", name, num(v))
	}
	return fmt.Sprintf("%s %s %s %s", name, num(v), t.Op, num(*level))
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
