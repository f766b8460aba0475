package yearplan

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/unyo-ops/unyo/internal/forecast"
	"github.com/unyo-ops/unyo/internal/report"
)

// The planning rules, stated in docs/yearly-plan.md.
const (
	// HistoryDays is how far back the plan reads.
	HistoryDays = 365
	// Months is how many months it plans, from the first of the next month.
	Months = 12
	// A past event whose CPU p95 per instance is above UnderP95 was
	// under-provisioned, below OverP95 over-provisioned: the monthly
	// report's thresholds, so both documents judge alike.
	UnderP95 = report.OperationUnderP95
	OverP95  = report.OperationOverP95
	// dayStart and dayEnd bound the day window (08:00–23:00); the rest of
	// every day is night; Saturday and Sunday days are the weekend.
	dayStart, dayEnd = 8, 23
)

// Window names the three baseline windows of a day.
type Window int

// The baseline windows.
const (
	Day Window = iota
	Night
	Weekend
)

// WindowOf is the baseline window of t in loc.
func WindowOf(t time.Time, loc *time.Location) Window {
	t = t.In(loc)
	switch {
	case t.Hour() < dayStart || t.Hour() >= dayEnd:
		return Night
	case t.Weekday() == time.Saturday || t.Weekday() == time.Sunday:
		return Weekend
	}
	return Day
}

// planner plans the groups of one tenant over one history and year.
type planner struct {
	src        Source
	tenant     string
	loc        *time.Location
	from, to   time.Time // the history
	yFrom, yTo time.Time // the year planned
	opts       Options
}

// history is what a group's past holds, hour by hour from planner.from.
type history struct {
	demand []float64 // load in instances' worth
	counts []int     // the count in effect
	base   []float64 // demand with the past events' hours left out (NaN)
	past   []Event
	coming []Event // the events of the year planned
}

// read gathers g's history from its load and the source.
func (p planner) read(ctx context.Context, g Group, load Load) (*history, error) {
	changes, err := p.src.Counts(ctx, p.tenant, g.ID, p.from, p.to)
	if err != nil {
		return nil, fmt.Errorf("yearplan: counts of %s: %w", g.Name, err)
	}
	events, err := p.src.Events(ctx, p.tenant, g.ID, p.from, p.yTo)
	if err != nil {
		return nil, fmt.Errorf("yearplan: events of %s: %w", g.Name, err)
	}
	cpu := forecast.HourlyGrid(load.Values, load.Start, load.Step, p.from, p.to)
	h := &history{counts: hourlyCounts(changes, g.Count, p.from, len(cpu)), demand: make([]float64, len(cpu))}
	for i, v := range cpu {
		h.demand[i] = v * float64(h.counts[i]) / 100
	}
	if g.OwnLoad() && load.QueryError == "" {
		// The group's own load in instances' worth: what it asked of the
		// fleet over what one instance serves, whatever the count was.
		own := forecast.HourlyGrid(ownValues(load, len(load.Values)), load.Start, load.Step, p.from, p.to)
		for i, v := range own {
			h.demand[i] = v / g.PerInstance
		}
	}
	// Past events are left out of the baseline fit: their load is what the
	// event adds, measured against the baseline.
	inEvent := make([]bool, len(cpu))
	for _, e := range events {
		if e.Start.Before(p.to) {
			h.past = append(h.past, e)
			markHours(inEvent, p.from, e.Start, e.End)
		}
		if e.End.After(p.yFrom) && e.Start.Before(p.yTo) {
			h.coming = append(h.coming, e)
		}
	}
	h.base = slices.Clone(h.demand)
	for i := range h.base {
		if inEvent[i] {
			h.base[i] = math.NaN()
		}
	}
	return h, nil
}

// group plans one group.
func (p planner) group(ctx context.Context, g Group, load Load) (GroupPlan, error) {
	gp := GroupPlan{Group: g}
	h, err := p.read(ctx, g, load)
	if err != nil {
		return gp, err
	}
	m, err := forecast.Fit(h.base, p.from, p.loc)
	if errors.Is(err, forecast.ErrShort) {
		gp.Note, gp.HistoryHours = "no.history", observed(h.base)
		return gp, nil
	} else if err != nil {
		return gp, err
	}
	gp.HistoryHours, gp.Seasonal, gp.Trend, gp.OwnLoad = m.N, m.Seasonal, m.Trend, g.OwnLoad() && load.QueryError == ""
	gp.LoadError = load.QueryError
	gp.TrendMonth = m.Slope * 30 * 24
	for k := range forecast.Week { // the levels as of the end of the history
		gp.Week[k] = m.Level[k] + m.Slope*float64(len(h.base))
	}
	if acc, err := forecast.BackTest(h.base, p.from, p.loc, nil); err == nil {
		gp.Accuracy = &acc
	}
	gp.PastEvents = pastEvents(g, h.past, load, h.demand, h.counts, m, p.from)
	fc := m.Range(p.yFrom, int(p.yTo.Sub(p.yFrom)/time.Hour))
	for i := range fc {
		fc[i] = math.Max(fc[i], 0)
	}
	y := year{from: p.yFrom, loc: p.loc, band: m.Resid90, target: p.opts.Target, min: g.Min}
	need := y.plan(fc, h.coming, meanUplift(gp.PastEvents), &gp)
	gp.Daily = append(daily(h.demand, p.from, p.loc, false), daily(fc, p.yFrom, p.loc, true)...)
	gp.Size = adviseSize(g, p.opts.Sizes, p.opts.Target, max(g.Min, 1), need)
	return gp, nil
}

