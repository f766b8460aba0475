package capacity

import (
	"math"
	"slices"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
)

// Timeline is a plan document compiled for its time zone and its group's
// bounds: the count it asks for at any moment, and where that changes.
//
// The rule (docs/operation-plans.md): the baseline is the largest count of
// the rules covering the local wall-clock moment, else the default; an
// event covers Start − Lead to End + CoolDown; the planned count is the
// largest of the baseline and of every event covering the moment (an
// event never lowers the count); a manual hold replaces it while it lasts;
// the result is held within the group's min and max.
type Timeline struct {
	loc      *time.Location
	base     baseline
	seasons  []season
	events   []Event
	holds    []Hold
	min, max int
}

// baseline is a Baseline compiled.
type baseline struct {
	def   int
	rules []rule
}

// season is a Season compiled: base holds on the local dates from to
// until (exclusive).
type season struct {
	from, until calendar.Date
	base        baseline
}

type rule struct {
	days       [7]bool
	start, end time.Duration
	count      int
}

// Compile compiles d (valid) in loc for a group bounded by min and max,
// with the group's holds.
func Compile(d *Document, loc *time.Location, min, max int, holds []Hold) *Timeline {
	tl := &Timeline{loc: loc, base: compileBaseline(d.Baseline), events: slices.Clone(d.Events), holds: holds, min: min, max: max}
	for _, s := range d.Seasons {
		from, until, _ := s.dates()
		tl.seasons = append(tl.seasons, season{from: from, until: until, base: compileBaseline(s.Baseline)})
	}
	return tl
}

func compileBaseline(b Baseline) baseline {
	out := baseline{def: b.Default}
	for _, r := range b.Rules {
		var cr rule
		for _, day := range r.Days {
			wd, _ := calendar.ParseWeekday(day)
			cr.days[wd] = true
		}
		cr.start, _ = calendar.ParseClock(r.Start)
		cr.end, _ = calendar.ParseClock(r.End)
		cr.count = r.Count
		out.rules = append(out.rules, cr)
	}
	return out
}

// on is the baseline of the local date d: its season's, else the plain one.
func (tl *Timeline) on(d calendar.Date) *baseline {
	for i := range tl.seasons {
		if s := &tl.seasons[i]; d.Compare(s.from) >= 0 && d.Compare(s.until) < 0 {
			return &s.base
		}
	}
	return &tl.base
}

// Point is what the plan asks for at one moment and why.
type Point struct {
	Count    int      `json:"count"`    // within the group's bounds
	Baseline int      `json:"baseline"` // the baseline's count alone
	Winner   string   `json:"winner"`   // "baseline", "hold", or the event that set the count
	Events   []string `json:"events"`   // every event covering the moment; two or more is an overlap
}

// Baseline is the baseline's count at t.
func (tl *Timeline) Baseline(t time.Time) int {
	local := t.In(tl.loc)
	clock := time.Duration(local.Hour())*time.Hour + time.Duration(local.Minute())*time.Minute +
		time.Duration(local.Second())*time.Second + time.Duration(local.Nanosecond())
	wd := local.Weekday()
	b := tl.on(calendar.DateOf(local))
	count, matched := b.def, false
	for _, r := range b.rules {
		if r.days[wd] && clock >= r.start && clock < r.end {
			if !matched || r.count > count {
				count = r.count
			}
			matched = true
		}
	}
	return count
}

// At is the plan's point at t.
func (tl *Timeline) At(t time.Time) Point {
	p := Point{Baseline: tl.Baseline(t), Winner: "baseline", Events: []string{}}
	p.Count = p.Baseline
	for _, e := range tl.events {
		from, to := e.window()
		if t.Before(from) || !t.Before(to) {
			continue
		}
		p.Events = append(p.Events, e.Name)
		c := e.Count
		if c == 0 {
			c = int(math.Ceil(e.Multiplier * float64(p.Baseline)))
		}
		if c > p.Count {
			p.Count, p.Winner = c, e.Name
		}
	}
	for _, h := range tl.holds {
		if !t.Before(h.StartsAt) && t.Before(h.End()) {
			p.Count, p.Winner = h.Count, "hold"
		}
	}
	p.Count = min(max(p.Count, tl.min), tl.max)
	return p
}

// Segment is a span of time over which the plan's point does not change.
type Segment struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Point
}

// Segments lists the plan's points from from to to, one segment per
// change of count, winner or covering events.
func (tl *Timeline) Segments(from, to time.Time) []Segment {
	tl = tl.within(from, to)
	var out []Segment
	cuts := tl.changes(from, to)
	for i, c := range cuts {
		end := to
		if i+1 < len(cuts) {
			end = cuts[i+1]
		}
		p := tl.At(c)
		if n := len(out); n > 0 && samePoint(out[n-1].Point, p) {
			out[n-1].End = end
			continue
		}
		out = append(out, Segment{Start: c, End: end, Point: p})
	}
	return out
}

