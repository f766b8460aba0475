package report

import (
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/chart"
)

// The section 運行実績 (operation results): how the capacity groups' operation
// plans ran in the period, plan against actual, and whether the plan was
// right for the load it met. The capacity package's store is adapted to
// OperationSource; a tenant without groups has no such section.

// Thresholds of the operation findings, shared with the yearly plan: a
// group whose CPU p95 during an event (or over the rest of the period) is
// above OperationUnderP95 was under-provisioned, below OperationOverP95
// over-provisioned.
const (
	OperationUnderP95 = 85 // percent
	OperationOverP95  = 30 // percent
	// A step is late when it was applied more than StepLateAfter after its
	// planned time (a server that was down, a retry), as the capacity
	// package marks it.
	StepLateAfter = time.Minute
	// loadGapCap is the most a load point stands for in the time above
	// the threshold: a longer silence counts as no data.
	loadGapCap = 15 * time.Minute
)

// OperationSource lists the tenant's capacity groups with what their plans
// did in [from, to), and the events that start in [to, next).
type OperationSource interface {
	Operations(ctx context.Context, tenant string, from, to, next time.Time) ([]GroupOperation, error)
}

// GroupOperation is one capacity group's operation in the period.
type GroupOperation struct {
	Group       string
	Size        string
	HourlyPrice float64 // per instance; 0 when unknown
	Currency    string
	Events      []OperationEvent // overlapping the period
	Steps       []OperationStep  // planned in the period
	// Planned and Actual are the count timelines: each point is the count
	// from At on; the first is the count in effect at the period's start.
	Planned []CountPoint
	Actual  []CountPoint
	// Load is the group's CPU in percent, averaged over its hosts (about
	// every five minutes; NaN for a gap).
	Load     []chart.Point
	Upcoming []OperationEvent // starting in the next month
	// The group's own load metric, when it has one: Query is its load
	// query's value (the group's total, e.g. requests per second) about
	// every five minutes, LoadUnit its unit. LoadUnder and LoadOver judge
	// it per instance (the value over the count running; 0: not set);
	// PerInstance, what one instance serves fully used, lays it over the
	// counts in instances' worth (0: the chart keeps CPU).
	Query       []chart.Point
	LoadError   string // why Query could not be read; the group is judged on CPU
	LoadUnit    string
	LoadUnder   float64
	LoadOver    float64
	PerInstance float64
}

