package console

import (
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// resourceData is one resource with its charts and monitoring items.
type resourceData struct {
	Tenant   *model.Tenant
	Resource *model.Resource
	Range    timeRange
	Ranges   []timeRange
	From, To time.Time
	Charts   []chartData // empty when Metrics is not wired
	Wired    bool
	Items    []monitoring.ResolvedItem
	CanWrite bool // operators may override an item for this host
	// Now is what fires on the host, its open incidents and recent events.
	Now *hostState
}

func (c *Console) showResource(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return storage.ErrNotFound
	}
	res, err := c.opts.Store.Resource(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	return c.renderResource(w, r, p, t, res, http.StatusOK)
}

// renderResource fills and renders the resource page with status.
func (c *Console) renderResource(w http.ResponseWriter, r *http.Request, p *page, t *model.Tenant, res *model.Resource, status int) error {
	tr, err := parseRange(r.URL.Query().Get("range"))
	if err != nil {
		return err
	}
	to := c.now()
	if zr, zto, ok, err := zoomRange(r.URL.Query(), to); err != nil {
		return err
	} else if ok {
		tr, to = zr, zto
	}
	d := resourceData{Tenant: t, Resource: res, Range: tr, Ranges: timeRanges, From: to.Add(-tr.Span), To: to, Wired: c.opts.Metrics != nil,
		CanWrite: p.P.Can(model.ScopeWrite)}
	if c.opts.Design != nil {
		if d.Items, err = c.opts.Design.EffectiveItems(r.Context(), t.ID, res.ID); err != nil {
			return err
		}
	}
	if d.Wired {
		if d.Charts, err = c.resourceCharts(r, p, t.ID, res.Name, tr, to, d.Items); err != nil {
			return err
		}
	}
	if d.Now, err = c.hostNow(r, t, res); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.tenants", res.Name, d
	c.render(w, status, "resource", p)
	return nil
}

func (c *Console) resourceCharts(r *http.Request, p *page, tenant, host string, tr timeRange, to time.Time, items []monitoring.ResolvedItem) ([]chartData, error) {
	step := tr.step()
	cpu, mem := hostQueries(host, 4*step)
	qs := []hostChart{{id: "cpu", key: "res.cpu", unit: "%", yMax: 100, query: cpu, watches: watchesOf["cpu"]},
		{id: "memory", key: "res.memory", unit: "%", yMax: 100, query: mem, watches: watchesOf["memory"]}}
	var charts []chartData
	for _, q := range append(qs, hostCharts(host, 4*step)...) {
		series, err := c.opts.Metrics.QueryRange(r.Context(), tenant, q.query, to.Add(-tr.Span), to, step)
		if err != nil {
			return nil, err
		}
		shortNames(series)
		title := p.L.T(q.key)
		charts = append(charts, chartData{
			ID: q.id, Title: title, Unit: q.unit, From: to.Add(-tr.Span), To: to, Loc: p.L.Loc, YMax: q.yMax,
			Desc:   p.L.T("res.chart_desc", title, p.L.Time(to.Add(-tr.Span)), p.L.Time(to)),
			NoData: p.L.T("res.no_data"), Series: series, Marks: chartMarks(items, q.watches),
		})
	}
	return charts, nil
}
