package report

import (
	"bytes"
	"context"
	"fmt"
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

// CPUByHost reads the CPU usage in percent of every host of tenant, one
// value per step of q (q.Name and q.Counter are set here): 100 less the idle
// share of node_cpu_seconds_total's increase, as the report's section 2
// computes it. NaN marks a step without data.
func CPUByHost(ctx context.Context, m Metrics, tenant string, q StepQuery) (map[string][]float64, error) {
	q.Name, q.Counter = "node_cpu_seconds_total", true
	all, err := m.Steps(ctx, tenant, q)
	if err != nil {
		return nil, err
	}
	var idle []StepSeries
	for _, s := range all {
		if s.Labels.Get("mode") == "idle" {
			idle = append(idle, s)
		}
	}
	idleBy, allBy := sumBy(idle, byHost), sumBy(all, byHost)
	out := make(map[string][]float64, len(allBy))
	for h, a := range allBy {
		out[h] = usage(idleBy[h], a)
	}
	return out, nil
}
