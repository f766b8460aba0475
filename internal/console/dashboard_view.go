package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/model"
)

// dashboardData is one dashboard drawn for a time range and the values of
// its variables.
type dashboardData struct {
	Tenant      *model.Tenant
	Dash        *dashboard.Dashboard
	Range       timeRange
	Ranges      []timeRange
	From, To    time.Time
	Refresh     string // "" is off
	RefreshSecs int
	Refreshes   []string
	Vars        []varView
	Panels      []panelView
	Wired       bool // the metrics are connected
	CanWrite    bool
	Imported    bool // just imported: say what was skipped first
	query       url.Values
}

// varView is one variable's picker.
type varView struct {
	Name    string
	Value   string
	Choices []choice
}

// choice is one option of a picker.
type choice struct {
	Value, Text string
	Selected    bool
}

// allChoice is the value of a variable's "all" option, as Grafana writes it.
const allChoice = "$__all"

// Link is the page's URL with key set to value, the other choices kept.
func (d dashboardData) Link(key, value string) string {
	q := url.Values{}
	for k, v := range d.query {
		q[k] = v
	}
	q.Set(key, value)
	q.Del("imported")
	return "?" + q.Encode()
}

func (c *Console) showDashboard(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	dash, err := c.opts.Dashboards.Get(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rangeKey := q.Get("range")
	if rangeKey == "" {
		rangeKey = dash.TimeRange
	}
	tr, err := parseRange(rangeKey)
	if err != nil {
		return err
	}
	refresh := dash.Refresh
	if q.Has("refresh") {
		if refresh = q.Get("refresh"); !slices.Contains(dashboard.Refreshes, refresh) {
			return refusedField("refresh", "must be one of 30s, 1m, 5m, 15m or empty")
		}
	}
	to := c.now()
	d := dashboardData{Tenant: t, Dash: dash, Range: tr, Ranges: timeRanges, From: to.Add(-tr.Span), To: to, Refresh: refresh,
		Refreshes: dashboard.Refreshes, Wired: c.opts.Metrics != nil, CanWrite: p.P.Can(model.ScopeWrite),
		Imported: q.Get("imported") != "", query: q}
	if dur, err := time.ParseDuration(refresh); err == nil {
		d.RefreshSecs = int(dur.Seconds())
	}
	if d.Wired {
		var values map[string]string
		values, d.Vars = c.dashboardVars(r.Context(), t.ID, dash, q, to, tr.Span)
		for i, pn := range dash.Panels {
			d.Panels = append(d.Panels, c.renderPanel(r.Context(), p, t.ID, i, pn, values, tr, to))
		}
	}
	p.Active, p.Title, p.Data = "nav.tenants", dash.Title, d
	c.render(w, http.StatusOK, "dashboard", p)
	return nil
}

// maxChoices bounds a variable's picker.
const maxChoices = 500

// dashboardVars fills the variables' pickers in order, each from the
// label values of the tenant's series (a later variable's selector may use
// an earlier one's value), and returns the chosen values: ?var-<name>= as
// in Grafana's links, else the default, else the first choice.
func (c *Console) dashboardVars(ctx context.Context, tenant string, dash *dashboard.Dashboard, q url.Values, to time.Time, span time.Duration) (map[string]string, []varView) {
	values := map[string]string{}
	var views []varView
	for _, v := range dash.Variables {
		opts := v.Values
		if v.Label != "" {
			opts = c.labelValues(ctx, tenant, v, values, to, span)
		}
		vv := varView{Name: v.Name}
		if v.AllValue != "" {
			vv.Choices = append(vv.Choices, choice{Value: allChoice, Text: "All"})
		}
		for _, o := range opts {
			vv.Choices = append(vv.Choices, choice{Value: o, Text: o})
		}
		want := q.Get("var-" + v.Name)
		if want == "" {
			want = v.Default
		}
		if !slices.ContainsFunc(vv.Choices, func(ch choice) bool { return ch.Value == want }) && len(vv.Choices) > 0 {
			want = vv.Choices[0].Value
		}
		for i := range vv.Choices {
			vv.Choices[i].Selected = vv.Choices[i].Value == want
		}
		vv.Value = want
		values[v.Name] = want
		if want == allChoice {
			values[v.Name] = v.AllValue
		}
		views = append(views, vv)
	}
	return values, views
}

// labelValues are the values of v.Label on the tenant's series of
// v.Metric over the range: one aggregation, on the tenant's own view.
func (c *Console) labelValues(ctx context.Context, tenant string, v dashboard.Variable, values map[string]string, to time.Time, span time.Duration) []string {
	sel := `{` + v.Label + `!=""}`
	if v.Metric != "" {
		sel = dashboard.Expand(v.Metric, values, time.Minute, span)
	}
	series, err := c.opts.Metrics.QueryRange(ctx, tenant, "group by ("+v.Label+") ("+sel+")", to.Add(-span), to, span)
	if err != nil {
		c.logger.Debug("console: variable values", "variable", v.Name, "err", err)
		return nil
	}
	var out []string
	for _, s := range series {
		if val := seriesLabels(s.Name)[v.Label]; val != "" && !slices.Contains(out, val) {
			out = append(out, val)
		}
	}
	slices.Sort(out)
	if len(out) > maxChoices {
		out = out[:maxChoices]
	}
	return out
}

// SkipReason is why the import skipped s, in the reader's language; an
// import of before the reasons had codes gives its English.
func (l locale) SkipReason(s dashboard.Skipped) string {
	if _, ok := catalog["dash.skip."+s.Code]; !ok || s.Code == "" {
		return s.Reason
	}
	args := make([]any, len(s.Args))
	for i, a := range s.Args {
		args[i] = a
	}
	return l.T("dash.skip."+s.Code, args...)
}
