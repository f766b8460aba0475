package report

import (
	"context"
	"fmt"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// StepRun is a run of consecutive steps [Start, End) of one series, by the
// step numbers of a StepQuery.
type StepRun struct {
	Labels     labels.Labels
	Start, End int
}

// RunFinder finds, in a gauge's steps, the runs of steps whose value (the
// step's last sample) matches: what Steps gives, less a value for every
// step. The console's board asks for this month's downtime at each view; a
// month of one-minute steps is 44,640 values a host, and Steps would make
// them all to keep a few runs.
type RunFinder interface {
	Runs(ctx context.Context, tenant string, q StepQuery, match func(float64) bool) ([]StepRun, error)
}

var _ RunFinder = TSDB{}

// Runs implements RunFinder. q.Counter is refused: an increase needs every
// step.
func (d TSDB) Runs(ctx context.Context, tenant string, q StepQuery, match func(float64) bool) ([]StepRun, error) {
	if q.Counter {
		return nil, fmt.Errorf("report: runs of %s: a counter has no runs", q.Name)
	}
	n := q.steps()
	if n <= 0 {
		return nil, nil
	}
	var out []StepRun
	mk := func() *fold { return newRunFold(q, n, match) }
	done := func(ls labels.Labels, f *fold) {
		for _, r := range f.runs.close() {
			out = append(out, StepRun{Labels: ls, Start: r[0], End: r[1]})
		}
	}
	if d.Chunks != nil {
		return out, d.chunkFolds(ctx, tenant, q, mk, done)
	}
	set, closer, err := d.samples(ctx, tenant, q, labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, q.Name))
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	var it chunkenc.Iterator
	for set.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := set.At()
		it = s.Iterator(it)
		f := mk()
		f.add(it)
		done(s.Labels(), f)
	}
	if err := set.Err(); err != nil {
		return nil, fmt.Errorf("report: cannot read %s: %w", q.Name, err)
	}
	return out, nil
}

// newRunFold is a fold that keeps the runs of matching steps, not the steps.
func newRunFold(q StepQuery, n int, match func(float64) bool) *fold {
	return &fold{q: q, runs: &runs{match: match, cur: -1}, n: n, step: q.Step.Milliseconds(), cur: -1, end: q.From.UnixMilli()}
}

// runs collects runs of matching steps as the samples of one series come in
// time order: a step's value is its last sample, known once a later step
// begins.
type runs struct {
	match func(float64) bool
	cur   int // the step whose last sample is v; -1 before the first
	v     float64
	out   [][2]int
}

// set records v as the latest sample of step i (i ≥ the current step).
func (r *runs) set(i int, v float64) {
	if i != r.cur {
		r.flush()
		r.cur = i
	}
	r.v = v
}

// flush ends the current step: a match extends the last run when it ends
// there, or starts one.
func (r *runs) flush() {
	if r.cur < 0 || !r.match(r.v) {
		return
	}
	if n := len(r.out); n > 0 && r.out[n-1][1] == r.cur {
		r.out[n-1][1] = r.cur + 1
		return
	}
	r.out = append(r.out, [2]int{r.cur, r.cur + 1})
}

// close ends the last step and returns the runs.
func (r *runs) close() [][2]int {
	r.flush()
	r.cur = -1
	return r.out
}

// runsOf are the runs of matching values in a series' steps.
func runsOf(ls labels.Labels, vals []float64, match func(float64) bool) []StepRun {
	r := &runs{match: match, cur: -1}
	for i, v := range vals {
		r.set(i, v)
	}
	var out []StepRun
	for _, x := range r.close() {
		out = append(out, StepRun{Labels: ls, Start: x[0], End: x[1]})
	}
	return out
}
