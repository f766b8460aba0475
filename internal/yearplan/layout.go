package yearplan

import (
	"math"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/chart"
	"github.com/unyo-ops/unyo/internal/forecast"
	"github.com/unyo-ops/unyo/internal/report"
)

// weekdays are the day names of the week chart, Sunday first.
var weekdays = map[string][7]string{
	"ja": {"日", "月", "火", "水", "木", "金", "土"},
	"en": {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
}

// Layout lays p out as a report document: an overview, one section per
// group, and the method.
func Layout(p *Plan) *report.Document {
	l := p.Language
	if _, ok := messages[l]; !ok {
		l = "ja"
	}
	loc := p.location()
	d := &report.Document{Lang: l, Title: tr(l, "title"), Tenant: p.TenantName,
		Period:    day(p.YearFrom, loc) + " – " + day(p.YearTo.Add(-time.Nanosecond), loc),
		Generated: p.GeneratedAt.In(loc).Format("2006/01/02 15:04")}
	d.Sections = append(d.Sections, report.Section{Title: tr(l, "s.overview"), Blocks: overview(p, l, loc)})
	for i := range p.Groups {
		d.Sections = append(d.Sections, report.Section{Title: tr(l, "s.group", p.Groups[i].Group.Name), Blocks: groupBlocks(p, &p.Groups[i], l, loc)})
	}
	d.Sections = append(d.Sections, report.Section{Title: tr(l, "s.method"), Blocks: []report.Block{
		{Text: tr(l, "m.model")}, {Text: tr(l, "m.backtest")}, {Text: tr(l, "m.baseline", p.Target)},
		{Text: tr(l, "m.events")}, {Text: tr(l, "m.verdict", UnderP95, OverP95)}, {Text: tr(l, "m.own")}, {Text: tr(l, "m.size")},
	}})
	for i := range d.Sections {
		d.Sections[i].Title = strconv.Itoa(i+1) + ". " + d.Sections[i].Title
	}
	return d
}

func (p *Plan) location() *time.Location {
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func overview(p *Plan, l string, loc *time.Location) []report.Block {
	out := []report.Block{
		{Text: tr(l, "overview", day(p.HistoryFrom, loc), day(p.HistoryTo.Add(-time.Nanosecond), loc),
			month(p.YearFrom, loc), month(p.YearTo.Add(-time.Nanosecond), loc), p.Target)},
		{Text: tr(l, "windows", p.TimeZone) + " " + tr(l, "load_unit")},
	}
	if len(p.Groups) == 0 {
		return append(out, report.Block{Note: tr(l, "no.groups")})
	}
	t := &report.Table{Head: []string{tr(l, "group"), tr(l, "size"), tr(l, "count_now"), tr(l, "pattern"), tr(l, "trend"), tr(l, "mape"), tr(l, "rec_size"), tr(l, "cost_diff")}}
	for _, g := range p.Groups {
		row := []string{g.Group.Name, g.Group.Size, strconv.Itoa(g.Group.Count), "-", "-", "-", "-", "-"}
		if g.Note == "" {
			row[3], row[4] = yesNo(l, g.Seasonal), signed2(g.TrendMonth)
			if g.Accuracy != nil {
				row[5] = num1(g.Accuracy.MAPE) + "%"
			}
			if g.Size.Recommended != "" {
				row[6], row[7] = g.Size.Recommended, signedMoney(g.Size.Difference, g.Group.Currency)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return append(out, report.Block{Table: t})
}

func groupBlocks(p *Plan, g *GroupPlan, l string, loc *time.Location) []report.Block {
	if g.Note != "" {
		return []report.Block{{Note: tr(l, g.Note, g.HistoryHours, forecast.MinHours)}}
	}
	out := []report.Block{{Text: tr(l, "trend_text", signed2(g.TrendMonth), yesNo(l, g.Seasonal), g.HistoryHours)}}
	switch gr := g.Group; {
	case g.LoadError != "":
		out = append(out, report.Block{Note: tr(l, "own_load_err", gr.LoadQuery, g.LoadError)})
	case g.OwnLoad:
		out = append(out, report.Block{Text: tr(l, "own_load", gr.LoadQuery, unitOf(gr), num(gr.PerInstance), unitOf(gr))})
	case gr.LoadQuery != "":
		out = append(out, report.Block{Note: tr(l, "own_load_cpu", gr.LoadQuery)})
	}
	week := &chart.Chart{Title: tr(l, "c.week"), Kind: chart.Bar, Series: []chart.Series{{Name: tr(l, "forecast")}}}
	for h, v := range g.Week {
		week.Categories = append(week.Categories, weekdays[l][h/24]+" "+strconv.Itoa(h%24))
		week.Series[0].Values = append(week.Series[0].Values, math.Max(v, 0))
	}
	out = append(out, report.Block{Chart: week})
	daily := &chart.Chart{Title: tr(l, "c.daily"), Location: loc, From: p.HistoryFrom, To: p.YearTo,
		Series: []chart.Series{{Name: tr(l, "actual")}, {Name: tr(l, "forecast")}}}
	for _, d := range g.Daily {
		k := 0
		if d.Forecast {
			k = 1
		}
		daily.Series[k].Points = append(daily.Series[k].Points, chart.Point{T: d.Day, V: d.Load})
	}
	out = append(out, report.Block{Chart: daily})
	out = append(out, pastBlocks(g, l, loc)...)
	mt := &report.Table{Head: []string{tr(l, "month"), tr(l, "mean"), tr(l, "peak"), tr(l, "day"), tr(l, "night"), tr(l, "weekend")}}
	bars := &chart.Chart{Title: tr(l, "c.months"), Kind: chart.Bar, Series: []chart.Series{{Name: tr(l, "day")}, {Name: tr(l, "night")}, {Name: tr(l, "weekend")}}}
	for _, m := range g.Months {
		mt.Rows = append(mt.Rows, []string{month(m.Month, loc), num2(m.Mean), num2(m.Peak), strconv.Itoa(m.Day), strconv.Itoa(m.Night), strconv.Itoa(m.Weekend)})
		bars.Categories = append(bars.Categories, m.Month.In(loc).Format("01"))
		for k, v := range []int{m.Day, m.Night, m.Weekend} {
			bars.Series[k].Values = append(bars.Series[k].Values, float64(v))
		}
	}
	out = append(out, report.Block{Heading: tr(l, "h.months"), Table: mt}, report.Block{Chart: bars})
	out = append(out, report.Block{Heading: tr(l, "h.events")})
	if len(g.Events) == 0 {
		out = append(out, report.Block{Note: tr(l, "no.events")})
	} else {
		et := &report.Table{Head: []string{tr(l, "event"), tr(l, "period"), tr(l, "multiplier"), tr(l, "peak"), tr(l, "count")}}
		for _, e := range g.Events {
			c := strconv.Itoa(e.Count)
			if e.Agreed {
				c += " " + tr(l, "agreed")
			}
			et.Rows = append(et.Rows, []string{e.Name, span(e.Start, e.End, loc), "×" + num2(e.Multiplier), num2(e.Peak), c})
		}
		out = append(out, report.Block{Table: et})
	}
	out = append(out, sizeBlocks(g, l)...)
	out = append(out, report.Block{Heading: tr(l, "h.backtest")})
	if a := g.Accuracy; a != nil {
		out = append(out, report.Block{Text: tr(l, "backtest", a.HoldoutWeeks, a.HoldoutWeeks, a.MAPE, a.RMSE, a.N)})
	} else {
		out = append(out, report.Block{Note: tr(l, "no.backtest")})
	}
	return out
}

func pastBlocks(g *GroupPlan, l string, loc *time.Location) []report.Block {
	out := []report.Block{{Heading: tr(l, "h.past")}}
	if len(g.PastEvents) == 0 {
		return append(out, report.Block{Note: tr(l, "no.past")})
	}
	own := g.Group.LoadQuery != ""
	head := []string{tr(l, "event"), tr(l, "period"), tr(l, "cpu_p95")}
	if own {
		head = append(head, tr(l, "load_p95", unitOf(g.Group)))
	}
	t := &report.Table{Head: append(head, tr(l, "count"), tr(l, "peak"), tr(l, "uplift"), tr(l, "verdict"))}
	for _, e := range g.PastEvents {
		cpu, load, verdict, up := "-", "-", "-", "-"
		if e.Samples > 0 || e.LoadSamples > 0 {
			verdict = tr(l, "ok")
			if e.Verdict != "" {
				verdict = tr(l, e.Verdict)
			}
		}
		if e.Samples > 0 {
			cpu = num1(e.CPUP95) + "%"
		}
		if e.LoadSamples > 0 {
			load = num(e.LoadP95)
		}
		if e.Uplift > 0 {
			up = "×" + num2(e.Uplift)
		}
		row := []string{e.Name, span(e.Start, e.End, loc), cpu}
		if own {
			row = append(row, load)
		}
		t.Rows = append(t.Rows, append(row, num1(e.Count), num2(e.Peak), up, verdict))
	}
	return append(out, report.Block{Table: t})
}

func sizeBlocks(g *GroupPlan, l string) []report.Block {
	s := g.Size
	out := []report.Block{{Heading: tr(l, "h.size")}}
	if s.Note == "size.unknown" {
		return append(out, report.Block{Note: tr(l, s.Note)})
	}
	cur := g.Group.Currency
	t := &report.Table{Head: []string{"", tr(l, "size"), tr(l, "vcpu"), tr(l, "year_cost")}, Rows: [][]string{
		{tr(l, "current"), s.Current, strconv.Itoa(s.CurrentVCPU), money(s.CurrentCost, cur)},
		{tr(l, "recommended"), s.Recommended, strconv.Itoa(s.RecommendedVCPU), money(s.RecommendedCost, cur)},
		{tr(l, "difference"), "", "", signedMoney(s.Difference, cur)},
	}}
	out = append(out, report.Block{Table: t})
	if s.Note != "" {
		out = append(out, report.Block{Note: tr(l, s.Note)})
	}
	return out
}

func yesNo(l string, b bool) string {
	if b {
		return tr(l, "yes")
	}
	return tr(l, "no")
}

func day(t time.Time, loc *time.Location) string   { return t.In(loc).Format("2006/01/02") }
func month(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006/01") }

func span(a, b time.Time, loc *time.Location) string {
	return a.In(loc).Format("2006/01/02 15:04") + " – " + b.In(loc).Format("01/02 15:04")
}

// unitOf is the unit g's own load is shown in; "load" when it sets none.
func unitOf(g Group) string {
	if g.LoadUnit != "" {
		return g.LoadUnit
	}
	return "load"
}

// num is a measure of the group's own load: grouped thousands, a tenth
// below 100.
func num(v float64) string { return report.Number(v) }

func num1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
func num2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func signed2(v float64) string {
	s := num2(v)
	if s == "-0.00" {
		s = "0.00"
	}
	if v > 0 && s != "0.00" {
		s = "+" + s
	}
	return s
}

// money is an amount rounded to the unit, with its currency.
func money(v float64, currency string) string {
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	if currency != "" {
		s += " " + currency
	}
	return s
}

// signedMoney is money with a + on an increase.
func signedMoney(v float64, currency string) string {
	if math.Round(v) > 0 {
		return "+" + money(v, currency)
	}
	return money(v, currency)
}
