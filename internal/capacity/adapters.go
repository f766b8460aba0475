package capacity

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/chart"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/yearplan"
)

// The adapters below connect the store to the monthly report's section
// 運行実績 (report.OperationSource) and to the yearly plan
// (yearplan.Source); internal/cli only passes them along.

// YearplanSource is the store as the yearly plan reads it: the groups, the
// counts they ran (as observed), and the events of their plans.
type YearplanSource struct{ Store *Store }

var _ yearplan.Source = YearplanSource{}

// Groups implements yearplan.Source; Count is the last count observed.
func (y YearplanSource) Groups(ctx context.Context, tenant string) ([]yearplan.Group, error) {
	groups, err := y.Store.Groups(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := make([]yearplan.Group, 0, len(groups))
	for _, g := range groups {
		yg := groupForPlan(g)
		now := y.Store.now()
		if obs, err := y.Store.Observations(ctx, tenant, g.ID, now, now.Add(time.Millisecond)); err == nil && len(obs) > 0 {
			yg.Count = obs[len(obs)-1].Running
		}
		out = append(out, yg)
	}
	return out, nil
}

func groupForPlan(g *Group) yearplan.Group {
	yg := yearplan.Group{ID: g.ID, Name: g.Name, HostSelector: g.HostSelector, Size: g.InstanceSize, Min: g.Min, Max: g.Max,
		LoadQuery: g.LoadQuery, LoadUnit: g.LoadUnit, PerInstance: g.PerInstance(), LoadUnder: deref(g.LoadUnder), LoadOver: deref(g.LoadOver)}
	if g.HourlyPrice != nil {
		yg.HourlyPrice = *g.HourlyPrice
	}
	return yg
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

// Counts implements yearplan.Source: the running counts observed, with
// the last one before from first.
func (y YearplanSource) Counts(ctx context.Context, tenant string, group int64, from, to time.Time) ([]yearplan.CountChange, error) {
	obs, err := y.Store.Observations(ctx, tenant, group, from, to)
	if err != nil {
		return nil, err
	}
	out := []yearplan.CountChange{}
	for _, o := range obs {
		if n := len(out); n > 0 && out[n-1].Count == o.Running {
			continue
		}
		out = append(out, yearplan.CountChange{At: o.At, Count: o.Running})
	}
	return out, nil
}

// Events implements yearplan.Source: the events of every version that
// was active, and of the active one, overlapping [from, to).
func (y YearplanSource) Events(ctx context.Context, tenant string, group int64, from, to time.Time) ([]yearplan.Event, error) {
	events, err := y.Store.planEvents(ctx, tenant, group, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]yearplan.Event, 0, len(events))
	for _, e := range events {
		out = append(out, yearplan.Event{Name: e.Name, Start: e.Start, End: e.End, Count: e.Count, Multiplier: e.Multiplier})
	}
	return out, nil
}

// planEvents lists the events of the versions that ran (or run) with a
// window overlapping [from, to), a later version's event replacing an
// earlier one of the same name.
func (s *Store) planEvents(ctx context.Context, tenant string, group int64, from, to time.Time) ([]Event, error) {
	versions, err := s.Versions(ctx, tenant, group)
	if err != nil {
		return nil, err
	}
	var out []Event
	seen := map[string]int{}
	for _, v := range versions {
		if v.ActivatedAt == nil {
			continue
		}
		for _, e := range v.Document.Events {
			if a, b := e.window(); !a.Before(to) || !b.After(from) {
				continue
			}
			if i, ok := seen[e.Name]; ok {
				out[i] = e
				continue
			}
			seen[e.Name] = len(out)
			out = append(out, e)
		}
	}
	return out, nil
}

// ReportOperations is the store as the monthly report's section 運行実績
// reads it, with the groups' load from Load (yearplan.TSDBLoad over the
// TSDB, as the yearly plan reads it).
type ReportOperations struct {
	Store *Store
	Load  yearplan.LoadSource
}

var _ report.OperationSource = ReportOperations{}

// Operations implements report.OperationSource.
func (r ReportOperations) Operations(ctx context.Context, tenant string, from, to, next time.Time) ([]report.GroupOperation, error) {
	res, err := r.Store.Results(ctx, tenant, from, to, next)
	if err != nil {
		return nil, err
	}
	groups, err := r.Store.Groups(ctx, tenant)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Group{}
	var plan []yearplan.Group
	for _, g := range groups {
		byID[g.ID] = g
		plan = append(plan, groupForPlan(g))
	}
	var loads map[int64]yearplan.Load
	if r.Load != nil && len(plan) > 0 {
		if loads, err = r.Load.Load(ctx, tenant, plan, from, to); err != nil {
			return nil, err
		}
	}
	out := make([]report.GroupOperation, 0, len(res.Groups))
	for _, pa := range res.Groups {
		g := byID[pa.GroupID]
		if g == nil {
			continue
		}
		op := report.GroupOperation{Group: pa.Group, Size: pa.InstanceSize}
		if pa.HourlyPrice != nil {
			op.HourlyPrice = *pa.HourlyPrice
		}
		for _, p := range pa.Timeline {
			op.Planned = append(op.Planned, report.CountPoint{At: p.At, Count: p.Planned})
			if p.Actual != nil {
				if n := len(op.Actual); n == 0 || op.Actual[n-1].Count != *p.Actual {
					op.Actual = append(op.Actual, report.CountPoint{At: p.At, Count: *p.Actual})
				}
			}
		}
		for _, e := range pa.Events {
			op.Events = append(op.Events, operationEvent(e, pa.Timeline))
		}
		for _, st := range pa.Steps {
			if st.State == StepSuperseded {
				continue
			}
			os := report.OperationStep{Planned: st.PlannedAt, Count: st.Count, Applied: st.AppliedAt, Reached: st.ReachedAt, Error: st.Error}
			if st.Winner != "baseline" && st.Winner != "hold" {
				os.Event = st.Winner
			}
			if st.ReachedCount != nil {
				os.ReachedCount = *st.ReachedCount
			}
			op.Steps = append(op.Steps, os)
		}
		for _, u := range res.Upcoming {
			if u.GroupID == g.ID {
				op.Upcoming = append(op.Upcoming, report.OperationEvent{Name: u.Name, Start: u.Start, End: u.End, Count: u.Count})
			}
		}
		op.LoadUnit, op.LoadUnder, op.LoadOver, op.PerInstance = g.LoadUnit, deref(g.LoadUnder), deref(g.LoadOver), g.PerInstance()
		if l, ok := loads[g.ID]; ok {
			for k, v := range l.Values {
				op.Load = append(op.Load, chart.Point{T: l.Start.Add(time.Duration(k) * l.Step), V: v})
			}
			op.LoadError = l.QueryError
			// The query's value at a step's end, as its CPU: both at the step's start.
			for k, v := range l.Query {
				op.Query = append(op.Query, chart.Point{T: l.Start.Add(time.Duration(k) * l.Step), V: v})
			}
		}
		out = append(out, op)
	}
	return out, nil
}

// operationEvent is an event with its planned count: its own, or for a
// multiplier the largest count the plan held during it.
func operationEvent(e Event, timeline []CountPoint) report.OperationEvent {
	oe := report.OperationEvent{Name: e.Name, Start: e.Start, End: e.End, Count: e.Count}
	if oe.Count == 0 {
		for i, p := range timeline {
			end := e.End
			if i+1 < len(timeline) {
				end = timeline[i+1].At
			}
			if p.At.Before(e.End) && end.After(e.Start) {
				oe.Count = max(oe.Count, p.Planned)
			}
		}
	}
	return oe
}
