package console

import (
	"context"
	"encoding/json"
	"html/template"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/unyo-ops/unyo/internal/chart"
	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/metricstore"
)

// panelView is one panel drawn: a chart with its data for the values under
// the pointer, single values, or a table; or why it could not be drawn.
type panelView struct {
	Index      int
	Title      string
	Type       dashboard.PanelType
	X, W, H    int
	Error      string
	NoData     bool
	Desc       string        // the chart's text alternative
	SVG        template.HTML // line and bar
	PointerJS  string        // the chart's data as JSON, read by dashboard.js
	Stats      []statView
	Columns    []string
	Rows       [][]string
	Thresholds []dashboard.Threshold
}

// statView is one single value.
type statView struct {
	Name, Value, Color string
}

// maxSeriesDrawn bounds the series of one panel, whatever the query returned.
const maxSeriesDrawn = 50

// renderPanel runs the panel's queries on the tenant's own view of the
// metrics and draws them; an error shows in the panel, not on the page.
func (c *Console) renderPanel(ctx context.Context, p *page, tenant string, i int, pn dashboard.Panel, values map[string]string, tr timeRange, to time.Time) panelView {
	v := panelView{Index: i, Title: pn.Title, Type: pn.Type, X: pn.Grid.X, W: pn.Grid.W, H: pn.Grid.H, Thresholds: pn.Thresholds}
	step, from := tr.step(), to.Add(-tr.Span)
	if pn.Type != dashboard.Line {
		from = to // the latest values only
	}
	var series []Series
	for _, q := range pn.Queries {
		expr := dashboard.Expand(q.Query, values, step, tr.Span)
		got, err := c.opts.Metrics.QueryRange(ctx, tenant, expr, from, to, step)
		if err != nil {
			v.Error = p.L.T("dash.query_failed", err.Error())
			return v
		}
		for _, s := range got {
			s.Name = legend(q.Legend, withoutTenant(s.Name))
			series = append(series, s)
		}
	}
	if len(series) > maxSeriesDrawn {
		series = series[:maxSeriesDrawn]
	}
	if v.NoData = !(chartData{Series: series}).HasData(); v.NoData {
		return v
	}
	name := func(s Series) string {
		if s.Name == "{}" || s.Name == "" {
			return pn.Title
		}
		return s.Name
	}
	switch pn.Type {
	case dashboard.Line:
		c.drawLinePanel(p, &v, pn, series, name, from, to)
	case dashboard.Bar:
		drawBarPanel(p, &v, pn, series, name)
	case dashboard.Stat:
		for _, s := range series {
			last := s.Points[len(s.Points)-1].V
			v.Stats = append(v.Stats, statView{Name: name(s), Value: formatValue(last, pn.Unit, pn.Decimals), Color: thresholdColor(pn.Thresholds, last)})
		}
		if len(v.Stats) == 1 {
			v.Stats[0].Name = ""
		}
	case dashboard.Table:
		tablePanel(p, &v, pn, series)
	}
	return v
}

func (c *Console) drawLinePanel(p *page, v *panelView, pn dashboard.Panel, series []Series, name func(Series) string, from, to time.Time) {
	peak := 0.0
	for _, s := range series {
		for _, pt := range s.Points {
			if !math.IsNaN(pt.V) {
				peak = max(peak, math.Abs(pt.V))
			}
		}
	}
	factor, suffix := unitScale(pn.Unit, peak)
	ch := &chart.Chart{Kind: chart.Line, Unit: suffix, From: from, To: to, Location: p.L.Loc}
	if len(pn.Thresholds) > 0 {
		ch.Threshold = pn.Thresholds[0].Value / factor
	}
	type jsSeries struct {
		N string       `json:"n"`
		P [][2]float64 `json:"p"`
	}
	var js []jsSeries
	for _, s := range series {
		pts := make([]chart.Point, len(s.Points))
		jp := make([][2]float64, 0, len(s.Points))
		for i, pt := range s.Points {
			pts[i] = chart.Point{T: pt.T, V: pt.V / factor}
			if !math.IsNaN(pt.V) && !math.IsInf(pt.V, 0) {
				jp = append(jp, [2]float64{float64(pt.T.UnixMilli()), round(pt.V / factor)})
			}
		}
		ch.Series = append(ch.Series, chart.Series{Name: name(s), Points: chart.Decimate(pts, chartPointsDrawn)})
		js = append(js, jsSeries{N: name(s), P: jp})
	}
	w, h := panelSize(pn)
	v.SVG = template.HTML(chart.SVG(ch, w, h)) // internal/chart escapes every text it writes
	v.PointerJS = pointerJSON(map[string]any{"k": "line", "from": from.UnixMilli(), "to": to.UnixMilli(), "w": w, "pl": 40, "pr": 8,
		"u": suffix, "tz": p.L.Loc.String(), "s": js})
	v.Desc = p.L.T("dash.chart_desc", pn.Title, p.L.Time(from), p.L.Time(to))
}

