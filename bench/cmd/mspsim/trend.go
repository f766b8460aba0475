package main

import (
	"math"
)

// Verdicts of a soak's resource.
const (
	verdictFlat         = "flat"         // grows, at most, less than the limit
	verdictGrows        = "grows"        // grows faster than the limit
	verdictInconclusive = "inconclusive" // the noise hides which
	verdictTooFew       = "too few samples"
	verdictNotJudged    = "not judged" // reported, no limit (disk, latencies)
)

// minTrendPoints is the fewest samples a slope is fitted to.
const minTrendPoints = 5

// trend is the least-squares line through one resource's samples after the
// warm-up, and what it says. The slope is per hour, and as a percentage of
// the samples' median; the band is two standard errors of the slope.
type trend struct {
	Resource     string  `json:"resource"`
	Unit         string  `json:"unit"`
	Points       int     `json:"points"`
	FromH        float64 `json:"from_h"` // the fitted window, hours since the soak's start
	ToH          float64 `json:"to_h"`
	Median       float64 `json:"median"`
	SlopePerHour float64 `json:"slope_per_hour"`
	PctPerHour   float64 `json:"pct_of_median_per_hour"`
	StdErrPct    float64 `json:"stderr_pct_per_hour"`
	LimitPct     float64 `json:"limit_pct_per_hour"` // 0: not judged
	Verdict      string  `json:"verdict"`
	intercept    float64 // of the line, at hour 0
}

// judge fits a line to ys against hours (the same length; NaN ys are left
// out) and compares its slope with limitPct per hour of the median: flat
// when even the slope plus two standard errors is under the limit (a
// falling resource is flat), grows when the slope minus two standard
// errors is over it, inconclusive in between. A limit of 0 judges nothing.
func judge(resource, unit string, hours, ys []float64, limitPct float64) trend {
	var xs, vs []float64
	for i, y := range ys {
		if !math.IsNaN(y) {
			xs, vs = append(xs, hours[i]), append(vs, y)
		}
	}
	t := trend{Resource: resource, Unit: unit, Points: len(vs), LimitPct: limitPct, Median: median(vs)}
	if len(xs) > 0 {
		t.FromH, t.ToH = xs[0], xs[len(xs)-1]
	}
	slope, intercept, se, ok := fitLine(xs, vs)
	if !ok || len(vs) < minTrendPoints {
		t.Verdict = verdictTooFew
		t.SlopePerHour, t.PctPerHour, t.StdErrPct = nan, nan, nan
		return t
	}
	t.SlopePerHour, t.intercept = slope, intercept
	if t.Median != 0 {
		t.PctPerHour = slope / math.Abs(t.Median) * 100
		t.StdErrPct = se / math.Abs(t.Median) * 100
	} else {
		t.PctPerHour, t.StdErrPct = nan, nan
	}
	switch {
	case limitPct <= 0:
		t.Verdict = verdictNotJudged
	case math.IsNaN(t.PctPerHour):
		// A median of 0 that grows is growth; one that stays 0 is flat.
		if slope > 0 {
			t.Verdict = verdictGrows
		} else {
			t.Verdict = verdictFlat
		}
	case t.PctPerHour+2*t.StdErrPct < limitPct:
		t.Verdict = verdictFlat
	case t.PctPerHour-2*t.StdErrPct > limitPct:
		t.Verdict = verdictGrows
	default:
		t.Verdict = verdictInconclusive
	}
	return t
}

// fitLine is the least-squares line y = intercept + slope·x through the
// points and the standard error of its slope; not ok for fewer than three
// points or all at one x.
func fitLine(xs, ys []float64) (slope, intercept, stderr float64, ok bool) {
	n := float64(len(xs))
	if len(xs) < 3 || len(xs) != len(ys) {
		return 0, 0, 0, false
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx, my = mx/n, my/n
	var sxx, sxy float64
	for i := range xs {
		sxx += (xs[i] - mx) * (xs[i] - mx)
		sxy += (xs[i] - mx) * (ys[i] - my)
	}
	if sxx == 0 {
		return 0, 0, 0, false
	}
	slope = sxy / sxx
	intercept = my - slope*mx
	var sse float64
	for i := range xs {
		r := ys[i] - intercept - slope*xs[i]
		sse += r * r
	}
	return slope, intercept, math.Sqrt(sse / (n - 2) / sxx), true
}
