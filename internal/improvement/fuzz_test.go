package improvement

import (
	"testing"
	"time"
)

// FuzzMonthsOf: any ?from= and ?to= either give a window of 1 to MaxMonths
// whole months, first before last, or an input error; never a panic.
func FuzzMonthsOf(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"2026-09", "2026-11"}, {"2026-13", ""}, {"2020-01", "2026-01"}, {"2026-05", "2026-01"}} {
		f.Add(s[0], s[1])
	}
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, from, to string) {
		first, last, err := MonthsOf(from, to, now)
		if err != nil {
			return
		}
		if first.Day() != 1 || last.Day() != 1 || first.After(last) || first.AddDate(0, MaxMonths, 0).Before(last.AddDate(0, 1, 0)) {
			t.Fatalf("MonthsOf(%q, %q) = %v .. %v", from, to, first, last)
		}
	})
}
