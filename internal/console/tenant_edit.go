package console

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
)

// tenantForm is the tenant form, new or an edit, as typed.
type tenantForm struct {
	Tenant model.Tenant
	New    bool
	Errs   fieldErrors
	Setup  bool // reached from the first setup, which it returns to
	// MayDelete offers the deletion (an MSP admin, on an edit).
	MayDelete bool
}

// tenantFields are the form fields of model.Tenant's validation.
var tenantFields = map[string]string{"id": "id", "name": "name", "language": "language", "time_zone": "time_zone"}

// mayEditTenants is the API's rule for tenants: MSP staff who may write.
func mayEditTenants(p *page) error {
	if !p.P.Global() {
		return errForbidden
	}
	return require(p, model.ScopeWrite)
}

func (c *Console) newTenant(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := mayEditTenants(p); err != nil {
		return err
	}
	f := &tenantForm{Tenant: model.Tenant{Language: p.User.Language}, New: true, Errs: fieldErrors{}, Setup: r.URL.Query().Get("setup") != ""}
	f.Tenant.Normalize()
	return c.renderTenantForm(w, p, f, http.StatusOK)
}

func (c *Console) renderTenantForm(w http.ResponseWriter, p *page, f *tenantForm, status int) error {
	p.Active, p.Title = "nav.tenants", p.L.T("adm.tenant_new")
	if !f.New {
		p.Title = p.L.T("adm.tenant_edit", f.Tenant.Name)
	}
	p.Data = f
	c.render(w, status, "tenant_form", p)
	return nil
}

// createTenant adds a tenant as POST /api/v1/tenants does.
func (c *Console) createTenant(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := mayEditTenants(p); err != nil {
		return err
	}
	f := &tenantForm{New: true, Errs: fieldErrors{}, Setup: r.PostFormValue("setup") != "", Tenant: model.Tenant{
		ID: r.PostFormValue("id"), Name: r.PostFormValue("name"), Language: r.PostFormValue("language"), TimeZone: r.PostFormValue("time_zone")}}
	t := f.Tenant
	t.Normalize()
	err := t.Validate()
	if err == nil {
		err = c.opts.Store.CreateTenant(audited(r, p, t.ID, "create", "tenant", "", t), &t)
	}
	if err != nil {
		if refuseFields(p, err, f.Errs, tenantFields, "id") {
			return c.renderTenantForm(w, p, f, http.StatusBadRequest)
		}
		return err
	}
	if f.Setup {
		return seeOther(w, r, "/setup?tenant="+t.ID)
	}
	return seeOther(w, r, "/tenants/"+t.ID)
}

func (c *Console) editTenant(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := mayEditTenants(p); err != nil {
		return err
	}
	return c.renderTenantForm(w, p, &tenantForm{Tenant: *t, Errs: fieldErrors{}, MayDelete: c.mayDeleteTenants(p) == nil}, http.StatusOK)
}

// updateTenant changes a tenant's name, language and time zone; its ID
// (the slug in every path and token) stays.
func (c *Console) updateTenant(w http.ResponseWriter, r *http.Request, p *page) error {
	old, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := mayEditTenants(p); err != nil {
		return err
	}
	f := &tenantForm{Errs: fieldErrors{}, Tenant: model.Tenant{
		ID: old.ID, Name: r.PostFormValue("name"), Language: r.PostFormValue("language"), TimeZone: r.PostFormValue("time_zone")}}
	t := f.Tenant
	t.Normalize()
	err = t.Validate()
	if err == nil {
		err = c.opts.Store.UpdateTenant(audited(r, p, t.ID, "update", "tenant", "", t), &t)
	}
	if err != nil {
		if refuseFields(p, err, f.Errs, tenantFields, "name") {
			return c.renderTenantForm(w, p, f, http.StatusBadRequest)
		}
		return err
	}
	return seeOther(w, r, "/tenants/"+t.ID)
}
