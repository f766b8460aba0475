package yearplan

import (
	"math"
	"time"
)

// year plans the counts of the forecast year: each hour of a month needs
// the peak of its window in that month (forecast plus the model's upper
// band, the 90th percentile of its residuals), and an event's hours need
// the event's peak (the baseline forecast times the event's multiplier,
// plus the band), or the baseline's if that is larger: overlaps take the
// largest count.
type year struct {
	from   time.Time
	loc    *time.Location
	band   float64
	target float64
	min    int
}

// plan fills gp's months and events from the hourly forecast fc and
// returns each hour's need, in instances' worth.
func (y year) plan(fc []float64, upcoming []Event, uplift float64, gp *GroupPlan) []float64 {
	ev := make([]int, len(fc))
	for i := range ev {
		ev[i] = -1
	}
	for k, e := range upcoming {
		mark := make([]bool, len(fc))
		markHours(mark, y.from, e.Start, e.End)
		for i, in := range mark {
			if in {
				ev[i] = k
			}
		}
	}
	type acc struct {
		req  [3]float64
		sum  float64
		n    int
		from time.Time
	}
	var months []acc
	monthOf := make([]int, len(fc))
	for i, v := range fc {
		t := y.from.Add(time.Duration(i) * time.Hour).In(y.loc)
		first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, y.loc)
		if len(months) == 0 || !months[len(months)-1].from.Equal(first) {
			months = append(months, acc{from: first})
		}
		mi := len(months) - 1
		monthOf[i] = mi
		a := &months[mi]
		a.sum += v
		a.n++
		if ev[i] < 0 {
			w := WindowOf(t, y.loc)
			a.req[w] = math.Max(a.req[w], v+y.band)
		}
	}
	need := make([]float64, len(fc))
	for i := range fc {
		need[i] = months[monthOf[i]].req[WindowOf(y.from.Add(time.Duration(i)*time.Hour), y.loc)]
	}
	for _, a := range months {
		gp.Months = append(gp.Months, Month{Month: a.from, Mean: a.sum / float64(max(a.n, 1)),
			Peak:    math.Max(a.req[Day], math.Max(a.req[Night], a.req[Weekend])),
			Day:     countFor(a.req[Day], y.target, y.min),
			Night:   countFor(a.req[Night], y.target, y.min),
			Weekend: countFor(a.req[Weekend], y.target, y.min)})
	}
	for k, e := range upcoming {
		pe := PlannedEvent{Name: e.Name, Start: e.Start, End: e.End, Multiplier: e.Multiplier}
		if pe.Multiplier <= 0 {
			pe.Multiplier = uplift
		}
		base := 0.0
		for i := range fc {
			if ev[i] == k {
				pe.Peak = math.Max(pe.Peak, (fc[i]+y.band)*pe.Multiplier)
				base = math.Max(base, need[i])
			}
		}
		pe.Count = countFor(math.Max(pe.Peak, base), y.target, y.min)
		if e.Count > 0 {
			pe.Count, pe.Agreed = max(e.Count, countFor(base, y.target, y.min)), true
		}
		for i := range fc {
			if ev[i] == k {
				need[i] = float64(pe.Count) * y.target / 100
			}
		}
		gp.Events = append(gp.Events, pe)
	}
	return need
}

// daily is the peak of each day of s, hours from start, in loc.
func daily(s []float64, start time.Time, loc *time.Location, fc bool) []DayLoad {
	var out []DayLoad
	for i, v := range s {
		t := start.Add(time.Duration(i) * time.Hour).In(loc)
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		if len(out) == 0 || !out[len(out)-1].Day.Equal(d) {
			out = append(out, DayLoad{Day: d, Load: math.NaN(), Forecast: fc})
		}
		if last := &out[len(out)-1]; !math.IsNaN(v) && (math.IsNaN(last.Load) || v > last.Load) {
			last.Load = v
		}
	}
	kept := out[:0]
	for _, d := range out {
		if !math.IsNaN(d.Load) {
			kept = append(kept, d)
		}
	}
	return kept
}
