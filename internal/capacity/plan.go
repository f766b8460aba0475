package capacity

import (
	"fmt"
	"math"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// Document is the body of one plan version: the recurring baseline and the
// events laid over it. Its wall-clock times are in the service calendar's
// time zone.
type Document struct {
	Baseline Baseline `json:"baseline"`
	// Seasons replace the baseline on their dates: a yearly plan whose
	// counts change with the months is one version, not twelve. Outside
	// every season the plain baseline holds; a document without seasons
	// means what it always meant.
	Seasons []Season `json:"seasons,omitempty"`
	Events  []Event  `json:"events"`
}

// Season is a baseline that holds, instead of the plain one, from the
// local date From to the local date Until (exclusive), "YYYY-MM-DD" in
// the service calendar's time zone: it starts and ends at local midnight.
// Seasons may not overlap, so a day has one baseline and no rule is needed
// to pick between two.
type Season struct {
	Name     string   `json:"name,omitempty"`
	From     string   `json:"from"`
	Until    string   `json:"until"`
	Baseline Baseline `json:"baseline"`
}

// maxSeasons bounds the seasons of one plan: a month each for a few years.
const maxSeasons = 100

// Baseline is the count when no event runs: Default, unless a rule covers
// the moment (then the largest count of the rules that do).
type Baseline struct {
	Default int    `json:"default"`
	Rules   []Rule `json:"rules"`
}

// Rule holds Count on the named weekdays from Start to End (local
// wall-clock, End > Start, "24:00" allowed; split a range over midnight).
type Rule struct {
	Days  []string `json:"days"` // "mon".."sun"
	Start string   `json:"start"`
	End   string   `json:"end"`
	Count int      `json:"count"`
}

// Event is a campaign: from Start − Lead to End + CoolDown the group holds
// Count, or Multiplier times the baseline of the moment, whichever is set.
type Event struct {
	Name       string         `json:"name"`
	Start      time.Time      `json:"start"`
	End        time.Time      `json:"end"`
	Count      int            `json:"count,omitempty"`
	Multiplier float64        `json:"multiplier,omitempty"`
	Lead       model.Duration `json:"lead"`
	CoolDown   model.Duration `json:"cool_down"`
}

// window is when the event holds its count: the lead before it and the
// cool-down after.
func (e Event) window() (time.Time, time.Time) {
	return e.Start.Add(-time.Duration(e.Lead)), e.End.Add(time.Duration(e.CoolDown))
}

// maxCount bounds every count in a plan, so that a typo cannot ask a cloud
// for a million instances.
const maxCount = 10000

// Validate reports the first field of d that is not acceptable.
func (d *Document) Validate() error {
	if err := d.Baseline.validate(); err != nil {
		return invalid.Prefix("baseline", err)
	}
	if err := validateSeasons(d.Seasons); err != nil {
		return err
	}
	names := map[string]bool{}
	for i, e := range d.Events {
		if err := e.validate(); err != nil {
			return invalid.Prefix(fmt.Sprintf("events[%d]", i), err)
		}
		if names[e.Name] {
			return invalid.New(fmt.Sprintf("events[%d].name", i), "%q is named twice", e.Name)
		}
		names[e.Name] = true
	}
	if len(d.Events) > 1000 {
		return invalid.New("events", "at most 1000 events in one plan")
	}
	return nil
}

func (b Baseline) validate() error {
	if b.Default < 0 || b.Default > maxCount {
		return invalid.New("default", "must be from 0 to %d", maxCount)
	}
	for i, r := range b.Rules {
		if err := r.validate(); err != nil {
			return invalid.Prefix(fmt.Sprintf("rules[%d]", i), err)
		}
	}
	return nil
}

// validateSeasons checks each season and that no two share a day.
func validateSeasons(seasons []Season) error {
	if len(seasons) > maxSeasons {
		return invalid.New("seasons", "at most %d seasons in one plan", maxSeasons)
	}
	type span struct{ from, until calendar.Date }
	spans := make([]span, len(seasons))
	for i, s := range seasons {
		path := fmt.Sprintf("seasons[%d]", i)
		from, until, err := s.dates()
		if err != nil {
			return invalid.Prefix(path, err)
		}
		if len(s.Name) > 200 {
			return invalid.New(path+".name", "at most 200 bytes")
		}
		if err := s.Baseline.validate(); err != nil {
			return invalid.Prefix(path+".baseline", err)
		}
		for j, o := range spans[:i] {
			if from.Compare(o.until) < 0 && o.from.Compare(until) < 0 {
				return invalid.New(path+".from", "overlaps seasons[%d] (%s until %s): seasons may not share a day", j, seasons[j].From, seasons[j].Until)
			}
		}
		spans[i] = span{from, until}
	}
	return nil
}

// dates parses From and Until.
func (s Season) dates() (calendar.Date, calendar.Date, error) {
	from, err := calendar.ParseDate(s.From)
	if err != nil {
		return from, from, invalid.Prefix("from", err)
	}
	until, err := calendar.ParseDate(s.Until)
	if err != nil {
		return from, until, invalid.Prefix("until", err)
	}
	if until.Compare(from) <= 0 {
		return from, until, invalid.New("until", "must be after from (until is the first day after the season)")
	}
	return from, until, nil
}

func (r Rule) validate() error {
	if len(r.Days) == 0 {
		return invalid.New("days", "is required: mon..sun")
	}
	for i, day := range r.Days {
		if _, err := calendar.ParseWeekday(day); err != nil {
			return invalid.Prefix(fmt.Sprintf("days[%d]", i), err)
		}
	}
	start, err := calendar.ParseClock(r.Start)
	if err != nil || start == 24*time.Hour {
		return invalid.New("start", "must be HH:MM from 00:00 to 23:59, got %q", r.Start)
	}
	end, err := calendar.ParseClock(r.End)
	if err != nil {
		return invalid.Prefix("end", err)
	}
	if end <= start {
		return invalid.New("end", "must be after start (split a range over midnight in two)")
	}
	if r.Count < 0 || r.Count > maxCount {
		return invalid.New("count", "must be from 0 to %d", maxCount)
	}
	return nil
}

func (e Event) validate() error {
	switch {
	case e.Name == "" || len(e.Name) > 200:
		return invalid.New("name", "is required, at most 200 bytes")
	case e.Start.IsZero():
		return invalid.New("start", "is required: an RFC 3339 time")
	case !e.End.After(e.Start):
		return invalid.New("end", "must be after start")
	case (e.Count == 0) == (e.Multiplier == 0):
		return invalid.New("count", "set either count or multiplier")
	case e.Count < 0 || e.Count > maxCount:
		return invalid.New("count", "must be from 1 to %d", maxCount)
	case e.Multiplier < 0 || e.Multiplier > 100 || math.IsNaN(e.Multiplier):
		return invalid.New("multiplier", "must be above 0 and at most 100")
	case e.Lead < 0 || time.Duration(e.Lead) > 7*24*time.Hour:
		return invalid.New("lead", "must be from 0 to 168h")
	case e.CoolDown < 0 || time.Duration(e.CoolDown) > 7*24*time.Hour:
		return invalid.New("cool_down", "must be from 0 to 168h")
	}
	return nil
}
