package maintenance

import (
	"slices"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// lastWeek stands for Week "last" in a compiled recurrence.
const lastWeek = -1

// recurrence is a compiled Recurrence.
type recurrence struct {
	loc        *time.Location
	weekly     bool
	weekdays   [7]bool // weekly
	dayOfMonth int     // monthly by day; 0 when by weekday
	week       int     // monthly by weekday: 1-4 or lastWeek
	weekday    time.Weekday
	start      time.Duration // wall-clock time of day
	length     time.Duration // real time, from the start instant
	startsOn   calendar.Date
	endsOn     calendar.Date
}

func compileRecurrence(in Recurrence) (*recurrence, error) {
	r := &recurrence{}
	var err error
	if r.loc, err = loadZone(in.TimeZone); err != nil {
		return nil, invalid.Prefix("time_zone", err)
	}
	switch in.Frequency {
	case "weekly":
		r.weekly = true
		err = r.setWeekly(in)
	case "monthly":
		err = r.setMonthly(in)
	default:
		err = invalid.New("frequency", "must be weekly or monthly, got %q", in.Frequency)
	}
	if err != nil {
		return nil, err
	}
	if err := r.setTimes(in); err != nil {
		return nil, err
	}
	return r, r.setDates(in)
}

func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, invalid.New("", "is required: the wall-clock start time needs a zone (write UTC for UTC)")
	}
	return calendar.LoadZone(name)
}

func (r *recurrence) setWeekly(in Recurrence) error {
	if in.DayOfMonth != 0 || in.Week != "" || in.Weekday != "" {
		return invalid.New("frequency", "weekly takes weekdays, not day_of_month, week or weekday")
	}
	if len(in.Weekdays) == 0 {
		return invalid.New("weekdays", "must name at least one day for a weekly window")
	}
	for i, s := range in.Weekdays {
		wd, err := calendar.ParseWeekday(s)
		if err != nil {
			return invalid.Prefix(fieldf("weekdays", i), err)
		}
		if r.weekdays[wd] {
			return invalid.New(fieldf("weekdays", i), "%s is listed twice", s)
		}
		r.weekdays[wd] = true
	}
	return nil
}

func (r *recurrence) setMonthly(in Recurrence) error {
	if len(in.Weekdays) != 0 {
		return invalid.New("weekdays", "is for weekly windows; a monthly one takes day_of_month, or week and weekday")
	}
	byDay, byWeek := in.DayOfMonth != 0, in.Week != "" || in.Weekday != ""
	switch {
	case byDay && byWeek:
		return invalid.New("day_of_month", "give either day_of_month or week and weekday, not both")
	case byDay:
		if in.DayOfMonth < 1 || in.DayOfMonth > 31 {
			return invalid.New("day_of_month", "must be 1-31, got %d", in.DayOfMonth)
		}
		r.dayOfMonth = in.DayOfMonth
		return nil
	case !byWeek:
		return invalid.New("day_of_month", "is required for a monthly window, or give week and weekday")
	}
	if r.week = parseWeek(in.Week); r.week == 0 {
		return invalid.New("week", `must be "1", "2", "3", "4" or "last", got %q`, in.Week)
	}
	wd, err := calendar.ParseWeekday(in.Weekday)
	if err != nil {
		return invalid.Prefix("weekday", err)
	}
	r.weekday = wd
	return nil
}

