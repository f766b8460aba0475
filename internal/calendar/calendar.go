// Package calendar is a service's business calendar (サービス時間): weekly service
// hours in a time zone, minus holidays, and the arithmetic on business time that
// SLA clocks, maintenance windows and availability figures stand on.
//
// Business time is the set of instants at which a wall clock in the calendar's zone
// shows a service hour of a day that is not a holiday. Every figure here (Elapsed,
// Add, Overlap) is the real time, in nanoseconds, spent in that set; so a DST change
// inside service hours makes that day's service one hour shorter or longer.
// docs/sla-and-calendars.md has the full rules.
package calendar

import (
	"fmt"
	"slices"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Calendar is the input form of a business calendar, embedded in a service level.
type Calendar struct {
	TimeZone string     `json:"time_zone"`          // IANA name, e.g. "Asia/Tokyo"; "" means UTC
	Hours    []DayHours `json:"hours,omitempty"`    // weekly service hours; empty means 24x7
	Holidays []string   `json:"holidays,omitempty"` // "2026-01-01": dates in TimeZone with no service hours
}

// DayHours is one range of service hours on one day of the week.
type DayHours struct {
	Weekday string `json:"weekday"` // "mon".."sun"
	Start   string `json:"start"`   // "09:00"
	End     string `json:"end"`     // "18:00"; "24:00" allowed; End > Start (no overnight ranges; split them)
}

// Validate reports the first problem with c as an *invalid.Error naming the field.
func (c Calendar) Validate() error {
	_, err := c.Compile()
	return err
}

// Compile validates c and returns the Schedule that does the arithmetic.
// Compile once and keep the Schedule: loading a time zone costs far more than a lookup.
func (c Calendar) Compile() (*Schedule, error) {
	loc, err := LoadZone(c.TimeZone)
	if err != nil {
		return nil, invalid.Prefix("time_zone", err)
	}
	s := &Schedule{loc: loc, always: len(c.Hours) == 0 && len(c.Holidays) == 0}
	if s.week, err = compileHours(c.Hours); err != nil {
		return nil, err
	}
	if s.holidays, err = compileHolidays(c.Holidays); err != nil {
		return nil, err
	}
	return s, nil
}

// span is a range of service hours as durations since local midnight, [start, end).
type span struct{ start, end time.Duration }

type week [7][]span

func compileHours(hours []DayHours) (week, error) {
	var w week
	if len(hours) == 0 {
		for d := range w {
			w[d] = []span{{0, 24 * time.Hour}}
		}
		return w, nil
	}
	owner := [7][]int{} // index into hours of each span, to name the other side of an overlap
	for i, h := range hours {
		wd, sp, err := parseDayHours(h)
		if err != nil {
			return w, invalid.Prefix(fmt.Sprintf("hours[%d]", i), err)
		}
		for k, other := range w[wd] {
			if sp.start < other.end && other.start < sp.end {
				j := owner[wd][k]
				return w, invalid.New(fmt.Sprintf("hours[%d]", i), "overlaps hours[%d] (%s %s-%s)",
					j, hours[j].Weekday, hours[j].Start, hours[j].End)
			}
		}
		w[wd] = append(w[wd], sp)
		owner[wd] = append(owner[wd], i)
	}
	for d := range w {
		w[d] = joinSpans(w[d])
	}
	return w, nil
}

func parseDayHours(h DayHours) (time.Weekday, span, error) {
	wd, err := ParseWeekday(h.Weekday)
	if err != nil {
		return 0, span{}, invalid.Prefix("weekday", err)
	}
	start, err := ParseClock(h.Start)
	if err == nil && start == 24*time.Hour {
		err = invalid.New("", "must be before 24:00")
	}
	if err != nil {
		return 0, span{}, invalid.Prefix("start", err)
	}
	end, err := ParseClock(h.End)
	if err != nil {
		return 0, span{}, invalid.Prefix("end", err)
	}
	if end <= start {
		return 0, span{}, invalid.New("end", "must be after start %s (split overnight hours into two days)", h.Start)
	}
	return wd, span{start, end}, nil
}

// joinSpans sorts the spans of one day and joins those that touch (09:00-12:00 and
// 12:00-18:00), so that the walk yields one interval per stretch of open time.
func joinSpans(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return int(a.start - b.start) })
	out := spans[:0]
	for _, sp := range spans {
		if n := len(out); n > 0 && out[n-1].end == sp.start {
			out[n-1].end = sp.end
			continue
		}
		out = append(out, sp)
	}
	return out
}

func compileHolidays(days []string) (map[Date]bool, error) {
	seen := make(map[Date]int, len(days))
	for i, s := range days {
		field := fmt.Sprintf("holidays[%d]", i)
		d, err := ParseDate(s)
		if err != nil {
			return nil, invalid.Prefix(field, err)
		}
		if j, dup := seen[d]; dup {
			return nil, invalid.New(field, "duplicate of holidays[%d] %s", j, s)
		}
		seen[d] = i
	}
	set := make(map[Date]bool, len(seen))
	for d := range seen {
		set[d] = true
	}
	return set, nil
}

// schedule compiles c for the convenience methods. A calendar that does not compile
// counts as 24x7 UTC, so that an SLA clock keeps counting rather than stalling unseen. Validate
// at the edge (API, YAML apply) keeps such calendars out of storage.
func (c Calendar) schedule() *Schedule {
	s, err := c.Compile()
	if err != nil {
		return nil
	}
	return s
}

// Open reports whether t falls in service hours; see Schedule.Open. It compiles c on every call.
func (c Calendar) Open(t time.Time) bool { return c.schedule().Open(t) }

// Elapsed returns the business time in [from, to); see Schedule.Elapsed. It compiles c on every call.
func (c Calendar) Elapsed(from, to time.Time) time.Duration { return c.schedule().Elapsed(from, to) }

// Add returns when d of business time has passed after from; see Schedule.Add. It compiles c on every call.
func (c Calendar) Add(from time.Time, d time.Duration) time.Time { return c.schedule().Add(from, d) }

// NextOpen returns the first instant at or after t in service hours; see Schedule.NextOpen.
func (c Calendar) NextOpen(t time.Time) time.Time { return c.schedule().NextOpen(t) }

// Overlap returns the business time covered by the union of ivs; see Schedule.Overlap.
func (c Calendar) Overlap(ivs []Interval) time.Duration { return c.schedule().Overlap(ivs) }
