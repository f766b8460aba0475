package report

import (
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
)

func TestAvailabilityCountsServiceHoursOnly(t *testing.T) {
	var hours []calendar.DayHours
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		hours = append(hours, calendar.DayHours{Weekday: d, Start: "09:00", End: "18:00"})
	}
	sched, err := calendar.Calendar{TimeZone: "Asia/Tokyo", Hours: hours}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	day := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, jst) }
	from, to := day(2, 0, 0), day(9, 0, 0) // Monday to Monday: 45 service hours
	down := []Interval{
		{Start: day(3, 17, 0), End: day(3, 20, 0)}, // Tuesday: 1 h of it in service hours
		{Start: day(4, 8, 30), End: day(4, 9, 30)}, // Wednesday, inside maintenance
		{Start: day(7, 10, 0), End: day(7, 12, 0)}, // Saturday: no service
	}
	maint := []Interval{{Start: day(4, 8, 0), End: day(4, 10, 0)}} // 1 h of it in service hours
	got := availability(sched, "web", from, to, down, maint)
	// 60 lost minutes of 45 h less the window's service hour: 1 − 60/2640.
	if got.Percent != 97.727 || got.Downtime != Duration(time.Hour) {
		t.Errorf("got %+v, want 97.727%% and 1h of downtime", got)
	}
	// Around the clock the same outages cost 3 h + 2 h of 168 h − 2 h.
	if got := availability(nil, "web", from, to, down, maint); got.Percent != 96.988 || got.Downtime != Duration(5*time.Hour) {
		t.Errorf("24x7: got %+v, want 96.988%% and 5h", got)
	}
}
