package report

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestForecastRule: a date only from a week of data or more whose line
// fits (R² ≥ 0.8); otherwise the reason.
func TestForecastRule(t *testing.T) {
	step := 5 * time.Minute
	perDay := float64(24 * time.Hour / step)
	f := func(name string, n int, used func(i int) float64, want string, wantDays float64) {
		t.Helper()
		ts, us := make([]float64, n), make([]float64, n)
		for i := range n {
			ts[i], us[i] = float64(i), used(i)
		}
		var d Disk
		forecast(&d, ts, us, step, 100e9)
		if d.Forecast != want || d.DaysToFull != wantDays {
			t.Errorf("%s: forecast %s in %v days (R² %v), want %s in %v", name, d.Forecast, d.DaysToFull, d.R2, want, wantDays)
		}
	}
	month := 30 * int(perDay)
	// 1 GB a day from 50 GB: 80 GB after 30 days, 20 days left.
	f("steady growth over a month", month, func(i int) float64 { return 50e9 + 1e9*float64(i)/perDay }, ForecastFull, 20)
	// An hour of copying 238 GB a day's worth: no date from that.
	f("an hour of data", 12, func(i int) float64 { return 50e9 + 238e9*float64(i)/perDay }, ForecastShortData, -1)
	f("six days", 6*int(perDay), func(i int) float64 { return 50e9 + 1e9*float64(i)/perDay }, ForecastShortData, -1)
	// Up and down by 10 GB every step, drifting up 10 MB a day: R² ≈ 0.
	f("noise with a drift", month, func(i int) float64 { return 50e9 + 10e9*float64(i%2) + 1e7*float64(i)/perDay }, ForecastNoTrend, -1)
	f("steady", month, func(int) float64 { return 50e9 }, ForecastNotGrowing, -1)
}

// TestDaysInEachLanguage: English counts one day and several days; no
// report says 「約0日後」 or "0 days".
func TestDaysInEachLanguage(t *testing.T) {
	f := func(lang string, d float64, wantDays, wantIn string) {
		t.Helper()
		if got := days(lang, d); got != wantDays {
			t.Errorf("days(%s, %v) = %q, want %q", lang, d, got, wantDays)
		}
		if got := inDays(lang, d); got != wantIn {
			t.Errorf("inDays(%s, %v) = %q, want %q", lang, d, got, wantIn)
		}
	}
	f("en", 1, "1 day", "in about a day")
	f("en", 1.4, "1 day", "in about a day")
	f("en", 2, "2 days", "in about 2 days")
	f("en", 0.2, "less than a day", "within a day")
	f("ja", 0.2, "1日未満", "1日以内")
	f("ja", 20, "20日", "約20日後")
	r := &Report{Language: "ja", Hosts: []HostPerf{{Host: "db-01", Disks: []Disk{{Mount: "/", Forecast: ForecastFull, DaysToFull: 0.3, GrowthPerDay: 1e9}}}}}
	for _, tp := range findings(r) {
		if strings.Contains(tp.Title, "0日") {
			t.Errorf("finding %q speaks of 0 days", tp.Title)
		}
	}
	r.Language = "en"
	r.Hosts[0].Disks[0].DaysToFull = 1
	for _, tp := range findings(r) {
		if strings.Contains(tp.Title, "1 days") {
			t.Errorf("finding %q", tp.Title)
		}
	}
}

// TestFreshInstallationHasNoForecast: three hours of disk data (a fresh
// installation) give "not enough data", and no disk-full topic.
func TestFreshInstallationHasNoForecast(t *testing.T) {
	f := newFixtureFrom(t, []string{"acme"}, 1, toNov.Add(-3*time.Hour), time.Minute)
	g := NewGenerator(f.src, nil)
	r, err := g.Generate(context.Background(), "acme", fromNov, toNov)
	if err != nil {
		t.Fatal(err)
	}
	d := host(t, r, "web-01").Disks[0]
	if d.Forecast != ForecastShortData || d.DaysToFull != -1 || d.GrowthPerDay != 0 {
		t.Errorf("disk %+v, want not enough data", d)
	}
	for _, tp := range r.Findings {
		if tp.Kind == "disk_full" {
			t.Errorf("finding from three hours of data: %q", tp.Title)
		}
	}
	html, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "データ不足") {
		t.Errorf("the disk table does not say データ不足")
	}
}
