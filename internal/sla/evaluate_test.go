package sla

import (
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
)

func TestEvaluateRunning(t *testing.T) {
	cal := office(t)
	h := time.Hour
	f := func(c Clock, now string, want Status) {
		t.Helper()
		assertStatus(t, Evaluate(c, jst(now)), want)
	}
	// Target 4h from Mon 10:00: the warning (75% = 3h) at 13:00, the deadline at 14:00.
	c := mustClock(t, 4*h, cal, start(jst("2026-01-05 10:00")))
	f(c, "2026-01-05 12:00", Status{State: StateRunning, Elapsed: 2 * h, Remaining: 2 * h,
		Deadline: jst("2026-01-05 14:00"), WarnAt: jst("2026-01-05 13:00")})
	f(c, "2026-01-05 13:30", Status{State: StateRunning, Elapsed: 3*h + 30*time.Minute, Remaining: 30 * time.Minute,
		Deadline: jst("2026-01-05 14:00"), Warned: true, WarnAt: jst("2026-01-05 13:00")})
	// An hour past: breached, Remaining shows how far over, the deadline stays where it was.
	f(c, "2026-01-05 15:00", Status{State: StateBreached, Elapsed: 5 * h, Remaining: -h,
		Deadline: jst("2026-01-05 14:00"), Warned: true, WarnAt: jst("2026-01-05 13:00"), BreachedAt: jst("2026-01-05 14:00")})
	// Before the start nothing has counted; the deadline is already known.
	f(c, "2026-01-05 09:00", Status{State: StateRunning, Remaining: 4 * h,
		Deadline: jst("2026-01-05 14:00"), WarnAt: jst("2026-01-05 13:00")})

	// Over the night: Mon 17:00 start, Tue 08:00 now = 1h counted; 3h left from Tue 09:00.
	night := mustClock(t, 4*h, cal, start(jst("2026-01-05 17:00")))
	f(night, "2026-01-06 08:00", Status{State: StateRunning, Elapsed: h, Remaining: 3 * h,
		Deadline: jst("2026-01-06 12:00"), WarnAt: jst("2026-01-06 11:00")})

	// Over a weekend: Fri 16 Jan 16:00 + 2h Fri, then 2h from Mon 19 Jan 09:00.
	weekend := mustClock(t, 4*h, cal, start(jst("2026-01-16 16:00")))
	f(weekend, "2026-01-17 12:00", Status{State: StateRunning, Elapsed: 2 * h, Remaining: 2 * h,
		Deadline: jst("2026-01-19 11:00"), WarnAt: jst("2026-01-19 10:00")})

	// Over the new year: Wed 31 Dec 17:00, 1h; 1-3 Jan are holidays, 4 Jan a Sunday;
	// 3h from Mon 5 Jan 09:00 = 12:00; the 3h mark at 11:00.
	newYear := mustClock(t, 4*h, cal, start(jst("2025-12-31 17:00")))
	f(newYear, "2026-01-02 12:00", Status{State: StateRunning, Elapsed: h, Remaining: 3 * h,
		Deadline: jst("2026-01-05 12:00"), WarnAt: jst("2026-01-05 11:00")})

	// Target 8h from Mon 10:00 runs out at Mon 18:00 sharp, the close. At 20:00 no more
	// business time has passed, but the target is reached: it is breached, not "due tomorrow".
	closing := mustClock(t, 8*h, cal, start(jst("2026-01-05 10:00")))
	f(closing, "2026-01-05 20:00", Status{State: StateBreached, Elapsed: 8 * h, Remaining: 0,
		Deadline: jst("2026-01-05 18:00"), Warned: true, WarnAt: jst("2026-01-05 16:00"), BreachedAt: jst("2026-01-05 18:00")})
}

