package alert

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/timestamp"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// A template's item reaches every host of its selector with the same
// expression, scoped to each host (monitoring.scopeQuery). The rules that
// share an expression in a tenant and are due together are evaluated as one
// query over all their hosts, its result split by the host label: one query
// a host and item was a fifth of the server's CPU at 5,000 hosts. Only an
// expression whose every series is computed from one host's series and
// keeps its host label qualifies (byHost); the others, and a batch whose
// query fails, are evaluated one rule at a time as before.

// shapeOf is the query of a rule on host with the host left open: the key
// of the rules evaluated together, or "" when query cannot be split by host.
func shapeOf(query, host string) string {
	expr, err := seriesParser.ParseExpr(query)
	if err != nil || expr.Type() != parser.ValueTypeVector {
		return ""
	}
	scoped := true
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			i := hostMatcher(vs)
			scoped = scoped && i >= 0 && vs.LabelMatchers[i].Type == labels.MatchEqual && vs.LabelMatchers[i].Value == host
		}
		return nil
	})
	if !scoped || !byHost(expr) {
		return ""
	}
	setHost(expr, labels.MustNewMatcher(labels.MatchEqual, monitoring.HostLabel, ""))
	return expr.String()
}

// hostMatcher is the index of vs's only matcher of the host label, or -1.
func hostMatcher(vs *parser.VectorSelector) int {
	at := -1
	for i, m := range vs.LabelMatchers {
		if m.Name == monitoring.HostLabel {
			if at >= 0 {
				return -1
			}
			at = i
		}
	}
	return at
}

// setHost puts m in place of the host matcher of every selector of expr.
func setHost(expr parser.Expr, m *labels.Matcher) {
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			vs.LabelMatchers[hostMatcher(vs)] = m
		}
		return nil
	})
}

// batchQuery is shape over every host of hosts.
func batchQuery(shape string, hosts []string) (string, error) {
	expr, err := seriesParser.ParseExpr(shape)
	if err != nil {
		return "", err
	}
	quoted := make([]string, len(hosts))
	for i, h := range hosts {
		quoted[i] = regexp.QuoteMeta(h)
	}
	m, err := labels.NewMatcher(labels.MatchRegexp, monitoring.HostLabel, strings.Join(quoted, "|"))
	if err != nil {
		return "", err
	}
	setHost(expr, m)
	return expr.String(), nil
}

// byHost reports whether every series of expr is computed from the series
// of one host alone and carries its host label, whatever the hosts its
// selectors read: then the query over many hosts, split by host, is the
// query of each.
func byHost(expr parser.Expr) bool {
	switch n := expr.(type) {
	case *parser.VectorSelector:
		return hostMatcher(n) >= 0
	case *parser.MatrixSelector:
		return byHost(n.VectorSelector)
	case *parser.SubqueryExpr:
		return byHost(n.Expr)
	case *parser.ParenExpr:
		return byHost(n.Expr)
	case *parser.UnaryExpr:
		return byHost(n.Expr)
	case *parser.StepInvariantExpr:
		return byHost(n.Expr)
	case *parser.Call:
		return callByHost(n)
	case *parser.AggregateExpr:
		// Groups that hold the host label never mix two hosts.
		grouped := slices.Contains(n.Grouping, monitoring.HostLabel) != n.Without
		return grouped && (n.Param == nil || constant(n.Param)) && byHost(n.Expr)
	case *parser.BinaryExpr:
		lv, rv := isVector(n.LHS), isVector(n.RHS)
		switch {
		case lv && rv:
			// Series are matched on the host label: on (…, host), or
			// ignoring what does not include it.
			m := n.VectorMatching
			if m == nil || slices.Contains(m.MatchingLabels, monitoring.HostLabel) != m.On {
				return false
			}
			return byHost(n.LHS) && byHost(n.RHS)
		case lv:
			return byHost(n.LHS) && constant(n.RHS)
		case rv:
			return constant(n.LHS) && byHost(n.RHS)
		}
	}
	return false
}

// perSeries are the functions whose every output series is one input
// series, its labels kept (less the metric name, or le). absent and
// absent_over_time, vector, scalar and info are not among them.
var perSeries = map[string]bool{}

