package calendar

import (
	"testing"
	"time"
)

// fuzzZones include half-hour DST (Lord_Howe), negative DST and Ramadan changes
// (Casablanca, Dublin), changes at midnight (Havana, Beirut, Santiago), a day skipped
// outright (Apia, 2011-12-30) and odd offsets (Kathmandu, Chatham).
var fuzzZones = []string{
	"UTC", "Asia/Tokyo", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
	"Africa/Casablanca", "Europe/Dublin", "Asia/Kathmandu", "Pacific/Chatham",
	"America/Sao_Paulo", "Pacific/Apia", "America/Havana", "Asia/Beirut", "America/Santiago",
}

// fuzzCalendar builds a calendar from fuzz input: shape gives each weekday one range
// on a 30-minute grid (or none), holes marks holidays in the 16 days from near.
// shape 0 with no holes is the 24x7 fast path.
func fuzzCalendar(zone uint8, shape uint64, holes uint16, near time.Time) Calendar {
	c := Calendar{TimeZone: fuzzZones[int(zone)%len(fuzzZones)]}
	for d := range 7 {
		b := byte(shape >> (8 * d))
		if b < 64 {
			continue
		}
		start := int(b%48) * 30
		end := min(start+30*(1+int(b>>2)%48), 24*60)
		c.Hours = append(c.Hours, DayHours{Weekday: weekdayNames[d], Start: hhmm(start), End: hhmm(end)})
	}
	if shape != 0 && len(c.Hours) == 0 {
		c.Hours = []DayHours{{Weekday: "wed", Start: "10:00", End: "10:30"}}
	}
	loc, _ := time.LoadLocation(c.TimeZone)
	first := DateOf(near.In(loc))
	for i := range 16 {
		if holes&(1<<i) != 0 {
			c.Holidays = append(c.Holidays, first.AddDays(i).String())
		}
	}
	return c
}

func hhmm(min int) string {
	return string([]byte{byte('0' + min/600), byte('0' + min/60%10), ':', byte('0' + min%60/10), byte('0' + min%10)})
}

// fuzzInstant spreads seconds over 2000-2040 (so Apia's lost day is reachable).
func fuzzInstant(sec int64, ns uint32) time.Time {
	const span = 40 * 366 * 24 * 3600
	sec %= span
	if sec < 0 {
		sec += span
	}
	return time.Unix(946684800+sec, int64(ns%1e9)).UTC()
}

func FuzzElapsed(f *testing.F) {
	f.Add(uint8(2), uint64(0xC0C0C0C0C0C0C0C0), uint16(0), int64(826_000_000), uint32(0), uint32(86400*3), uint32(86400*5), uint32(3600*40))
	f.Add(uint8(3), uint64(0x00FF00FF00FF00FF), uint16(0x0F0F), int64(838_000_000), uint32(7), uint32(86400), uint32(86400*20), uint32(3600*7))
	f.Add(uint8(4), uint64(0xFFFFFFFFFFFFFFFF), uint16(1), int64(806_000_000), uint32(0), uint32(3600), uint32(86400*9), uint32(86400))
	f.Add(uint8(10), uint64(0x4080C0FF4080C0FF), uint16(0), int64(378_400_000), uint32(0), uint32(86400*2), uint32(86400*2), uint32(3600*9))
	f.Add(uint8(0), uint64(0), uint16(0), int64(12345), uint32(1), uint32(10), uint32(100), uint32(1000))
	f.Fuzz(func(t *testing.T, zone uint8, shape uint64, holes uint16, aSec int64, aNs, ab, bc, dSec uint32) {
		a := fuzzInstant(aSec, aNs)
		b := a.Add(time.Duration(ab%(90*86400))*time.Second + time.Duration(aNs%977))
		c := b.Add(time.Duration(bc%(90*86400)) * time.Second)
		d := time.Duration(dSec%(120*86400))*time.Second + time.Duration(aNs%1013)
		cal := fuzzCalendar(zone, shape, holes, a)
		s, err := cal.Compile()
		if err != nil {
			t.Fatalf("fuzzCalendar built an invalid calendar %+v: %v", cal, err)
		}
		checkAdditive(t, s, a, b, c)
		checkAddInverse(t, s, a, d)
		for _, x := range []time.Time{a, b, c} {
			checkOpen(t, s, x)
		}
	})
}

func checkAdditive(t *testing.T, s *Schedule, a, b, c time.Time) {
	ab, bc, ac := s.Elapsed(a, b), s.Elapsed(b, c), s.Elapsed(a, c)
	if ab+bc != ac {
		t.Fatalf("Elapsed(a,b)=%v + Elapsed(b,c)=%v != Elapsed(a,c)=%v (a=%v b=%v c=%v)", ab, bc, ac, a, b, c)
	}
	if ac < 0 || ac > c.Sub(a) {
		t.Fatalf("Elapsed(a,c)=%v outside [0, %v]", ac, c.Sub(a))
	}
}

func checkAddInverse(t *testing.T, s *Schedule, from time.Time, d time.Duration) {
	e := s.Add(from, d)
	if got := s.Elapsed(from, e); got != d {
		t.Fatalf("Elapsed(from, Add(from, %v)) = %v (from=%v, Add=%v)", d, got, from, e)
	}
	// Add returns the earliest such instant: one nanosecond earlier, d is not yet used up.
	if d > 0 {
		if got := s.Elapsed(from, e.Add(-1)); got != d-1 {
			t.Fatalf("Elapsed(from, Add(from, %v)-1ns) = %v, want d-1ns (from=%v, Add=%v)", d, got, from, e)
		}
	}
}

// checkOpen ties Open, which reads the wall clock directly, to the day walk.
func checkOpen(t *testing.T, s *Schedule, x time.Time) {
	if open, walked := s.Open(x), s.Elapsed(x, x.Add(1)) == 1; open != walked {
		t.Fatalf("Open(%v) = %v but the walk says %v", x, open, walked)
	}
	n := s.NextOpen(x)
	if n.Before(x) || !s.Open(n) || s.Elapsed(x, n) != 0 {
		t.Fatalf("NextOpen(%v) = %v: before it, closed at it, or business time skipped", x, n)
	}
}
