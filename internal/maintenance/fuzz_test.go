package maintenance

import (
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
)

var fuzzZones = []string{"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
	"America/Santiago", "Asia/Beirut", "America/Havana", "Pacific/Apia", "Asia/Tokyo"}

// fuzzRecurrence builds a valid recurrence from fuzz input, or reports false.
func fuzzRecurrence(zone, kind, days, startHalfHours uint8, lengthMin uint32, first uint16, span uint16) (Recurrence, bool) {
	r := Recurrence{
		TimeZone:  fuzzZones[int(zone)%len(fuzzZones)],
		StartTime: fmt.Sprintf("%02d:%02d", startHalfHours%48/2, startHalfHours%2*30),
		StartsOn:  calendar.Date{Year: 2010, Month: 1, Day: 1 + int(first)}.AddDays(0).String(),
	}
	r.EndsOn = calendar.Date{Year: 2010, Month: 1, Day: 1 + int(first) + int(span)%800}.String()
	switch kind % 3 {
	case 0:
		r.Frequency = "weekly"
		for d := range 7 {
			if days&(1<<d) != 0 {
				r.Weekdays = append(r.Weekdays, calendar.WeekdayName(time.Weekday(d)))
			}
		}
	case 1:
		r.Frequency, r.DayOfMonth = "monthly", 1+int(days)%31
	case 2:
		r.Frequency, r.Week, r.Weekday = "monthly", []string{"1", "2", "3", "4", "last"}[days%5], calendar.WeekdayName(time.Weekday(days/5%7))
	}
	r.Duration = (time.Duration(1+lengthMin%(7*24*60)) * time.Minute).String()
	return r, Window{Recurrence: &r}.Validate() == nil
}

func FuzzOccurrences(f *testing.F) {
	f.Add(uint8(1), uint8(0), uint8(0x7f), uint8(6), uint32(1439), uint16(5900), uint16(400), int64(0), uint32(86400*40), uint32(86400*3))
	f.Add(uint8(2), uint8(2), uint8(4*5+6), uint8(5), uint32(60), uint16(5800), uint16(700), int64(86400*20), uint32(86400*365), uint32(3600))
	f.Add(uint8(4), uint8(1), uint8(30), uint8(47), uint32(600), uint16(5900), uint16(100), int64(0), uint32(86400*90), uint32(86400*30))
	f.Add(uint8(7), uint8(0), uint8(0x20), uint8(46), uint32(2000), uint16(700), uint16(30), int64(0), uint32(86400*40), uint32(86400))
	f.Fuzz(func(t *testing.T, zone, kind, days, startHH uint8, lengthMin uint32, first, span uint16, fromSec int64, ab, bc uint32) {
		rec, ok := fuzzRecurrence(zone, kind, days, startHH, lengthMin, first, span)
		if !ok {
			t.Skip()
		}
		s := mustCompile(t, Window{Recurrence: &rec})
		startsOn, _ := calendar.ParseDate(rec.StartsOn)
		a := startsOn.Midnight().Add(time.Duration(fromSec%(900*86400)) * time.Second).Add(-30 * 24 * time.Hour)
		b := a.Add(time.Duration(ab%(400*86400)) * time.Second)
		c := b.Add(time.Duration(bc%(60*86400)) * time.Second)
		checkOccurrences(t, s, rec, a, c)
		if ab, bc, ac := s.Covered(a, b), s.Covered(b, c), s.Covered(a, c); ab+bc != ac {
			t.Fatalf("Covered(a,b)=%v + Covered(b,c)=%v != Covered(a,c)=%v", ab, bc, ac)
		}
	})
}

func checkOccurrences(t *testing.T, s *Schedule, rec Recurrence, from, to time.Time) {
	length, _ := time.ParseDuration(rec.Duration)
	startsOn, _ := calendar.ParseDate(rec.StartsOn)
	endsOn, _ := calendar.ParseDate(rec.EndsOn)
	occs := s.Occurrences(from, to)
	for i, o := range occs {
		if !o.Start.Before(to) || !o.End.After(from) {
			t.Fatalf("occurrence %v outside [%v, %v)", o, from, to)
		}
		if i > 0 && o.Start.Before(occs[i-1].End) {
			t.Fatalf("occurrences %v and %v overlap", occs[i-1], o)
		}
		if o.Duration() < length {
			t.Fatalf("occurrence %v shorter than %v", o, length)
		}
		if !s.Active(o.Start) || !s.Active(o.End.Add(-1)) {
			t.Fatalf("occurrence %v is not Active at its start or last instant", o)
		}
		// At its end the window is over, unless the next occurrence starts right there.
		if s.Active(o.End) && !s.Occurrences(o.End, o.End.Add(1))[0].Start.Equal(o.End) {
			t.Fatalf("occurrence %v still Active at its end", o)
		}
		// Each starts on a date in starts_on..ends_on, give or take the day a DST jump at midnight can move it.
		d := calendar.DateOf(o.Start.In(s.rec.loc))
		if d.Compare(startsOn.AddDays(-1)) < 0 || d.Compare(endsOn.AddDays(1)) > 0 {
			t.Fatalf("occurrence %v on %v, outside %v..%v", o, d, startsOn, endsOn)
		}
	}
}
