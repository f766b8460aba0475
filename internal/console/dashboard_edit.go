package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// dashboardEdit is the editor: the dashboard as in the form, with the
// preview of one panel when asked for.
type dashboardEdit struct {
	Tenant     *model.Tenant
	Dash       *dashboard.Dashboard
	Types      []dashboard.PanelType
	Ranges     []string
	Refreshes  []string
	Preview    *panelView
	PreviewAt  int
	Unsaved    bool
	Thresholds []string // each panel's thresholds as typed, "80:orange, 95:red"
	VarValues  []string // each variable's fixed values, "a, b"
}

func (c *Console) editDashboard(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := c.opts.Dashboards.Get(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	return c.renderEditor(w, p, t, d, http.StatusOK, -1, nil, false)
}

func (c *Console) renderEditor(w http.ResponseWriter, p *page, t *model.Tenant, d *dashboard.Dashboard, status, at int, preview *panelView, unsaved bool) error {
	e := dashboardEdit{Tenant: t, Dash: d, Types: dashboard.PanelTypes, Ranges: dashboard.TimeRanges, Refreshes: dashboard.Refreshes,
		Preview: preview, PreviewAt: at, Unsaved: unsaved}
	for _, v := range d.Variables {
		e.VarValues = append(e.VarValues, strings.Join(v.Values, ", "))
	}
	for _, pn := range d.Panels {
		var steps []string
		for _, th := range pn.Thresholds {
			steps = append(steps, strconv.FormatFloat(th.Value, 'g', -1, 64)+":"+th.Color)
		}
		e.Thresholds = append(e.Thresholds, strings.Join(steps, ", "))
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("dash.edit_title", d.Title), e
	c.render(w, status, "dashboard_edit", p)
	return nil
}

// saveDashboard takes the editor's form and its button: save stores it;
// add, remove, up, down and preview change only the form, to be saved.
func (c *Console) saveDashboard(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := c.opts.Dashboards.Get(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	if err := dashboardFromForm(r.PostForm, d); err != nil {
		p.Error = refused(p, err)
		return c.renderEditor(w, p, t, d, http.StatusBadRequest, -1, nil, true)
	}
	action, arg, _ := strings.Cut(r.PostFormValue("action"), "-")
	i, _ := strconv.Atoi(arg)
	if arg != "" && (i < 0 || i >= len(d.Panels)) {
		return refusedField("action", "names no panel")
	}
	switch action {
	case "save":
		if err := c.opts.Dashboards.Update(audited(r, p, t.ID, "update", "dashboard", strconv.FormatInt(id, 10), nil), d); err != nil {
			if p.Error = refused(p, err); p.Error == "" {
				return err
			}
			return c.renderEditor(w, p, t, d, http.StatusBadRequest, -1, nil, true)
		}
		http.Redirect(w, r, dashboardPath(t.ID, id), http.StatusSeeOther)
		return nil
	case "add":
		bottom := 0
		for _, pn := range d.Panels {
			bottom = max(bottom, pn.Grid.Y+pn.Grid.H)
		}
		d.Panels = append(d.Panels, dashboard.Panel{Type: dashboard.Line, Queries: []dashboard.Query{{}}, Grid: dashboard.Grid{Y: bottom, W: 12, H: 8}})
	case "remove":
		d.Panels = append(d.Panels[:i], d.Panels[i+1:]...)
	case "up", "down":
		j := i - 1
		if action == "down" {
			j = i + 1
		}
		if j >= 0 && j < len(d.Panels) {
			// The panels trade places on the grid too, so the view shows the new order.
			d.Panels[i].Grid, d.Panels[j].Grid = d.Panels[j].Grid, d.Panels[i].Grid
			d.Panels[i], d.Panels[j] = d.Panels[j], d.Panels[i]
		}
	case "preview":
		if c.opts.Metrics == nil {
			break
		}
		tr, err := parseRange(d.TimeRange)
		if err != nil {
			tr = timeRanges[defaultRange]
		}
		now := c.now()
		values, _ := c.dashboardVars(r.Context(), t.ID, d, nil, now, tr.Span) // the defaults, as the page opens with
		pv := c.renderPanel(r.Context(), p, t.ID, i, d.Panels[i], values, tr, now)
		if err := d.Validate(); err != nil {
			if e, ok := invalid.As(err); ok && strings.HasPrefix(e.Field, fmt.Sprintf("panels[%d].", i)) {
				pv.Error = p.L.T("err.field", e.Field, e.Reason)
			}
		}
		return c.renderEditor(w, p, t, d, http.StatusOK, i, &pv, true)
	default:
		return refusedField("action", "must be save, add, remove, up, down or preview")
	}
	return c.renderEditor(w, p, t, d, http.StatusOK, -1, nil, true)
}

// dashboardFromForm reads the editor's fields onto d: p<i>-... for each
// panel, p<i>-q<j>-... for its queries, v<i>-... for each variable. A
// variable's row or a query's row left empty is dropped (the form offers
// one empty row of each to add), but a panel keeps its first query, so
// that an empty one is named when saved.
func dashboardFromForm(f url.Values, d *dashboard.Dashboard) error {
	d.Title, d.Description = strings.TrimSpace(f.Get("title")), f.Get("description")
	d.TimeRange, d.Refresh = f.Get("time_range"), f.Get("refresh")
	count := func(key string, limit int) (int, error) {
		n, err := strconv.Atoi(f.Get(key))
		if err != nil || n < 0 || n > limit {
			return 0, refusedField(key, fmt.Sprintf("must be a count of 0 to %d", limit))
		}
		return n, nil
	}
	nv, err := count("variables", dashboard.MaxVariables+1)
	if err != nil {
		return err
	}
	d.Variables = []dashboard.Variable{}
	for i := range nv {
		k := fmt.Sprintf("v%d-", i)
		v := dashboard.Variable{Name: strings.TrimSpace(f.Get(k + "name")), Label: strings.TrimSpace(f.Get(k + "label")),
			Metric: strings.TrimSpace(f.Get(k + "metric")), Default: f.Get(k + "default"), AllValue: f.Get(k + "all_value")}
		for _, s := range strings.Split(f.Get(k+"values"), ",") {
			if s = strings.TrimSpace(s); s != "" {
				v.Values = append(v.Values, s)
			}
		}
		if v.Name == "" && v.Label == "" && v.Metric == "" && len(v.Values) == 0 {
			continue
		}
		d.Variables = append(d.Variables, v)
	}
	np, err := count("panels", dashboard.MaxPanels)
	if err != nil {
		return err
	}
	d.Panels = []dashboard.Panel{}
	for i := range np {
		k := fmt.Sprintf("p%d-", i)
		pn := dashboard.Panel{Title: strings.TrimSpace(f.Get(k + "title")), Type: dashboard.PanelType(f.Get(k + "type")), Unit: strings.TrimSpace(f.Get(k + "unit"))}
		field := fmt.Sprintf("panels[%d].", len(d.Panels))
		if s := strings.TrimSpace(f.Get(k + "decimals")); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return refusedField(field+"decimals", "must be a whole number")
			}
			pn.Decimals = &n
		}
		for _, step := range strings.Split(f.Get(k+"thresholds"), ",") {
			if step = strings.TrimSpace(step); step == "" {
				continue
			}
			val, color, _ := strings.Cut(step, ":")
			x, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil {
				return refusedField(field+"thresholds", fmt.Sprintf("must be steps such as \"80:orange, 95:red\", not %q", step))
			}
			pn.Thresholds = append(pn.Thresholds, dashboard.Threshold{Value: x, Color: strings.TrimSpace(color)})
		}
		for key, dst := range map[string]*int{"x": &pn.Grid.X, "y": &pn.Grid.Y, "w": &pn.Grid.W, "h": &pn.Grid.H} {
			n, err := strconv.Atoi(strings.TrimSpace(f.Get(k + key)))
			if err != nil {
				return refusedField(field+"grid."+key, "must be a whole number")
			}
			*dst = n
		}
		if pn.Grid.W >= 1 && pn.Grid.W <= 24 {
			pn.Grid.X = min(pn.Grid.X, 24-pn.Grid.W) // a wider panel moves left rather than leave the grid
		}
		nq, err := count(k+"queries", dashboard.MaxQueries+1)
		if err != nil {
			return err
		}
		for j := range nq {
			q := dashboard.Query{Query: strings.TrimSpace(f.Get(fmt.Sprintf("%sq%d-query", k, j))), Legend: f.Get(fmt.Sprintf("%sq%d-legend", k, j))}
			if q.Query != "" || q.Legend != "" || j == 0 {
				pn.Queries = append(pn.Queries, q)
			}
		}
		d.Panels = append(d.Panels, pn)
	}
	return nil
}
