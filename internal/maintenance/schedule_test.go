package maintenance

import (
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
)

func TestOneOff(t *testing.T) {
	w := Window{Start: ts("2026-02-01T22:00:00+09:00"), End: ts("2026-02-02T02:00:00+09:00")}
	s := mustCompile(t, w)
	assertIntervals(t, s.Occurrences(ts("2026-02-02T01:00:00+09:00"), ts("2026-02-03T00:00:00+09:00")),
		ivz("2026-02-01T22:00:00+09:00", "2026-02-02T02:00:00+09:00")) // whole, not clipped
	assertIntervals(t, s.Occurrences(ts("2026-02-02T02:00:00+09:00"), ts("2026-02-03T00:00:00+09:00"))) // starts at its end
	if !w.Active(ts("2026-02-01T22:00:00+09:00")) || w.Active(ts("2026-02-02T02:00:00+09:00")) {
		t.Fatal("Active must be half-open")
	}
	// Only 00:00-02:00 of the window lies in 2 Feb.
	if got := w.Covered(ts("2026-02-02T00:00:00+09:00"), ts("2026-02-03T00:00:00+09:00")); got != 2*time.Hour {
		t.Fatalf("Covered = %v, want 2h", got)
	}
}

func TestWeekly(t *testing.T) {
	// Tue and Thu 02:00-04:00 JST in January 2026 (1 Jan is a Thursday).
	w := weekly("Asia/Tokyo", "02:00", "2h", "2026-01-01", "2026-01-13", "tue", "thu")
	s := mustCompile(t, w)
	assertIntervals(t, s.Occurrences(ts("2025-12-01T00:00:00+09:00"), ts("2026-02-01T00:00:00+09:00")),
		ivz("2026-01-01T02:00:00+09:00", "2026-01-01T04:00:00+09:00"),
		ivz("2026-01-06T02:00:00+09:00", "2026-01-06T04:00:00+09:00"),
		ivz("2026-01-08T02:00:00+09:00", "2026-01-08T04:00:00+09:00"),
		ivz("2026-01-13T02:00:00+09:00", "2026-01-13T04:00:00+09:00"), // ends_on is inclusive
	)
	f := func(at string, want bool) {
		t.Helper()
		if got := s.Active(ts(at)); got != want {
			t.Fatalf("Active(%s) = %v, want %v", at, got, want)
		}
	}
	f("2026-01-06T02:00:00+09:00", true)
	f("2026-01-06T03:59:59+09:00", true)
	f("2026-01-06T04:00:00+09:00", false)
	f("2026-01-07T03:00:00+09:00", false) // a Wednesday
	f("2026-01-15T03:00:00+09:00", false) // a Thursday after ends_on
	// Tue 03:00 to Thu 02:30: the last hour of Tuesday's window and 30m of Thursday's.
	if got := s.Covered(ts("2026-01-06T03:00:00+09:00"), ts("2026-01-08T02:30:00+09:00")); got != 90*time.Minute {
		t.Fatalf("Covered = %v, want 1h30m", got)
	}
}

func TestMonthlyLastSundayAcrossAYear(t *testing.T) {
	// The last Sunday of every month of 2026, 02:30 for 1h, in Berlin. The March one
	// falls on the night 02:00 CET jumps to 03:00 CEST: 02:30 does not exist and moves
	// to 03:30 CEST (01:30Z). The October one falls on the night 03:00 CEST goes back
	// to 02:00 CET: 02:30 happens twice and the first, CEST (00:30Z), is taken.
	w := Window{Recurrence: &Recurrence{Frequency: "monthly", Week: "last", Weekday: "sun", StartTime: "02:30",
		Duration: "1h", TimeZone: "Europe/Berlin", StartsOn: "2026-01-01", EndsOn: "2026-12-31"}}
	s := mustCompile(t, w)
	winter := func(date string) Interval { return ivz(date+"T01:30:00Z", date+"T02:30:00Z") } // 02:30 CET
	summer := func(date string) Interval { return ivz(date+"T00:30:00Z", date+"T01:30:00Z") } // 02:30 CEST
	year := []Interval{
		winter("2026-01-25"), winter("2026-02-22"),
		winter("2026-03-29"), // skipped 02:30 read in CET: 01:30Z, shown as 03:30 CEST
		summer("2026-04-26"), summer("2026-05-31"), summer("2026-06-28"), summer("2026-07-26"),
		summer("2026-08-30"), summer("2026-09-27"),
		summer("2026-10-25"), // the first 02:30
		winter("2026-11-29"), winter("2026-12-27"),
	}
	from, to := ts("2026-01-01T00:00:00+01:00"), ts("2027-01-01T00:00:00+01:00")
	assertIntervals(t, s.Occurrences(from, to), year...)
	if got := s.Covered(from, to); got != 12*time.Hour {
		t.Fatalf("Covered(2026) = %v, want 12h", got)
	}
	if got := s.Occurrences(from, to)[2].Start.In(s.rec.loc).Format("15:04 MST"); got != "03:30 CEST" {
		t.Fatalf("March occurrence reads %s on Berlin clocks, want 03:30 CEST", got)
	}
}

