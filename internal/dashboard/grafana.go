package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// MaxImportBytes bounds a Grafana dashboard's JSON: Node Exporter Full,
// one of the largest in common use, is about 500 KB.
const MaxImportBytes = 4 << 20

// grafanaDashboard is the part of Grafana's dashboard JSON the import
// reads. Export wraps it as {"dashboard": {...}, "meta": {...}}.
type grafanaDashboard struct {
	Title         string                `json:"title"`
	Description   string                `json:"description"`
	SchemaVersion int                   `json:"schemaVersion"`
	Time          struct{ From string } `json:"time"`
	Refresh       json.RawMessage       `json:"refresh"` // a string, or false
	Panels        []grafanaPanel        `json:"panels"`
	Rows          []json.RawMessage     `json:"rows"` // before schemaVersion 16
	Templating    struct {
		List []grafanaVariable `json:"list"`
	} `json:"templating"`
}

type grafanaPanel struct {
	Type        string                    `json:"type"`
	Title       string                    `json:"title"`
	Datasource  json.RawMessage           `json:"datasource"`
	GridPos     *Grid                     `json:"gridPos"`
	Targets     []grafanaTarget           `json:"targets"`
	Panels      []grafanaPanel            `json:"panels"` // a collapsed row's
	Collapsed   bool                      `json:"collapsed"`
	Format      string                    `json:"format"`     // singlestat's unit
	Thresholds  json.RawMessage           `json:"thresholds"` // singlestat's "80,90", graph's list
	Colors      []string                  `json:"colors"`     // singlestat's threshold colours
	Decimals    *float64                  `json:"decimals"`
	Yaxes       []struct{ Format string } `json:"yaxes"`
	FieldConfig struct {
		Defaults struct {
			Unit       string   `json:"unit"`
			Decimals   *float64 `json:"decimals"`
			Thresholds struct {
				Mode  string `json:"mode"`
				Steps []struct {
					Color string   `json:"color"`
					Value *float64 `json:"value"`
				} `json:"steps"`
			} `json:"thresholds"`
			Custom struct {
				DrawStyle string `json:"drawStyle"`
			} `json:"custom"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
}

type grafanaTarget struct {
	Expr         string          `json:"expr"`
	LegendFormat string          `json:"legendFormat"`
	Hide         bool            `json:"hide"`
	Datasource   json.RawMessage `json:"datasource"`
}

type grafanaVariable struct {
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	Query      json.RawMessage `json:"query"` // a string, or {"query": "..."}
	Definition string          `json:"definition"`
	Current    struct {
		Value json.RawMessage `json:"value"`
	} `json:"current"`
	IncludeAll bool   `json:"includeAll"`
	AllValue   string `json:"allValue"`
}

// panelTypes maps Grafana's panel types onto unyo's.
var panelTypes = map[string]PanelType{
	"graph": Line, "timeseries": Line, "barchart": Bar, "bargauge": Bar,
	"stat": Stat, "singlestat": Stat, "gauge": Stat, "table": Table, "table-old": Table,
}

// FromGrafana reads a Grafana dashboard's JSON (as exported, or the bare
// dashboard) into a dashboard of unyo: every panel and variable it can
// carry, and in Skipped each it cannot, with the reason. It fails only when
// the input is no Grafana dashboard at all or carries nothing.
func FromGrafana(data []byte) (*Dashboard, error) {
	if len(data) > MaxImportBytes {
		return nil, invalid.New("body", "is larger than %d bytes", MaxImportBytes)
	}
	var wrap struct {
		Dashboard json.RawMessage `json:"dashboard"`
	}
	if err := json.Unmarshal(data, &wrap); err != nil {
		return nil, invalid.New("body", "is not a Grafana dashboard's JSON: %v", err)
	}
	if len(wrap.Dashboard) > 0 && !bytes.Equal(wrap.Dashboard, []byte("null")) {
		data = wrap.Dashboard
	}
	var g grafanaDashboard
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, invalid.New("body", "is not a Grafana dashboard's JSON: %v", err)
	}
	if len(g.Panels) == 0 && len(g.Rows) > 0 {
		return nil, invalid.New("rows", "holds the panels of a dashboard older than Grafana 5 (schemaVersion %d, below 16): open and save it in a newer Grafana first", g.SchemaVersion)
	}
	if len(g.Panels) == 0 {
		return nil, invalid.New("panels", "is empty: a Grafana dashboard has a list of panels")
	}
	d := &Dashboard{Title: clip(strings.TrimSpace(g.Title), 200), Description: clip(g.Description, 5000),
		TimeRange: grafanaRange(g.Time.From), Refresh: grafanaRefresh(g.Refresh)}
	if d.Title == "" {
		d.Title = "Grafana"
	}
	names := map[string]bool{}
	for _, gv := range g.Templating.List {
		v, reason := gv.variable()
		if reason.none() && len(d.Variables) >= MaxVariables {
			reason = because("max_variables", "a dashboard has at most %s variables", strconv.Itoa(MaxVariables))
		}
		if reason.none() {
			if err := v.validate(names); err != nil {
				reason = because("invalid", "%s", err.Error())
			}
		}
		if !reason.none() {
			d.Skipped = append(d.Skipped, reason.of(Skipped{Kind: "variable", Title: gv.Name, Type: gv.Type}))
			continue
		}
		names[v.Name] = true
		d.Variables = append(d.Variables, v)
	}
	for _, gp := range flatten(g.Panels) {
		p, reason := gp.panel(names)
		if reason.none() && len(d.Panels) >= MaxPanels {
			reason = because("max_panels", "a dashboard has at most %s panels", strconv.Itoa(MaxPanels))
		}
		if !reason.none() {
			d.Skipped = append(d.Skipped, reason.of(Skipped{Kind: "panel", Title: clip(gp.Title, 200), Type: clip(gp.Type, 100)}))
			continue
		}
		d.Panels = append(d.Panels, p)
	}
	if len(d.Panels) == 0 {
		return nil, invalid.New("panels", "has no panel unyo can carry (%d skipped: %s)", len(d.Skipped), skippedTypes(d.Skipped))
	}
	d.normalize()
	return d, nil
}

// flatten lists the panels in reading order, a collapsed row's in its
// place; rows themselves are only headings. A collapsed row keeps its
// panels at the places they take when it is open, which overlap the rows
// below it, so each row's panels are sorted (top to bottom, left to right)
// and moved down below the row before.
func flatten(ps []grafanaPanel) []grafanaPanel {
	var out, group []grafanaPanel
	bottom := 0
	flush := func() {
		sort.SliceStable(group, func(i, j int) bool {
			a, b := group[i].GridPos, group[j].GridPos
			if a == nil || b == nil {
				return a != nil
			}
			return a.Y < b.Y || a.Y == b.Y && a.X < b.X
		})
		// Each panel goes right below the panels that were above it, so
		// the gaps a collapsed row's layout leaves close up.
		type placed struct{ x, w, y, newY, h int }
		var done []placed
		low := bottom
		for _, p := range group {
			if g := p.GridPos; g != nil {
				moved := *g
				moved.Y = bottom
				for _, q := range done {
					if q.y < g.Y && q.x < g.X+g.W && g.X < q.x+q.w {
						moved.Y = max(moved.Y, q.newY+q.h)
					} else if q.y == g.Y {
						moved.Y = q.newY
						break
					}
				}
				done = append(done, placed{g.X, g.W, g.Y, moved.Y, max(g.H, 1)})
				p.GridPos = &moved
				low = max(low, moved.Y+max(moved.H, 1))
			}
			out = append(out, p)
		}
		bottom, group = low, nil
	}
	for _, p := range ps {
		if p.Type == "row" {
			flush()
			group = append(group, p.Panels...)
			flush()
			continue
		}
		group = append(group, p)
	}
	flush()
	return out
}

func (gp grafanaPanel) panel(vars map[string]bool) (Panel, reason) {
	typ, ok := panelTypes[gp.Type]
	if !ok {
		return Panel{}, because("panel_type", "panel type %q is not carried: unyo draws line, bar, single value (stat) and table panels", gp.Type)
	}
	if ds := datasourceType(gp.Datasource); ds != "" && ds != "prometheus" {
		return Panel{}, because("datasource", "its datasource is %s, not Prometheus", ds)
	}
	p := Panel{Title: clip(gp.Title, 200), Type: typ, Unit: clip(gp.unit(), 30), Thresholds: gp.thresholds()}
	if typ == Line && gp.FieldConfig.Defaults.Custom.DrawStyle == "bars" {
		p.Type = Bar
	}
	if d := gp.FieldConfig.Defaults.Decimals; d != nil || gp.Decimals != nil {
		if d == nil {
			d = gp.Decimals
		}
		if n := int(*d); n >= 0 && n <= 10 {
			p.Decimals = &n
		}
	}
	for i, t := range gp.Targets {
		if t.Hide {
			continue
		}
		if ds := datasourceType(t.Datasource); ds != "" && ds != "prometheus" {
			return Panel{}, because("query_datasource", "query %s reads datasource %s, not Prometheus", strconv.Itoa(i+1), ds)
		}
		if strings.TrimSpace(t.Expr) == "" {
			continue
		}
		if err := checkQuery(t.Expr, vars); err != nil {
			return Panel{}, because("query_invalid", "query %s: %s", strconv.Itoa(i+1), strings.TrimPrefix(err.Error(), "query: "))
		}
		legend := t.LegendFormat
		if legend == "__auto" { // Grafana's "name the series by its labels", which is unyo's way without one
			legend = ""
		}
		p.Queries = append(p.Queries, Query{Query: t.Expr, Legend: clip(legend, 200)})
	}
	switch {
	case len(p.Queries) == 0:
		return Panel{}, because("no_query", "no PromQL query (its targets have no expr: another datasource, or none)")
	case len(p.Queries) > MaxQueries:
		return Panel{}, because("max_queries", "more than %s queries", strconv.Itoa(MaxQueries))
	}
	if g := gp.GridPos; g != nil {
		p.Grid = Grid{X: min(max(g.X, 0), 23), Y: min(max(g.Y, 0), 10000), W: min(max(g.W, 1), 24), H: min(max(g.H, 1), 50)}
		p.Grid.W = min(p.Grid.W, 24-p.Grid.X)
	}
	if err := p.validate(vars); err != nil {
		return Panel{}, because("invalid", "%s", err.Error())
	}
	return p, reason{}
}

// unit is the panel's unit in the newer shape, the classic graph's left
// axis or singlestat's format.
func (gp grafanaPanel) unit() string {
	u := gp.FieldConfig.Defaults.Unit
	if u == "" && len(gp.Yaxes) > 0 {
		u = gp.Yaxes[0].Format
	}
	if u == "" {
		u = gp.Format
	}
	if u == "short" || u == "none" {
		return ""
	}
	return u
}

// thresholds reads the newer steps (the base step, of no value, colours
// what is below the first and is dropped) or singlestat's "80,90" with
// its colours; percentage thresholds are not carried.
func (gp grafanaPanel) thresholds() []Threshold {
	var out []Threshold
	add := func(v float64, c string) {
		if math.IsNaN(v) || math.IsInf(v, 0) || len(out) >= 10 || len(out) > 0 && v <= out[len(out)-1].Value {
			return
		}
		out = append(out, Threshold{Value: v, Color: grafanaColor(c)})
	}
	th := gp.FieldConfig.Defaults.Thresholds
	if th.Mode == "" || th.Mode == "absolute" {
		for _, s := range th.Steps {
			if s.Value != nil {
				add(*s.Value, s.Color)
			}
		}
	}
	var classic string
	if len(out) == 0 && json.Unmarshal(gp.Thresholds, &classic) == nil && classic != "" {
		for i, f := range strings.Split(classic, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return nil
			}
			c := "red"
			if i+1 < len(gp.Colors) {
				c = gp.Colors[i+1]
			}
			add(v, c)
		}
	}
	return out
}

var rgbRE = regexp.MustCompile(`^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)`)

// grafanaColor maps Grafana's colour names (dark-red, semi-dark-orange,
// #EAB839, rgba(...)) onto a named colour or #rrggbb.
func grafanaColor(c string) string {
	c = strings.ToLower(strings.TrimSpace(c))
	for _, n := range Colors {
		if c == n || strings.HasSuffix(c, "-"+n) {
			return n
		}
	}
	if colorRE.MatchString(c) {
		return c
	}
	if m := rgbRE.FindStringSubmatch(c); m != nil {
		var rgb [3]int
		for i := range rgb {
			rgb[i], _ = strconv.Atoi(m[i+1])
			rgb[i] = min(rgb[i], 255)
		}
		return fmt.Sprintf("#%02x%02x%02x", rgb[0], rgb[1], rgb[2])
	}
	return "red"
}

// datasourceType is the type a datasource reference names: "" for the
// dashboard's default or a name (older dashboards name it, and a name does
// not tell its type), else its type or a special's name.
func datasourceType(raw json.RawMessage) string {
	var name string
	if json.Unmarshal(raw, &name) == nil {
		switch name {
		case "-- Grafana --", "-- Dashboard --":
			return name
		}
		return ""
	}
	var ref struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
	if json.Unmarshal(raw, &ref) != nil {
		return ""
	}
	switch {
	case ref.Type == "datasource" && ref.UID == "grafana":
		return "-- Grafana --"
	case ref.Type == "datasource" || ref.Type == "" || strings.HasPrefix(ref.UID, "${"):
		return "" // a variable, mixed, or the default: the targets tell
	}
	return ref.Type
}

var labelValuesRE = regexp.MustCompile(`^\s*label_values\(\s*(?:(.*)\s*,\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$`)

func (gv grafanaVariable) variable() (Variable, reason) {
	v := Variable{Name: gv.Name}
	query := gv.Definition
	var s string
	var obj struct {
		Query string `json:"query"`
	}
	if json.Unmarshal(gv.Query, &s) == nil {
		query = s
	} else if json.Unmarshal(gv.Query, &obj) == nil && obj.Query != "" {
		query = obj.Query
	}
	switch gv.Type {
	case "query":
		m := labelValuesRE.FindStringSubmatch(query)
		if m == nil {
			return v, because("variable_query", "only label_values() queries are carried, not %q", clip(query, 200))
		}
		v.Metric, v.Label = strings.TrimSpace(m[1]), m[2]
	case "custom", "interval":
		for _, f := range strings.Split(query, ",") {
			if f = strings.TrimSpace(f); f != "" && !slices.Contains(v.Values, f) {
				v.Values = append(v.Values, f)
			}
		}
	case "constant", "textbox":
		v.Values = []string{query}
	case "datasource":
		return v, because("variable_datasource", "a choice of datasource is not carried: every query reads the tenant's own metrics")
	default:
		return v, because("variable_type", "variables of type %q are not carried", gv.Type)
	}
	var cur string
	if json.Unmarshal(gv.Current.Value, &cur) == nil && cur != "$__all" {
		v.Default = cur
	}
	if gv.IncludeAll {
		v.AllValue = gv.AllValue
		if v.AllValue == "" {
			v.AllValue = ".*"
		}
	}
	return v, reason{}
}

// grafanaRange picks the shortest of TimeRanges that shows "now-<d>".
func grafanaRange(from string) string {
	d, ok := grafanaDuration(strings.TrimPrefix(from, "now-"))
	if !ok {
		return "6h"
	}
	for _, r := range TimeRanges {
		if rd, _ := grafanaDuration(r); rd >= d {
			return r
		}
	}
	return TimeRanges[len(TimeRanges)-1]
}

// grafanaRefresh picks the nearest of Refreshes not more often than asked.
func grafanaRefresh(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil || s == "" {
		return ""
	}
	d, ok := grafanaDuration(s)
	if !ok {
		return ""
	}
	for _, r := range Refreshes[1:] {
		if rd, _ := grafanaDuration(r); rd >= d {
			return r
		}
	}
	return Refreshes[len(Refreshes)-1]
}

var grafanaDurRE = regexp.MustCompile(`^(\d{1,6})([smhdwMy])$`)

func grafanaDuration(s string) (time.Duration, bool) {
	m := grafanaDurRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
		"w": 7 * 24 * time.Hour, "M": 30 * 24 * time.Hour, "y": 365 * 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, true
}

func skippedTypes(s []Skipped) string {
	seen := []string{}
	for _, k := range s {
		if k.Kind == "panel" && !slices.Contains(seen, k.Type) {
			seen = append(seen, k.Type)
		}
	}
	return strings.Join(seen, ", ")
}

// clip cuts s to n characters.
func clip(s string, n int) string {
	r := []rune(strings.ToValidUTF8(s, "\uFFFD"))
	if len(r) > n {
		return string(r[:n])
	}
	return string(r)
}

// reason is why an import skips a panel or a variable: a code the console
// words in the reader's language with args, and the English the API gives.
type reason struct {
	code, text string
	args       []string
}

// because is the reason code, its English written by format from args.
func because(code, format string, args ...string) reason {
	a := make([]any, len(args))
	for i, s := range args {
		a[i] = s
	}
	return reason{code: code, text: fmt.Sprintf(format, a...), args: args}
}

func (r reason) none() bool { return r.code == "" }

// of is s skipped for r.
func (r reason) of(s Skipped) Skipped {
	s.Reason, s.Code, s.Args = r.text, r.code, r.args
	return s
}
