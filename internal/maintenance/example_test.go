package maintenance_test

import (
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/maintenance"
)

// Availability in service hours for the week of Mon 5 Jan 2026 on a weekday 09:00-18:00
// JST calendar (5 x 9h = 45h), with a Wednesday 17:00 maintenance window of 2h (1h of
// it in service hours): 44h measured. Outages: Tue 10:00-11:00 (1h), and Wed 17:30-18:30,
// which is inside maintenance until 18:00 and outside service hours after: 0h.
// 1 - 1/44 = 0.97727...
func Example_availability() {
	jst := func(s string) time.Time { t, _ := time.Parse("2006-01-02 15:04 -0700", s+" +0900"); return t }
	var hours []calendar.DayHours
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		hours = append(hours, calendar.DayHours{Weekday: d, Start: "09:00", End: "18:00"})
	}
	cal, _ := calendar.Calendar{TimeZone: "Asia/Tokyo", Hours: hours}.Compile()
	wed, _ := maintenance.Window{Recurrence: &maintenance.Recurrence{Frequency: "weekly", Weekdays: []string{"wed"},
		StartTime: "17:00", Duration: "2h", TimeZone: "Asia/Tokyo", StartsOn: "2026-01-01", EndsOn: "2026-12-31"}}.Compile()
	down := []calendar.Interval{
		{Start: jst("2026-01-06 10:00"), End: jst("2026-01-06 11:00")},
		{Start: jst("2026-01-07 17:30"), End: jst("2026-01-07 18:30")},
	}
	from, to := jst("2026-01-05 00:00"), jst("2026-01-10 00:00")

	maint := maintenance.Coverage([]*maintenance.Schedule{wed}, from, to)
	measured := cal.Elapsed(from, to) - cal.Overlap(maint)
	outage := cal.Overlap(calendar.Subtract(calendar.Intersect(down, []calendar.Interval{{Start: from, End: to}}), maint))
	fmt.Println(measured, outage)
	fmt.Printf("%.4f\n", 1-float64(outage)/float64(measured))
	// Output:
	// 44h0m0s 1h0m0s
	// 0.9773
}