func TestMonthlyNthWeekday(t *testing.T) {
	// 2nd Tuesday, 22:00 JST for 3h (to 01:00 next day). Jan 2026: Tuesdays 6, 13;
	// Feb: 1 Feb is a Sunday, Tuesdays 3, 10; Mar: 1 Mar a Sunday, Tuesdays 3, 10.
	second := Window{Recurrence: &Recurrence{Frequency: "monthly", Week: "2", Weekday: "tue", StartTime: "22:00",
		Duration: "3h", TimeZone: "Asia/Tokyo", StartsOn: "2026-01-01", EndsOn: "2026-03-31"}}
	assertIntervals(t, mustCompile(t, second).Occurrences(ts("2026-01-01T00:00:00+09:00"), ts("2026-04-01T00:00:00+09:00")),
		ivz("2026-01-13T22:00:00+09:00", "2026-01-14T01:00:00+09:00"),
		ivz("2026-02-10T22:00:00+09:00", "2026-02-11T01:00:00+09:00"),
		ivz("2026-03-10T22:00:00+09:00", "2026-03-11T01:00:00+09:00"),
	)
	// 4th Friday: Jan Fridays 2, 9, 16, 23, 30 -> 23 (not the last); Feb 6, 13, 20, 27 -> 27 (also the last).
	fourth := Window{Recurrence: &Recurrence{Frequency: "monthly", Week: "4", Weekday: "fri", StartTime: "00:00",
		Duration: "1h", TimeZone: "UTC", StartsOn: "2026-01-01", EndsOn: "2026-02-28"}}
	assertIntervals(t, mustCompile(t, fourth).Occurrences(ts("2026-01-01T00:00:00Z"), ts("2026-03-01T00:00:00Z")),
		ivz("2026-01-23T00:00:00Z", "2026-01-23T01:00:00Z"),
		ivz("2026-02-27T00:00:00Z", "2026-02-27T01:00:00Z"),
	)
}

func TestMonthlyDayPastMonthEnd(t *testing.T) {
	// The 31st means the last day in shorter months; the 29th means 28 Feb except in leap years.
	day := func(n int, from, until string) *Schedule {
		return mustCompile(t, Window{Recurrence: &Recurrence{Frequency: "monthly", DayOfMonth: n, StartTime: "01:00",
			Duration: "1h", TimeZone: "UTC", StartsOn: from, EndsOn: until}})
	}
	starts := func(occs []Interval) []string {
		var out []string
		for _, o := range occs {
			out = append(out, calendar.DateOf(o.Start).String())
		}
		return out
	}
	f := func(s *Schedule, from, to string, want ...string) {
		t.Helper()
		got := starts(s.Occurrences(ts(from), ts(to)))
		if len(got) != len(want) {
			t.Fatalf("occurrences on %v, want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("occurrences on %v, want %v", got, want)
			}
		}
	}
	f(day(31, "2026-01-01", "2026-12-31"), "2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z",
		"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30")
	f(day(29, "2026-01-01", "2028-12-31"), "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-02-28")
	f(day(29, "2026-01-01", "2028-12-31"), "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z", "2028-02-29")
	// starts_on and ends_on bound the dates an occurrence starts on.
	f(day(15, "2026-02-16", "2026-04-15"), "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2026-03-15", "2026-04-15")
}

func TestWindowAcrossMidnightAndDST(t *testing.T) {
	// Saturdays 23:00 in Berlin for 5h: the duration is real time. On the night of
	// 28/29 Mar, 23:00 CET = 22:00Z and 5h later is 03:00Z, which Berlin reads as
	// 05:00 CEST, not 04:00. On 24/25 Oct, 23:00 CEST = 21:00Z, +5h = 02:00Z = 03:00 CET.
	w := weekly("Europe/Berlin", "23:00", "5h", "2026-03-01", "2026-10-31", "sat")
	s := mustCompile(t, w)
	assertIntervals(t, s.Occurrences(ts("2026-03-29T00:00:00Z"), ts("2026-03-29T12:00:00Z")),
		ivz("2026-03-28T23:00:00+01:00", "2026-03-29T05:00:00+02:00"))
	assertIntervals(t, s.Occurrences(ts("2026-10-25T00:00:00Z"), ts("2026-10-25T12:00:00Z")),
		ivz("2026-10-24T23:00:00+02:00", "2026-10-25T03:00:00+01:00"))
	f := func(at string, want bool) {
		t.Helper()
		if got := s.Active(ts(at)); got != want {
			t.Fatalf("Active(%s) = %v, want %v", at, got, want)
		}
	}
	f("2026-03-29T04:30:00+02:00", true)  // still inside: the hour 02-03 never happened
	f("2026-03-29T05:00:00+02:00", false) // ended
	f("2026-10-25T02:30:00+02:00", true)  // the first 02:30 (00:30Z)
	f("2026-10-25T02:30:00+01:00", true)  // the second 02:30 (01:30Z)
	f("2026-10-25T03:00:00+01:00", false)
}

