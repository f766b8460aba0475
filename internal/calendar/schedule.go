package calendar

import (
	"iter"
	"time"
)

// Schedule is a compiled Calendar. The zero of *Schedule, nil, is 24x7 in UTC.
// A Schedule is immutable and safe for concurrent use.
type Schedule struct {
	loc      *time.Location
	week     week
	holidays map[Date]bool
	always   bool // no hours and no holidays: business time is real time
}

// Location returns the calendar's time zone.
func (s *Schedule) Location() *time.Location {
	if s == nil {
		return time.UTC
	}
	return s.loc
}

func (s *Schedule) is24x7() bool { return s == nil || s.always }

// Open reports whether t falls in service hours: a wall clock in the calendar's zone
// shows, at t, a time inside one of the day's ranges, and the day is not a holiday.
// Ranges are half-open: 09:00-18:00 is open at 09:00 and closed at 18:00.
func (s *Schedule) Open(t time.Time) bool {
	if s.is24x7() {
		return true
	}
	lt := t.In(s.loc)
	if s.holidays[DateOf(lt)] {
		return false
	}
	h, m, sec := lt.Clock()
	tod := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(sec)*time.Second + time.Duration(lt.Nanosecond())
	for _, sp := range s.week[lt.Weekday()] {
		if sp.start <= tod && tod < sp.end {
			return true
		}
	}
	return false
}

// Elapsed returns the business time in [from, to): zero when to is not after from.
func (s *Schedule) Elapsed(from, to time.Time) time.Duration {
	if !from.Before(to) {
		return 0
	}
	if s.is24x7() {
		return to.Sub(from)
	}
	var total time.Duration
	for iv := range s.walk(from) {
		if !iv.Start.Before(to) {
			break
		}
		total += earlier(iv.End, to).Sub(iv.Start)
	}
	return total
}

// Add returns the earliest instant at which d of business time has passed since from;
// counting starts at the next opening when from is outside service hours. So a deadline
// that uses up the last minute of a day falls on that day's closing time, not on the
// next opening. Add returns from unchanged for d <= 0.
func (s *Schedule) Add(from time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return from
	}
	if s.is24x7() {
		return from.Add(d)
	}
	for iv := range s.walk(from) {
		n := iv.End.Sub(iv.Start)
		if d <= n {
			return iv.Start.Add(d)
		}
		d -= n
	}
	panic("calendar: walk ended") // walk is endless for any compiled calendar
}

// NextOpen returns the earliest instant at or after t that is in service hours (t itself when Open(t)).
func (s *Schedule) NextOpen(t time.Time) time.Time {
	if s.is24x7() {
		return t
	}
	for iv := range s.walk(t) {
		return iv.Start
	}
	panic("calendar: walk ended")
}

// Intervals returns the service hours within [from, to) as sorted intervals, each a
// maximal stretch: days open through midnight, or across a DST change, come back joined.
func (s *Schedule) Intervals(from, to time.Time) []Interval {
	if !from.Before(to) {
		return nil
	}
	if s.is24x7() {
		return []Interval{{from, to}}
	}
	var out []Interval
	for iv := range s.walk(from) {
		if !iv.Start.Before(to) {
			break
		}
		iv.End = earlier(iv.End, to)
		if n := len(out); n > 0 && out[n-1].End.Equal(iv.Start) {
			out[n-1].End = iv.End
			continue
		}
		out = append(out, iv)
	}
	return out
}

// Overlap returns the business time covered by the union of ivs, counting time that
// several intervals share once: the outage time inside service hours, for availability.
func (s *Schedule) Overlap(ivs []Interval) time.Duration {
	var total time.Duration
	for _, iv := range Merge(ivs) {
		total += s.Elapsed(iv.Start, iv.End)
	}
	return total
}

// walk yields the service hours from `from` onwards, sorted and non-empty, the first
// clipped to start at from. It never ends on its own: every compiled calendar has
// some open time each week, and holidays are finite.
func (s *Schedule) walk(from time.Time) iter.Seq[Interval] {
	return func(yield func(Interval) bool) {
		for t := from; ; {
			next, more := s.walkOffset(t, yield)
			if !more {
				return
			}
			t = next
		}
	}
}

// walkOffset yields the service hours from t up to the next change of the zone's UTC
// offset, and returns that change. While the offset stays fixed the wall clock is
// t+offset, so the service hours of a local date map to instants by subtracting it.
// Splitting at every change is what makes DST days exact: on a fall-back day the
// repeated hour is visited once per offset, and on a spring-forward day the skipped
// hour maps to instants outside both stretches and is clipped away.
func (s *Schedule) walkOffset(t time.Time, yield func(Interval) bool) (time.Time, bool) {
	lt := t.In(s.loc)
	_, offSec := lt.Zone()
	off := time.Duration(offSec) * time.Second
	_, end := lt.ZoneBounds()
	bounded := !end.IsZero()
	for day := DateOf(lt); ; day = day.AddDays(1) {
		midnight := day.Midnight().Add(-off)
		if bounded && !midnight.Before(end) {
			return end, true
		}
		if s.holidays[day] {
			continue
		}
		for _, sp := range s.week[day.Weekday()] {
			a, b := later(midnight.Add(sp.start), t), midnight.Add(sp.end)
			if bounded {
				b = earlier(b, end)
			}
			if a.Before(b) && !yield(Interval{a.In(s.loc), b.In(s.loc)}) {
				return time.Time{}, false
			}
		}
	}
}