// within is tl with only the events and holds that touch from to to: a
// year of events costs nothing on a week's evaluation.
func (tl *Timeline) within(from, to time.Time) *Timeline {
	c := *tl
	c.events, c.holds = nil, nil
	for _, e := range tl.events {
		if a, b := e.window(); a.Before(to) && b.After(from) {
			c.events = append(c.events, e)
		}
	}
	for _, h := range tl.holds {
		if h.StartsAt.Before(to) && h.End().After(from) {
			c.holds = append(c.holds, h)
		}
	}
	return &c
}

// Next is the first moment after now at which the plan's point may
// change, at most a lookback ahead: until then the count due is the one
// due now.
func (tl *Timeline) Next(now time.Time) time.Time {
	to := now.Add(lookback)
	cuts := tl.within(now, to).changes(now, to)
	if len(cuts) > 1 {
		return cuts[1]
	}
	return to
}

func samePoint(a, b Point) bool {
	return a.Count == b.Count && a.Baseline == b.Baseline && a.Winner == b.Winner && slices.Equal(a.Events, b.Events)
}

// changes returns from and every moment in (from, to) at which the point
// may change, sorted: the rules' starts and ends on each local day, the
// local midnights at which a season begins or ends, the events' windows
// and the holds.
func (tl *Timeline) changes(from, to time.Time) []time.Time {
	cuts := []time.Time{from}
	add := func(t time.Time) {
		if t.After(from) && t.Before(to) {
			cuts = append(cuts, t)
		}
	}
	if len(tl.base.rules) > 0 || len(tl.seasons) > 0 {
		day := calendar.DateOf(from.In(tl.loc)).AddDays(-1)
		last := calendar.DateOf(to.In(tl.loc)).AddDays(1)
		prev := tl.on(day.AddDays(-1))
		for ; day.Compare(last) <= 0; day = day.AddDays(1) {
			wd := day.Weekday()
			b := tl.on(day)
			if b != prev {
				for _, c := range wallClock(nil, day, 0, tl.loc) {
					add(c)
				}
				prev = b
			}
			for _, r := range b.rules {
				if r.days[wd] {
					for _, c := range wallClock(wallClock(nil, day, r.start, tl.loc), day, r.end, tl.loc) {
						add(c)
					}
				}
			}
		}
	}
	for _, e := range tl.events {
		a, b := e.window()
		add(a)
		add(b)
	}
	for _, h := range tl.holds {
		add(h.StartsAt)
		add(h.End())
	}
	slices.SortFunc(cuts, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(cuts, func(a, b time.Time) bool { return a.Equal(b) })
}

// wallClock adds to cuts the instants at which the wall clock in loc
// reaches clock on day: one on most days; in the hour a DST change skips,
// the moment the clocks jump past it; in the hour an autumn change
// repeats, both.
func wallClock(cuts []time.Time, day calendar.Date, clock time.Duration, loc *time.Location) []time.Time {
	h, m := int(clock/time.Hour), int(clock%time.Hour/time.Minute)
	t := time.Date(day.Year, day.Month, day.Day, h, m, 0, 0, loc)
	if h == 24 || (t.Hour() == h && t.Minute() == m) {
		cuts = append(cuts, t)
		for _, d := range []time.Duration{-time.Hour, time.Hour} {
			if u := t.Add(d); u.Hour() == t.Hour() && u.Minute() == t.Minute() && u.Day() == t.Day() {
				cuts = append(cuts, u)
			}
		}
		return cuts
	}
	// Skipped: time.Date chose an instant on one side of the jump; the
	// clock reaches the wanted time at the jump itself.
	start, end := t.ZoneBounds()
	if t.Hour()*60+t.Minute() < h*60+m {
		return append(cuts, end)
	}
	return append(cuts, start)
}

// lookback is how far back Current searches for the last change of count:
// past a week of baseline, every weekly rule has changed at least once.
const lookback = 8 * 24 * time.Hour

// Current returns the count due at now and the moment it became due: the
// last change of count at or before now, else anchor (the version's
// activation: the count has not changed since). That moment names the
// step. The search looks back a week and a day (every weekly rule changes
// within it), then, for a plan held flat by a long event, as far as
// maxLookback.
func (tl *Timeline) Current(now, anchor time.Time) (time.Time, Point) {
	for _, back := range []time.Duration{lookback, maxLookback} {
		from := now.Add(-back)
		if from.Before(anchor) {
			from = anchor
		}
		segs := tl.Segments(from, now.Add(time.Millisecond))
		cur := segs[len(segs)-1]
		i := len(segs) - 1
		for ; i > 0 && segs[i-1].Count == cur.Count; i-- {
		}
		if i > 0 {
			return segs[i].Start, cur.Point
		}
		if !from.After(anchor) {
			return anchor, cur.Point
		}
	}
	return anchor, tl.At(now)
}

// maxLookback bounds the search for the last change of a flat plan.
const maxLookback = 400 * 24 * time.Hour

// Steps lists the changes of count from from to to: what a dry run shows
// and what the scheduler will apply, at the moment each becomes due.
func (tl *Timeline) Steps(from, to time.Time) []Segment {
	var out []Segment
	prev := tl.At(from).Count
	for _, s := range tl.Segments(from, to) {
		if s.Count != prev {
			out = append(out, s)
			prev = s.Count
		}
	}
	return out
}
