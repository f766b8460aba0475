package console

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// monitoringData is a tenant's templates, assignments and the assign form.
type monitoringData struct {
	Tenant      *model.Tenant
	Templates   []*monitoring.Template
	Assignments []*monitoring.Assignment
	Hosts       []*model.Resource
	HostNames   map[int64]string
	CanWrite    bool
}

func (c *Console) showMonitoring(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderMonitoring(w, r, p, http.StatusOK)
}

func (c *Console) renderMonitoring(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	if c.opts.Design == nil {
		return storage.ErrNotFound
	}
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	d := monitoringData{Tenant: t, CanWrite: p.P.Can(model.ScopeWrite), HostNames: map[int64]string{}}
	if d.Templates, err = c.opts.Design.Templates(r.Context(), t.ID); err != nil {
		return err
	}
	if d.Assignments, err = c.opts.Design.Assignments(r.Context(), t.ID); err != nil {
		return err
	}
	if d.Hosts, err = c.opts.Store.Resources(r.Context(), t.ID, storage.ResourceFilter{Kind: "host"}); err != nil {
		return err
	}
	all, err := c.opts.Store.Resources(r.Context(), t.ID, storage.ResourceFilter{})
	if err != nil {
		return err
	}
	for _, res := range all {
		d.HostNames[res.ID] = res.Name
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("mon.title")+" — "+t.Name, d
	c.render(w, status, "monitoring", p)
	return nil
}
