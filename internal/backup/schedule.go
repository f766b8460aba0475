package backup

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is when a policy's backups are meant to run: "every 6h" (an
// interval from midnight of the tenant's time zone) or a five-field cron
// expression "minute hour day-of-month month day-of-week" read in the
// tenant's time zone ("0 2 * * *" is 02:00 every day).
type Schedule struct {
	every time.Duration
	// fields of a cron expression: the allowed values of each.
	min, hour, dom, mon, dow []bool
	domAny, dowAny           bool
}

// MinInterval is the shortest schedule interval and RPO accepted: shorter
// than the compliance clock's resolution would make every run "missing".
const MinInterval = time.Minute

// ParseSchedule reads a schedule expression.
func ParseSchedule(s string) (Schedule, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return Schedule{}, fmt.Errorf("%q is not a duration such as 6h or 30m", rest)
		}
		if d < MinInterval || d > 31*24*time.Hour {
			return Schedule{}, fmt.Errorf("the interval must be between 1m and 744h, not %s", d)
		}
		return Schedule{every: d}, nil
	}
	f := strings.Fields(s)
	if len(f) != 5 {
		return Schedule{}, fmt.Errorf("%q is neither \"every <duration>\" nor five cron fields (minute hour day month weekday)", s)
	}
	var sc Schedule
	var err error
	for i, spec := range []struct {
		dst      *[]bool
		name     string
		lo, hi   int
		wildcard *bool
	}{{&sc.min, "minute", 0, 59, nil}, {&sc.hour, "hour", 0, 23, nil}, {&sc.dom, "day of month", 1, 31, &sc.domAny},
		{&sc.mon, "month", 1, 12, nil}, {&sc.dow, "day of week", 0, 7, &sc.dowAny}} {
		if *spec.dst, err = cronField(f[i], spec.lo, spec.hi); err != nil {
			return Schedule{}, fmt.Errorf("%s: %w", spec.name, err)
		}
		if spec.wildcard != nil {
			*spec.wildcard = f[i] == "*"
		}
	}
	if sc.dow[7] { // 7 is Sunday too
		sc.dow[0] = true
	}
	return sc, nil
}

// cronField reads one field: *, n, a-b, lists and /step.
func cronField(s string, lo, hi int) ([]bool, error) {
	set := make([]bool, hi+1)
	for _, part := range strings.Split(s, ",") {
		rng, stepText, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 || n > hi {
				return nil, fmt.Errorf("step %q must be a number from 1 to %d", stepText, hi)
			}
			step = n
		}
		a, b := lo, hi
		if rng != "*" {
			from, to, isRange := strings.Cut(rng, "-")
			var err error
			if a, err = strconv.Atoi(from); err != nil {
				return nil, fmt.Errorf("%q is not a number", from)
			}
			b = a
			if isRange {
				if b, err = strconv.Atoi(to); err != nil {
					return nil, fmt.Errorf("%q is not a number", to)
				}
			} else if hasStep {
				b = hi
			}
		}
		if a < lo || b > hi || a > b {
			return nil, fmt.Errorf("%q is outside %d-%d", part, lo, hi)
		}
		for v := a; v <= b; v += step {
			set[v] = true
		}
	}
	return set, nil
}

// Prev returns the latest scheduled time at or before t, in loc; zero when
// none is found within 366 days.
func (s Schedule) Prev(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	if s.every > 0 {
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		return day.Add(t.Sub(day) / s.every * s.every)
	}
	m := t.Truncate(time.Minute)
	limit := m.AddDate(-1, 0, -1)
	for m.After(limit) {
		// Skip a whole day or hour that cannot match: a daily schedule
		// then costs a few dozen steps, not a day of minutes.
		switch {
		case !s.dayMatches(m):
			// The minute before midnight; a zone whose clock skips
			// midnight may give no earlier time: then a minute back.
			n := time.Date(m.Year(), m.Month(), m.Day(), 0, 0, 0, 0, loc).Add(-time.Minute)
			if !n.Before(m) {
				n = m.Add(-time.Minute)
			}
			m = n
		case !s.hour[m.Hour()]:
			m = m.Add(-time.Duration(m.Minute()+1) * time.Minute) // the hour before's last minute
		default:
			for min := m.Minute(); min >= 0; min-- {
				if s.min[min] {
					return m.Add(-time.Duration(m.Minute()-min) * time.Minute)
				}
			}
			m = m.Add(-time.Duration(m.Minute()+1) * time.Minute)
		}
	}
	return time.Time{}
}

// Next returns the first scheduled time after t, in loc; zero when none is
// found within 366 days.
func (s Schedule) Next(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	if s.every > 0 {
		next := s.Prev(t, loc).Add(s.every)
		day := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		if next.After(day) { // the interval restarts at midnight
			next = day
		}
		return next
	}
	m := t.Truncate(time.Minute).Add(time.Minute)
	limit := m.AddDate(1, 0, 1)
	for m.Before(limit) {
		switch {
		case !s.dayMatches(m):
			n := time.Date(m.Year(), m.Month(), m.Day()+1, 0, 0, 0, 0, loc)
			if !n.After(m) {
				n = m.Add(time.Minute)
			}
			m = n
		case !s.hour[m.Hour()]:
			// By elapsed time, not by the clock: a clock skipping forward
			// (daylight saving time) would otherwise land before m.
			m = m.Add(time.Duration(60-m.Minute()) * time.Minute)
		default:
			for min := m.Minute(); min < 60; min++ {
				if s.min[min] {
					return m.Add(time.Duration(min-m.Minute()) * time.Minute)
				}
			}
			m = m.Add(time.Duration(60-m.Minute()) * time.Minute)
		}
	}
	return time.Time{}
}

// dayMatches says whether t's day is one of the schedule's (month, day of
// month and day of week).
func (s Schedule) dayMatches(t time.Time) bool {
	if !s.mon[int(t.Month())] {
		return false
	}
	dom, dow := s.dom[t.Day()], s.dow[int(t.Weekday())]
	switch {
	case s.domAny && s.dowAny:
		return true
	case s.domAny:
		return dow
	case s.dowAny:
		return dom
	}
	return dom || dow // cron's rule: either day field restricted matches
}
