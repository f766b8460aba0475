package calendar

import (
	"testing"
	"time"
)

func TestElapsedAcrossDST(t *testing.T) {
	f := func(c Calendar, from, to string, want time.Duration) {
		t.Helper()
		if got := mustCompile(t, c).Elapsed(ts(from), ts(to)); got != want {
			t.Fatalf("%s Elapsed(%s, %s) = %v, want %v", c.TimeZone, from, to, got, want)
		}
	}
	// New York, open all Sunday. Spring forward: Sunday 00:00 EST (05:00Z) to Monday
	// 00:00 EDT (04:00Z) is 23h of real time, all of it service.
	f(newYork, "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 23*time.Hour)
	// Sat noon to Tue noon: Sunday 23h + Monday 09-17 8h = 31h.
	f(newYork, "2026-03-07T12:00:00-05:00", "2026-03-10T12:00:00-04:00", 31*time.Hour)
	// Fall back: Sunday 00:00 EDT (04:00Z) to Monday 00:00 EST (05:00Z) is 25h.
	f(newYork, "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 25*time.Hour)
	// An ordinary Sunday: 24h.
	f(newYork, "2026-11-08T00:00:00-05:00", "2026-11-09T00:00:00-05:00", 24*time.Hour)

	// Sunday 01:30-02:30 on the fall-back day. The wall clock reads 01:30-02:00 EDT
	// (05:30-06:00Z, 30m), then falls back to 01:00 EST: 01:00-01:30 EST (06:00-06:30Z)
	// is outside the range, 01:30-02:30 EST (06:30-07:30Z) inside, 1h. Total 1h30m.
	f(newYorkNight, "2026-11-01T00:00:00-04:00", "2026-11-01T12:00:00-05:00", 90*time.Minute)
	// The same range on the spring-forward day: 01:30-02:00 EST exists (30m), 02:00-02:30 does not.
	f(newYorkNight, "2026-03-08T00:00:00-05:00", "2026-03-08T12:00:00-04:00", 30*time.Minute)
	f(newYorkNight, "2026-11-08T00:00:00-05:00", "2026-11-08T12:00:00-05:00", time.Hour)

	// Berlin Sunday 01:00-04:00. Spring forward: 01:00-02:00 CET (00:00-01:00Z), then
	// the clock jumps to 03:00 CEST; 03:00-04:00 CEST (01:00-02:00Z). 2h.
	f(berlin, "2026-03-28T12:00:00+01:00", "2026-03-30T00:00:00+02:00", 2*time.Hour)
	// Fall back: 01:00-03:00 CEST (23:00Z Sat - 01:00Z), then 02:00-04:00 CET (01:00-03:00Z). 4h.
	f(berlin, "2026-10-24T12:00:00+02:00", "2026-10-26T00:00:00+01:00", 4*time.Hour)
	// Monday with a lunch break: 08-12 + 13-17 = 8h.
	f(berlin, "2026-03-30T00:00:00+02:00", "2026-03-31T00:00:00+02:00", 8*time.Hour)
}

func TestAddAcrossDST(t *testing.T) {
	f := func(c Calendar, from string, d time.Duration, want string) {
		t.Helper()
		if got := mustCompile(t, c).Add(ts(from), d); !got.Equal(ts(want)) {
			t.Fatalf("%s Add(%s, %v) = %v, want %s", c.TimeZone, from, d, got, want)
		}
	}
	// Sunday 00:00 EST (05:00Z) + 3h = 08:00Z, which New York reads as 04:00 EDT: the
	// hour 02:00-03:00 never happened.
	f(newYork, "2026-03-08T00:00:00-05:00", 3*time.Hour, "2026-03-08T04:00:00-04:00")
	// Saturday is closed; Sunday 1 Nov holds 25h, which runs out at Monday 00:00 EST.
	f(newYork, "2026-10-31T12:00:00-04:00", 25*time.Hour, "2026-11-02T00:00:00-05:00")
	// 45m from before the fall-back range: 30m in 01:30-02:00 EDT, then 15m from 01:30 EST.
	f(newYorkNight, "2026-11-01T00:00:00-04:00", 45*time.Minute, "2026-11-01T01:45:00-05:00")
	// Berlin fall back: Sunday opens 01:00 CEST (23:00Z Sat); 3h later is 02:00Z = 03:00 CET.
	f(berlin, "2026-10-24T12:00:00+02:00", 3*time.Hour, "2026-10-25T03:00:00+01:00")
	// Berlin spring forward: opens 01:00 CET (00:00Z); 90m later is 01:30Z = 03:30 CEST.
	f(berlin, "2026-03-28T12:00:00+01:00", 90*time.Minute, "2026-03-29T03:30:00+02:00")
	// Lunch: 11:00 + 2h = 1h before lunch, 1h after = 14:00.
	f(berlin, "2026-03-30T11:00:00+02:00", 2*time.Hour, "2026-03-30T14:00:00+02:00")
}

func TestOpenAcrossDST(t *testing.T) {
	s := mustCompile(t, newYorkNight)
	f := func(at string, want bool) {
		t.Helper()
		if got := s.Open(ts(at)); got != want {
			t.Fatalf("Open(%s) = %v, want %v", at, got, want)
		}
	}
	f("2026-11-01T05:45:00Z", true)  // 01:45 EDT
	f("2026-11-01T06:15:00Z", false) // 01:15 EST, the repeated hour before the range
	f("2026-11-01T06:45:00Z", true)  // 01:45 EST
	f("2026-11-01T07:30:00Z", false) // 02:30 EST
	if got := s.NextOpen(ts("2026-11-01T06:00:00Z")); !got.Equal(ts("2026-11-01T06:30:00Z")) {
		t.Fatalf("NextOpen = %v, want 06:30Z (01:30 EST)", got)
	}
	b := mustCompile(t, berlin)
	// The whole of the Berlin fall-back Sunday's service is one stretch 23:00Z-03:00Z,
	// although it is walked as two (one per UTC offset).
	assertIntervals(t, b.Intervals(ts("2026-10-24T00:00:00Z"), ts("2026-10-26T00:00:00Z")), []Interval{
		{ts("2026-10-24T23:00:00Z"), ts("2026-10-25T03:00:00Z")},
	})
}

// TestElapsedMatchesMinuteCount checks the day walk against a dumb oracle: step
// through a fortnight around each DST change minute by minute and count the minutes
// Open reports. All ranges and all transitions of these zones fall on whole minutes,
// so the two must agree exactly.
func TestElapsedMatchesMinuteCount(t *testing.T) {
	cases := []struct {
		cal   Calendar
		start string
	}{
		{newYork, "2026-03-01T00:00:00Z"},
		{newYork, "2026-10-25T00:00:00Z"},
		{newYorkNight, "2026-10-25T00:00:00Z"},
		{berlin, "2026-03-22T00:00:00Z"},
		{berlin, "2026-10-18T00:00:00Z"},
		{tokyo, "2025-12-25T00:00:00Z"},
		// Lord Howe moves its clocks by 30 minutes, at 02:00 local.
		{Calendar{TimeZone: "Australia/Lord_Howe", Hours: weekdays("01:15", "02:45", "sat", "sun")}, "2026-03-30T00:00:00Z"},
		{Calendar{TimeZone: "Australia/Lord_Howe", Hours: weekdays("01:15", "02:45", "sat", "sun")}, "2026-09-28T00:00:00Z"},
	}
	for _, c := range cases {
		s := mustCompile(t, c.cal)
		from := ts(c.start)
		to := from.Add(14 * 24 * time.Hour)
		var want time.Duration
		for m := from; m.Before(to); m = m.Add(time.Minute) {
			if s.Open(m) {
				want += time.Minute
			}
		}
		if want == 0 {
			t.Fatalf("%s from %s: oracle found no open time; the case tests nothing", c.cal.TimeZone, c.start)
		}
		if got := s.Elapsed(from, to); got != want {
			t.Errorf("%s from %s: Elapsed = %v, minute count = %v", c.cal.TimeZone, c.start, got, want)
		}
	}
}
