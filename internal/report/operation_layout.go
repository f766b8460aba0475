package report

import (
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/chart"
)

// operationBlocks lays out the section 運行実績, group by group: the events
// of the period and the load they met, plan against actual in a chart and
// in instance-hours, the failed or late steps, the findings, and next
// month's events.
func operationBlocks(r *Report) []Block {
	l, loc := r.Language, r.location()
	if len(r.Operations) == 0 {
		return note(r, "operations")
	}
	at := func(t time.Time) string { return tableTimeText(l, t.In(loc)) }
	var out []Block
	for _, o := range r.Operations {
		head := o.Group
		if o.Size != "" {
			head += " (" + o.Size + ")"
		}
		out = append(out, Block{Heading: head})
		if o.LoadError != "" {
			out = append(out, Block{Note: tr(l, "op.load_error", o.LoadError)})
		}
		if len(o.Events) == 0 {
			out = append(out, Block{Note: tr(l, "op.no_events")})
		} else {
			head := []string{tr(l, "op.event"), tr(l, "op.period"), tr(l, "op.planned_count"), tr(l, "op.cpu_p95"), tr(l, "op.hours_over")}
			if o.OwnLoad {
				head = append(head, tr(l, "op.load_p95", loadUnit(o.LoadUnit)))
			}
			t := &Table{Head: append(head, tr(l, "op.verdict"))}
			for _, e := range o.Events {
				row := []string{e.Name, at(e.Start) + " – " + at(e.End), strconv.Itoa(e.Count), opP95(e), hours1(e.HoursOver) + " h"}
				if o.OwnLoad {
					row = append(row, ownP95(e.Load))
				}
				t.Rows = append(t.Rows, append(row, opVerdict(l, e)))
			}
			out = append(out, Block{Table: t})
		}
		out = append(out, Block{Chart: &chart.Chart{
			Title: o.Group + " " + tr(l, "op.chart"), From: r.From, To: r.To, Location: loc,
			Series: []chart.Series{{Name: tr(l, "op.planned"), Points: o.PlannedLine}, {Name: tr(l, "op.actual"), Points: o.ActualLine}, {Name: loadSeries(l, o), Points: o.LoadLine}},
		}})
		hours := &Table{Head: []string{"", tr(l, "op.planned"), tr(l, "op.actual"), tr(l, "op.fixed")}, Rows: [][]string{
			{tr(l, "op.instance_hours"), hours1(o.PlannedHours), hours1(o.ActualHours), hours1(o.FixedHours)},
		}}
		if o.HourlyPrice > 0 {
			cost := func(h float64) string {
				return strconv.FormatFloat(h*o.HourlyPrice, 'f', 0, 64) + " " + o.Currency
			}
			hours.Rows = append(hours.Rows, []string{tr(l, "op.cost"), cost(o.PlannedHours), cost(o.ActualHours), cost(o.FixedHours)})
		}
		out = append(out, Block{Table: hours})
		out = append(out, problemBlocks(l, at, o.Problems)...)
		out = append(out, Block{Heading: tr(l, "op.findings")})
		if fs := operationFindings(l, o); len(fs) > 0 {
			for _, f := range fs {
				out = append(out, Block{Text: tr(l, "bullet") + f})
			}
		} else {
			out = append(out, Block{Note: tr(l, "op.no_findings")})
		}
		out = append(out, Block{Heading: tr(l, "op.upcoming")})
		if len(o.Upcoming) == 0 {
			out = append(out, Block{Note: tr(l, "op.no_upcoming")})
			continue
		}
		t := &Table{Head: []string{tr(l, "op.event"), tr(l, "op.period"), tr(l, "op.planned_count")}}
		for _, e := range o.Upcoming {
			t.Rows = append(t.Rows, []string{e.Name, at(e.Start) + " – " + at(e.End), strconv.Itoa(e.Count)})
		}
		out = append(out, Block{Table: t})
	}
	return out
}

