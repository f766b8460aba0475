package calendar

import (
	"testing"
	"time"
)

// jst reads "2026-01-05 09:00" as Tokyo wall time (UTC+9 all year).
func jst(s string) time.Time { return ts(s[:10] + "T" + s[11:] + ":00+09:00") }

func TestElapsedTokyo(t *testing.T) {
	s := mustCompile(t, tokyo)
	f := func(from, to string, want time.Duration) {
		t.Helper()
		if got := s.Elapsed(jst(from), jst(to)); got != want {
			t.Fatalf("Elapsed(%s, %s) = %v, want %v", from, to, got, want)
		}
	}
	f("2026-01-05 10:00", "2026-01-05 15:30", 5*time.Hour+30*time.Minute) // inside one day
	f("2026-01-05 07:00", "2026-01-05 20:00", 9*time.Hour)                // whole day from outside
	f("2026-01-05 19:00", "2026-01-05 23:00", 0)                          // night only
	f("2026-01-05 17:00", "2026-01-06 10:00", 2*time.Hour)                // 17-18 + 09-10 across the night
	f("2026-01-05 18:00", "2026-01-06 09:00", 0)                          // closing to opening: nothing
	f("2026-01-05 10:00", "2026-01-05 10:00", 0)                          // empty
	f("2026-01-06 10:00", "2026-01-05 10:00", 0)                          // inverted
	// Fri 9 Jan 17:00 -> Tue 13 Jan 10:00: Fri 1h, Sat and Sun closed, Mon 12 Jan is
	// 成人の日, Tue 1h = 2h.
	f("2026-01-09 17:00", "2026-01-13 10:00", 2*time.Hour)
	// Wed 31 Dec 17:00 -> Mon 5 Jan 12:00: Wed 1h; Thu 1, Fri 2 holidays; Sat 3 holiday
	// and weekend; Sun closed; Mon 09-12 3h = 4h.
	f("2025-12-31 17:00", "2026-01-05 12:00", 4*time.Hour)
	f("2026-01-19 00:00", "2026-01-26 00:00", 45*time.Hour) // a plain week: 5 days x 9h
	// All of 2026: 365 days from a Thursday = 52 weeks + one Thursday, so 52*5+1 = 261
	// weekdays; minus the holidays on weekdays (1 Jan Thu, 2 Jan Fri, 12 Jan Mon; 3 Jan
	// is a Saturday) = 258 days x 9h = 2322h.
	f("2026-01-01 00:00", "2027-01-01 00:00", 2322*time.Hour)
}

func TestAddTokyo(t *testing.T) {
	s := mustCompile(t, tokyo)
	f := func(from string, d time.Duration, want string) {
		t.Helper()
		if got := s.Add(jst(from), d); !got.Equal(jst(want)) {
			t.Fatalf("Add(%s, %v) = %v, want %s", from, d, got, want)
		}
	}
	f("2026-01-05 10:00", 2*time.Hour, "2026-01-05 12:00")
	f("2026-01-05 10:00", 8*time.Hour, "2026-01-05 18:00") // uses up the day: closing time, not next opening
	f("2026-01-05 17:00", 2*time.Hour, "2026-01-06 10:00") // 1h Mon + 1h Tue
	f("2026-01-05 20:00", 30*time.Minute, "2026-01-06 09:30")
	// From Saturday night: Sun closed, Mon 12 Jan a holiday; counting starts Tue 09:00.
	f("2026-01-10 03:00", time.Hour, "2026-01-13 10:00")
	// The year-end example: 1h on Wed 31 Dec, then 3h from Mon 5 Jan 09:00.
	f("2025-12-31 17:00", 4*time.Hour, "2026-01-05 12:00")
	f("2026-01-10 03:00", 0, "2026-01-10 03:00") // zero stays put, even when closed
	f("2026-01-10 03:00", -time.Hour, "2026-01-10 03:00")
	// 2322h is the whole of 2026 (see TestElapsedTokyo): it runs out at the close of
	// the last business day, Thursday 31 Dec 2026.
	f("2026-01-01 00:00", 2322*time.Hour, "2026-12-31 18:00")
	if got, want := s.Add(jst("2026-01-16 18:00"), time.Nanosecond), jst("2026-01-19 09:00").Add(time.Nanosecond); !got.Equal(want) {
		t.Fatalf("Add(Fri closing, 1ns) = %v, want %v", got, want)
	}
}

func TestOpenAndNextOpenTokyo(t *testing.T) {
	s := mustCompile(t, tokyo)
	open := func(at time.Time, want bool) {
		t.Helper()
		if got := s.Open(at); got != want {
			t.Fatalf("Open(%v) = %v, want %v", at, got, want)
		}
	}
	open(jst("2026-01-05 09:00"), true)
	open(jst("2026-01-05 09:00").Add(-time.Nanosecond), false)
	open(jst("2026-01-05 18:00").Add(-time.Nanosecond), true)
	open(jst("2026-01-05 18:00"), false)
	open(jst("2026-01-12 10:00"), false)    // holiday
	open(jst("2026-01-10 10:00"), false)    // Saturday
	open(ts("2026-01-05T00:00:00Z"), true)  // 09:00 JST, given in UTC
	open(ts("2026-01-04T23:59:00Z"), false) // 08:59 JST

	next := func(at, want string) {
		t.Helper()
		if got := s.NextOpen(jst(at)); !got.Equal(jst(want)) {
			t.Fatalf("NextOpen(%s) = %v, want %s", at, got, want)
		}
	}
	next("2026-01-05 10:00", "2026-01-05 10:00") // already open
	next("2026-01-05 18:00", "2026-01-06 09:00")
	next("2026-01-09 18:00", "2026-01-13 09:00") // weekend then 成人の日
	next("2025-12-31 18:00", "2026-01-05 09:00") // new year
}

