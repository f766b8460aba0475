package yearplan

import (
	"context"
	"time"
)

// Draft is next year's plan of one group as the yearly plan hands it to
// the capacity package when the customer accepts it: a baseline of
// recurring rules and the events. It is a plain shape on purpose; capacity
// maps it onto its own plan type and stores it as a draft to agree.
type Draft struct {
	Group    int64        `json:"group"`
	TimeZone string       `json:"time_zone"`
	Baseline []Rule       `json:"baseline"`
	Events   []DraftEvent `json:"events"`
}

// Rule runs Count instances on Days from StartHour to EndHour (local
// hours; an EndHour not after StartHour runs past midnight) between From
// and To.
type Rule struct {
	From      time.Time      `json:"from"`
	To        time.Time      `json:"to"`
	Days      []time.Weekday `json:"days"`
	StartHour int            `json:"start_hour"`
	EndHour   int            `json:"end_hour"`
	Count     int            `json:"count"`
}

// DraftEvent is an event with the count recommended for it.
type DraftEvent struct {
	Name  string    `json:"name"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Count int       `json:"count"`
}

var (
	weekdaySet = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	weekendSet = []time.Weekday{time.Saturday, time.Sunday}
	everyDay   = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
)

// Drafts are the drafts of every group that has a forecast. Months in a
// row with the same counts make one set of rules.
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
			from := m.Month
			d.Baseline = append(d.Baseline,
				Rule{From: from, To: to, Days: weekdaySet, StartHour: dayStart, EndHour: dayEnd, Count: m.Day},
				Rule{From: from, To: to, Days: everyDay, StartHour: dayEnd, EndHour: dayStart, Count: m.Night},
				Rule{From: from, To: to, Days: weekendSet, StartHour: dayStart, EndHour: dayEnd, Count: m.Weekend})
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
