// Package forecast predicts a load by hour of week with its trend: the
// model behind the yearly operation plan (年間運行計画).
//
// The method is a least-squares regression on hourly buckets with one level
// per hour of the week (168 of them, in the group's time zone) and one
// common linear trend:
//
//	y(t) = c[how(t)] + b·t + ε
//
// b is the within-slot estimator: the slope of each observation against its
// slot's mean time, pooled over every slot; c[h] is the slot's mean less
// b times its mean time. Gaps (NaN hours) are simply absent from the sums,
// so a missing week costs data, not bias.
//
// The model invents nothing: the weekly pattern is kept only when the
// hour-of-week levels explain the data better than one level would, by an F
// test at about the 0.1% level; the trend is kept only when its slope is at
// least three standard errors from zero. A flat series gives a flat forecast.
package forecast

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Week is the season: hours in a week.
const Week = 168

// MinHours is the least history the model fits: two weeks of observed
// hours, so that each hour of the week is seen about twice.
const MinHours = 2 * Week

// ErrShort is returned for a history shorter than MinHours observed hours.
var ErrShort = errors.New("forecast: not enough history")

// Model is a fitted weekly-seasonal model with trend.
type Model struct {
	Start    time.Time      // the start of hour 0 of the history
	Location *time.Location // the zone the hours of the week are counted in
	Level    [Week]float64  // c[h]: the level of hour of week h at hour 0
	Slope    float64        // b: change per hour; 0 when not significant
	Seasonal bool           // whether the hour-of-week pattern was kept
	Trend    bool           // whether the slope was kept
	ResidSD  float64        // standard deviation of the residuals
	Resid90  float64        // 90th percentile of the residuals: the upper band
	N        int            // observed hours the model is fitted on
}

// HourOfWeek is the hour of the week of t in loc: Sunday 00:00 is 0.
func HourOfWeek(t time.Time, loc *time.Location) int {
	t = t.In(loc)
	return int(t.Weekday())*24 + t.Hour()
}

// Fit fits the model to series, one value per hour from start (NaN for an
// hour without data), with the hours of the week counted in loc.
func Fit(series []float64, start time.Time, loc *time.Location) (*Model, error) {
	if loc == nil {
		loc = time.UTC
	}
	m := &Model{Start: start, Location: loc}
	var n [Week]int
	var st, sy [Week]float64
	for i, y := range series {
		if !finite(y) {
			continue
		}
		h := HourOfWeek(start.Add(time.Duration(i)*time.Hour), loc)
		n[h]++
		st[h] += float64(i)
		sy[h] += y
		m.N++
	}
	if m.N < MinHours {
		return nil, fmt.Errorf("%w: %d observed hours, %d needed", ErrShort, m.N, MinHours)
	}
	var tbar, ybar [Week]float64
	var sxy, sxx float64
	for h := range Week {
		if n[h] > 0 {
			tbar[h], ybar[h] = st[h]/float64(n[h]), sy[h]/float64(n[h])
		}
	}
	// The pooled (reduced) regression, for the F test and the flat model.
	var gt, gy float64
	for h := range Week {
		gt += st[h]
		gy += sy[h]
	}
	gt, gy = gt/float64(m.N), gy/float64(m.N)
	var rxy, rxx float64
	for i, y := range series {
		if !finite(y) {
			continue
		}
		h := HourOfWeek(start.Add(time.Duration(i)*time.Hour), loc)
		dt := float64(i) - tbar[h]
		sxy += dt * (y - ybar[h])
		sxx += dt * dt
		rxy += (float64(i) - gt) * (y - gy)
		rxx += (float64(i) - gt) * (float64(i) - gt)
	}
	bFull, bRed := ratio(sxy, sxx), ratio(rxy, rxx)
	var ssFull, ssRed float64
	slots := 0
	for h := range Week {
		if n[h] > 0 {
			slots++
		}
	}
	for i, y := range series {
		if !finite(y) {
			continue
		}
		h := HourOfWeek(start.Add(time.Duration(i)*time.Hour), loc)
		e := y - (ybar[h] + bFull*(float64(i)-tbar[h]))
		ssFull += e * e
		e = y - (gy + bRed*(float64(i)-gt))
		ssRed += e * e
	}
	m.Seasonal = seasonal(ssRed, ssFull, slots, m.N)
	if m.Seasonal {
		m.Slope = bFull
		m.Trend = significant(bFull, ssFull, sxx, m.N-slots-1)
		if !m.Trend {
			m.Slope = 0
		}
		for h := range Week {
			m.Level[h] = ybar[h] - m.Slope*tbar[h]
		}
		fillEmpty(&m.Level, n)
	} else {
		m.Slope = bRed
		m.Trend = significant(bRed, ssRed, rxx, m.N-2)
		if !m.Trend {
			m.Slope = 0
		}
		for h := range Week {
			m.Level[h] = gy - m.Slope*gt
		}
	}
	m.residuals(series)
	return m, nil
}