// parseWeek returns 1-4, lastWeek, or 0 when s is neither. A fifth weekday exists only
// in some months, so "5" is refused: "last" is what such a schedule means.
func parseWeek(s string) int {
	if s == "last" {
		return lastWeek
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 4 || s != strconv.Itoa(n) {
		return 0
	}
	return n
}

func (r *recurrence) setTimes(in Recurrence) error {
	start, err := calendar.ParseClock(in.StartTime)
	if err == nil && start == 24*time.Hour {
		err = invalid.New("", "must be before 24:00")
	}
	if err != nil {
		return invalid.Prefix("start_time", err)
	}
	r.start = start
	d, err := time.ParseDuration(in.Duration)
	if err != nil || d <= 0 {
		return invalid.New("duration", "must be a positive Go duration such as 2h or 90m, got %q", in.Duration)
	}
	// A window longer than the gap to the next occurrence would swallow it: almost
	// certainly "2d" meant for "2h". The limit is in whole days; what a change of the
	// zone's offset takes out of that gap (an hour on DST nights) is merged by occurrences.
	if gap := r.minGap(); d > gap {
		return invalid.New("duration", "must not exceed %v, the shortest gap between occurrences", gap)
	}
	r.length = d
	return nil
}

// minGap is the shortest time between two occurrence dates: the closest pair of
// weekdays (cyclically), or 28 days for monthly (February, or a clamped 31st).
func (r *recurrence) minGap() time.Duration {
	if !r.weekly {
		return 28 * 24 * time.Hour
	}
	var days []int
	for d, on := range r.weekdays {
		if on {
			days = append(days, d)
		}
	}
	gap := 7 - days[len(days)-1] + days[0] // wrapping into next week
	for i := 1; i < len(days); i++ {
		gap = min(gap, days[i]-days[i-1])
	}
	return time.Duration(gap) * 24 * time.Hour
}

func (r *recurrence) setDates(in Recurrence) error {
	var err error
	if r.startsOn, err = calendar.ParseDate(in.StartsOn); err != nil {
		return invalid.Prefix("starts_on", err)
	}
	if in.EndsOn == "" {
		return invalid.New("ends_on", "is required: a recurring window must end (renew it when it does)")
	}
	if r.endsOn, err = calendar.ParseDate(in.EndsOn); err != nil {
		return invalid.Prefix("ends_on", err)
	}
	if r.endsOn.Compare(r.startsOn) < 0 {
		return invalid.New("ends_on", "must not be before starts_on %s", in.StartsOn)
	}
	return nil
}

// occursOn reports whether an occurrence starts on date d (ignoring starts_on and ends_on).
func (r *recurrence) occursOn(d calendar.Date) bool {
	switch {
	case r.weekly:
		return r.weekdays[d.Weekday()]
	case r.dayOfMonth != 0:
		return d.Day == min(r.dayOfMonth, d.DaysInMonth())
	case d.Weekday() != r.weekday:
		return false
	case r.week == lastWeek:
		return d.Day+7 > d.DaysInMonth()
	}
	return (d.Day-1)/7+1 == r.week
}

// occurrences returns the merged occurrences starting in a stretch of dates around
// [from, to) wide enough to hold every occurrence overlapping it, and every occurrence
// overlapping those: pad days covers the longest window plus a day of DST slack.
func (r *recurrence) occurrences(from, to time.Time) []calendar.Interval {
	pad := int(r.length/(24*time.Hour)) + 2
	first := calendar.DateOf(from.In(r.loc)).AddDays(-2 * pad)
	last := calendar.DateOf(to.In(r.loc)).AddDays(pad)
	var out []calendar.Interval
	for _, d := range r.dates(first, last) {
		start := wallTime(d, r.start, r.loc)
		iv := calendar.Interval{Start: start, End: start.Add(r.length)}
		if n := len(out); n > 0 && iv.Start.Before(out[n-1].End) {
			out[n-1].End = later(out[n-1].End, iv.End) // overlapping, not merely touching
			continue
		}
		out = append(out, iv)
	}
	return out
}

// dates returns the occurrence dates from first to last inclusive, within starts_on..ends_on.
func (r *recurrence) dates(first, last calendar.Date) []calendar.Date {
	if first.Compare(r.startsOn) < 0 {
		first = r.startsOn
	}
	if last.Compare(r.endsOn) > 0 {
		last = r.endsOn
	}
	var out []calendar.Date
	for d := first; d.Compare(last) <= 0; d = d.AddDays(1) {
		if r.occursOn(d) {
			out = append(out, d)
		}
	}
	return slices.Clip(out)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
