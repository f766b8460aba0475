package report

import (
	"math"
	"testing"
	"time"

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