func init() {
	for _, f := range strings.Fields(`abs acos acosh asin asinh atan atanh ceil changes clamp clamp_max clamp_min cos cosh
		day_of_month day_of_week day_of_year days_in_month deg delta deriv exp floor hour idelta increase irate
		label_join label_replace ln log10 log2 minute month predict_linear rad rate resets round sgn sin sinh sort
		sort_desc sqrt tan tanh timestamp year avg_over_time count_over_time last_over_time max_over_time
		min_over_time present_over_time quantile_over_time stddev_over_time stdvar_over_time sum_over_time
		mad_over_time histogram_quantile histogram_fraction histogram_avg histogram_count histogram_sum
		histogram_stddev histogram_stdvar double_exponential_smoothing holt_winters`) {
		perSeries[f] = true
	}
}

func callByHost(c *parser.Call) bool {
	if !perSeries[c.Func.Name] {
		return false
	}
	if (c.Func.Name == "label_replace" || c.Func.Name == "label_join") && len(c.Args) > 1 {
		if dst, ok := c.Args[1].(*parser.StringLiteral); !ok || dst.Val == monitoring.HostLabel {
			return false
		}
	}
	vectors := 0
	for _, a := range c.Args {
		switch {
		case isVector(a):
			if !byHost(a) {
				return false
			}
			vectors++
		case !constant(a):
			return false
		}
	}
	return vectors > 0 // hour() alone is the time's, not a host's
}

func isVector(e parser.Expr) bool {
	t := e.Type()
	return t == parser.ValueTypeVector || t == parser.ValueTypeMatrix
}

// constant reports whether e is the same for every host: literals, time()
// and pi(), and arithmetic of them.
func constant(e parser.Expr) bool {
	switch n := e.(type) {
	case *parser.NumberLiteral, *parser.StringLiteral:
		return true
	case *parser.ParenExpr:
		return constant(n.Expr)
	case *parser.UnaryExpr:
		return constant(n.Expr)
	case *parser.StepInvariantExpr:
		return constant(n.Expr)
	case *parser.BinaryExpr:
		return constant(n.LHS) && constant(n.RHS)
	case *parser.Call:
		return (n.Func.Name == "time" || n.Func.Name == "pi") && len(n.Args) == 0
	}
	return false
}

// shapeRules sets the shape of every rule of rules, reusing those of the
// queries the previous reload saw: a reload re-resolves every host.
func (e *Engine) shapeRules(rules map[string]*rule) {
	e.shapeMu.Lock()
	defer e.shapeMu.Unlock()
	next := make(map[string]string, len(rules))
	for _, r := range rules {
		if r.cond.failures > 0 {
			continue // a check item reads a range of its series, and why it failed
		}
		if r.hostDown {
			r.shape = silenceShape + r.quiet.String()
			continue
		}
		s, ok := e.shapes[r.query]
		if !ok {
			s = shapeOf(r.query, r.item.Resource)
		}
		r.shape, next[r.query] = s, s
	}
	e.shapes = next
}

// evaluateRules evaluates due at time at: the rules of a tenant that share
// a shape in one query, the others one by one.
func (e *Engine) evaluateRules(ctx context.Context, due []*rule, at time.Time) {
	groups := map[string][]*rule{}
	var single []*rule
	for _, r := range due {
		if r.shape == "" {
			single = append(single, r)
			continue
		}
		k := r.tenant + "\x00" + r.shape
		groups[k] = append(groups[k], r)
	}
	for _, g := range groups {
		if ctx.Err() != nil {
			return
		}
		if len(g) == 1 {
			single = append(single, g[0])
			continue
		}
		if err := e.evaluateBatch(ctx, g, at); err != nil {
			e.logger.Debug("batch evaluation failed; evaluating its rules one by one", "tenant", g[0].tenant, "item", g[0].item.Name, "rules", len(g), "err", err)
			single = append(single, g...)
		}
	}
	for _, r := range single {
		if ctx.Err() != nil {
			return
		}
		if err := e.Evaluate(ctx, r.key, at); err != nil {
			e.logger.Warn("rule evaluation failed", "tenant", r.tenant, "item", r.item.Name, "resource", r.item.Resource, "err", err)
		}
	}
}

