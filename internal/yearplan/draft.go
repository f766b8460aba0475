package yearplan

import (
	"context"
	"time"
)

// Draft is next year's plan of one group as the yearly plan hands it to
// the capacity package when the customer accepts it. It is a plain shape
// in capacity's own terms (a baseline of a default count and weekday rules
// in "HH:MM" wall-clock time, and events), so that mapping it onto
// capacity's plan document is field for field. The baseline may change
// with the months, so it comes in periods: consecutive months with the
// same counts share one.
type Draft struct {
	Group    int64        `json:"group"`
	TimeZone string       `json:"time_zone"`
	Periods  []Period     `json:"periods"`
	Events   []DraftEvent `json:"events"`
}

// Period is the baseline from From to To.
type Period struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Baseline Baseline  `json:"baseline"`
}

// Baseline is Default (the night count), unless a rule covers the moment.
type Baseline struct {
	Default int    `json:"default"`
	Rules   []Rule `json:"rules"`
}

// Rule holds Count on Days ("mon".."sun") from Start to End, local time.
type Rule struct {
	Days  []string `json:"days"`
	Start string   `json:"start"`
	End   string   `json:"end"`
	Count int      `json:"count"`
}

// DraftEvent is an upcoming event with the count recommended for it.
type DraftEvent struct {
	Name  string    `json:"name"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Count int       `json:"count"`
}

var (
	weekdayNames = []string{"mon", "tue", "wed", "thu", "fri"}
	weekendNames = []string{"sat", "sun"}
)

// hhmm is an hour as capacity's rules write it.
func hhmm(h int) string { return time.Date(0, 1, 1, h, 0, 0, 0, time.UTC).Format("15:04") }

// Drafts are the drafts of every group that has a forecast.
func (p *Plan) Drafts() []Draft {
	var out []Draft
	for _, g := range p.Groups {
		if g.Note != "" || len(g.Months) == 0 {
			continue
		}
		d := Draft{Group: g.Group.ID, TimeZone: p.TimeZone}
		for i := 0; i < len(g.Months); {
			m := g.Months[i]
			j := i + 1
			for j < len(g.Months) && g.Months[j].Day == m.Day && g.Months[j].Night == m.Night && g.Months[j].Weekend == m.Weekend {
				j++
			}
			to := p.YearTo
			if j < len(g.Months) {
				to = g.Months[j].Month
			}
			d.Periods = append(d.Periods, Period{From: m.Month, To: to, Baseline: Baseline{Default: m.Night, Rules: []Rule{
				{Days: weekdayNames, Start: hhmm(dayStart), End: hhmm(dayEnd), Count: m.Day},
				{Days: weekendNames, Start: hhmm(dayStart), End: hhmm(dayEnd), Count: m.Weekend},
			}}})
			i = j
		}
		for _, e := range g.Events {
			d.Events = append(d.Events, DraftEvent{Name: e.Name, Start: e.Start, End: e.End, Count: e.Count})
		}
		out = append(out, d)
	}
	return out
}

// Drafts makes tenant's plan and returns its drafts: what the capacity
// package calls when the customer accepts the yearly plan.
func (s *Service) Drafts(ctx context.Context, tenant string, o Options) ([]Draft, error) {
	p, err := s.Generate(ctx, tenant, o)
	if err != nil {
		return nil, err
	}
	return p.Drafts(), nil
}
