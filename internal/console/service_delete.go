package console

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
)

// confirmServiceDelete asks before deleting a service, naming what goes
// with it and what stays without a service.
func (c *Console) confirmServiceDelete(w http.ResponseWriter, r *http.Request, p *page) error {
	t, svc, err := c.serviceToDelete(r, p)
	if err != nil {
		return err
	}
	return c.renderServiceDelete(w, r, p, t, svc, http.StatusOK)
}

// serviceToDelete is the service of the path, for a user who may write.
func (c *Console) serviceToDelete(r *http.Request, p *page) (*model.Tenant, *model.Service, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, nil, err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return nil, nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	svc, err := c.opts.Store.Service(r.Context(), t.ID, id)
	return t, svc, err
}

func (c *Console) renderServiceDelete(w http.ResponseWriter, r *http.Request, p *page, t *model.Tenant, svc *model.Service, status int) error {
	f, err := c.opts.Store.ServiceFootprint(r.Context(), t.ID, svc.ID)
	if err != nil {
		return err
	}
	base := "/tenants/" + t.ID + "/services/" + idText(svc.ID)
	p.Active, p.Title = "nav.tenants", p.L.T("del.service_title", svc.Name)
	return c.renderDeleteConfirm(w, p, &deleteConfirm{ID: "service", Lead: p.L.T("del.service_lead", svc.Name, t.Name),
		Crumbs: []crumb{{t.Name, "/tenants/" + t.ID}, {svc.Name, base + "/edit"}}, Gone: serviceGone(p.L, f), Kept: serviceKept(p.L, f),
		Action: base + "/delete", Back: base + "/edit"}, status)
}

// deleteService deletes a service as DELETE /api/v1/tenants/{tenant}/services/{id} does.
func (c *Console) deleteService(w http.ResponseWriter, r *http.Request, p *page) error {
	t, svc, err := c.serviceToDelete(r, p)
	if err != nil {
		return err
	}
	if err := c.opts.Store.DeleteService(audited(r, p, t.ID, "delete", "service", idText(svc.ID), nil), t.ID, svc.ID); err != nil {
		status := refusal(err)
		if status == 0 {
			return err
		}
		p.Error = p.L.T("del.refused", err.Error())
		return c.renderServiceDelete(w, r, p, t, svc, status)
	}
	return seeOther(w, r, "/tenants/"+t.ID)
}
