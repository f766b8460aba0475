package maintenance

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkActive is the alert engine's question with 50 windows in the
// tenant, none of which covers the host asked about.
func BenchmarkActive(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	for i := range 50 {
		rid := f.web1.ID
		w := &Stored{Tenant: "acme", Name: fmt.Sprint("w", i), ResourceID: &rid, Labels: map[string]string{"n": fmt.Sprint(i)},
			Window: Window{Recurrence: &Recurrence{Frequency: "weekly", Weekdays: []string{"sun"}, StartTime: "02:00", Duration: "2h",
				TimeZone: "Asia/Tokyo", StartsOn: "2026-01-01", EndsOn: "2026-12-31"}}}
		if err := f.store.Create(ctx, w); err != nil {
			b.Fatal(err)
		}
	}
	at := time.Date(2026, 6, 7, 3, 0, 0, 0, time.FixedZone("JST", 9*3600))
	b.ResetTimer()
	for b.Loop() {
		if _, in, err := f.store.Active(ctx, "acme", f.web1.ID, 0, map[string]string{"n": "none"}, at); err != nil || in {
			b.Fatal(in, err)
		}
	}
}
