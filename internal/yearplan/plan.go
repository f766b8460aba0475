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

// planGroup plans one group over the history [from, to) and the year
// [yFrom, yTo).
func planGroup(ctx context.Context, src Source, tenant string, g Group, load Load, loc *time.Location, from, to, yFrom, yTo time.Time, o Options) (GroupPlan, error) {
	gp := GroupPlan{Group: g}
	changes, err := src.Counts(ctx, tenant, g.ID, from, to)
	if err != nil {
		return gp, fmt.Errorf("yearplan: counts of %s: %w", g.Name, err)
	}
	events, err := src.Events(ctx, tenant, g.ID, from, yTo)
	if err != nil {
		return gp, fmt.Errorf("yearplan: events of %s: %w", g.Name, err)
	}
	cpu := forecast.HourlyGrid(load.Values, load.Start, load.Step, from, to)
	counts := hourlyCounts(changes, g.Count, from, len(cpu))
	demand := make([]float64, len(cpu))
	for i, v := range cpu {
		demand[i] = v * float64(counts[i]) / 100
	}
	// Past events are left out of the baseline fit: their load is what the
	// event adds, measured against the baseline below.
	inEvent := make([]bool, len(cpu))
	var past, upcoming []Event
	for _, e := range events {
		if e.Start.Before(to) {
			past = append(past, e)
			markHours(inEvent, from, e.Start, e.End)
		}
		if e.End.After(yFrom) && e.Start.Before(yTo) {
			upcoming = append(upcoming, e)
		}
	}
	base := slices.Clone(demand)
	for i := range base {
		if inEvent[i] {
			base[i] = math.NaN()
		}
	}
	m, err := forecast.Fit(base, from, loc)
	if errors.Is(err, forecast.ErrShort) {
		gp.Note = "no.history"
		gp.HistoryHours = observed(base)
		return gp, nil
	} else if err != nil {
		return gp, err
	}
	gp.HistoryHours, gp.Seasonal, gp.Trend = m.N, m.Seasonal, m.Trend
	gp.TrendMonth = m.Slope * 30 * 24
	for h := range forecast.Week {
		gp.Week[h] = m.Level[h] + m.Slope*float64(len(base))
	}
	if acc, err := forecast.BackTest(base, from, loc, nil); err != nil {
		gp.BackTestNote = "no.backtest"
	} else {
		gp.Accuracy = &acc
	}
	gp.PastEvents = pastEvents(past, load, demand, counts, m, from)
	uplift := meanUplift(gp.PastEvents)
	hours := int(yTo.Sub(yFrom) / time.Hour)
	fc := m.Range(yFrom, hours)
	for i := range fc {
		fc[i] = math.Max(fc[i], 0)
	}
	y := year{from: yFrom, loc: loc, band: m.Resid90, target: o.Target, min: g.Min}
	need := y.plan(fc, upcoming, uplift, &gp)
	gp.Daily = daily(demand, from, loc, false)
	gp.Daily = append(gp.Daily, daily(fc, yFrom, loc, true)...)
	gp.Size = adviseSize(g, o.Sizes, o.Target, max(g.Min, 1), need)
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
func pastEvents(events []Event, load Load, demand []float64, counts []int, m *forecast.Model, from time.Time) []PastEvent {
	var out []PastEvent
	for _, e := range events {
		pe := PastEvent{Name: e.Name, Start: e.Start, End: e.End}
		var cpu []float64
		for k := load.index(e.Start); k < len(load.Values) && k < load.index(e.End); k++ {
			if !math.IsNaN(load.Values[k]) {
				cpu = append(cpu, load.Values[k])
			}
		}
		pe.Samples = len(cpu)
		if len(cpu) > 0 {
			pe.CPUP95 = p95(cpu)
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
		switch {
		case len(cpu) == 0:
		case pe.CPUP95 > UnderP95:
			pe.Verdict = "under"
		case pe.CPUP95 < OverP95:
			pe.Verdict = "over"
		}
		out = append(out, pe)
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
