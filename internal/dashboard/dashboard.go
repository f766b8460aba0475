// Package dashboard keeps a tenant's dashboards: panels of PromQL queries
// drawn as lines, bars, a single value or a table, laid out on Grafana's
// 24-column grid, with variables such as $host filled from label values.
// It also imports Grafana dashboard JSON, carrying what it can and listing
// what it cannot, so an MSP need not run Grafana beside unyo for the
// common views. Queries run only through the tenant-scoped metric store.
package dashboard

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// PanelType is how a panel draws its queries.
type PanelType string

// The panel types.
const (
	Line  PanelType = "line"  // time series
	Bar   PanelType = "bar"   // the latest value of each series, one bar each
	Stat  PanelType = "stat"  // the latest value, large
	Table PanelType = "table" // one row per series: its labels and latest value
)

// PanelTypes are the types in the order the editor offers them.
var PanelTypes = []PanelType{Line, Bar, Stat, Table}

// TimeRanges are the default time ranges a dashboard may open with; they
// are the console's range picker's choices.
var TimeRanges = []string{"1h", "6h", "24h", "7d", "30d"}

// Refreshes are the auto-refresh intervals; "" is off.
var Refreshes = []string{"", "30s", "1m", "5m", "15m"}

// Colors are the named threshold colours; a colour may also be #rrggbb.
var Colors = []string{"green", "yellow", "orange", "red", "blue", "purple"}