// seasonal is the F test of the hour-of-week levels against one level: F
// of (slots−1, n−slots−1) degrees of freedom above 1 + 3·√(2/(slots−1)),
// three standard deviations of F under no seasonality in the normal
// approximation (about a 0.1% chance of a false pattern).
func seasonal(ssRed, ssFull float64, slots, n int) bool {
	df1, df2 := float64(slots-1), float64(n-slots-1)
	if df1 < 1 || df2 < 1 {
		return false
	}
	if ssFull <= 0 {
		return ssRed > 0
	}
	f := ((ssRed - ssFull) / df1) / (ssFull / df2)
	return f > 1+3*math.Sqrt(2/df1)
}

// significant reports whether slope b is at least three standard errors
// from zero.
func significant(b, ss, sxx float64, df int) bool {
	if sxx <= 0 || df < 1 {
		return false
	}
	se := math.Sqrt(ss / float64(df) / sxx)
	if se == 0 {
		return b != 0
	}
	return math.Abs(b) >= 3*se
}

// fillEmpty gives a slot never observed the mean of its nearest observed
// neighbours, around the week.
func fillEmpty(level *[Week]float64, n [Week]int) {
	for h := range Week {
		if n[h] > 0 {
			continue
		}
		var sum float64
		var k int
		for d := 1; d < Week && k == 0; d++ {
			for _, j := range []int{(h + d) % Week, (h - d + Week) % Week} {
				if n[j] > 0 {
					sum += level[j]
					k++
				}
			}
		}
		if k > 0 {
			level[h] = sum / float64(k)
		}
	}
}

// residuals sets the spread of what the model leaves unexplained.
func (m *Model) residuals(series []float64) {
	res := make([]float64, 0, m.N)
	var ss float64
	for i, y := range series {
		if finite(y) {
			e := y - m.hour(i)
			res = append(res, e)
			ss += e * e
		}
	}
	m.ResidSD = math.Sqrt(ss / float64(max(len(res)-1, 1)))
	slices.Sort(res)
	m.Resid90 = res[int(0.9*float64(len(res)-1))]
}

// hour is the prediction for hour index i of the history's clock.
func (m *Model) hour(i int) float64 {
	return m.Level[HourOfWeek(m.Start.Add(time.Duration(i)*time.Hour), m.Location)] + m.Slope*float64(i)
}

// At predicts the hour that holds t.
func (m *Model) At(t time.Time) float64 {
	return m.hour(int(math.Floor(t.Sub(m.Start).Hours())))
}

// Range predicts hours consecutive hours from the hour that holds from.
func (m *Model) Range(from time.Time, hours int) []float64 {
	out := make([]float64, hours)
	i0 := int(math.Floor(from.Sub(m.Start).Hours()))
	for i := range out {
		out[i] = m.hour(i0 + i)
	}
	return out
}

// Amplitude is the spread of the weekly pattern: highest less lowest level.
func (m *Model) Amplitude() float64 {
	return slices.Max(m.Level[:]) - slices.Min(m.Level[:])
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
