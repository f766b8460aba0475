package yearplan

import (
	"context"
	"math"
	"time"

	"github.com/unyo-ops/unyo/internal/report"
)

// LoadStep is the step the load is read at from the TSDB.
const LoadStep = 5 * time.Minute

// TSDBLoad reads the groups' load from the tenant's host CPU series, as the
// monthly report reads them (report.CPUByHost): one pass over the tenant's
// node_cpu_seconds_total, then each group's hosts averaged step by step.
type TSDBLoad struct{ Metrics report.Metrics }

var _ LoadSource = TSDBLoad{}

// Load implements LoadSource.
func (l TSDBLoad) Load(ctx context.Context, tenant string, groups []Group, from, to time.Time) (map[int64]Load, error) {
	by, err := report.CPUByHost(ctx, l.Metrics, tenant, report.StepQuery{From: from, To: to, Step: LoadStep})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Load, len(groups))
	n := int(to.Sub(from) / LoadStep)
	for _, g := range groups {
		sum := make([]float64, n)
		cnt := make([]int32, n)
		for _, h := range g.Hosts {
			for k, v := range by[h] {
				if k < n && !math.IsNaN(v) {
					sum[k] += v
					cnt[k]++
				}
			}
		}
		for k := range sum {
			if cnt[k] == 0 {
				sum[k] = math.NaN()
			} else {
				sum[k] /= float64(cnt[k])
			}
		}
		out[g.ID] = Load{Start: from, Step: LoadStep, Values: sum}
	}
	return out, nil
}
