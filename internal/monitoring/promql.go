package monitoring

import (
	"sync"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// HostLabel is the label that names the host on every series the agent
// sends; the items of a resource are scoped to the series carrying its name.
const HostLabel = "host"

var promParser = parser.NewParser(parser.Options{})

// checkQuery accepts a PromQL expression whose value can be compared with a
// threshold and whose selectors leave the host label to unyo.
func checkQuery(q string) error {
	expr, err := promParser.ParseExpr(q)
	if err != nil {
		return invalid.New("", "is not valid PromQL: %v", err)
	}
	if t := expr.Type(); t != parser.ValueTypeVector && t != parser.ValueTypeScalar {
		return invalid.New("", "must give an instant vector or a scalar, not a %s", t)
	}
	var bad error
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok && bad == nil {
			bad = checkMatchers(vs.LabelMatchers)
		}
		return nil
	})
	return bad
}

// checkSeries accepts a metric selector such as name{label="v"}; the metric
// name is required when named is set.
func checkSeries(s string, named bool) error {
	ms, err := promParser.ParseMetricSelector(s)
	if err != nil {
		return invalid.New("", "is not a metric selector: %v", err)
	}
	if named && !hasName(ms) {
		return invalid.New("", "must start with a metric name, e.g. node_load5{...}")
	}
	return checkMatchers(ms)
}

func hasName(ms []*labels.Matcher) bool {
	for _, m := range ms {
		if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
			return true
		}
	}
	return false
}

func checkMatchers(ms []*labels.Matcher) error {
	for _, m := range ms {
		if m.Name == HostLabel {
			return invalid.New("", "must not match the %q label: unyo scopes every item to its resource", HostLabel)
		}
	}
	return nil
}

// scopeQuery adds host="<host>" to every selector of q, so that a template's
// expression reads only the series of the host it is resolved for.
func scopeQuery(q, host string) (string, error) {
	expr, err := promParser.ParseExpr(q)
	if err != nil {
		return "", invalid.New("", "is not valid PromQL: %v", err)
	}
	m := labels.MustNewMatcher(labels.MatchEqual, HostLabel, host)
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			vs.LabelMatchers = append(vs.LabelMatchers, m)
		}
		return nil
	})
	return expr.String(), nil
}

// scopeCache keeps scopeQuery's answers: every host of a template's item
// scopes the same expression, and every reload and configuration pull
// resolves them again. The answer depends on the query and the host alone.
type scopeCache struct {
	mu sync.Mutex
	m  map[scopeKey]scoped
}

type scopeKey struct{ query, host string }

type scoped struct {
	query string
	err   error
}

// maxScoped bounds the cache: beyond it, it starts again empty (5,000
// hosts with a dozen query items each fit).
const maxScoped = 100_000

// scope is scopeQuery(q, host), remembered; a nil cache remembers nothing.
func (c *scopeCache) scope(q, host string) (string, error) {
	if c == nil {
		return scopeQuery(q, host)
	}
	k := scopeKey{q, host}
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v.query, v.err
	}
	v.query, v.err = scopeQuery(q, host)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxScoped {
		c.m = map[scopeKey]scoped{}
	}
	c.m[k] = v
	c.mu.Unlock()
	return v.query, v.err
}
