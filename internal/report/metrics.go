package report

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"

	"github.com/unyo-ops/unyo/internal/metricstore"
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
// the TSDB rather than through the PromQL engine: a month of 100 hosts at
// 15 s is 100 million samples, which the engine evaluates several times
// slower (docs/BENCHMARKS.md).
//
// Store's queriers are scoped to the tenant below the report. Chunks, when
// set, is the unscoped chunk view of the same TSDB, which skips the sample
// iterators' merge layers; the report then adds the tenant matcher to every
// select itself, as metricstore allows of code that does so.
type TSDB struct {
	Store  TenantQueryable
	Chunks storage.ChunkQueryable
}

// Steps implements Metrics.
func (d TSDB) Steps(ctx context.Context, tenant string, q StepQuery) ([]StepSeries, error) {
	n := q.steps()
	if n <= 0 {
		return nil, nil
	}
	if d.Chunks != nil {
		return d.chunkSteps(ctx, tenant, q, n)
	}
	set, closer, err := d.samples(ctx, tenant, q, labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, q.Name))
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	var out []StepSeries
	var it chunkenc.Iterator
	for set.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := set.At()
		it = s.Iterator(it)
		f := newFold(q, n)
		f.add(it)
		out = append(out, StepSeries{Labels: s.Labels(), Values: f.vals})
	}
	if err := set.Err(); err != nil {
		return nil, fmt.Errorf("report: cannot read %s: %w", q.Name, err)
	}
	return out, nil
}

// bounds are the times a StepQuery reads: one step more before From gives
// the first step's counter base.
func (q StepQuery) bounds() (mint, maxt int64) {
	return q.From.Add(-q.Step).UnixMilli(), q.To.UnixMilli()
}

// samples selects through the tenant-scoped queryable.
func (d TSDB) samples(ctx context.Context, tenant string, q StepQuery, ms ...*labels.Matcher) (storage.SeriesSet, io.Closer, error) {
	mint, maxt := q.bounds()
	qr, err := d.Store.ForTenant(tenant).Querier(mint, maxt)
	if err != nil {
		return nil, nil, fmt.Errorf("report: cannot query %s: %w", q.Name, err)
	}
	return qr.Select(ctx, false, &storage.SelectHints{Start: mint, End: maxt}, ms...), qr, nil
}

// chunkSteps folds the chunks of each series into its steps.
func (d TSDB) chunkSteps(ctx context.Context, tenant string, q StepQuery, n int) ([]StepSeries, error) {
	var out []StepSeries
	err := d.chunkFolds(ctx, tenant, q, func() *fold { return newFold(q, n) }, func(ls labels.Labels, f *fold) {
		out = append(out, StepSeries{Labels: ls, Values: f.vals})
	})
	return out, err
}

// chunkFolds folds the chunks of each series into a fold of mk and hands it
// to done; a series whose chunks overlap (late samples) is read again
// through the sample path, which merges them.
func (d TSDB) chunkFolds(ctx context.Context, tenant string, q StepQuery, mk func() *fold, done func(labels.Labels, *fold)) error {
	mint, maxt := q.bounds()
	cq, err := d.Chunks.ChunkQuerier(mint, maxt)
	if err != nil {
		return fmt.Errorf("report: cannot query %s: %w", q.Name, err)
	}
	defer cq.Close()
	set := cq.Select(ctx, false, &storage.SelectHints{Start: mint, End: maxt},
		labels.MustNewMatcher(labels.MatchEqual, metricstore.TenantLabel, tenant),
		labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, q.Name))
	var (
		cit chunks.Iterator
		sit chunkenc.Iterator
	)
	for set.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		s := set.At()
		f := mk()
		cit = s.Iterator(cit)
		lastMax := int64(math.MinInt64)
		overlap := false
		for cit.Next() {
			m := cit.At()
			if m.MinTime <= lastMax {
				overlap = true
				break
			}
			lastMax = m.MaxTime
			sit = m.Chunk.Iterator(sit)
			if !f.add(sit) {
				break
			}
		}
		if err := cit.Err(); err != nil {
			return fmt.Errorf("report: cannot read %s: %w", q.Name, err)
		}
		if overlap {
			if f, err = d.series(ctx, tenant, q, mk, s.Labels()); err != nil {
				return err
			}
		}
		done(s.Labels(), f)
	}
	if err := set.Err(); err != nil {
		return fmt.Errorf("report: cannot read %s: %w", q.Name, err)
	}
	return nil
}

// series reads one series, by all its labels, through the sample path.
func (d TSDB) series(ctx context.Context, tenant string, q StepQuery, mk func() *fold, ls labels.Labels) (*fold, error) {
	var ms []*labels.Matcher
	ls.Range(func(l labels.Label) { ms = append(ms, labels.MustNewMatcher(labels.MatchEqual, l.Name, l.Value)) })
	set, closer, err := d.samples(ctx, tenant, q, ms...)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	f := mk()
	for set.Next() {
		f.add(set.At().Iterator(nil))
	}
	return f, set.Err()
}

// fold folds one series' samples, in time order, into n steps. Step i holds
// (from + i·step, from + (i+1)·step]; -1 is the step before, the base of a
// counter's first increase. It tracks the current step's end rather than
// dividing: it runs once per sample, 100 million times a month.
type fold struct {
	q    StepQuery
	vals []float64
	// runs, when set instead of vals, keeps only the runs of steps whose
	// last sample matches (a gauge's).
	runs     *runs
	n        int
	step     int64
	cur      int
	end      int64
	last     float64 // counter: the latest sample
	acc      float64 // counter: increase within the current step
	have     bool
	finished bool
}

func newFold(q StepQuery, n int) *fold {
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = math.NaN()
	}
	return &fold{q: q, vals: vals, n: n, step: q.Step.Milliseconds(), cur: -1, end: q.From.UnixMilli()}
}

// add folds the samples of it and reports whether later samples are still
// wanted.
func (f *fold) add(it chunkenc.Iterator) bool {
	if f.finished {
		return false
	}
	n := f.n
	for it.Next() == chunkenc.ValFloat {
		t, v := it.At()
		if t > f.end {
			f.cur += int((t-f.end-1)/f.step) + 1
			f.end = f.q.From.UnixMilli() + int64(f.cur+1)*f.step
			f.acc = 0
			if f.cur >= n {
				f.finished = true
				return false
			}
		}
		if !f.q.Counter {
			switch {
			case f.cur < 0:
			case f.runs != nil:
				f.runs.set(f.cur, v)
			default:
				f.vals[f.cur] = v
			}
			continue
		}
		if f.have {
			if v < f.last { // a reset: the counter restarted from zero
				f.acc += v
			} else {
				f.acc += v - f.last
			}
		}
		f.last, f.have = v, true
		if f.cur >= 0 {
			f.vals[f.cur] = f.acc
		}
	}
	return true
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