func TestEvaluatePauses(t *testing.T) {
	cal := office(t)
	h := time.Hour
	f := func(c Clock, now string, want Status) {
		t.Helper()
		assertStatus(t, Evaluate(c, jst(now)), want)
	}
	// Paused short of the warning: no deadline, no warning instant.
	c := mustClock(t, 4*h, cal, start(jst("2026-01-05 10:00")), pause(jst("2026-01-05 11:00")))
	f(c, "2026-01-05 15:00", Status{State: StatePaused, Elapsed: h, Remaining: 3 * h})
	// As of 10:30 the pause has not happened yet: 3h30m left from 10:30 is 14:00, and the
	// projection ignores the pause to come (the 3h mark at 13:00).
	f(c, "2026-01-05 10:30", Status{State: StateRunning, Elapsed: 30 * time.Minute, Remaining: 3*h + 30*time.Minute,
		Deadline: jst("2026-01-05 14:00"), WarnAt: jst("2026-01-05 13:00")})

	// Paused after the warning: the warning instant stays in the past.
	c = mustClock(t, 4*h, cal, start(jst("2026-01-05 10:00")), pause(jst("2026-01-05 13:30")))
	f(c, "2026-01-05 16:00", Status{State: StatePaused, Elapsed: 3*h + 30*time.Minute, Remaining: 30 * time.Minute,
		Warned: true, WarnAt: jst("2026-01-05 13:00")})

	// Paused after the breach: a breach is final; paused shows in the missing deadline.
	c = mustClock(t, 4*h, cal, start(jst("2026-01-05 10:00")), pause(jst("2026-01-05 15:00")))
	f(c, "2026-01-05 17:00", Status{State: StateBreached, Elapsed: 5 * h, Remaining: -h,
		Warned: true, WarnAt: jst("2026-01-05 13:00"), BreachedAt: jst("2026-01-05 14:00")})

	// A pause that starts outside hours (Fri 20:00) and ends Mon 10:00 removes only
	// Mon 09:00-10:00. Counted: Fri 17-18 (1h) + Mon 10-12 (2h) = 3h; target 8h leaves
	// 5h from Mon 12:00 = 17:00; the 6h warning at 15:00.
	c = mustClock(t, 8*h, cal, start(jst("2026-01-16 17:00")),
		pause(jst("2026-01-16 20:00")), resume(jst("2026-01-19 10:00")))
	f(c, "2026-01-19 12:00", Status{State: StateRunning, Elapsed: 3 * h, Remaining: 5 * h,
		Deadline: jst("2026-01-19 17:00"), WarnAt: jst("2026-01-19 15:00")})

	// Resumed on a holiday (Fri 2 Jan): nothing counts until Mon 5 Jan 09:00.
	// Wed 31 Dec 10-12 (2h) + Mon 09-11 (2h) = 4h; 4h left from 11:00 = 15:00; 6h at 13:00.
	c = mustClock(t, 8*h, cal, start(jst("2025-12-31 10:00")),
		pause(jst("2025-12-31 12:00")), resume(jst("2026-01-02 10:00")))
	f(c, "2026-01-05 11:00", Status{State: StateRunning, Elapsed: 4 * h, Remaining: 4 * h,
		Deadline: jst("2026-01-05 15:00"), WarnAt: jst("2026-01-05 13:00")})

	// The warning falls in the second run: 2h before the pause (Mon 10-12), 1h more
	// after resuming at 14:00 reaches 3h at 15:00; the deadline 16:00.
	c = mustClock(t, 4*h, cal, start(jst("2026-01-05 10:00")),
		pause(jst("2026-01-05 12:00")), resume(jst("2026-01-05 14:00")))
	f(c, "2026-01-05 15:30", Status{State: StateRunning, Elapsed: 3*h + 30*time.Minute, Remaining: 30 * time.Minute,
		Deadline: jst("2026-01-05 16:00"), Warned: true, WarnAt: jst("2026-01-05 15:00")})
}

func TestEvaluateStopped(t *testing.T) {
	cal := office(t)
	h := time.Hour
	f := func(c Clock, now string, want Status) {
		t.Helper()
		assertStatus(t, Evaluate(c, jst(now)), want)
	}
	// Stopped while paused: resolved straight from On Hold. Only Mon 10-11 counted.
	c := mustClock(t, 4*h, cal, start(jst("2026-01-05 10:00")), pause(jst("2026-01-05 11:00")), stop(jst("2026-01-05 15:00")))
	f(c, "2026-01-06 10:00", Status{State: StateMet, Elapsed: h, Remaining: 3 * h})

	// Stopped a second before the deadline: met, after the warning.
	c = mustClock(t, 4*h, cal, start(jst("2026-01-05 10:00")), stop(jst("2026-01-05 14:00").Add(-time.Second)))
	f(c, "2026-01-06 10:00", Status{State: StateMet, Elapsed: 4*h - time.Second, Remaining: time.Second,
		Warned: true, WarnAt: jst("2026-01-05 13:00")})

	// Stopped at the deadline itself: the target was reached, so breached.
	c = mustClock(t, 4*h, cal, start(jst("2026-01-05 10:00")), stop(jst("2026-01-05 14:00")))
	f(c, "2026-01-06 10:00", Status{State: StateBreached, Elapsed: 4 * h, Remaining: 0,
		Warned: true, WarnAt: jst("2026-01-05 13:00"), BreachedAt: jst("2026-01-05 14:00")})

	// Stopped the next morning before opening after running out at the close: breached
	// at 18:00, though no business time passed overnight.
	c = mustClock(t, 8*h, cal, start(jst("2026-01-05 10:00")), stop(jst("2026-01-06 08:00")))
	f(c, "2026-01-06 10:00", Status{State: StateBreached, Elapsed: 8 * h, Remaining: 0,
		Warned: true, WarnAt: jst("2026-01-05 16:00"), BreachedAt: jst("2026-01-05 18:00")})

	// Evaluated before its stop, the clock is still running.
	f(c, "2026-01-05 12:00", Status{State: StateRunning, Elapsed: 2 * h, Remaining: 6 * h,
		Deadline: jst("2026-01-05 18:00"), WarnAt: jst("2026-01-05 16:00")})
}

