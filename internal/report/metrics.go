package report

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// Metrics reads one tenant's series as one value per step.
type Metrics interface {
	Steps(ctx context.Context, tenant string, q StepQuery) ([]StepSeries, error)
}

// StepQuery asks for the series named Name over (From, To], cut into steps
// that end at From+Step, From+2·Step, ... To.
type StepQuery struct {
	Name     string
	From, To time.Time
	Step     time.Duration
	// Counter asks for each step's increase (resets handled as PromQL
	// does); otherwise each step's last sample, NaN for a step without one.
	Counter bool
}

// steps is how many steps q has.
func (q StepQuery) steps() int { return int(q.To.Sub(q.From) / q.Step) }

// StepSeries is one series' values, one per step.
type StepSeries struct {
	Labels labels.Labels
	Values []float64
}

// TenantQueryable hands out a queryable that sees one tenant's series only;
// metricstore.(*Store) is one.
type TenantQueryable interface {
	ForTenant(tenant string) storage.Queryable
}

// TSDB is Metrics over the embedded TSDB. It reads the samples straight from
// the tenant-scoped querier rather than through the PromQL engine: a month of
// 100 hosts at 15 s is 100 million samples, which the engine evaluates ten
// times slower (docs/BENCHMARKS.md). The scoping below the querier keeps a
// report from seeing another tenant's series whatever it asks.
type TSDB struct {
	Store TenantQueryable
}

// Steps implements Metrics.
func (d TSDB) Steps(ctx context.Context, tenant string, q StepQuery) ([]StepSeries, error) {
	n := q.steps()
	if n <= 0 {
		return nil, nil
	}
	// One step more before From gives the first step's counter base.
	mint, maxt := q.From.Add(-q.Step).UnixMilli(), q.To.UnixMilli()
	qr, err := d.Store.ForTenant(tenant).Querier(mint, maxt)
	if err != nil {
		return nil, fmt.Errorf("report: cannot query %s: %w", q.Name, err)
	}
	defer qr.Close()
	set := qr.Select(ctx, false, &storage.SelectHints{Start: mint, End: maxt}, labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, q.Name))
	var out []StepSeries
	var it chunkenc.Iterator
	for set.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := set.At()
		it = s.Iterator(it)
		vals := stepValues(it, q, n)
		out = append(out, StepSeries{Labels: s.Labels(), Values: vals})
	}
	if err := set.Err(); err != nil {
		return nil, fmt.Errorf("report: cannot read %s: %w", q.Name, err)
	}
	return out, nil
}

// stepValues folds one series' samples into n steps. Step i holds
// (from + i·step, from + (i+1)·step]; -1 is the step before, the base of a
// counter's first increase. The loop tracks the current step's end rather
// than dividing: it runs once per sample, 100 million times a month.
func stepValues(it chunkenc.Iterator, q StepQuery, n int) []float64 {
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = math.NaN()
	}
	step := q.Step.Milliseconds()
	cur, end := -1, q.From.UnixMilli()
	var (
		last float64 // counter: the latest sample
		acc  float64 // counter: increase within the current step
		have bool
	)
	for it.Next() == chunkenc.ValFloat {
		t, v := it.At()
		if t > end {
			if q.Counter && cur >= 0 {
				vals[cur] = acc
			}
			cur += int((t-end-1)/step) + 1
			end = q.From.UnixMilli() + int64(cur+1)*step
			acc = 0
			if cur >= n {
				return vals
			}
		}
		if !q.Counter {
			if cur >= 0 {
				vals[cur] = v
			}
			continue
		}
		if have {
			if v < last { // a reset: the counter restarted from zero
				acc += v
			} else {
				acc += v - last
			}
		}
		last, have = v, true
	}
	if q.Counter && cur >= 0 && cur < n {
		vals[cur] = acc
	}
	return vals
}

// sumBy adds the series with the same key step by step; a step is NaN only
// when no series of the key has a value there.
func sumBy(ss []StepSeries, key func(labels.Labels) string) map[string][]float64 {
	out := map[string][]float64{}
	for _, s := range ss {
		k := key(s.Labels)
		acc := out[k]
		if acc == nil {
			acc = make([]float64, len(s.Values))
			for i := range acc {
				acc[i] = math.NaN()
			}
			out[k] = acc
		}
		for i, v := range s.Values {
			if math.IsNaN(v) {
				continue
			}
			if math.IsNaN(acc[i]) {
				acc[i] = 0
			}
			acc[i] += v
		}
	}
	return out
}

func byHost(ls labels.Labels) string { return ls.Get("host") }

func byHostMount(ls labels.Labels) string { return ls.Get("host") + "\x00" + ls.Get("mountpoint") }

// usage is 100·(1 − a/b) step by step, NaN where b has no positive value.
func usage(a, b []float64) []float64 {
	out := make([]float64, len(b))
	for i := range b {
		out[i] = math.NaN()
		if i < len(a) && b[i] > 0 && !math.IsNaN(a[i]) {
			out[i] = 100 * (1 - a[i]/b[i])
		}
	}
	return out
}
