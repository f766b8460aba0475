package calendar

import (
	"time"
	_ "time/tzdata" // zones must load on hosts without a zoneinfo database (containers, Windows)

	"github.com/unyo-ops/unyo/internal/invalid"
)

// weekdayNames is indexed by time.Weekday; it is the only spelling accepted in input.
var weekdayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// WeekdayName returns the input spelling of wd: "sun".."sat".
func WeekdayName(wd time.Weekday) string { return weekdayNames[wd] }

// ParseWeekday parses "mon".."sun"; the error is an *invalid.Error without a field, for the caller to prefix.
func ParseWeekday(s string) (time.Weekday, error) {
	for i, name := range weekdayNames {
		if s == name {
			return time.Weekday(i), nil
		}
	}
	return 0, invalid.New("", "must be one of mon, tue, wed, thu, fri, sat, sun, got %q", s)
}

// ParseClock parses a wall-clock time "HH:MM" (00:00 to 24:00) into the time since midnight.
// Callers that cannot accept 24:00 (a start time) must check for it.
func ParseClock(s string) (time.Duration, error) {
	bad := invalid.New("", "must be HH:MM between 00:00 and 24:00, got %q", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	h, okH := twoDigits(s[0:2])
	m, okM := twoDigits(s[3:5])
	if !okH || !okM || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, bad
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

func twoDigits(s string) (int, bool) {
	if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// LoadZone loads an IANA time zone; "" means UTC. "Local" is refused because
// its meaning would depend on the machine the server happens to run on.
func LoadZone(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, invalid.New("", "must be an IANA zone name such as Asia/Tokyo, not Local")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, invalid.New("", "unknown time zone %q", name)
	}
	return loc, nil
}

// Date is a calendar day with no time zone attached, as written in input ("2026-01-01").
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses "YYYY-MM-DD", refusing days that do not exist (2026-02-30).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, invalid.New("", "must be a date YYYY-MM-DD, got %q", s)
	}
	return DateOf(t), nil
}

// DateOf returns the date of t as read on a wall clock in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats d as "YYYY-MM-DD".
func (d Date) String() string { return d.Midnight().Format(time.DateOnly) }

// Midnight returns 00:00 of d in UTC: the wall clock of d as an instant, for arithmetic on civil time.
func (d Date) Midnight() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns the date n days after d (before, for negative n).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.Midnight().Weekday() }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int { return d.Midnight().Compare(e.Midnight()) }

// DaysInMonth returns how many days the month of d has.
func (d Date) DaysInMonth() int {
	return time.Date(d.Year, d.Month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
