package backup

import (
	"strings"
	"testing"
	"time"
)

func TestScheduleInTheTenantsZone(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, tokyo)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	f := func(expr, now, prev, next string) {
		t.Helper()
		s, err := ParseSchedule(expr)
		if err != nil {
			t.Fatalf("%q: %v", expr, err)
		}
		if got := s.Prev(at(now), tokyo); !got.Equal(at(prev)) {
			t.Errorf("%q Prev(%s) = %s, want %s", expr, now, got.In(tokyo), prev)
		}
		if got := s.Next(at(now), tokyo); !got.Equal(at(next)) {
			t.Errorf("%q Next(%s) = %s, want %s", expr, now, got.In(tokyo), next)
		}
	}
	f("0 2 * * *", "2026-12-07 01:00", "2026-12-06 02:00", "2026-12-07 02:00") // 02:00 Tokyo, not UTC
	f("0 2 * * *", "2026-12-07 02:00", "2026-12-07 02:00", "2026-12-08 02:00")
	f("30 1 * * 0", "2026-12-09 12:00", "2026-12-06 01:30", "2026-12-13 01:30") // Sundays
	f("30 1 * * 7", "2026-12-09 12:00", "2026-12-06 01:30", "2026-12-13 01:30") // 7 is Sunday too
	f("0 */6 * * 1-5", "2026-12-05 10:00", "2026-12-04 18:00", "2026-12-07 00:00")
	f("0 3 1,15 * *", "2026-12-10 00:00", "2026-12-01 03:00", "2026-12-15 03:00")
	f("every 6h", "2026-12-07 13:10", "2026-12-07 12:00", "2026-12-07 18:00")
	f("every 5h", "2026-12-07 22:00", "2026-12-07 20:00", "2026-12-08 00:00") // restarts at midnight
}

func TestScheduleRefusals(t *testing.T) {
	f := func(expr, want string) {
		t.Helper()
		_, err := ParseSchedule(expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error about %q", expr, err, want)
		}
	}
	f("", "five cron fields")
	f("0 2 * *", "five cron fields")
	f("60 2 * * *", "minute")
	f("0 24 * * *", "hour")
	f("0 0 0 * *", "day of month")
	f("0 0 * 13 *", "month")
	f("0 0 * * 8", "day of week")
	f("*/0 * * * *", "step")
	f("5-1 * * * *", "outside")
	f("every 30s", "between 1m")
	f("every often", "not a duration")
}

// FuzzParseSchedule: no expression panics, and an accepted one yields a
// next run after now and a previous one at or before it.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"0 2 * * *", "*/15 * * * 1-5", "every 6h", "0 0 29 2 *", "1,2-5/2 * * * *"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := ParseSchedule(expr)
		if err != nil {
			return
		}
		if next := s.Next(now, time.UTC); !next.IsZero() && !next.After(now) {
			t.Errorf("%q: next %s not after %s", expr, next, now)
		}
		if prev := s.Prev(now, time.UTC); prev.After(now) {
			t.Errorf("%q: prev %s after %s", expr, prev, now)
		}
	})
}

// TestScheduleSkipsAgreeWithEveryMinute: Prev and Next, which skip days and
// hours that cannot match, find what a walk over every minute finds, also
// across daylight saving time.
func TestScheduleSkipsAgreeWithEveryMinute(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	walk := func(s Schedule, t time.Time, loc *time.Location, step time.Duration) time.Time {
		m := t.In(loc).Truncate(time.Minute)
		if step > 0 {
			m = m.Add(step)
		}
		for range 40 * 24 * 60 {
			if s.dayMatches(m) && s.hour[m.Hour()] && s.min[m.Minute()] {
				return m
			}
			m = m.Add(step)
		}
		return time.Time{}
	}
	starts := []time.Time{time.Date(2026, 3, 8, 1, 30, 0, 0, ny), time.Date(2026, 3, 8, 3, 1, 0, 0, ny), time.Date(2026, 11, 1, 1, 30, 0, 0, ny),
		time.Date(2026, 11, 1, 2, 30, 0, 0, ny), time.Date(2026, 12, 31, 23, 59, 0, 0, tokyo), time.Date(2026, 2, 28, 12, 17, 0, 0, tokyo)}
	for _, expr := range []string{"0 2 * * *", "30 2 * * *", "*/15 * * * 1-5", "0 3 1,15 * *", "59 23 * * 0", "0 10 1 1,4,7,10 *", "5,55 1-3 * * *"} {
		s, err := ParseSchedule(expr)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range starts {
			for _, loc := range []*time.Location{ny, tokyo} {
				if expr == "0 10 1 1,4,7,10 *" {
					continue // further than the walk goes
				}
				if got, want := s.Prev(at, loc), walk(s, at, loc, -time.Minute); !got.Equal(want) {
					t.Errorf("%q Prev(%s in %s) = %s, want %s", expr, at, loc, got, want)
				}
				if got, want := s.Next(at, loc), walk(s, at, loc, time.Minute); !got.Equal(want) {
					t.Errorf("%q Next(%s in %s) = %s, want %s", expr, at, loc, got, want)
				}
			}
		}
	}
}