// hourlyCounts is the count in effect at the start of each hour: the last
// change at or before it, else the first change's count, else now's.
func hourlyCounts(changes []CountChange, now int, from time.Time, hours int) []int {
	out := make([]int, hours)
	slices.SortFunc(changes, func(a, b CountChange) int { return a.At.Compare(b.At) })
	cur, k := now, 0
	if len(changes) > 0 {
		cur = changes[0].Count
	}
	for i := range out {
		t := from.Add(time.Duration(i) * time.Hour)
		for k < len(changes) && !changes[k].At.After(t) {
			cur = changes[k].Count
			k++
		}
		out[i] = cur
	}
	return out
}

// markHours sets the hours of [start, end) that lie in the series.
func markHours(mark []bool, from, start, end time.Time) {
	i0 := int(math.Floor(start.Sub(from).Hours()))
	i1 := int(math.Ceil(end.Sub(from).Hours()))
	for i := max(i0, 0); i < min(i1, len(mark)); i++ {
		mark[i] = true
	}
}

func observed(s []float64) int {
	n := 0
	for _, v := range s {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}

// pastEvents measures each past event: its CPU p95 per instance from the
// load's own points, its peak hourly load, the count run, and its uplift
// over the baseline forecast of the same hours.
func pastEvents(g Group, events []Event, load Load, demand []float64, counts []int, m *forecast.Model, from time.Time) []PastEvent {
	var out []PastEvent
	for _, e := range events {
		pe := PastEvent{Name: e.Name, Start: e.Start, End: e.End}
		var cpu, own []float64
		for k := load.index(e.Start); k < len(load.Values) && k < load.index(e.End); k++ {
			if !math.IsNaN(load.Values[k]) {
				cpu = append(cpu, load.Values[k])
			}
			t := load.Start.Add(time.Duration(k) * load.Step)
			if i := int(t.Sub(from) / time.Hour); k < len(load.Query) && !math.IsNaN(load.Query[k]) && i >= 0 && i < len(counts) && counts[i] > 0 {
				own = append(own, load.Query[k]/float64(counts[i]))
			}
		}
		pe.Samples, pe.LoadSamples = len(cpu), len(own)
		if len(cpu) > 0 {
			pe.CPUP95 = p95(cpu)
		}
		if len(own) > 0 {
			pe.LoadP95 = p95(own)
		}
		var act, pred, cnt float64
		n := 0
		for i := max(int(math.Floor(e.Start.Sub(from).Hours())), 0); i < len(demand) && from.Add(time.Duration(i)*time.Hour).Before(e.End); i++ {
			if math.IsNaN(demand[i]) {
				continue
			}
			act += demand[i]
			pred += m.At(from.Add(time.Duration(i) * time.Hour))
			cnt += float64(counts[i])
			pe.Peak = math.Max(pe.Peak, demand[i])
			n++
		}
		if n > 0 {
			pe.Count = cnt / float64(n)
			if pred > 0 {
				pe.Uplift = act / pred
			}
		}
		pe.Verdict = eventVerdict(g, pe)
		out = append(out, pe)
	}
	return out
}

// eventVerdict judges a past event by every measure it has: the CPU p95
// against UnderP95 and OverP95, and the group's own load per instance
// against its thresholds. Any measure above its mark is under-provisioned;
// over-provisioned needs every measure judged below its mark.
func eventVerdict(g Group, pe PastEvent) string {
	var verdicts []string
	if pe.Samples > 0 {
		verdicts = append(verdicts, report.Verdict(pe.CPUP95, UnderP95, OverP95))
	}
	if pe.LoadSamples > 0 && (g.LoadUnder > 0 || g.LoadOver > 0) {
		verdicts = append(verdicts, report.Verdict(pe.LoadP95, g.LoadUnder, g.LoadOver))
	}
	return report.Combine(verdicts)
}

// ownValues is the load query's series of l, NaN for every step when l has
// none.
func ownValues(l Load, n int) []float64 {
	if len(l.Query) > 0 {
		return l.Query
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}

// meanUplift is the mean uplift of the past events that have one; 1 when
// none does.
func meanUplift(es []PastEvent) float64 {
	var s float64
	n := 0
	for _, e := range es {
		if e.Uplift > 0 {
			s += e.Uplift
			n++
		}
	}
	if n == 0 {
		return 1
	}
	return s / float64(n)
}

// p95 is the 95th percentile of vs (not empty) by the nearest rank.
func p95(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[int(math.Ceil(0.95*float64(len(s))))-1]
}
