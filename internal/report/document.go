package report

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/prometheus/prometheus/model/labels"
)

// The report's layout and renderers serve other documents too (the yearly
// operation plan): they lay themselves out as a Document and render it here,
// so every document unyo hands a customer looks and prints the same.

// RenderHTML renders d as a standalone HTML page.
func RenderHTML(d *Document) ([]byte, error) {
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("report: cannot render HTML: %w", err)
	}
	return b.Bytes(), nil
}

// CPUSeries are a tenant's node_cpu_seconds_total series over a query's
// steps, read once, from which the CPU usage of any set of hosts is
// computed as the report's section 2 computes it: 100 less the idle share
// of the counters' increase.
type CPUSeries struct {
	series []StepSeries
	steps  int
}

// ReadCPU reads the CPU series of tenant over the steps of q (q.Name and
// q.Counter are set here).
func ReadCPU(ctx context.Context, m Metrics, tenant string, q StepQuery) (*CPUSeries, error) {
	q.Name, q.Counter = "node_cpu_seconds_total", true
	all, err := m.Steps(ctx, tenant, q)
	if err != nil {
		return nil, err
	}
	return &CPUSeries{series: all, steps: q.steps()}, nil
}

// Average is the CPU usage in percent of the hosts whose series match all
// of ms (every host for none), averaged over the hosts that report, one
// value per step; NaN where none does.
func (c *CPUSeries) Average(ms []*labels.Matcher) []float64 {
	var sel []StepSeries
	for _, s := range c.series {
		if matchesAll(ms, s.Labels) {
			sel = append(sel, s)
		}
	}
	var idle []StepSeries
	for _, s := range sel {
		if s.Labels.Get("mode") == "idle" {
			idle = append(idle, s)
		}
	}
	idleBy, allBy := sumBy(idle, byHost), sumBy(sel, byHost)
	sum := make([]float64, c.steps)
	n := make([]int32, c.steps)
	for h, a := range allBy {
		for k, v := range usage(idleBy[h], a) {
			if k < len(sum) && !math.IsNaN(v) {
				sum[k] += v
				n[k]++
			}
		}
	}
	for k := range sum {
		if n[k] == 0 {
			sum[k] = math.NaN()
		} else {
			sum[k] /= float64(n[k])
		}
	}
	return sum
}

func matchesAll(ms []*labels.Matcher, ls labels.Labels) bool {
	for _, m := range ms {
		if !m.Matches(ls.Get(m.Name)) {
			return false
		}
	}
	return true
}
