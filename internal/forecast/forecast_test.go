package forecast

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var (
	tokyo    = time.FixedZone("JST", 9*3600)
	histFrom = time.Date(2025, 12, 7, 0, 0, 0, 0, tokyo) // a Sunday
)

// truth is the generated load without noise: a base of 30, a sine over the
// week of amplitude 10, 15 more on weekdays 09–18, and a trend of +0.01 an
// hour (about +87 over a year).
func truth(i int) float64 {
	t := histFrom.Add(time.Duration(i) * time.Hour)
	v := 30 + 10*math.Sin(2*math.Pi*float64(HourOfWeek(t, tokyo))/Week) + 0.01*float64(i)
	if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday && t.Hour() >= 9 && t.Hour() < 18 {
		v += 15
	}
	return v
}

func generated(hours int, sd float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]float64, hours)
	for i := range out {
		out[i] = truth(i) + r.NormFloat64()*sd
	}
	return out
}

// TestSeasonalKnownAnswer: 26 weeks of the generated load with noise of
// standard deviation 1 (and a tenth of the hours missing). The model finds
// the pattern and the trend, and its forecast of the next 4 weeks stays
// within 1.0 of the true load at every hour (stated bound: the levels'
// standard error is about 1/√26 ≈ 0.2, the trend's error adds less than
// that at four weeks out). The back-test error is under 3% MAPE.
func TestSeasonalKnownAnswer(t *testing.T) {
	hours := 26 * Week
	s := generated(hours, 1, 7)
	r := rand.New(rand.NewPCG(3, 3))
	for i := range s {
		if r.Float64() < 0.1 {
			s[i] = math.NaN()
		}
	}
	m, err := Fit(s, histFrom, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Seasonal || !m.Trend {
		t.Fatalf("seasonal %v trend %v, want both", m.Seasonal, m.Trend)
	}
	if math.Abs(m.Slope-0.01) > 0.001 {
		t.Errorf("slope %.5f, want 0.01 ± 0.001", m.Slope)
	}
	pred := m.Range(histFrom.Add(time.Duration(hours)*time.Hour), 4*Week)
	worst := 0.0
	for k, p := range pred {
		worst = max(worst, math.Abs(p-truth(hours+k)))
	}
	if worst > 1.0 {
		t.Errorf("forecast off the true load by %.2f at worst, bound 1.0", worst)
	}
	if math.Abs(m.ResidSD-1) > 0.1 {
		t.Errorf("residual SD %.3f, want the noise's 1 ± 0.1", m.ResidSD)
	}
	acc, err := BackTest(s, histFrom, tokyo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acc.HoldoutWeeks != 4 || acc.MAPE > 3 || acc.RMSE > 1.3 {
		t.Errorf("back-test %+v, want 4 weeks held out, MAPE < 3%%, RMSE < 1.3", acc)
	}
}

// TestFlatSeriesStaysFlat: a year of 40 ± noise (SD 2) with no pattern. The
// model keeps neither a weekly pattern nor a trend, and its forecast for
// the next twelve months stays within 40 ± 0.5 at every hour.
func TestFlatSeriesStaysFlat(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 5))
	s := make([]float64, 52*Week)
	for i := range s {
		s[i] = 40 + 2*r.NormFloat64()
	}
	m, err := Fit(s, histFrom, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if m.Seasonal || m.Trend {
		t.Errorf("invented: seasonal %v trend %v (slope %g)", m.Seasonal, m.Trend, m.Slope)
	}
	for k, p := range m.Range(histFrom.Add(time.Duration(len(s))*time.Hour), 365*24) {
		if math.Abs(p-40) > 0.5 {
			t.Fatalf("hour %d of the forecast is %.2f, want 40 ± 0.5", k, p)
		}
	}
	if m.Amplitude() > 1e-9 {
		t.Errorf("weekly amplitude %g on a flat series", m.Amplitude())
	}
}

// TestShortHistory: below MinHours observed hours (two weeks) the model
// says so instead of fitting; the back-test needs a week more.
func TestShortHistory(t *testing.T) {
	s := generated(MinHours-1, 1, 1)
	if _, err := Fit(s, histFrom, tokyo); !errors.Is(err, ErrShort) {
		t.Errorf("fit of %d hours: %v, want ErrShort", len(s), err)
	}
	s = generated(3*Week, 1, 1)
	s[0] = math.NaN() // 3 weeks less one observed hour
	if _, err := Fit(s, histFrom, tokyo); err != nil {
		t.Errorf("fit of 3 weeks: %v", err)
	}
	if _, err := BackTest(s, histFrom, tokyo, nil); !errors.Is(err, ErrShort) {
		t.Errorf("back-test of 3 weeks less an hour: %v, want ErrShort", err)
	}
}

// TestGapsAndNaN: NaN and ±Inf hours and a whole missing week do not move
// the levels: the fit matches the one on the clean series within 0.5.
func TestGapsAndNaN(t *testing.T) {
	clean := generated(12*Week, 0.5, 9)
	holed := append([]float64(nil), clean...)
	for i := 3 * Week; i < 4*Week; i++ {
		holed[i] = math.NaN()
	}
	holed[10], holed[20], holed[30] = math.Inf(1), math.Inf(-1), math.NaN()
	a, err := Fit(clean, histFrom, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Fit(holed, histFrom, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	for h := range Week {
		if math.IsNaN(b.Level[h]) || math.Abs(a.Level[h]-b.Level[h]) > 0.5 {
			t.Fatalf("hour of week %d: level %.2f with gaps, %.2f without", h, b.Level[h], a.Level[h])
		}
	}
	if b.N != 12*Week-Week-3 {
		t.Errorf("fitted on %d hours, want %d", b.N, 12*Week-Week-3)
	}
}

// TestHourly: the cleaning averages each hour's finite samples, drops what
// is outside the range, and leaves NaN in an hour without samples.
func TestHourly(t *testing.T) {
	from := histFrom
	pts := []Point{
		{from.Add(5 * time.Minute), 10}, {from.Add(55 * time.Minute), 20},
		{from.Add(65 * time.Minute), math.NaN()}, {from.Add(70 * time.Minute), math.Inf(1)},
		{from.Add(150 * time.Minute), 7}, {from.Add(-time.Minute), 99}, {from.Add(3 * time.Hour), 99},
	}
	got := Hourly(pts, from, from.Add(3*time.Hour))
	if len(got) != 3 || got[0] != 15 || !math.IsNaN(got[1]) || got[2] != 7 {
		t.Errorf("Hourly = %v, want [15 NaN 7]", got)
	}
}
