package sla

import (
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
)

var fuzzZones = []string{"UTC", "Asia/Tokyo", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"}

// fuzzSchedule opens every weekday whose bit is set in days, from open for span
// half-hours (capped at midnight); days 0 is 24x7.
func fuzzSchedule(t *testing.T, zone, days, open, span uint8) *calendar.Schedule {
	c := calendar.Calendar{TimeZone: fuzzZones[int(zone)%len(fuzzZones)]}
	startMin := int(open%48) * 30
	endMin := min(startMin+30*(1+int(span)%48), 24*60)
	for d := range 7 {
		if days&(1<<d) != 0 {
			c.Hours = append(c.Hours, calendar.DayHours{
				Weekday: calendar.WeekdayName(time.Weekday(d)), Start: clock(startMin), End: clock(endMin),
			})
		}
	}
	s, err := c.Compile()
	if err != nil {
		t.Fatalf("fuzzSchedule built %+v: %v", c, err)
	}
	return s
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// fuzzEvents turns gaps (minutes) into a valid life: start, then alternating pause and
// resume, and a stop when stopAfter is set and not beyond the gaps.
func fuzzEvents(t0 time.Time, gaps []byte, stopAfter uint8) []Event {
	events := []Event{{At: t0, Kind: EventStart}}
	at := t0
	for i, g := range gaps {
		at = at.Add(time.Duration(g) * 17 * time.Minute)
		if stopAfter != 0 && i == int(stopAfter)%(len(gaps)+1) {
			return append(events, Event{At: at, Kind: EventStop})
		}
		kind := EventPause
		if i%2 == 1 {
			kind = EventResume
		}
		events = append(events, Event{At: at, Kind: kind})
	}
	return events
}

func FuzzEvaluate(f *testing.F) {
	f.Add(uint8(1), uint8(0x3e), uint8(18), uint8(17), uint16(240), int64(0), []byte{3, 40, 2, 9}, uint8(0), uint16(900))
	f.Add(uint8(2), uint8(0x01), uint8(0), uint8(47), uint16(1500), int64(5_600_000), []byte{200, 1}, uint8(2), uint16(3000))
	f.Add(uint8(3), uint8(0), uint8(0), uint8(0), uint16(30), int64(7_500_000), []byte{}, uint8(0), uint16(100))
	f.Fuzz(func(t *testing.T, zone, days, open, span uint8, targetMin uint16, startSec int64, gaps []byte, stopAfter uint8, nowMin uint16) {
		if len(gaps) > 12 {
			gaps = gaps[:12]
		}
		cal := fuzzSchedule(t, zone, days, open, span)
		t0 := time.Unix(1767225600+startSec%(366*86400), 0) // within a year of 2026-01-01
		target := time.Duration(1+int(targetMin)%3000) * time.Minute
		events := fuzzEvents(t0, gaps, stopAfter)
		c, err := FromEvents(target, cal, events)
		if err != nil {
			t.Fatalf("FromEvents(%v): %v", events, err)
		}
		now := events[len(events)-1].At.Add(time.Duration(nowMin) * time.Minute)
		checkStatus(t, c, now)
	})
}

func checkStatus(t *testing.T, c Clock, now time.Time) {
	st := Evaluate(c, now)
	if st.Elapsed < 0 || st.Elapsed > now.Sub(c.Start) || st.Remaining != c.Target-st.Elapsed {
		t.Fatalf("figures out of range: %s", show(st))
	}
	if earlier := Evaluate(c, now.Add(-time.Hour)); earlier.Elapsed > st.Elapsed {
		t.Fatalf("elapsed went down: %v an hour earlier, %v now", earlier.Elapsed, st.Elapsed)
	}
	if !st.Deadline.IsZero() {
		// No event lies after now, so the clock runs on untouched until its deadline.
		if at := Evaluate(c, st.Deadline); at.Elapsed != c.Target || at.State != StateBreached {
			t.Fatalf("at Deadline %v: %s (target %v)", st.Deadline, show(at), c.Target)
		}
	}
	if !st.WarnAt.IsZero() && (st.Warned || !st.Deadline.IsZero()) {
		share := warnShare(c)
		if at := Evaluate(c, st.WarnAt); at.Elapsed != share || !at.Warned {
			t.Fatalf("at WarnAt %v: %s (share %v)", st.WarnAt, show(at), share)
		}
	}
	if (st.State == StateBreached) != !st.BreachedAt.IsZero() {
		t.Fatalf("state %s with BreachedAt %v", st.State, st.BreachedAt)
	}
}