func TestEvaluate24x7AndWarningShare(t *testing.T) {
	t0 := ts("2026-03-08T00:00:00-05:00")
	m := time.Minute
	// No calendar: real time. 30m target; paused 10m-20m; now +25m = 15m counted.
	// The 75% mark, 22m30s, comes 7m30s after now: +32m30s; the deadline +40m.
	c := mustClock(t, 30*m, nil, start(t0), pause(t0.Add(10*m)), resume(t0.Add(20*m)))
	assertStatus(t, Evaluate(c, t0.Add(25*m)), Status{State: StateRunning, Elapsed: 15 * m, Remaining: 15 * m,
		Deadline: t0.Add(40 * m), WarnAt: t0.Add(32*m + 30*time.Second)})

	c.Warning = 0.5 // 15m: reached exactly now
	assertStatus(t, Evaluate(c, t0.Add(25*m)), Status{State: StateRunning, Elapsed: 15 * m, Remaining: 15 * m,
		Deadline: t0.Add(40 * m), Warned: true, WarnAt: t0.Add(25 * m)})
}

func TestEvaluateAcrossDST(t *testing.T) {
	// New York, open all Sunday and Monday 09-17. A 24h target from Sunday 8 Mar 00:00
	// EST: Sunday has only 23h (spring forward), so 1h is left for Monday: 10:00 EDT.
	// The 18h mark: 05:00Z + 18h = 23:00Z = 19:00 EDT.
	cal, err := calendar.Calendar{TimeZone: "America/New_York", Hours: []calendar.DayHours{
		{Weekday: "sun", Start: "00:00", End: "24:00"},
		{Weekday: "mon", Start: "09:00", End: "17:00"},
	}}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	c := mustClock(t, 24*time.Hour, cal, start(ts("2026-03-08T00:00:00-05:00")))
	assertStatus(t, Evaluate(c, ts("2026-03-08T12:00:00-04:00")), Status{State: StateRunning,
		Elapsed: 11 * time.Hour, Remaining: 13 * time.Hour, // 05:00Z to 16:00Z
		Deadline: ts("2026-03-09T10:00:00-04:00"), WarnAt: ts("2026-03-08T19:00:00-04:00")})
}

func TestWarnAtIsStable(t *testing.T) {
	// The scheduler keys the once-only warning on WarnAt: every evaluation after the
	// crossing must report the same instant, and so must the projection before it.
	cal := office(t)
	c := mustClock(t, 4*time.Hour, cal, start(jst("2026-01-05 10:00")))
	want := jst("2026-01-05 13:00")
	for now := jst("2026-01-05 10:00"); now.Before(jst("2026-01-07 00:00")); now = now.Add(7 * time.Minute) {
		if got := Evaluate(c, now).WarnAt; !got.Equal(want) {
			t.Fatalf("WarnAt as of %v = %v, want %v", now, got, want)
		}
	}
}

func TestEventsTakeEffectAtTheirInstant(t *testing.T) {
	// Found by FuzzEvaluate: evaluated at the very instant of a pause, the clock must
	// already be paused, or it reports a deadline that the pause then moves.
	c := mustClock(t, 4*time.Hour, nil, start(jst("2026-01-05 10:00")), pause(jst("2026-01-05 11:00")))
	assertStatus(t, Evaluate(c, jst("2026-01-05 11:00")), Status{State: StatePaused, Elapsed: time.Hour, Remaining: 3 * time.Hour})
	c = mustClock(t, 4*time.Hour, nil, start(jst("2026-01-05 10:00")), pause(jst("2026-01-05 11:00")), resume(jst("2026-01-05 12:00")))
	assertStatus(t, Evaluate(c, jst("2026-01-05 12:00")), Status{State: StateRunning, Elapsed: time.Hour, Remaining: 3 * time.Hour,
		Deadline: jst("2026-01-05 15:00"), WarnAt: jst("2026-01-05 14:00")})
}
