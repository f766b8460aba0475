package console

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
)

// mayDeleteTenants is the API's rule for deleting a tenant: an MSP admin.
func (c *Console) mayDeleteTenants(p *page) error {
	if !p.P.Global() || c.opts.DeleteTenant == nil {
		return errForbidden
	}
	return require(p, model.ScopeAdmin)
}

// confirmTenantDelete asks before deleting a tenant, with the counts of
// what goes with it.
func (c *Console) confirmTenantDelete(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := c.mayDeleteTenants(p); err != nil {
		return err
	}
	return c.renderTenantDelete(w, r, p, t, http.StatusOK)
}

func (c *Console) renderTenantDelete(w http.ResponseWriter, r *http.Request, p *page, t *model.Tenant, status int) error {
	f, err := c.opts.Store.TenantFootprint(r.Context(), t.ID)
	if err != nil {
		return err
	}
	p.Active, p.Title = "nav.tenants", p.L.T("del.tenant_title", t.Name)
	return c.renderDeleteConfirm(w, p, &deleteConfirm{ID: "tenant", Lead: p.L.T("del.tenant_lead", t.Name, t.ID),
		Crumbs: []crumb{{t.Name, "/tenants/" + t.ID}}, Gone: tenantGone(p.L, f),
		Action: "/tenants/" + t.ID + "/delete", Back: "/tenants/" + t.ID + "/edit"}, status)
}

// deleteTenant deletes a tenant as DELETE /api/v1/tenants/{tenant} does;
// a refusal is shown on the confirmation page.
func (c *Console) deleteTenant(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := c.mayDeleteTenants(p); err != nil {
		return err
	}
	if err := c.opts.DeleteTenant(audited(r, p, "", "delete", "tenant", "", nil), t.ID); err != nil {
		status := refusal(err)
		if status == 0 {
			return err
		}
		p.Error = p.L.T("del.refused", err.Error())
		return c.renderTenantDelete(w, r, p, t, status)
	}
	return seeOther(w, r, "/board")
}