// Dashboard is one dashboard of a tenant.
type Dashboard struct {
	ID          int64      `json:"id"`
	Tenant      string     `json:"tenant"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	TimeRange   string     `json:"time_range"` // one of TimeRanges
	Refresh     string     `json:"refresh"`    // one of Refreshes
	Variables   []Variable `json:"variables"`
	Panels      []Panel    `json:"panels"`
	// Skipped is what the Grafana import that made it could not carry.
	Skipped   []Skipped `json:"skipped"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Variable is a choice on the dashboard's page, written $name (or ${name})
// in queries: the values of Label on the series of Metric, or the fixed
// Values.
type Variable struct {
	Name     string   `json:"name"`
	Label    string   `json:"label,omitempty"`  // a label name, for label values
	Metric   string   `json:"metric,omitempty"` // a series selector; "" is every series with the label
	Values   []string `json:"values,omitempty"` // fixed choices instead of label values
	Default  string   `json:"default,omitempty"`
	AllValue string   `json:"all_value,omitempty"` // when set, an "all" choice that stands for this regexp
}

// Panel is one panel of a dashboard.
type Panel struct {
	Title      string      `json:"title"`
	Type       PanelType   `json:"type"`
	Queries    []Query     `json:"queries"`
	Unit       string      `json:"unit,omitempty"` // a Grafana unit id (percent, bytes, s...) or a suffix
	Decimals   *int        `json:"decimals,omitempty"`
	Thresholds []Threshold `json:"thresholds,omitempty"` // ascending
	Grid       Grid        `json:"grid"`
}

// Query is one PromQL query of a panel, with the legend format of its
// series ("{{instance}}" takes the label's value).
type Query struct {
	Query  string `json:"query"`
	Legend string `json:"legend,omitempty"`
}

// Threshold colours the values from Value up.
type Threshold struct {
	Value float64 `json:"value"`
	Color string  `json:"color"`
}

// Grid is a panel's place on the 24-column grid; H is in rows of 30 px.
type Grid struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Skipped is one thing a Grafana import did not carry, and why.
type Skipped struct {
	Kind   string `json:"kind"` // "panel" or "variable"
	Title  string `json:"title"`
	Type   string `json:"type"`
	Reason string `json:"reason"` // in English
	// Code names the reason for the console, which words it in the
	// reader's language with Args; imports of before have none.
	Code string   `json:"code,omitempty"`
	Args []string `json:"args,omitempty"`
}

// Limits of a dashboard.
const (
	MaxPanels    = 200
	MaxQueries   = 26 // Grafana's A to Z
	MaxVariables = 20
	maxQueryLen  = 10000
)

var (
	nameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// Validate reports the first field of d that is not acceptable; a query
// that does not parse is named with the parser's reason.
func (d *Dashboard) Validate() error {
	if strings.TrimSpace(d.Title) == "" {
		return invalid.New("title", "is required")
	}
	if err := text("title", d.Title, 200); err != nil {
		return err
	}
	if err := text("description", d.Description, 5000); err != nil {
		return err
	}
	if !slices.Contains(TimeRanges, d.TimeRange) {
		return invalid.New("time_range", "must be one of %s, not %q", strings.Join(TimeRanges, ", "), d.TimeRange)
	}
	if !slices.Contains(Refreshes, d.Refresh) {
		return invalid.New("refresh", "must be empty (off) or one of %s, not %q", strings.Join(Refreshes[1:], ", "), d.Refresh)
	}
	if len(d.Variables) > MaxVariables {
		return invalid.New("variables", "has more than %d variables", MaxVariables)
	}
	names := map[string]bool{}
	for i, v := range d.Variables {
		if err := v.validate(names); err != nil {
			return invalid.Prefix(fmt.Sprintf("variables[%d]", i), err)
		}
		names[v.Name] = true
	}
	if len(d.Panels) > MaxPanels {
		return invalid.New("panels", "has more than %d panels", MaxPanels)
	}
	for i, p := range d.Panels {
		if err := p.validate(names); err != nil {
			return invalid.Prefix(fmt.Sprintf("panels[%d]", i), err)
		}
	}
	return nil
}

func text(field, s string, n int) error {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > n {
		return invalid.New(field, "must be valid text of at most %d characters", n)
	}
	return nil
}

func (v Variable) validate(earlier map[string]bool) error {
	switch {
	case !nameRE.MatchString(v.Name) || strings.HasPrefix(v.Name, "__"):
		return invalid.New("name", "must be letters, digits and _ not starting with a digit or __, not %q", v.Name)
	case earlier[v.Name]:
		return invalid.New("name", "%q is already a variable of this dashboard", v.Name)
	case v.Label == "" && len(v.Values) == 0:
		return invalid.New("label", "is required: the label whose values are the choices (or give fixed values)")
	case v.Label != "" && len(v.Values) > 0:
		return invalid.New("values", "must be empty when label is set: the choices are the label's values")
	case v.Label != "" && !model.LabelName(v.Label).IsValidLegacy():
		return invalid.New("label", "%q is not a label name", v.Label)
	case len(v.Values) > 500:
		return invalid.New("values", "has more than 500 values")
	}
	for _, f := range []struct{ name, v string }{{"default", v.Default}, {"all_value", v.AllValue}} {
		if err := text(f.name, f.v, 1000); err != nil {
			return err
		}
	}
	for i, s := range v.Values {
		if err := text(fmt.Sprintf("values[%d]", i), s, 1000); err != nil {
			return err
		}
	}
	if v.Metric != "" {
		if err := text("metric", v.Metric, maxQueryLen); err != nil {
			return err
		}
		if _, err := promql.ParseMetricSelector(Expand(v.Metric, sampleValues(earlier), time.Minute, time.Hour)); err != nil {
			return invalid.New("metric", "is not a series selector: %v", err)
		}
	}
	return nil
}

func (p Panel) validate(vars map[string]bool) error {
	if err := text("title", p.Title, 200); err != nil {
		return err
	}
	if !slices.Contains(PanelTypes, p.Type) {
		return invalid.New("type", "must be line, bar, stat or table, not %q", p.Type)
	}
	if len(p.Queries) == 0 {
		return invalid.New("queries", "needs at least one query")
	}
	if len(p.Queries) > MaxQueries {
		return invalid.New("queries", "has more than %d queries", MaxQueries)
	}
	for i, q := range p.Queries {
		field := fmt.Sprintf("queries[%d]", i)
		if err := checkQuery(q.Query, vars); err != nil {
			return invalid.Prefix(field, err)
		}
		if err := text(field+".legend", q.Legend, 200); err != nil {
			return err
		}
	}
	if err := text("unit", p.Unit, 30); err != nil {
		return err
	}
	if p.Decimals != nil && (*p.Decimals < 0 || *p.Decimals > 10) {
		return invalid.New("decimals", "must be 0 to 10")
	}
	if len(p.Thresholds) > 10 {
		return invalid.New("thresholds", "has more than 10 steps")
	}
	for i, t := range p.Thresholds {
		field := fmt.Sprintf("thresholds[%d]", i)
		if !slices.Contains(Colors, t.Color) && !colorRE.MatchString(t.Color) {
			return invalid.New(field+".color", "must be one of %s or #rrggbb, not %q", strings.Join(Colors, ", "), t.Color)
		}
		if i > 0 && t.Value <= p.Thresholds[i-1].Value {
			return invalid.New(field+".value", "must be above the step before it (%g)", p.Thresholds[i-1].Value)
		}
	}
	g := p.Grid
	switch {
	case g.W < 1 || g.W > 24:
		return invalid.New("grid.w", "must be 1 to 24 columns, not %d", g.W)
	case g.X < 0 || g.X+g.W > 24:
		return invalid.New("grid.x", "must keep the panel within 24 columns (x %d, w %d)", g.X, g.W)
	case g.H < 1 || g.H > 50:
		return invalid.New("grid.h", "must be 1 to 50 rows, not %d", g.H)
	case g.Y < 0 || g.Y > 10000:
		return invalid.New("grid.y", "must be 0 to 10000, not %d", g.Y)
	}
	return nil
}

// checkQuery parses q with each variable standing for a sample value, so
// that an error names the query's own mistake with the parser's reason.
func checkQuery(q string, vars map[string]bool) error {
	if strings.TrimSpace(q) == "" {
		return invalid.New("query", "is required")
	}
	if len(q) > maxQueryLen {
		return invalid.New("query", "is longer than %d bytes", maxQueryLen)
	}
	if _, err := promql.ParseExpr(Expand(q, sampleValues(vars), time.Minute, time.Hour)); err != nil {
		return invalid.New("query", "is not valid PromQL: %v", err)
	}
	return nil
}

// promql is the parser of the queries, as the engine's (internal/promapi).
var promql = parser.NewParser(parser.Options{})

func sampleValues(vars map[string]bool) map[string]string {
	m := make(map[string]string, len(vars))
	for n := range vars {
		m[n] = "x"
	}
	return m
}

var varRE = regexp.MustCompile(`\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)`)

// Expand writes the variables' values into q, escaped for a PromQL
// string, and Grafana's built-in intervals ($__rate_interval, $__interval,
// $__range): step is the query's resolution, span its range. The rate
// interval is four steps and at least two minutes, as the host pages'
// charts use: agents send a sample a minute, and a rate needs two. A name that
// is not a variable is left as written, so the parser names it.
func Expand(q string, values map[string]string, step, span time.Duration) string {
	builtin := map[string]string{
		"__interval": promDur(step), "__rate_interval": promDur(max(4*step, 2*time.Minute)), "__range": promDur(span),
		"__interval_ms": fmt.Sprint(step.Milliseconds()), "__range_s": fmt.Sprint(int64(span.Seconds())), "__range_ms": fmt.Sprint(span.Milliseconds()),
	}
	return varRE.ReplaceAllStringFunc(q, func(m string) string {
		sub := varRE.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		if v, ok := builtin[name]; ok {
			return v
		}
		if v, ok := values[name]; ok {
			return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v)
		}
		return m
	})
}

func promDur(d time.Duration) string {
	if d < time.Second {
		d = time.Second
	}
	return fmt.Sprintf("%ds", int64(d/time.Second))
}

// normalize fills what a client may leave out: empty lists and the
// default range, so a stored dashboard reads back the same.
func (d *Dashboard) normalize() {
	if d.TimeRange == "" {
		d.TimeRange = "6h"
	}
	if d.Variables == nil {
		d.Variables = []Variable{}
	}
	if d.Panels == nil {
		d.Panels = []Panel{}
	}
	if d.Skipped == nil {
		d.Skipped = []Skipped{}
	}
	for i := range d.Panels {
		if d.Panels[i].Grid == (Grid{}) {
			d.Panels[i].Grid = Grid{X: i % 2 * 12, Y: i / 2 * 8, W: 12, H: 8}
		}
	}
}

// Normalize fills what a client may leave out as the store does before
// it stores d: what a dashboard written elsewhere (a design's file) reads
// back as.
func (d *Dashboard) Normalize() { d.normalize() }
