package blueprint

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/dashboard"
)

// Dashboard is a dashboard of the tenant, keyed by its title: panels of
// PromQL queries on the 24-column grid, and the variables they use.
type Dashboard struct {
	Title       string               `json:"title"`
	Description string               `json:"description,omitempty"`
	TimeRange   string               `json:"time_range,omitempty"` // 1h, 6h (the default), 24h, 7d, 30d
	Refresh     string               `json:"refresh,omitempty"`    // "" (off), 30s, 1m, 5m, 15m
	Variables   []dashboard.Variable `json:"variables,omitempty"`
	Panels      []dashboard.Panel    `json:"panels,omitempty"`
}

// dashboards are the tenant's dashboards (internal/dashboard).
type dashboards struct{}

func (dashboards) name() string { return KindDashboard }

func (dashboards) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Dashboards.List(ctx, tenant)
	if err != nil {
		return err
	}
	for _, m := range list {
		st.put(KindDashboard, m.Title, &object{id: m.ID, design: dashboardOf(m)})
	}
	return nil
}

func (dashboards) want(d *Design, tenant string, _ *ids, add adder) error {
	for _, v := range d.Dashboards {
		m := v.model(tenant, "")
		m.Normalize()
		add(v.Title, dashboardOf(m), v)
	}
	return nil
}

func (dashboards) validate(l *loader, d *Design, _ *ids, u *unique) {
	for i, v := range d.Dashboards {
		at := fmt.Sprintf("dashboards[%d]", i)
		u.add("dashboards", at, "title", v.Title)
		m := v.model(d.Tenant, "")
		m.Normalize()
		l.check(at, m.Validate())
	}
}

func (dashboards) write(ctx context.Context, w *writer, v any, id int64) error {
	m := v.(Dashboard).model(w.tenant, w.actor)
	if id == 0 {
		return w.s.stores.Dashboards.Create(ctx, m)
	}
	m.ID = id
	return w.s.stores.Dashboards.Update(ctx, m)
}

func (dashboards) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Dashboards.Delete(ctx, tenant, id)
}

func (dashboards) export(d *Design, v any) {
	d.Dashboards = append(d.Dashboards, v.(Dashboard))
}

func (v Dashboard) model(tenant, actor string) *dashboard.Dashboard {
	return &dashboard.Dashboard{Tenant: tenant, Title: v.Title, Description: v.Description, TimeRange: v.TimeRange,
		Refresh: v.Refresh, Variables: v.Variables, Panels: v.Panels, CreatedBy: actor}
}

// dashboardOf is a stored dashboard in the design's terms: empty lists
// left out, a Grafana import's skipped parts not (they are no design).
func dashboardOf(m *dashboard.Dashboard) Dashboard {
	v := Dashboard{Title: m.Title, Description: m.Description, TimeRange: m.TimeRange, Refresh: m.Refresh}
	if len(m.Variables) > 0 {
		v.Variables = m.Variables
	}
	for _, p := range m.Panels {
		if len(p.Thresholds) == 0 {
			p.Thresholds = nil
		}
		v.Panels = append(v.Panels, p)
	}
	return v
}