func problemBlocks(l string, at func(time.Time) string, ps []OperationStep) []Block {
	out := []Block{{Heading: tr(l, "op.problems")}}
	if len(ps) == 0 {
		return append(out, Block{Note: tr(l, "op.no_problems")})
	}
	t := &Table{Head: []string{tr(l, "op.planned_at"), tr(l, "op.event"), tr(l, "op.planned_count"), tr(l, "op.applied"), tr(l, "op.reached"), tr(l, "op.result")}}
	for _, s := range ps {
		applied, reached := "-", "-"
		if s.Applied != nil {
			applied = at(*s.Applied)
		}
		if s.Reached != nil {
			reached = at(*s.Reached) + " (" + strconv.Itoa(s.ReachedCount) + ")"
		}
		result := s.Error
		switch {
		case result != "":
		case s.Reached == nil:
			result = tr(l, "op.not_reached", s.ReachedCount)
		default:
			result = tr(l, "op.late", s.Applied.Sub(s.Planned).Minutes())
		}
		event := s.Event
		if event == "" {
			event = tr(l, "op.baseline")
		}
		t.Rows = append(t.Rows, []string{at(s.Planned), event, strconv.Itoa(s.Count), applied, reached, result})
	}
	return append(out, Block{Table: t})
}

// operationFindings are the findings of one group: each event, and the
// rest of the period, under- or over-provisioned by its CPU p95; and the
// steps that failed or were late.
func operationFindings(l string, o Operation) []string {
	var out []string
	unit := loadUnit(o.LoadUnit)
	for _, e := range o.Events {
		switch e.Verdict {
		case "under":
			out = append(out, tr(l, "op.f.under", e.Name, hours1(e.HoursOver), e.CPUP95))
		case "over":
			out = append(out, tr(l, "op.f.over", e.Name, e.CPUP95, OperationOverP95))
		}
		if m := e.Load; m != nil && m.Points > 0 {
			switch m.Verdict {
			case "under":
				out = append(out, tr(l, "op.f.load_under", e.Name, hours1(m.HoursOver), unit, Number(m.P95), Number(m.Under)))
			case "over":
				out = append(out, tr(l, "op.f.load_over", e.Name, unit, Number(m.P95), Number(m.Over)))
			}
		}
	}
	switch o.Rest.Verdict {
	case "under":
		out = append(out, tr(l, "op.f.rest_under", hours1(o.Rest.HoursOver), o.Rest.CPUP95))
	case "over":
		out = append(out, tr(l, "op.f.rest_over", o.Rest.CPUP95, OperationOverP95))
	}
	if m := o.Rest.Load; m != nil && m.Points > 0 {
		switch m.Verdict {
		case "under":
			out = append(out, tr(l, "op.f.rest_load_under", hours1(m.HoursOver), unit, Number(m.P95), Number(m.Under)))
		case "over":
			out = append(out, tr(l, "op.f.rest_load_over", unit, Number(m.P95), Number(m.Over)))
		}
	}
	if n := len(o.Problems); n == 1 {
		out = append(out, tr(l, "op.f.problem"))
	} else if n > 1 {
		out = append(out, tr(l, "op.f.problems", n))
	}
	return out
}

func opP95(e EventResult) string {
	if e.Points == 0 {
		return "-"
	}
	return pct1(e.CPUP95)
}

// opVerdict is the event's verdict by every measure judged.
func opVerdict(l string, e EventResult) string {
	v, judged := e.Overall()
	switch {
	case !judged:
		return "-"
	case v == "":
		return tr(l, "op.right")
	}
	return tr(l, v)
}

// ownP95 is the own load's p95 per instance, "-" without data.
func ownP95(m *Measure) string {
	if m == nil || m.Points == 0 {
		return "-"
	}
	return Number(m.P95)
}

// loadUnit names the own load's unit; "load" when the group sets none.
func loadUnit(u string) string {
	if u == "" {
		return "load"
	}
	return u
}

// loadSeries names the chart's load line: CPU or the group's own load,
// both in instances' worth.
func loadSeries(l string, o Operation) string {
	if o.LoadLineOwn {
		return tr(l, "op.own_load", loadUnit(o.LoadUnit))
	}
	return tr(l, "op.load")
}

// hours1 is hours to a tenth, without a trailing ".0".
func hours1(h float64) string {
	return strconv.FormatFloat(float64(int64(h*10+0.5))/10, 'f', -1, 64)
}

// Findings are the findings the section 運行実績 writes of one group's
// operation over [from, to), in language l.
func Findings(l string, op GroupOperation, from, to time.Time) []string {
	return operationFindings(l, OperationOf(op, from, to))
}
