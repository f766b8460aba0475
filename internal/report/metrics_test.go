package report

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

func TestStepValues(t *testing.T) {
	from := time.Unix(0, 0)
	f := func(counter bool, samples [][2]float64, want []float64) {
		t.Helper()
		c := chunkenc.NewXORChunk()
		app, err := c.Appender()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range samples {
			app.Append(0, int64(s[0]*1000), s[1])
		}
		q := StepQuery{From: from, To: from.Add(time.Duration(len(want)) * time.Minute), Step: time.Minute, Counter: counter}
		fo := newFold(q, len(want))
		fo.add(c.Iterator(nil))
		got := fo.vals
		for i := range want {
			if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
				t.Fatalf("counter=%v %v: got %v, want %v", counter, samples, got, want)
			}
		}
	}
	nan := math.NaN()
	// Gauges: the last sample of each step (t0, t0+60]; a step without one is NaN.
	f(false, [][2]float64{{-30, 9}, {30, 1}, {60, 2}, {150, 3}}, []float64{2, nan, 3})
	// Counters: the increase in each step from the last sample before it.
	f(true, [][2]float64{{-30, 10}, {30, 12}, {60, 15}, {90, 16}, {120, 20}}, []float64{5, 5})
	// A reset counts the new value as the increase; a gap gives NaN, and the
	// next step takes the increase since the last sample.
	f(true, [][2]float64{{0, 10}, {60, 15}, {90, 3}, {210, 5}}, []float64{5, 3, nan, 2})
	// Samples past To are not read.
	f(false, [][2]float64{{60, 1}, {120, 2}}, []float64{1})
}

// TestStepRuns: the runs a run fold keeps are the runs of the steps a
// dense fold gives, gaps and samples outside the period included.
func TestStepRuns(t *testing.T) {
	from := time.Unix(0, 0)
	down := func(v float64) bool { return v == 0 }
	f := func(samples [][2]float64, steps int, want [][2]int) {
		t.Helper()
		c := chunkenc.NewXORChunk()
		app, err := c.Appender()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range samples {
			app.Append(0, int64(s[0]*1000), s[1])
		}
		q := StepQuery{From: from, To: from.Add(time.Duration(steps) * time.Minute), Step: time.Minute}
		rf := newRunFold(q, steps, down)
		rf.add(c.Iterator(nil))
		got := rf.runs.close()
		dense := newFold(q, steps)
		dense.add(c.Iterator(nil))
		var fromDense [][2]int
		for _, r := range runsOf(labels.EmptyLabels(), dense.vals, down) {
			fromDense = append(fromDense, [2]int{r.Start, r.End})
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(fromDense) != fmt.Sprint(want) {
			t.Fatalf("%v: runs %v, from the steps %v, want %v", samples, got, fromDense, want)
		}
	}
	// A step is down by its last sample: 0 then 1 in step 1 is up.
	f([][2]float64{{30, 1}, {90, 0}, {100, 1}, {150, 0}, {210, 0}, {270, 1}}, 5, [][2]int{{2, 4}})
	// A step without a sample ends a run: 0, gap, 0 are two runs.
	f([][2]float64{{30, 0}, {150, 0}}, 3, [][2]int{{0, 1}, {2, 3}})
	// The step before From and the steps after To are not counted; a run
	// that lasts to the end is closed there.
	f([][2]float64{{-30, 0}, {30, 1}, {90, 0}, {150, 0}, {210, 0}}, 3, [][2]int{{1, 3}})
	// No failure, no run.
	f([][2]float64{{30, 1}, {90, 1}}, 2, nil)
}