func TestDSTMergesTouchingOccurrences(t *testing.T) {
	// Every day 03:00 for 24h in New York. Sat 7 Mar 03:00 EST (08:00Z) runs to Sun
	// 08:00Z; Sunday's 03:00 is EDT (07:00Z), so the two overlap by an hour and come
	// back as one occurrence, which Monday's (07:00Z) then only touches.
	all := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	s := mustCompile(t, weekly("America/New_York", "03:00", "24h", "2026-03-01", "2026-11-30", all...))
	assertIntervals(t, s.Occurrences(ts("2026-03-07T12:00:00Z"), ts("2026-03-08T12:00:00Z")),
		ivz("2026-03-07T08:00:00Z", "2026-03-09T07:00:00Z"))
	// Counted once: 47h, not 48h.
	if got := s.Covered(ts("2026-03-07T08:00:00Z"), ts("2026-03-09T07:00:00Z")); got != 47*time.Hour {
		t.Fatalf("Covered = %v, want 47h", got)
	}
	// Fall back: Sat 31 Oct 03:00 EDT (07:00Z) + 24h = 1 Nov 07:00Z = 02:00 EST, and
	// Sunday's starts at 03:00 EST (08:00Z): an hour with no window.
	if s.Active(ts("2026-11-01T07:30:00Z")) || !s.Active(ts("2026-11-01T06:59:00Z")) || !s.Active(ts("2026-11-01T08:00:00Z")) {
		t.Fatal("expected a gap 07:00Z-08:00Z on 1 Nov")
	}
}

func TestWallTime(t *testing.T) {
	f := func(zone, date string, tod time.Duration, want string) {
		t.Helper()
		loc, err := calendar.LoadZone(zone)
		if err != nil {
			t.Fatal(err)
		}
		d, err := calendar.ParseDate(date)
		if err != nil {
			t.Fatal(err)
		}
		if got := wallTime(d, tod, loc); !got.Equal(ts(want)) {
			t.Fatalf("wallTime(%s %s %v) = %v, want %s", zone, date, tod, got, want)
		}
	}
	h, m := time.Hour, time.Minute
	f("America/New_York", "2026-03-08", 2*h+30*m, "2026-03-08T03:30:00-04:00") // skipped: forward by the gap
	f("America/New_York", "2026-03-08", 3*h, "2026-03-08T03:00:00-04:00")
	f("America/New_York", "2026-03-08", 1*h+59*m, "2026-03-08T01:59:00-05:00")
	f("America/New_York", "2026-11-01", 1*h+30*m, "2026-11-01T01:30:00-04:00") // twice: the first
	f("America/New_York", "2026-11-01", 2*h, "2026-11-01T02:00:00-05:00")
	f("Europe/Berlin", "2026-10-25", 2*h+30*m, "2026-10-25T02:30:00+02:00")
	// Lord Howe goes forward by 30 minutes, 02:00 -> 02:30, on 4 Oct 2026.
	f("Australia/Lord_Howe", "2026-10-04", 2*h+15*m, "2026-10-04T02:45:00+11:00")
	f("Asia/Tokyo", "2026-01-01", 0, "2026-01-01T00:00:00+09:00")
}

func TestCoverage(t *testing.T) {
	// Two windows overlapping by an hour; the range cuts the first.
	a := mustCompile(t, Window{Start: ts("2026-05-01T00:00:00Z"), End: ts("2026-05-01T03:00:00Z")})
	b := mustCompile(t, Window{Start: ts("2026-05-01T02:00:00Z"), End: ts("2026-05-01T05:00:00Z")})
	got := Coverage([]*Schedule{a, b}, ts("2026-05-01T01:00:00Z"), ts("2026-05-01T12:00:00Z"))
	assertIntervals(t, got, ivz("2026-05-01T01:00:00Z", "2026-05-01T05:00:00Z"))
}

func TestSamoaSkippedDay(t *testing.T) {
	// Found by FuzzOccurrences. Samoa jumped from UTC-10 to UTC+14 at the end of Thu
	// 29 Dec 2011; Friday the 30th never happened. Thu and Sat 08:00 for 32h (the gap
	// Thu->Sat is two days, so allowed): Thu 08:00 -10 = 18:00Z, ending Fri 31 Dec
	// 02:00Z; Sat 08:00 +14 = Fri 30 Dec 18:00Z, 8h before. One merged occurrence,
	// whichever range asks.
	s := mustCompile(t, weekly("Pacific/Apia", "08:00", "32h", "2011-12-01", "2012-01-31", "thu", "sat"))
	want := ivz("2011-12-29T18:00:00Z", "2012-01-01T02:00:00Z") // Sat's: 18:00Z + 32h
	assertIntervals(t, s.Occurrences(ts("2011-12-29T20:00:00Z"), ts("2011-12-29T21:00:00Z")), want)
	assertIntervals(t, s.Occurrences(ts("2011-12-31T20:00:00Z"), ts("2011-12-31T21:00:00Z")), want)
}