// evaluateBatch evaluates the rules of group, of one tenant and one shape,
// as one query, and applies to each rule the series of its host. An error
// applies nothing.
func (e *Engine) evaluateBatch(ctx context.Context, group []*rule, at time.Time) error {
	e.mu.Lock()
	var live []*rule
	for _, r := range group {
		cur := e.rules[r.key]
		if cur == nil || cur.shape != r.shape || at.Before(e.since[r.key].Add(cur.quiet)) {
			continue // dropped or changed by a reload since it was due, or quiet (see Evaluate)
		}
		live = append(live, cur)
	}
	e.mu.Unlock()
	if len(live) == 0 {
		return nil
	}
	byName := map[string][]*rule{}
	var hosts []string
	for _, r := range live {
		if byName[r.item.Resource] == nil {
			hosts = append(hosts, r.item.Resource)
		}
		byName[r.item.Resource] = append(byName[r.item.Resource], r)
	}
	var split map[string][]result
	var err error
	e.queries.Add(1)
	if live[0].hostDown {
		split, err = e.silentHosts(ctx, live[0].tenant, hosts, live[0].quiet, at)
	} else {
		split, err = e.queryBatch(ctx, live[0].tenant, live[0].shape, hosts, at)
	}
	if err != nil {
		return fmt.Errorf("alert: batch of %s: %w", live[0].key, err)
	}
	for _, r := range live {
		e.applyResults(ctx, r, at, split[r.item.Resource])
	}
	return nil
}

// queryBatch runs shape over hosts at time at, its series by host.
func (e *Engine) queryBatch(ctx context.Context, tenant, shape string, hosts []string, at time.Time) (map[string][]result, error) {
	q, err := batchQuery(shape, hosts)
	if err != nil {
		return nil, err
	}
	qry, err := e.promql.NewInstantQuery(ctx, e.metrics.ForTenant(tenant), nil, q, at)
	if err != nil {
		return nil, err
	}
	defer qry.Close()
	res := qry.Exec(ctx)
	if res.Err != nil {
		return nil, res.Err
	}
	vec, ok := res.Value.(promql.Vector)
	if !ok {
		return nil, fmt.Errorf("a %s, not a vector", res.Value.Type())
	}
	split := map[string][]result{}
	for _, s := range vec {
		if s.H == nil {
			h := s.Metric.Get(monitoring.HostLabel)
			split[h] = append(split[h], result{labels: s.Metric, value: s.F})
		}
	}
	return split, nil
}

// silenceShape begins the shape of the nodata rules on everything a host
// sends, absent_over_time({host="<name>"}[window]), followed by the window.
const silenceShape = "\x00silent "

// silentHosts is what absent_over_time({host="<h>"}[window]) gives each of
// hosts at time at, read from the storage: 1 labelled host="<h>" for a
// host with no sample in (at-window, at] (stale markers are not samples),
// nothing for the others. One sample of a host is enough here, where the
// PromQL function decodes every sample of every series of the host.
func (e *Engine) silentHosts(ctx context.Context, tenant string, hosts []string, window time.Duration, at time.Time) (map[string][]result, error) {
	ctx, cancel := context.WithTimeout(ctx, e.opts.QueryTimeout)
	defer cancel()
	maxt := timestamp.FromTime(at)
	mint := maxt - window.Milliseconds() // excluded, as in a range selector
	q, err := e.metrics.ForTenant(tenant).Querier(mint+1, maxt)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	quoted := make([]string, len(hosts))
	for i, h := range hosts {
		quoted[i] = regexp.QuoteMeta(h)
	}
	m, err := labels.NewMatcher(labels.MatchRegexp, monitoring.HostLabel, strings.Join(quoted, "|"))
	if err != nil {
		return nil, err
	}
	set := q.Select(ctx, false, &storage.SelectHints{Start: mint + 1, End: maxt, Range: window.Milliseconds(), Func: "absent_over_time"}, m)
	heard := map[string]bool{}
	var it chunkenc.Iterator
	for set.Next() {
		s := set.At()
		h := s.Labels().Get(monitoring.HostLabel)
		if heard[h] {
			continue
		}
		it = s.Iterator(it)
		heard[h] = sampled(it, mint, maxt)
		if err := it.Err(); err != nil {
			return nil, err
		}
	}
	if err := set.Err(); err != nil {
		return nil, err
	}
	split := map[string][]result{}
	for _, h := range hosts {
		if !heard[h] {
			split[h] = []result{{labels: labels.FromStrings(monitoring.HostLabel, h), value: 1}}
		}
	}
	return split, nil
}

// sampled reports whether it holds a sample in (mint, maxt] that is not a
// stale marker.
func sampled(it chunkenc.Iterator, mint, maxt int64) bool {
	for vt := it.Seek(mint + 1); vt != chunkenc.ValNone; vt = it.Next() {
		if it.AtT() > maxt {
			return false
		}
		switch vt {
		case chunkenc.ValFloat:
			if _, v := it.At(); !value.IsStaleNaN(v) {
				return true
			}
		case chunkenc.ValHistogram, chunkenc.ValFloatHistogram:
			if _, h := it.AtFloatHistogram(nil); !value.IsStaleNaN(h.Sum) {
				return true
			}
		}
	}
	return false
}
