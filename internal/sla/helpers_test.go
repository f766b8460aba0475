package sla

import (
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// jst reads "2026-01-05 09:00" as Tokyo wall time (UTC+9 all year).
func jst(s string) time.Time { return ts(s[:10] + "T" + s[11:] + ":00+09:00") }

// office is weekdays 09:00-18:00 JST, closed 1-3 Jan and 12 Jan 2026 (成人の日).
// 2026-01-05 is a Monday; 2025-12-31 a Wednesday; 2026-01-16 a Friday.
func office(t testing.TB) *calendar.Schedule {
	t.Helper()
	var hours []calendar.DayHours
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		hours = append(hours, calendar.DayHours{Weekday: d, Start: "09:00", End: "18:00"})
	}
	s, err := calendar.Calendar{
		TimeZone: "Asia/Tokyo",
		Hours:    hours,
		Holidays: []string{"2026-01-01", "2026-01-02", "2026-01-03", "2026-01-12"},
	}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustClock(t testing.TB, target time.Duration, cal *calendar.Schedule, events ...Event) Clock {
	t.Helper()
	c, err := FromEvents(target, cal, events)
	if err != nil {
		t.Fatalf("FromEvents: %v", err)
	}
	return c
}

func start(at time.Time) Event  { return Event{At: at, Kind: EventStart} }
func pause(at time.Time) Event  { return Event{At: at, Kind: EventPause} }
func resume(at time.Time) Event { return Event{At: at, Kind: EventResume} }
func stop(at time.Time) Event   { return Event{At: at, Kind: EventStop} }

func assertStatus(t *testing.T, got, want Status) {
	t.Helper()
	if got.State != want.State || got.Elapsed != want.Elapsed || got.Remaining != want.Remaining ||
		got.Warned != want.Warned || !got.Deadline.Equal(want.Deadline) ||
		!got.WarnAt.Equal(want.WarnAt) || !got.BreachedAt.Equal(want.BreachedAt) {
		t.Fatalf("status\n got %s\nwant %s", show(got), show(want))
	}
}

func show(s Status) string {
	f := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.RFC3339)
	}
	return string(s.State) + " elapsed=" + s.Elapsed.String() + " remaining=" + s.Remaining.String() +
		" deadline=" + f(s.Deadline) + " warned=" + map[bool]string{true: "yes", false: "no"}[s.Warned] +
		" warnAt=" + f(s.WarnAt) + " breachedAt=" + f(s.BreachedAt)
}
