// Package maintenance holds maintenance windows: one-off, or recurring weekly or
// monthly in a time zone between two dates. Alerting asks whether a window is Active;
// availability figures take the time Covered out of the measured period.
// docs/sla-and-calendars.md has the recurrence rules, including the month-end rule.
package maintenance

import (
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// Interval is one occurrence of a window, [Start, End).
type Interval = calendar.Interval

// Window is a maintenance window: either one-off (Start, End) or a Recurrence.
type Window struct {
	Start      time.Time   `json:"start,omitzero"` // one-off
	End        time.Time   `json:"end,omitzero"`   // one-off
	Recurrence *Recurrence `json:"recurrence,omitempty"`
}

// Recurrence repeats a window weekly or monthly, at a wall-clock time in TimeZone,
// from StartsOn to EndsOn inclusive.
type Recurrence struct {
	Frequency  string   `json:"frequency"`              // "weekly" | "monthly"
	Weekdays   []string `json:"weekdays,omitempty"`     // weekly: "mon".."sun"
	DayOfMonth int      `json:"day_of_month,omitempty"` // monthly by day, 1-31; past the month's end means its last day
	Week       string   `json:"week,omitempty"`         // monthly by nth weekday: "1".."4" | "last"
	Weekday    string   `json:"weekday,omitempty"`      // with Week
	StartTime  string   `json:"start_time"`             // "02:00" local
	Duration   string   `json:"duration"`               // Go duration, e.g. "2h"
	TimeZone   string   `json:"time_zone"`              // IANA name, required
	StartsOn   string   `json:"starts_on"`              // "2026-01-01": first date an occurrence may start
	EndsOn     string   `json:"ends_on"`                // required: last date an occurrence may start
}

// Validate reports the first problem with w as an *invalid.Error naming the field.
func (w Window) Validate() error {
	_, err := w.Compile()
	return err
}

// Compile validates w and returns the Schedule that answers questions about it.
// Compile once and keep the Schedule: loading a time zone costs far more than a lookup.
func (w Window) Compile() (*Schedule, error) {
	if w.Recurrence == nil {
		return compileOneOff(w)
	}
	if !w.Start.IsZero() {
		return nil, invalid.New("start", "must be empty for a recurring window")
	}
	if !w.End.IsZero() {
		return nil, invalid.New("end", "must be empty for a recurring window")
	}
	r, err := compileRecurrence(*w.Recurrence)
	if err != nil {
		return nil, invalid.Prefix("recurrence", err)
	}
	return &Schedule{rec: r}, nil
}

func compileOneOff(w Window) (*Schedule, error) {
	switch {
	case w.Start.IsZero():
		return nil, invalid.New("start", "is required for a one-off window (or give a recurrence)")
	case w.End.IsZero():
		return nil, invalid.New("end", "is required for a one-off window")
	case !w.End.After(w.Start):
		return nil, invalid.New("end", "must be after start %s", w.Start.Format(time.RFC3339))
	}
	return &Schedule{once: Interval{Start: w.Start, End: w.End}}, nil
}

// schedule compiles w for the convenience methods. A window that does not compile
// never applies: an unreadable window must not silence alerts. Validate at the edge
// (API, YAML apply) keeps such windows out of storage.
func (w Window) schedule() *Schedule {
	s, err := w.Compile()
	if err != nil {
		return &Schedule{}
	}
	return s
}

// Active reports whether t falls in an occurrence of w; see Schedule.Active. It compiles w on every call.
func (w Window) Active(t time.Time) bool { return w.schedule().Active(t) }

// Occurrences returns the occurrences of w overlapping [from, to); see Schedule.Occurrences.
func (w Window) Occurrences(from, to time.Time) []Interval { return w.schedule().Occurrences(from, to) }

// Covered returns the time in [from, to) inside w; see Schedule.Covered.
func (w Window) Covered(from, to time.Time) time.Duration { return w.schedule().Covered(from, to) }

// fieldf names an indexed field, e.g. weekdays[2].
func fieldf(name string, i int) string { return fmt.Sprintf("%s[%d]", name, i) }