func drawBarPanel(p *page, v *panelView, pn dashboard.Panel, series []Series, name func(Series) string) {
	peak := 0.0
	vals := make([]float64, len(series))
	cats := make([]string, len(series))
	for i, s := range series {
		vals[i], cats[i] = s.Points[len(s.Points)-1].V, name(s)
		if !math.IsNaN(vals[i]) {
			peak = max(peak, math.Abs(vals[i]))
		}
	}
	factor, suffix := unitScale(pn.Unit, peak)
	scaled := make([]float64, len(vals))
	for i, x := range vals {
		scaled[i] = round(x / factor)
	}
	ch := &chart.Chart{Kind: chart.Bar, Unit: suffix, Categories: cats, Series: []chart.Series{{Name: pn.Title, Values: scaled}}}
	if len(pn.Thresholds) > 0 {
		ch.Threshold = pn.Thresholds[0].Value / factor
	}
	w, h := panelSize(pn)
	v.SVG = template.HTML(chart.SVG(ch, w, h))
	v.PointerJS = pointerJSON(map[string]any{"k": "bar", "w": w, "pl": 40, "pr": 8, "u": suffix, "c": cats, "v": scaled})
	v.Desc = p.L.T("dash.bar_desc", pn.Title)
}

// tablePanel lists each series: its legend or labels, and its latest value.
func tablePanel(p *page, v *panelView, pn dashboard.Panel, series []Series) {
	var keys []string
	sets := make([]map[string]string, len(series))
	for i, s := range series {
		sets[i] = seriesLabels(s.Name)
		for k := range sets[i] {
			if k != "__name__" && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	legends := slices.ContainsFunc(pn.Queries, func(q dashboard.Query) bool { return q.Legend != "" })
	if legends {
		v.Columns = []string{p.L.T("dash.col_series")}
	} else {
		v.Columns = slices.Clone(keys)
	}
	v.Columns = append(v.Columns, p.L.T("dash.col_value"))
	for i, s := range series {
		var row []string
		if legends {
			row = []string{s.Name}
		} else {
			for _, k := range keys {
				row = append(row, sets[i][k])
			}
		}
		v.Rows = append(v.Rows, append(row, formatValue(s.Points[len(s.Points)-1].V, pn.Unit, pn.Decimals)))
	}
}

// panelSize is the chart's box in points: the grid's 24 columns share
// about 1,200 points, a row is 30.
func panelSize(pn dashboard.Panel) (w, h float64) {
	return float64(max(pn.Grid.W*50, 240)), float64(max(pn.Grid.H*30-50, 120))
}

func pointerJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// thresholdColor is the colour of the highest step v reaches, "" below all.
func thresholdColor(steps []dashboard.Threshold, v float64) string {
	color := ""
	for _, s := range steps {
		if v >= s.Value {
			color = s.Color
		}
	}
	if len(color) == 7 && color[0] == '#' {
		return nearestColor(color)
	}
	return color
}

// nearestColor names the named colour closest to #rrggbb: the page's
// styles may not be written inline, so colours are classes.
func nearestColor(hex string) string {
	rgb := func(s string) [3]int64 {
		var c [3]int64
		for i := range c {
			c[i], _ = strconv.ParseInt(s[1+2*i:3+2*i], 16, 0)
		}
		return c
	}
	named := map[string]string{"green": "#2ca02c", "yellow": "#e6c700", "orange": "#ed8128", "red": "#d62728", "blue": "#1f77b4", "purple": "#9467bd"}
	best, dist := "red", int64(math.MaxInt64)
	h := rgb(hex)
	for _, n := range dashboard.Colors {
		c := rgb(named[n])
		if d := (c[0]-h[0])*(c[0]-h[0]) + (c[1]-h[1])*(c[1]-h[1]) + (c[2]-h[2])*(c[2]-h[2]); d < dist {
			best, dist = n, d
		}
	}
	return best
}

var legendRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// legend names a series by the query's legend format ("{{instance}}"),
// or by its labels without one.
func legend(format, name string) string {
	if format == "" {
		return name
	}
	ls := seriesLabels(name)
	return legendRE.ReplaceAllStringFunc(format, func(m string) string {
		return ls[legendRE.FindStringSubmatch(m)[1]]
	})
}

// withoutTenant drops the tenant label, the same on every series of the
// tenant's view, from a series' name.
func withoutTenant(name string) string {
	if !strings.Contains(name, metricstore.TenantLabel+"=") {
		return name
	}
	ls, err := promParser.ParseMetric(name)
	if err != nil {
		return name
	}
	return labels.NewBuilder(ls).Del(metricstore.TenantLabel).Labels().String()
}

// promParser reads back the label sets the querier names series by.
var promParser = parser.NewParser(parser.Options{})

// seriesLabels are the labels of a series named by its label set.
func seriesLabels(name string) map[string]string {
	out := map[string]string{}
	if name == "" || name == "{}" {
		return out
	}
	ls, err := promParser.ParseMetric(name)
	if err != nil {
		return out
	}
	ls.Range(func(l labels.Label) { out[l.Name] = l.Value })
	return out
}
