package yearplan

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/report"
)

// LoadStep is the step the load is read at from the TSDB.
const LoadStep = 5 * time.Minute

// TSDBLoad reads the groups' load from the tenant's host CPU series, as the
// monthly report reads them: one pass over the tenant's
// node_cpu_seconds_total, then for each group the hosts its selector
// matches, averaged step by step. A group's own load query is evaluated by
// Query (nil: it is not read, and the plans stay on CPU).
type TSDBLoad struct {
	Metrics report.Metrics
	Query   QueryFunc
}

// QueryFunc evaluates a PromQL expression of one tenant at each of
// at[0], at[1], ...: the sum of its series at each moment, NaN where it
// has none. PromQuery is the one over the PromQL engine.
type QueryFunc func(ctx context.Context, tenant, query string, at []time.Time) ([]float64, error)

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
		ld := Load{Start: from, Step: LoadStep, Values: cpu.Average(ms)}
		if g.LoadQuery != "" && l.Query != nil {
			// Each step's value is the query at the step's end, as the
			// CPU's is the rate over the step.
			at := make([]time.Time, len(ld.Values))
			for k := range at {
				at[k] = from.Add(time.Duration(k+1) * LoadStep)
			}
			// A query that fails at run time (a many-to-many match, too
			// many samples) costs its group the metric, not the tenant's
			// whole document.
			if ld.Query, err = l.Query(ctx, tenant, g.LoadQuery, at); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				ld.Query, ld.QueryError = nil, err.Error()
			}
		}
		out[g.ID] = ld
	}
	return out, nil
}

// PromQuery is a QueryFunc over the PromQL engine and the metric store
// scoped to one tenant (metricstore's ForTenant): one range query from
// the first moment to the last at their step, the series summed.
func PromQuery(engine *promql.Engine, forTenant func(tenant string) storage.Queryable) QueryFunc {
	return func(ctx context.Context, tenant, query string, at []time.Time) ([]float64, error) {
		out := make([]float64, len(at))
		for i := range out {
			out[i] = math.NaN()
		}
		if len(at) == 0 {
			return out, nil
		}
		step := LoadStep
		if len(at) > 1 {
			step = at[1].Sub(at[0])
		}
		q, err := engine.NewRangeQuery(ctx, forTenant(tenant), nil, query, at[0], at[len(at)-1], step)
		if err != nil {
			return nil, err
		}
		defer q.Close()
		res := q.Exec(ctx)
		if res.Err != nil {
			return nil, res.Err
		}
		m, err := res.Matrix()
		if err != nil {
			return nil, err
		}
		for _, s := range m {
			for _, f := range s.Floats {
				k := int(time.UnixMilli(f.T).Sub(at[0]) / step)
				if k < 0 || k >= len(out) {
					continue
				}
				if math.IsNaN(out[k]) {
					out[k] = 0
				}
				out[k] += f.F
			}
		}
		return out, nil
	}
}