func TestIntervalsAndOverlapTokyo(t *testing.T) {
	s := mustCompile(t, tokyo)
	got := s.Intervals(jst("2026-01-09 17:00"), jst("2026-01-13 10:00"))
	want := []Interval{
		{jst("2026-01-09 17:00"), jst("2026-01-09 18:00")},
		{jst("2026-01-13 09:00"), jst("2026-01-13 10:00")},
	}
	assertIntervals(t, got, want)

	// Outages [08:00,10:00) and [09:30,11:00) overlap: their union [08:00,11:00) holds
	// 2h of service (09-11), counted once. [17:30, Tue 09:30) holds 30m + 30m. Total 3h.
	outages := []Interval{
		{jst("2026-01-05 09:30"), jst("2026-01-05 11:00")},
		{jst("2026-01-05 08:00"), jst("2026-01-05 10:00")},
		{jst("2026-01-05 17:30"), jst("2026-01-06 09:30")},
	}
	if got := s.Overlap(outages); got != 3*time.Hour {
		t.Fatalf("Overlap = %v, want 3h", got)
	}
	if got := tokyo.Overlap(outages); got != 3*time.Hour {
		t.Fatalf("Calendar.Overlap = %v, want 3h", got)
	}
}

func TestTouchingHoursJoin(t *testing.T) {
	c := Calendar{TimeZone: "Asia/Tokyo", Hours: []DayHours{
		{Weekday: "mon", Start: "12:00", End: "18:00"},
		{Weekday: "mon", Start: "09:00", End: "12:00"},
		{Weekday: "mon", Start: "20:00", End: "24:00"},
		{Weekday: "tue", Start: "00:00", End: "02:00"},
	}}
	s := mustCompile(t, c)
	if !s.Open(jst("2026-01-05 12:00")) {
		t.Fatal("closed at 12:00 where two ranges touch")
	}
	// Mon 09-18 (9h) + Mon 20-24 (4h) + Tue 00-02 (2h) = 15h; the last two read as one stretch.
	from, to := jst("2026-01-05 00:00"), jst("2026-01-07 00:00")
	if got := s.Elapsed(from, to); got != 15*time.Hour {
		t.Fatalf("Elapsed = %v, want 15h", got)
	}
	assertIntervals(t, s.Intervals(from, to), []Interval{
		{jst("2026-01-05 09:00"), jst("2026-01-05 18:00")},
		{jst("2026-01-05 20:00"), jst("2026-01-06 02:00")},
	})
}

func Test24x7(t *testing.T) {
	s := mustCompile(t, Calendar{TimeZone: "America/New_York"})
	// 24x7 counts real time: the spring-forward day has 23 hours of it.
	from, to := ts("2026-03-08T00:00:00-05:00"), ts("2026-03-09T00:00:00-04:00")
	if got := s.Elapsed(from, to); got != 23*time.Hour {
		t.Fatalf("Elapsed = %v, want 23h", got)
	}
	// With a holiday, 24x7 means every day but that one (in the calendar's zone).
	h := mustCompile(t, Calendar{TimeZone: "Asia/Tokyo", Holidays: []string{"2026-01-01"}})
	if got := h.Elapsed(jst("2025-12-31 00:00"), jst("2026-01-03 00:00")); got != 48*time.Hour {
		t.Fatalf("Elapsed over a holiday = %v, want 48h", got)
	}
	if got := h.NextOpen(jst("2026-01-01 12:00")); !got.Equal(jst("2026-01-02 00:00")) {
		t.Fatalf("NextOpen = %v", got)
	}
	if got := h.Add(jst("2025-12-31 23:00"), 2*time.Hour); !got.Equal(jst("2026-01-02 01:00")) {
		t.Fatalf("Add = %v", got)
	}
	// 31 Dec and 2 Jan are open all day and 1 Jan is not: one stretch each side.
	assertIntervals(t, h.Intervals(jst("2025-12-31 22:00"), jst("2026-01-02 03:00")), []Interval{
		{jst("2025-12-31 22:00"), jst("2026-01-01 00:00")},
		{jst("2026-01-02 00:00"), jst("2026-01-02 03:00")},
	})
}

func assertIntervals(t *testing.T, got, want []Interval) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d intervals %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range got {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
			t.Fatalf("interval %d = [%v, %v), want [%v, %v)", i, got[i].Start, got[i].End, want[i].Start, want[i].End)
		}
	}
}
