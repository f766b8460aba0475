package template

import (
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

func invalidf(field, reason string, args ...any) error { return invalid.New(field, reason, args...) }

// levels maps Zabbix's six severities to the level of a metric item's
// threshold: unyo has warning and critical.
var levels = map[string]string{
	"NOT_CLASSIFIED": "warning", "INFO": "warning", "WARNING": "warning", "AVERAGE": "warning",
	"HIGH": "critical", "DISASTER": "critical",
}

// translated is one trigger as a condition, before triggers on the same
// value are merged into one item with two levels.
type translated struct {
	zt       *ZTrigger
	query    string
	op       string
	level    string // warning or critical
	value    float64
	recovery *float64
	notes    []string
}

// triggers translates the template's triggers: its own (5.4+) and those of
// the export's top level that name only this template (3.0-5.2).
func (im *importer) triggers() []*monitoring.Item {
	var list []*ZTrigger
	list = append(list, im.zt.Triggers...)
	for _, t := range im.exp.Triggers {
		if im.mentions(t.Expression) {
			list = append(list, t)
		}
	}
	var out []*monitoring.Item
	var pending []*translated
	for _, zt := range list {
		c, err := parseComparison(zt.Expression)
		if err != nil {
			im.skip("trigger", zt.Name, zt.Expression, err.Error())
			continue
		}
		if c.Call.Host != im.zt.Name {
			im.skip("trigger", zt.Name, zt.Expression, "it reads an item of "+c.Call.Host+", another template or host")
			continue
		}
		ii := im.items[c.Call.Key]
		if ii == nil {
			if k, _, _ := im.macros.expand(c.Call.Key); im.items[k] != nil {
				ii = im.items[k]
			}
		}
		if ii == nil {
			im.skip("trigger", zt.Name, zt.Expression, "its item "+c.Call.Key+" is not translated (see the items)")
			continue
		}
		if c.Call.Func == "nodata" {
			if it := im.nodata(zt, c, ii); it != nil {
				out = append(out, it)
			}
			continue
		}
		tr, err := im.condition(zt, c, ii)
		if err != nil {
			im.skip("trigger", zt.Name, zt.Expression, err.Error())
			continue
		}
		pending = append(pending, tr)
	}
	return append(out, im.merge(pending)...)
}

// mentions reports whether an old-syntax expression names this template.
func (im *importer) mentions(expr string) bool {
	return strings.Contains(expr, "{"+im.zt.Name+":") || strings.Contains(expr, "/"+im.zt.Name+"/")
}

// windowFuncs are the functions over a time window, as PromQL's.
var windowFuncs = map[string]string{"avg": "avg_over_time", "min": "min_over_time", "max": "max_over_time", "sum": "sum_over_time"}

// condition translates a comparison into a query, an operator and a level.
func (im *importer) condition(zt *ZTrigger, c comparison, ii *importedItem) (*translated, error) {
	tr := &translated{zt: zt, level: levels[zt.Priority]}
	if zt.Priority == "INFO" || zt.Priority == "NOT_CLASSIFIED" {
		tr.notes = append(tr.notes, "severity "+strings.ToLower(zt.Priority)+" raised to warning: a metric item's levels are warning and critical")
	}
	q, err := im.query(c.Call, ii, &tr.notes)
	if err != nil {
		return nil, err
	}
	tr.query = q
	vs, used, missing := im.macros.expand(c.Value)
	if len(missing) > 0 {
		return nil, fmt.Errorf("the threshold %s has no default", strings.Join(missing, ", "))
	}
	if len(used) > 0 {
		tr.notes = append(tr.notes, fmt.Sprintf("threshold from %s = %s: set per host with an override", strings.Join(used, ", "), vs))
	}
	v, err := number(vs)
	if err != nil {
		return nil, fmt.Errorf("the threshold %s is not a number", c.Value)
	}
	tr.op, tr.value = c.Op, v
	switch {
	case c.Op == "=" && v == 0:
		tr.op = monitoring.OpLE
		tr.notes = append(tr.notes, "= 0 read as <= 0")
	case c.Op == "<>" && v == 0:
		tr.op = monitoring.OpGT
		tr.notes = append(tr.notes, "<> 0 read as > 0")
	case c.Op == "=" || c.Op == "<>":
		return nil, fmt.Errorf("the comparison %s %s: unyo thresholds are >, >=, <, <=", c.Op, c.Value)
	}
	switch zt.RecoveryMode {
	case "RECOVERY_EXPRESSION":
		im.recovery(tr, c, ii)
	case "NONE":
		tr.notes = append(tr.notes, "closed by hand in Zabbix: unyo resolves it when the value no longer crosses")
	}
	return tr, nil
}

// query is the PromQL of a function over an item.
func (im *importer) query(c call, ii *importedItem, notes *[]string) (string, error) {
	sel := ii.selector
	raw := sel
	if ii.perSec {
		raw = fmt.Sprintf("rate(%s[%s])", sel, promDur(4*ii.interval))
	}
	var q string
	switch c.Func {
	case "last":
		if len(c.Params) > 0 && c.Params[0] != "" && c.Params[0] != "0" && c.Params[0] != "#1" {
			return "", fmt.Errorf("last(%s) reads an older value: not translated", c.Params[0])
		}
		q = raw
	case "avg", "min", "max", "sum":
		if len(c.Params) == 0 || c.Params[0] == "" {
			return "", fmt.Errorf("%s() without a period", c.Func)
		}
		p, _, missing := im.macros.expand(c.Params[0])
		if len(missing) > 0 {
			return "", fmt.Errorf("the period %s has no default", strings.Join(missing, ", "))
		}
		var d time.Duration
		if n, ok := strings.CutPrefix(p, "#"); ok {
			count, err := duration(n)
			if err != nil || count <= 0 {
				return "", fmt.Errorf("the period %s is not a count", p)
			}
			d = time.Duration(count/time.Second) * ii.interval
			*notes = append(*notes, fmt.Sprintf("the last %s values read as %v (the item's interval %v)", n, d, ii.interval))
		} else {
			var err error
			if d, err = duration(p); err != nil || d <= 0 {
				return "", fmt.Errorf("the period %s is not a time", p)
			}
		}
		if ii.perSec {
			q = fmt.Sprintf("%s(%s[%s:])", windowFuncs[c.Func], raw, promDur(d))
			if c.Func == "avg" {
				q = fmt.Sprintf("rate(%s[%s])", sel, promDur(max(d, 4*ii.interval)))
			}
		} else {
			q = fmt.Sprintf("%s(%s[%s])", windowFuncs[c.Func], sel, promDur(d))
		}
	default:
		return "", fmt.Errorf("the function %s() has no PromQL translation (translated: last, avg, min, max, sum, nodata)", c.Func)
	}
	if ii.factor != 1 {
		q = fmt.Sprintf("%s * %s", q, num(ii.factor))
	}
	return q, nil
}

// recovery sets the hysteresis from a recovery expression over the same
// function and item with the opposite comparison: fire > 90, recover < 80.
func (im *importer) recovery(tr *translated, c comparison, ii *importedItem) {
	rc, err := parseComparison(tr.zt.RecoveryExpression)
	if err == nil && (rc.Call.Func != c.Call.Func || rc.Call.Key != c.Call.Key || strings.Join(rc.Call.Params, ",") != strings.Join(c.Call.Params, ",")) {
		err = fmt.Errorf("it reads another function or item")
	}
	var v float64
	if err == nil {
		vs, _, missing := im.macros.expand(rc.Value)
		if len(missing) > 0 {
			err = fmt.Errorf("%s has no default", strings.Join(missing, ", "))
		} else if v, err = number(vs); err == nil && !opposite(tr.op, rc.Op) {
			err = fmt.Errorf("%s is not the opposite of %s", rc.Op, tr.op)
		}
	}
	if err != nil {
		tr.notes = append(tr.notes, "recovery expression not translated ("+err.Error()+"): resolves at the firing level")
		return
	}
	tr.recovery = &v
	tr.notes = append(tr.notes, fmt.Sprintf("hysteresis from the recovery expression: resolves at %s %s", rc.Op, num(v)))
}

func opposite(op, rop string) bool {
	switch op {
	case ">", ">=":
		return rop == "<" || rop == "<="
	case "<", "<=":
		return rop == ">" || rop == ">="
	}
	return false
}

// merge makes one metric item of each query and operator: a warning and a
// critical trigger on the same value (disk > 80, disk > 90) become one item
// with two levels, as unyo designs them.
func (im *importer) merge(list []*translated) []*monitoring.Item {
	var out []*monitoring.Item
	used := make([]bool, len(list))
	for i, a := range list {
		if used[i] {
			continue
		}
		used[i] = true
		group := []*translated{a}
		for j := i + 1; j < len(list); j++ {
			b := list[j]
			if !used[j] && b.query == a.query && b.op == a.op && b.level != a.level && len(group) == 1 {
				group = append(group, b)
				used[j] = true
			}
		}
		if it := im.metricItem(group); it != nil {
			out = append(out, it)
		} else if len(group) == 2 {
			// The two levels do not make one threshold: one item each.
			for _, g := range group {
				if it := im.metricItem([]*translated{g}); it != nil {
					out = append(out, it)
				}
			}
		}
	}
	return out
}

// metricItem builds the item of one or two triggers; nil when the
// threshold does not validate (then the report says why, for one trigger).
func (im *importer) metricItem(group []*translated) *monitoring.Item {
	first := group[0]
	th := &monitoring.Threshold{Op: first.op}
	for _, g := range group {
		v := g.value
		if g.level == "critical" {
			th.Critical = &v
		} else {
			th.Warning = &v
		}
		if g.recovery != nil && (th.Recovery == nil || g.level == "warning") {
			r := *g.recovery
			th.Recovery = &r
		}
	}
	if err := th.Validate(); err != nil {
		if len(group) == 1 && th.Recovery != nil {
			first.notes = append(first.notes, "recovery level dropped: "+err.Error())
			th.Recovery = nil
		}
		if err := th.Validate(); err != nil {
			if len(group) == 1 {
				im.skip("trigger", first.zt.Name, first.zt.Expression, "the threshold does not hold: "+err.Error())
			}
			return nil
		}
	}
	title := first.zt.Name
	for _, g := range group {
		if g.level == "warning" {
			title = g.zt.Name
		}
	}
	title = im.triggerTitle(title)
	it := &monitoring.Item{
		Name: im.name(title, "trigger"), Title: monitoring.Text{En: title, Ja: title}, Kind: monitoring.KindMetric,
		Metric: &monitoring.Metric{Query: first.query}, Threshold: th, Description: truncate(first.zt.Description, 10000),
		Disabled: first.zt.Status == "DISABLED",
	}
	if err := it.Validate(); err != nil {
		for _, g := range group {
			im.skip("trigger", g.zt.Name, g.zt.Expression, "the translated item is refused: "+err.Error())
		}
		im.names[it.Name] = false
		return nil
	}
	for _, g := range group {
		note := strings.Join(g.notes, "; ")
		if len(group) == 2 {
			note = strings.TrimPrefix(note+"; the "+g.level+" level of "+it.Name, "; ")
		}
		im.done("trigger", g.zt.Name, g.zt.Expression, it.Name, note)
	}
	return it
}

// nodata translates nodata(item, period)=1 into a no-data item.
func (im *importer) nodata(zt *ZTrigger, c comparison, ii *importedItem) *monitoring.Item {
	if c.Op != "=" || c.Value != "1" || len(c.Call.Params) == 0 {
		im.skip("trigger", zt.Name, zt.Expression, "only nodata(...)=1 is translated")
		return nil
	}
	p, _, missing := im.macros.expand(c.Call.Params[0])
	if len(missing) > 0 {
		im.skip("trigger", zt.Name, zt.Expression, "the period "+strings.Join(missing, ", ")+" has no default")
		return nil
	}
	d, err := duration(p)
	if err != nil {
		im.skip("trigger", zt.Name, zt.Expression, "the period "+p+" is not a time")
		return nil
	}
	var notes []string
	if d < 30*time.Second {
		d = 30 * time.Second
		notes = append(notes, "period raised to unyo's least, 30s")
	}
	sev := map[string]monitoring.Severity{"HIGH": monitoring.SeverityCritical, "DISASTER": monitoring.SeverityCritical,
		"WARNING": monitoring.SeverityWarning, "AVERAGE": monitoring.SeverityWarning}[zt.Priority]
	if sev == "" {
		sev = monitoring.SeverityInfo
	}
	title := im.triggerTitle(zt.Name)
	it := &monitoring.Item{
		Name: im.name(title, "nodata"), Title: monitoring.Text{En: title, Ja: title}, Kind: monitoring.KindNoData,
		NoData: &monitoring.NoData{Series: ii.selector, After: model.Duration(d)}, Severity: sev,
		Description: truncate(zt.Description, 10000), Disabled: zt.Status == "DISABLED",
	}
	if err := it.Validate(); err != nil {
		im.skip("trigger", zt.Name, zt.Expression, "the translated item is refused: "+err.Error())
		return nil
	}
	im.done("trigger", zt.Name, zt.Expression, it.Name, strings.Join(notes, "; "))
	return it
}

// promDur writes d as PromQL takes it.
func promDur(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
