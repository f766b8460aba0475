package report

import (
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// FuzzParsePeriod feeds the API's period parser outside input: it must
// return a valid period or an invalid.Error naming from or to, never panic.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range [][2]string{{"2026-11-01", "2026-11-30"}, {"2026-11-01T00:00:00+09:00", "2026-12-01T00:00:00+09:00"}, {"", ""}, {"2026-02-30", "x"}, {"9999-12-31", "0001-01-01"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, from, to string) {
		a, b, err := ParsePeriod(from, to, "Asia/Tokyo")
		if err != nil {
			e, ok := invalid.As(err)
			if !ok || (e.Field != "from" && e.Field != "to") {
				t.Fatalf("ParsePeriod(%q, %q): %v is not an invalid.Error naming from or to", from, to, err)
			}
			return
		}
		if !b.After(a) || b.Sub(a) > maxPeriod {
			t.Fatalf("ParsePeriod(%q, %q) accepted %v – %v", from, to, a, b)
		}
	})
}
