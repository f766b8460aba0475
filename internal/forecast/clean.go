package forecast

import (
	"math"
	"time"
)

// Point is one sample of a load series.
type Point struct {
	T time.Time
	V float64
}

// Hourly cleans samples into hourly buckets over [from, to): each hour is
// the mean of its finite samples, NaN when it has none. Samples outside the
// range, NaN and ±Inf are dropped; the order of pts does not matter.
func Hourly(pts []Point, from, to time.Time) []float64 {
	hours := int(to.Sub(from) / time.Hour)
	if hours <= 0 {
		return nil
	}
	sum := make([]float64, hours)
	n := make([]int32, hours)
	for _, p := range pts {
		if !finite(p.V) || p.T.Before(from) || !p.T.Before(to) {
			continue
		}
		i := int(p.T.Sub(from) / time.Hour)
		if i < 0 || i >= hours { // a sub-hour tail of [from, to)
			continue
		}
		sum[i] += p.V
		n[i]++
	}
	for i := range sum {
		if n[i] == 0 {
			sum[i] = math.NaN()
			continue
		}
		sum[i] /= float64(n[i])
	}
	return sum
}

// HourlyGrid is Hourly of a regular series: values[k] is the sample at
// start + k·step. It gives the same buckets as Hourly of those points
// without making them.
func HourlyGrid(values []float64, start time.Time, step time.Duration, from, to time.Time) []float64 {
	hours := int(to.Sub(from) / time.Hour)
	if hours <= 0 {
		return nil
	}
	sum := make([]float64, hours)
	n := make([]int32, hours)
	if step > 0 {
		for k, v := range values {
			if !finite(v) {
				continue
			}
			d := start.Add(time.Duration(k) * step).Sub(from)
			if d < 0 || d >= to.Sub(from) {
				continue
			}
			i := int(d / time.Hour)
			if i >= hours {
				continue
			}
			sum[i] += v
			n[i]++
		}
	}
	for i := range sum {
		if n[i] == 0 {
			sum[i] = math.NaN()
			continue
		}
		sum[i] /= float64(n[i])
	}
	return sum
}
