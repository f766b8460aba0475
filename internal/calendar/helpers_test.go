package calendar

import (
	"testing"
	"time"
)

// ts parses an RFC 3339 instant with an explicit offset, so that every DST case
// says which of two wall readings it means.
func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustCompile(t testing.TB, c Calendar) *Schedule {
	t.Helper()
	s, err := c.Compile()
	if err != nil {
		t.Fatalf("Compile(%+v): %v", c, err)
	}
	return s
}

func weekdays(start, end string, days ...string) []DayHours {
	var out []DayHours
	for _, d := range days {
		out = append(out, DayHours{Weekday: d, Start: start, End: end})
	}
	return out
}

// tokyo is a Japanese office calendar: weekdays 09:00-18:00 JST (UTC+9, no DST),
// closed over the new year (1-3 Jan) and on 成人の日 2026-01-12 (second Monday).
// 2026-01-01 is a Thursday, so 2025-12-31 is a Wednesday and 2026-01-05 a Monday.
var tokyo = Calendar{
	TimeZone: "Asia/Tokyo",
	Hours:    weekdays("09:00", "18:00", "mon", "tue", "wed", "thu", "fri"),
	Holidays: []string{"2026-01-01", "2026-01-02", "2026-01-03", "2026-01-12"},
}

// newYork is open all Sunday and Monday 09:00-17:00. DST 2026 starts Sunday 8 Mar
// (02:00 EST -> 03:00 EDT, 07:00Z) and ends Sunday 1 Nov (02:00 EDT -> 01:00 EST, 06:00Z).
var newYork = Calendar{
	TimeZone: "America/New_York",
	Hours: []DayHours{
		{Weekday: "sun", Start: "00:00", End: "24:00"},
		{Weekday: "mon", Start: "09:00", End: "17:00"},
	},
}

// newYorkNight is open only Sunday 01:30-02:30 (and Monday, so the walk is not long):
// the range straddles both 2026 DST changes.
var newYorkNight = Calendar{
	TimeZone: "America/New_York",
	Hours: []DayHours{
		{Weekday: "sun", Start: "01:30", End: "02:30"},
		{Weekday: "mon", Start: "09:00", End: "17:00"},
	},
}

// berlin is open Sunday 01:00-04:00 and Monday 08:00-12:00 and 13:00-17:00. DST 2026
// starts Sunday 29 Mar (02:00 CET -> 03:00 CEST, 01:00Z) and ends Sunday 25 Oct
// (03:00 CEST -> 02:00 CET, 01:00Z).
var berlin = Calendar{
	TimeZone: "Europe/Berlin",
	Hours: []DayHours{
		{Weekday: "sun", Start: "01:00", End: "04:00"},
		{Weekday: "mon", Start: "08:00", End: "12:00"},
		{Weekday: "mon", Start: "13:00", End: "17:00"},
	},
}
