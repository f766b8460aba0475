package main

import (
	"math"
	"math/rand/v2"
	"testing"
)

// series returns 6 hours of one sample a minute of f(hour).
func series(f func(h float64) float64) (hours, ys []float64) { return seriesOver(6*60, f) }

// seriesOver returns minutes samples, one a minute, of f(hour).
func seriesOver(minutes int, f func(h float64) float64) (hours, ys []float64) {
	for i := 0; i < minutes; i++ {
		h := float64(i) / 60
		hours, ys = append(hours, h), append(ys, f(h))
	}
	return hours, ys
}

// noise is a jitter of ±amp from a seeded source: the test gives the same
// verdict every run.
var jitter = rand.New(rand.NewPCG(21, 24))

func noise(_, amp float64) float64 { return amp * (2*jitter.Float64() - 1) }

func TestJudge(t *testing.T) {
	f := func(name string, fn func(h float64) float64, limit float64, want string) {
		t.Helper()
		minutes := 6 * 60
		if name == "short" {
			minutes = 25
		}
		hours, ys := seriesOver(minutes, fn)
		got := judge(name, "MB", hours, ys, limit)
		if got.Verdict != want {
			t.Errorf("%s: verdict %q (slope %.3f%%/h ± %.3f, limit %.1f), want %q", name, got.Verdict, got.PctPerHour, 2*got.StdErrPct, limit, want)
		}
	}
	// RSS of 1,000 MB with ±20 MB of jitter and no trend.
	f("flat", func(h float64) float64 { return 1000 + noise(h, 20) }, 2, verdictFlat)
	// Leaking 50 MB an hour: 5% of the median an hour.
	f("leak", func(h float64) float64 { return 1000 + 50*h + noise(h, 20) }, 2, verdictGrows)
	// The GC's sawtooth: up 100 MB over 20 minutes, back down, flat on average.
	f("sawtooth", func(h float64) float64 { return 1000 + 100*math.Mod(h*3, 1) }, 2, verdictFlat)
	// A sawtooth whose troughs rise 30 MB an hour is a leak under the teeth.
	f("rising sawtooth", func(h float64) float64 { return 1000 + 30*h + 100*math.Mod(h*3, 1) }, 2, verdictGrows)
	// Memory given back is not a leak.
	f("falling", func(h float64) float64 { return 1000 - 40*h }, 2, verdictFlat)
	// Goroutines: one more an hour in 1,000 is under 1% an hour...
	f("goroutines", func(h float64) float64 { return math.Round(1000 + h + noise(h, 5)) }, 1, verdictFlat)
	// ... fifty more an hour is not.
	f("goroutine leak", func(h float64) float64 { return math.Round(1000 + 50*h + noise(h, 5)) }, 1, verdictGrows)
	// 25 minutes of samples with ±20 MB of jitter cannot tell 2% an hour
	// from nothing: the band of two standard errors holds the limit.
	f("short", func(h float64) float64 { return 1000 + 20*h + noise(h, 20) }, 2, verdictInconclusive)
	// No limit: the slope is reported, not judged.
	f("disk", func(h float64) float64 { return 100 * h }, 0, verdictNotJudged)
}

func TestJudgeSlope(t *testing.T) {
	hours, ys := series(func(h float64) float64 { return 500 + 10*h })
	got := judge("rss", "MB", hours, ys, 2)
	if math.Abs(got.SlopePerHour-10) > 1e-9 || got.StdErrPct > 1e-9 || got.FromH != 0 || math.Abs(got.ToH-359.0/60) > 1e-9 {
		t.Fatalf("slope %.6f/h ± %.6f%% over %.2f..%.2f h, want 10/h exactly over 0..5.98 h", got.SlopePerHour, got.StdErrPct, got.FromH, got.ToH)
	}
	// The median of 500..559.8 is about 530: 10/530 = 1.89% an hour.
	if math.Abs(got.PctPerHour-10/got.Median*100) > 1e-9 || got.Verdict != verdictFlat {
		t.Fatalf("%.3f%%/h of median %.1f: %s", got.PctPerHour, got.Median, got.Verdict)
	}
}

func TestJudgeTooFew(t *testing.T) {
	nan := math.NaN()
	got := judge("rss", "MB", []float64{0, 1, 2, 3, 4, 5}, []float64{1, nan, 2, nan, nan, 3}, 2)
	if got.Verdict != verdictTooFew || got.Points != 3 {
		t.Fatalf("3 of 6 samples: %d points, %q", got.Points, got.Verdict)
	}
}
