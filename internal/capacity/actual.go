package capacity

import (
	"context"
	"slices"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// PlanActual sets a group's plan against what ran over a period: what the
// monthly report's 運行実績 section and the console's chart read.
type PlanActual struct {
	GroupID      int64     `json:"group_id"`
	Group        string    `json:"group"`
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	InstanceSize string    `json:"instance_size"`
	HourlyPrice  *float64  `json:"hourly_price,omitempty"`
	LoadQuery    string    `json:"load_query"` // PromQL of the group's load, for the chart's overlay
	// Timeline has a point at every change of the planned or the actual
	// count; Actual is nil before the first observation.
	Timeline     []CountPoint `json:"timeline"`
	PlannedHours float64      `json:"planned_instance_hours"`
	ActualHours  float64      `json:"actual_instance_hours"`
	PeakPlanned  int          `json:"peak_planned"`
	// FixedHours is a fleet held at the peak planned count all period.
	FixedHours float64 `json:"fixed_instance_hours"`
	// Costs at HourlyPrice; absent without a price.
	PlannedCost *float64 `json:"planned_cost,omitempty"`
	ActualCost  *float64 `json:"actual_cost,omitempty"`
	FixedCost   *float64 `json:"fixed_cost,omitempty"`
	Events      []Event  `json:"events"` // events of the period, from the versions that were active then
	Steps       []*Step  `json:"steps"`  // planned, applied and reached, with errors; Late() marks the late ones
}

// CountPoint is the planned and actual count from At on.
type CountPoint struct {
	At      time.Time `json:"at"`
	Planned int       `json:"planned"`
	Actual  *int      `json:"actual"`
}

// maxPeriod bounds a period read at once.
const maxPeriod = 400 * 24 * time.Hour

// PlanActual reads group's plan against actual from from to to.
func (s *Store) PlanActual(ctx context.Context, tenant string, group int64, from, to time.Time) (*PlanActual, error) {
	if !to.After(from) || to.Sub(from) > maxPeriod {
		return nil, invalid.New("to", "must be after from, at most 400 days later")
	}
	g, err := s.Group(ctx, tenant, group)
	if err != nil {
		return nil, err
	}
	out := &PlanActual{GroupID: g.ID, Group: g.Name, From: from, To: to, InstanceSize: g.InstanceSize, HourlyPrice: g.HourlyPrice,
		LoadQuery: g.Load(), Events: []Event{}}
	planned, err := s.planned(ctx, g, from, to, out)
	if err != nil {
		return nil, err
	}
	obs, err := s.Observations(ctx, tenant, group, from, to)
	if err != nil {
		return nil, err
	}
	if out.Steps, err = s.Steps(ctx, tenant, group, from, to); err != nil {
		return nil, err
	}
	out.Timeline = merge(planned, obs, from, to)
	for i, p := range out.Timeline {
		end := to
		if i+1 < len(out.Timeline) {
			end = out.Timeline[i+1].At
		}
		h := end.Sub(p.At).Hours()
		out.PlannedHours += float64(p.Planned) * h
		if p.Actual != nil {
			out.ActualHours += float64(*p.Actual) * h
		}
		out.PeakPlanned = max(out.PeakPlanned, p.Planned)
	}
	out.FixedHours = float64(out.PeakPlanned) * to.Sub(from).Hours()
	if g.HourlyPrice != nil {
		price := *g.HourlyPrice
		pc, ac, fc := out.PlannedHours*price, out.ActualHours*price, out.FixedHours*price
		out.PlannedCost, out.ActualCost, out.FixedCost = &pc, &ac, &fc
	}
	return out, nil
}

// planned is the planned count's segments over the period: each version
// over the span it was active, with the holds; the events of those
// versions within the period go to out.
func (s *Store) planned(ctx context.Context, g *Group, from, to time.Time, out *PlanActual) ([]Segment, error) {
	versions, err := s.Versions(ctx, g.TenantID, g.ID)
	if err != nil {
		return nil, err
	}
	loc, err := s.location(ctx, g)
	if err != nil {
		return nil, err
	}
	holds, err := s.Holds(ctx, g.TenantID, g.ID, from)
	if err != nil {
		return nil, err
	}
	var segs []Segment
	seen := map[string]int{}
	for _, v := range versions {
		if v.ActivatedAt == nil {
			continue
		}
		a, b := later2(*v.ActivatedAt, from), to
		if v.SupersededAt != nil && v.SupersededAt.Before(b) {
			b = *v.SupersededAt
		}
		if !b.After(a) {
			continue
		}
		segs = append(segs, Compile(&v.Document, loc, g.Min, g.Max, holds).Segments(a, b)...)
		for _, e := range v.Document.Events {
			if ws, we := e.window(); ws.Before(b) && we.After(a) {
				if i, ok := seen[e.Name]; ok {
					out.Events[i] = e // the later version's event of that name
					continue
				}
				seen[e.Name] = len(out.Events)
				out.Events = append(out.Events, e)
			}
		}
	}
	return segs, nil
}

func later2(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// merge lays the planned segments and the observations on one timeline;
// before the first version was active the plan is 0.
func merge(planned []Segment, obs []Observation, from, to time.Time) []CountPoint {
	cuts := []time.Time{from}
	for _, s := range planned {
		cuts = append(cuts, s.Start)
	}
	for _, o := range obs {
		if o.At.After(from) {
			cuts = append(cuts, o.At)
		}
	}
	slices.SortFunc(cuts, func(a, b time.Time) int { return a.Compare(b) })
	cuts = slices.CompactFunc(cuts, func(a, b time.Time) bool { return a.Equal(b) })
	var out []CountPoint
	pi, oi := 0, -1
	for _, c := range cuts {
		if !c.Before(to) {
			break
		}
		p := CountPoint{At: c}
		for pi+1 < len(planned) && !planned[pi+1].Start.After(c) {
			pi++
		}
		if pi < len(planned) && !planned[pi].Start.After(c) && planned[pi].End.After(c) {
			p.Planned = planned[pi].Count
		}
		for oi+1 < len(obs) && !obs[oi+1].At.After(c) {
			oi++
		}
		if oi >= 0 {
			n := obs[oi].Running
			p.Actual = &n
		}
		if k := len(out); k > 0 && out[k-1].Planned == p.Planned && eqPtr(out[k-1].Actual, p.Actual) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func eqPtr(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// Results is plan against actual of every group of a tenant over a
// period, and the events coming in the period after: the monthly report's
// operation results section adapts it.
type Results struct {
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Groups   []*PlanActual `json:"groups"`
	Upcoming []Upcoming    `json:"upcoming"`
}

// Upcoming is an event of a group's active plan in the next period.
type Upcoming struct {
	GroupID int64  `json:"group_id"`
	Group   string `json:"group"`
	Event
}

// Results reads every group of tenant from from to to, and the events of
// the active plans from to to next.
func (s *Store) Results(ctx context.Context, tenant string, from, to, next time.Time) (*Results, error) {
	groups, err := s.Groups(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := &Results{From: from, To: to, Groups: []*PlanActual{}, Upcoming: []Upcoming{}}
	for _, g := range groups {
		pa, err := s.PlanActual(ctx, tenant, g.ID, from, to)
		if err != nil {
			return nil, err
		}
		out.Groups = append(out.Groups, pa)
		v, err := s.Active(ctx, tenant, g.ID)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		for _, e := range v.Document.Events {
			if ws, we := e.window(); ws.Before(next) && we.After(to) {
				out.Upcoming = append(out.Upcoming, Upcoming{GroupID: g.ID, Group: g.Name, Event: e})
			}
		}
	}
	slices.SortFunc(out.Upcoming, func(a, b Upcoming) int { return a.Start.Compare(b.Start) })
	return out, nil
}
