package report

import (
	"math"
	"time"
)

// The rule of a disk's forecast: a least-squares line over the period's
// steps is trusted only when the samples span at least forecastMinSpan and
// the line explains at least forecastMinR2 of their variance (R²). Minutes
// of data, or a usage that goes up and down, give no date: a disk that
// grew 238 GB in an hour of copying is not full "in 0 days".
const (
	forecastMinSpan = 7 * 24 * time.Hour
	forecastMinR2   = 0.8
)

// The states of a disk's forecast (Disk.Forecast).
const (
	ForecastFull       = "full"        // growing: DaysToFull is set
	ForecastNotGrowing = "not_growing" // steady or shrinking
	ForecastShortData  = "short_data"  // the samples span less than forecastMinSpan
	ForecastNoTrend    = "no_trend"    // growing, but R² below forecastMinR2
)

// forecast fills d's growth and days to full from the used bytes at the
// step indexes ts (step apart) and the filesystem's size.
func forecast(d *Disk, ts, used []float64, step time.Duration, size float64) {
	d.DaysToFull, d.GrowthPerDay = -1, 0
	perDay := float64(24 * time.Hour / step)
	k, r2 := fit(ts, used)
	switch {
	case len(ts) < 2 || time.Duration(ts[len(ts)-1]-ts[0])*step < forecastMinSpan:
		d.Forecast = ForecastShortData
	case k <= 0:
		d.Forecast, d.GrowthPerDay = ForecastNotGrowing, k*perDay
	case r2 < forecastMinR2:
		d.Forecast = ForecastNoTrend
	default:
		d.Forecast, d.GrowthPerDay = ForecastFull, k*perDay
		d.DaysToFull = math.Max(0, math.Round((size-used[len(used)-1])/d.GrowthPerDay*10)/10)
	}
	d.R2 = round(r2)
}

// fit is the least squares slope of ys over xs and its R². Centring on the
// means keeps a steady series at exactly zero.
func fit(xs, ys []float64) (slope, r2 float64) {
	n := float64(len(xs))
	if n < 2 {
		return 0, 0
	}
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i], my+ys[i]
	}
	mx, my = mx/n, my/n
	var sxx, sxy, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxx, sxy, syy = sxx+dx*dx, sxy+dx*dy, syy+dy*dy
	}
	if sxx == 0 {
		return 0, 0
	}
	slope = sxy / sxx
	if syy > 0 {
		r2 = sxy * sxy / (sxx * syy)
	}
	return slope, r2
}

// days writes a number of days the way the language counts them: "1 day",
// "2 days", "less than a day"; 「1日未満」「20日」.
func days(lang string, d float64) string {
	n := math.Round(d)
	switch {
	case d < 1:
		return tr(lang, "days.under1")
	case n == 1:
		return tr(lang, "days.one")
	}
	return tr(lang, "days", n)
}

// inDays is "in about 20 days" / 「約20日後」, and "within a day" /
// 「1日以内」 under one.
func inDays(lang string, d float64) string {
	n := math.Round(d)
	switch {
	case d < 1:
		return tr(lang, "in_days.under1")
	case n == 1:
		return tr(lang, "in_days.one")
	}
	return tr(lang, "in_days", n)
}

// daysLeft is days(lang, d) for what remains: "0 days" rather than "less
// than a day" when nothing is left.
func daysLeft(lang string, d float64) string {
	if d <= 0 {
		return tr(lang, "days", 0.0)
	}
	return days(lang, d)
}
