package maintenance

import (
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
)

// Schedule is a compiled Window. It is immutable and safe for concurrent use;
// the zero Schedule has no occurrences.
type Schedule struct {
	once Interval // one-off; zero when recurring
	rec  *recurrence
}

// Active reports whether t falls in an occurrence, [start, end).
func (s *Schedule) Active(t time.Time) bool {
	return len(s.Occurrences(t, t.Add(1))) > 0
}

// Occurrences returns the occurrences overlapping [from, to), whole (not clipped to
// the range), sorted. Occurrences of one window never overlap: a pair that a change of
// the zone's offset pushes into each other (a window as long as the gap between
// occurrences on a DST night, or Samoa skipping 30 Dec 2011) comes back as one, the
// same whatever the range asked for.
func (s *Schedule) Occurrences(from, to time.Time) []Interval {
	if !from.Before(to) {
		return nil
	}
	if s.rec == nil {
		if s.once.Start.Before(to) && from.Before(s.once.End) {
			return []Interval{s.once}
		}
		return nil
	}
	var out []Interval
	for _, iv := range s.rec.occurrences(from, to) {
		if iv.Start.Before(to) && from.Before(iv.End) {
			out = append(out, iv)
		}
	}
	return out
}

// Covered returns the time in [from, to) inside an occurrence.
func (s *Schedule) Covered(from, to time.Time) time.Duration {
	return calendar.Total(calendar.Intersect(s.Occurrences(from, to), []Interval{{Start: from, End: to}}))
}

// Coverage returns the parts of [from, to) inside any of the windows, merged: the time
// to take out of an availability period, or to subtract from the outages in it.
func Coverage(windows []*Schedule, from, to time.Time) []Interval {
	var all []Interval
	for _, w := range windows {
		all = append(all, w.Occurrences(from, to)...)
	}
	return calendar.Intersect(all, []Interval{{Start: from, End: to}})
}

// wallTime returns the instant at which a wall clock in loc reads tod on date d.
// A time skipped when clocks go forward moves forward by the gap (02:30 on a night
// that jumps 02:00 -> 03:00 is 03:30); a time that happens twice when clocks go back
// means the first time the clock shows it.
func wallTime(d calendar.Date, tod time.Duration, loc *time.Location) time.Time {
	wall := d.Midnight().Add(tod)
	before := offsetAt(wall.Add(-24*time.Hour), loc)
	after := offsetAt(wall.Add(24*time.Hour), loc)
	if t := wall.Add(-before); offsetAt(t, loc) == before {
		return t.In(loc) // valid with the earlier offset: unambiguous, or the first of two
	}
	if t := wall.Add(-after); offsetAt(t, loc) == after {
		return t.In(loc)
	}
	return wall.Add(-before).In(loc) // skipped: read with the offset from before the jump
}

func offsetAt(t time.Time, loc *time.Location) time.Duration {
	_, off := t.In(loc).Zone()
	return time.Duration(off) * time.Second
}