// OperationEvent is an event of an operation plan.
type OperationEvent struct {
	Name  string    `json:"name"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Count int       `json:"count"` // the planned count
}

// OperationStep is one step of a plan as the scheduler recorded it; the
// source leaves out steps superseded by a newer one before they finished.
type OperationStep struct {
	Event        string     `json:"event"` // "" for a baseline step
	Planned      time.Time  `json:"planned"`
	Count        int        `json:"count"`
	Applied      *time.Time `json:"applied,omitempty"`
	Reached      *time.Time `json:"reached,omitempty"`
	ReachedCount int        `json:"reached_count"`
	Error        string     `json:"error,omitempty"`
}

// CountPoint is a count from At on.
type CountPoint struct {
	At    time.Time `json:"at"`
	Count int       `json:"count"`
}

// Operation is a group's part of the section, as computed for the report.
type Operation struct {
	Group        string           `json:"group"`
	Size         string           `json:"size"`
	Currency     string           `json:"currency"`
	HourlyPrice  float64          `json:"hourly_price"`
	Events       []EventResult    `json:"events"`
	Problems     []OperationStep  `json:"problems"` // failed or late steps
	PlannedHours float64          `json:"planned_hours"`
	ActualHours  float64          `json:"actual_hours"`
	FixedHours   float64          `json:"fixed_hours"` // a fleet held at the peak planned count
	Rest         EventResult      `json:"rest"`        // the period outside the events
	PlannedLine  []chart.Point    `json:"planned_line"`
	ActualLine   []chart.Point    `json:"actual_line"`
	LoadLine     []chart.Point    `json:"load_line"` // instances' worth: CPU/100 × actual count, or the own load over PerInstance
	Upcoming     []OperationEvent `json:"upcoming"`
	// OwnLoad: the group has its own load metric (LoadUnit), measured per
	// instance in Events[i].Load and Rest.Load; LoadLineOwn: the chart's
	// load line is that metric, not CPU.
	OwnLoad     bool   `json:"own_load"`
	LoadError   string `json:"load_error,omitempty"` // the own load could not be read
	LoadUnit    string `json:"load_unit,omitempty"`
	LoadLineOwn bool   `json:"load_line_own"`
}

// EventResult is the load an event met.
type EventResult struct {
	OperationEvent
	CPUP95    float64 `json:"cpu_p95"`
	Points    int     `json:"points"`     // load points in the event; 0 means no data
	HoursOver float64 `json:"hours_over"` // time above OperationUnderP95, in hours
	Verdict   string  `json:"verdict"`    // by CPU: under, over or ""
	// Load is the group's own load per instance in the event; nil
	// without a load metric.
	Load *Measure `json:"load,omitempty"`
}

// Measure is a load metric's p95 over a period against its marks.
type Measure struct {
	P95       float64 `json:"p95"`
	Points    int     `json:"points"`     // 0 means no data
	HoursOver float64 `json:"hours_over"` // time above Under, in hours
	Under     float64 `json:"under"`      // 0: not set
	Over      float64 `json:"over"`       // 0: not set
	Verdict   string  `json:"verdict"`    // under, over or ""
}

// Overall is the event's verdict by every measure judged (Combine), and
// whether any was.
func (e EventResult) Overall() (string, bool) {
	var vs []string
	if e.Points > 0 {
		vs = append(vs, e.Verdict)
	}
	if m := e.Load; m != nil && m.Points > 0 && (m.Under > 0 || m.Over > 0) {
		vs = append(vs, m.Verdict)
	}
	return Combine(vs), len(vs) > 0
}

// operations fills the section from the operation source.
func (g *Generator) operations(ctx context.Context, r *Report) {
	if g.src.Operations == nil {
		return
	}
	next := r.To.In(r.location()).AddDate(0, 1, 0)
	ops, err := g.src.Operations.Operations(ctx, r.Tenant, r.From, r.To, next)
	if err != nil {
		g.note(r, "operations", "no.operations", err)
		return
	}
	for _, op := range ops {
		r.Operations = append(r.Operations, OperationOf(op, r.From, r.To))
	}
}

// OperationOf computes a group's figures over [from, to), as the
// section shows them.
func OperationOf(op GroupOperation, from, to time.Time) Operation {
	o := Operation{Group: op.Group, Size: op.Size, Currency: op.Currency, HourlyPrice: op.HourlyPrice, Upcoming: op.Upcoming}
	o.PlannedHours = instanceHours(op.Planned, from, to)
	o.ActualHours = instanceHours(op.Actual, from, to)
	o.FixedHours = float64(peak(op.Planned, from, to)) * to.Sub(from).Hours()
	o.PlannedLine, o.ActualLine = stepLine(op.Planned, from, to), stepLine(op.Actual, from, to)
	for _, p := range op.Load {
		if !p.T.Before(from) && p.T.Before(to) {
			v := math.NaN()
			if !math.IsNaN(p.V) {
				v = p.V / 100 * float64(countAt(op.Actual, p.T))
			}
			o.LoadLine = append(o.LoadLine, chart.Point{T: p.T, V: v})
		}
	}
	o.OwnLoad, o.LoadUnit, o.LoadError = len(op.Query) > 0, op.LoadUnit, op.LoadError
	perInstance := ownPerInstance(op, from, to)
	if op.PerInstance > 0 && len(op.Query) > 0 {
		// The chosen load over the counts, in instances' worth of what one
		// instance serves.
		o.LoadLine, o.LoadLineOwn = nil, true
		for _, p := range op.Query {
			if !p.T.Before(from) && p.T.Before(to) {
				o.LoadLine = append(o.LoadLine, chart.Point{T: p.T, V: p.V / op.PerInstance})
			}
		}
	}
	o.LoadLine = chart.Decimate(o.LoadLine, linePoints)
	outside := func(p chart.Point) bool { return !p.T.Before(from) && p.T.Before(to) && !inAny(op.Events, p.T) }
	o.Rest = loadResult(OperationEvent{}, pick(op.Load, outside))
	if o.OwnLoad {
		m := measure(pick(perInstance, outside), op.LoadUnder, op.LoadOver)
		o.Rest.Load = &m
	}
	for _, e := range op.Events {
		in := func(p chart.Point) bool { return !p.T.Before(e.Start) && p.T.Before(e.End) }
		res := loadResult(e, pick(op.Load, in))
		if o.OwnLoad {
			m := measure(pick(perInstance, in), op.LoadUnder, op.LoadOver)
			res.Load = &m
		}
		o.Events = append(o.Events, res)
	}
	for _, s := range op.Steps {
		if s.Planned.Before(from) || !s.Planned.Before(to) {
			continue
		}
		if s.Error != "" || s.Reached == nil || s.late() {
			o.Problems = append(o.Problems, s)
		}
	}
	return o
}

// loadResult is the CPU p95 and the time above the threshold of the load
// points pts (in time order) of event e.
func loadResult(e OperationEvent, pts []chart.Point) EventResult {
	m := measure(pts, OperationUnderP95, OperationOverP95)
	return EventResult{OperationEvent: e, CPUP95: m.P95, Points: m.Points, HoursOver: m.HoursOver, Verdict: m.Verdict}
}

// ownPerInstance is the group's own load per instance: each point of its
// query over the count running then (the planned count before the first
// observation); NaN where no instance ran.
func ownPerInstance(op GroupOperation, from, to time.Time) []chart.Point {
	counts := op.Actual
	if len(counts) == 0 {
		counts = op.Planned
	}
	out := make([]chart.Point, 0, len(op.Query))
	for _, p := range op.Query {
		v := math.NaN()
		if n := countAt(counts, p.T); n > 0 && !math.IsNaN(p.V) {
			v = p.V / float64(n)
		}
		out = append(out, chart.Point{T: p.T, V: v})
	}
	return out
}

// pick is the points of pts that keep says.
func pick(pts []chart.Point, keep func(chart.Point) bool) []chart.Point {
	var out []chart.Point
	for _, p := range pts {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// measure is the p95 of the points pts (in time order), the time above
// under and the verdict against under and over (0: not set).
func measure(pts []chart.Point, under, over float64) Measure {
	res := Measure{Under: under, Over: over}
	var vs []float64
	var above time.Duration
	for i, p := range pts {
		if math.IsNaN(p.V) {
			continue
		}
		vs = append(vs, p.V)
		if under > 0 && p.V > under {
			d := loadGapCap
			if i+1 < len(pts) {
				d = min(pts[i+1].T.Sub(p.T), loadGapCap)
			} else if i > 0 {
				d = min(p.T.Sub(pts[i-1].T), loadGapCap)
			}
			above += d
		}
	}
	res.Points = len(vs)
	if len(vs) == 0 {
		return res
	}
	slices.Sort(vs)
	res.P95 = vs[int(math.Ceil(0.95*float64(len(vs))))-1]
	res.HoursOver = above.Hours()
	res.Verdict = Verdict(res.P95, under, over)
	return res
}

// Number is a measure of a group's own load for reading: thousands
// grouped (1,840), a tenth below 100 (12.5), no trailing ".0".
func Number(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	if math.Abs(v) < 100 {
		return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	}
	s := strconv.FormatFloat(math.Round(math.Abs(v)), 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if v < 0 {
		s = "-" + s
	}
	return s
}

// Verdict judges a p95 against the marks of a measure: above under is
// "under", below over "over", else "" (right); a mark of 0 is not set.
func Verdict(p95, under, over float64) string {
	switch {
	case under > 0 && p95 > under:
		return "under"
	case over > 0 && p95 < over:
		return "over"
	}
	return ""
}

// Combine is the verdict of several measures of one period: under when any
// is, over when every one is, else "" (right, or nothing judged).
func Combine(verdicts []string) string {
	over := 0
	for _, v := range verdicts {
		switch v {
		case "under":
			return "under"
		case "over":
			over++
		}
	}
	if over > 0 && over == len(verdicts) {
		return "over"
	}
	return ""
}

func inAny(es []OperationEvent, t time.Time) bool {
	for _, e := range es {
		if !t.Before(e.Start) && t.Before(e.End) {
			return true
		}
	}
	return false
}

// countAt is the count of timeline tl at t: the last point at or before
// t, else the first point's.
func countAt(tl []CountPoint, t time.Time) int {
	c := 0
	for i, p := range tl {
		if i == 0 || !p.At.After(t) {
			c = p.Count
		}
		if p.At.After(t) {
			break
		}
	}
	return c
}

// instanceHours integrates timeline tl over [from, to); its first count
// holds from from.
func instanceHours(tl []CountPoint, from, to time.Time) float64 {
	var h float64
	for i, p := range tl {
		start := p.At
		if i == 0 || start.Before(from) {
			start = from
		}
		end := to
		if i+1 < len(tl) && tl[i+1].At.Before(to) {
			end = tl[i+1].At
		}
		if end.After(start) {
			h += float64(p.Count) * end.Sub(start).Hours()
		}
	}
	return h
}

// peak is the largest count of tl in [from, to).
func peak(tl []CountPoint, from, to time.Time) int {
	m := 0
	for i, p := range tl {
		if p.At.Before(to) && (i+1 == len(tl) || tl[i+1].At.After(from)) {
			m = max(m, p.Count)
		}
	}
	return m
}

// stepLine draws tl over [from, to) as a step line: each change is a
// vertical edge.
func stepLine(tl []CountPoint, from, to time.Time) []chart.Point {
	if len(tl) == 0 {
		return nil
	}
	c := countAt(tl, from)
	out := []chart.Point{{T: from, V: float64(c)}}
	for _, p := range tl {
		if !p.At.After(from) || !p.At.Before(to) || p.Count == c {
			continue
		}
		out = append(out, chart.Point{T: p.At, V: float64(c)}, chart.Point{T: p.At, V: float64(p.Count)})
		c = p.Count
	}
	return append(out, chart.Point{T: to, V: float64(c)})
}

// late reports whether s was applied more than StepLateAfter after it was
// due.
func (s OperationStep) late() bool {
	return s.Applied != nil && s.Applied.Sub(s.Planned) > StepLateAfter
}
