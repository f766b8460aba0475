package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// templateData is one template's page: its items, and its edit form when
// it is the tenant's own (global and built-in ones are read-only).
type templateData struct {
	Tenant   *model.Tenant
	Template *monitoring.Template
	CanEdit  bool
	Errs     fieldErrors
	Hosts    []*model.Resource
}

var templateFields = map[string]string{"name": "name", "title": "title.ja", "description": "description"}

func templateFrom(r *http.Request, t *model.Tenant) *monitoring.Template {
	return &monitoring.Template{TenantID: t.ID, Name: strings.TrimSpace(r.PostFormValue("name")), Description: r.PostFormValue("description"),
		Title: monitoring.Text{Ja: strings.TrimSpace(r.PostFormValue("title.ja")), En: strings.TrimSpace(r.PostFormValue("title.en"))}}
}

// createTemplate adds an empty template of the tenant and opens it, to add items.
func (c *Console) createTemplate(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.designWrite(r, p)
	if err != nil {
		return err
	}
	tpl := templateFrom(r, t)
	tpl.Items = []*monitoring.Item{}
	if err := c.opts.Design.CreateTemplate(audited(r, p, t.ID, "create", "monitoring_template", "", tpl), tpl); err != nil {
		if refuseFields(p, err, fieldErrors{}, templateFields, "name") {
			return c.renderMonitoring(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	return seeOther(w, r, fmt.Sprintf("/tenants/%s/monitoring/templates/%d", t.ID, tpl.ID))
}

func (c *Console) showTemplate(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	tpl, err := c.opts.Design.Template(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	return c.renderTemplate(w, p, &templateData{Tenant: t, Template: tpl, Errs: fieldErrors{}}, http.StatusOK)
}

func (c *Console) renderTemplate(w http.ResponseWriter, p *page, d *templateData, status int) error {
	d.CanEdit = p.P.Can(model.ScopeWrite) && d.Template.TenantID == d.Tenant.ID && d.Template.Builtin == ""
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("adm.template", d.Template.Name), d
	c.render(w, status, "template", p)
	return nil
}

// updateTemplate renames or retitles the tenant's own template.
func (c *Console) updateTemplate(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.designWrite(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	old, err := c.opts.Design.Template(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	tpl := templateFrom(r, t)
	tpl.ID = id
	if err := c.opts.Design.UpdateTemplate(audited(r, p, t.ID, "update", "monitoring_template", strconv.FormatInt(id, 10), tpl), tpl); err != nil {
		d := &templateData{Tenant: t, Template: old, Errs: fieldErrors{}}
		if refuseFields(p, err, d.Errs, templateFields, "name") {
			return c.renderTemplate(w, p, d, http.StatusBadRequest)
		}
		return err
	}
	return seeOther(w, r, fmt.Sprintf("/tenants/%s/monitoring/templates/%d", t.ID, id))
}
