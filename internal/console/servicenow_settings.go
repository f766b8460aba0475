package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/storage"
)

// snowData is a tenant's ServiceNow connection. Its secrets are write-only:
// the page says whether one is set, never what it is.
type snowData struct {
	Tenant *model.Tenant
	Config *servicenow.Config // nil: not configured
}

// snowSettings is the path's tenant for an admin, as the API asks.
func (c *Console) snowSettings(r *http.Request, p *page) (*model.Tenant, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, err
	}
	return t, require(p, model.ScopeAdmin)
}

func (c *Console) showServiceNow(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderServiceNow(w, r, p, http.StatusOK)
}

func (c *Console) renderServiceNow(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.snowSettings(r, p)
	if err != nil {
		return err
	}
	d := &snowData{Tenant: t}
	d.Config, err = c.opts.ServiceNow.Get(r.Context(), t.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("sn.title", t.Name), d
	c.render(w, status, "servicenow", p)
	return nil
}

// saveServiceNow sets the connection; an empty secret keeps the stored one
// (the store's rule, which also asks for it again when the URL changes).
// The form never shows a secret again, even after a refusal.
func (c *Console) saveServiceNow(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.snowSettings(r, p)
	if err != nil {
		return err
	}
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	enabled := r.PostFormValue("enabled") == "on"
	in := servicenow.ConfigInput{InstanceURL: f("instance_url"), Auth: servicenow.AuthKind(f("auth")), Username: f("username"),
		Password: r.PostFormValue("password"), ClientID: f("client_id"), ClientSecret: r.PostFormValue("client_secret"), Enabled: &enabled}
	if _, err := c.opts.ServiceNow.Put(audited(r, p, t.ID, "update", "servicenow_config", t.ID, nil), t.ID, in); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderServiceNow(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/settings/servicenow", http.StatusSeeOther)
	return nil
}
