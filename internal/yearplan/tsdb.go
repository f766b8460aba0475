package yearplan

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/unyo-ops/unyo/internal/report"
)

// LoadStep is the step the load is read at from the TSDB.
const LoadStep = 5 * time.Minute

// TSDBLoad reads the groups' load from the tenant's host CPU series, as the
// monthly report reads them: one pass over the tenant's
// node_cpu_seconds_total, then for each group the hosts its selector
// matches, averaged step by step.
type TSDBLoad struct{ Metrics report.Metrics }

var _ LoadSource = TSDBLoad{}

// Load implements LoadSource.
func (l TSDBLoad) Load(ctx context.Context, tenant string, groups []Group, from, to time.Time) (map[int64]Load, error) {
	cpu, err := report.ReadCPU(ctx, l.Metrics, tenant, report.StepQuery{From: from, To: to, Step: LoadStep})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Load, len(groups))
	for _, g := range groups {
		ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector("{" + g.HostSelector + "}")
		if g.HostSelector == "" {
			ms, err = nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("yearplan: host selector of %s: %w", g.Name, err)
		}
		out[g.ID] = Load{Start: from, Step: LoadStep, Values: cpu.Average(ms)}
	}
	return out, nil
}
