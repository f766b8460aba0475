package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// itemForm is the item form: Values by field name as typed.
type itemForm struct {
	Tenant     *model.Tenant
	ID         int64
	Owner      string // "resource" or "template"
	OwnerID    int64
	OwnerName  string
	Back       string // the owner's page
	Values     map[string]string
	Disabled   bool
	Kinds      []monitoring.Kind
	KindForms  []itemKindForm
	Errs       fieldErrors
	Severities []monitoring.Severity
	Policies   []string
	// Set says which secrets the stored item holds (snmp.community...).
	Set map[string]bool
}

// V is the typed value of a field.
func (f *itemForm) V(name string) string { return f.Values[name] }

func (c *Console) newItemForm(t *model.Tenant) *itemForm {
	return &itemForm{Tenant: t, Values: map[string]string{"kind": "metric", "threshold.op": ">", "check.type": "tcp", "check.from": "agent",
		"snmp.version": "2c", "incident_policy": string(monitoring.PolicyNew)}, Kinds: monitoring.Kinds, KindForms: itemKindForms,
		Errs: fieldErrors{}, Set: map[string]bool{},
		Severities: []monitoring.Severity{monitoring.SeverityCritical, monitoring.SeverityWarning, monitoring.SeverityInfo},
		Policies:   []string{string(monitoring.PolicyNew), string(monitoring.PolicyAttach), string(monitoring.PolicyNone)}}
}

// owner finds what the item belongs to, in the tenant: 404 for another's.
func (c *Console) itemOwner(r *http.Request, f *itemForm, resourceID, templateID int64) error {
	switch {
	case resourceID > 0:
		res, err := c.opts.Store.Resource(r.Context(), f.Tenant.ID, resourceID)
		if err != nil {
			return err
		}
		f.Owner, f.OwnerID, f.OwnerName, f.Back = "resource", res.ID, res.Name, fmt.Sprintf("/tenants/%s/resources/%d", f.Tenant.ID, res.ID)
	case templateID > 0:
		tpl, err := c.opts.Design.Template(r.Context(), f.Tenant.ID, templateID)
		if err != nil {
			return err
		}
		if tpl.TenantID != f.Tenant.ID {
			return invalid.New("template_id", "is a global template, which is read-only: copy it first")
		}
		f.Owner, f.OwnerID, f.OwnerName, f.Back = "template", tpl.ID, tpl.Name, fmt.Sprintf("/tenants/%s/monitoring/templates/%d", f.Tenant.ID, tpl.ID)
	default:
		return invalid.New("resource_id", "name the resource or the template the item belongs to")
	}
	return nil
}

func (c *Console) newItem(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.designWrite(r, p)
	if err != nil {
		return err
	}
	f := c.newItemForm(t)
	res, _ := strconv.ParseInt(r.URL.Query().Get("resource_id"), 10, 64)
	tpl, _ := strconv.ParseInt(r.URL.Query().Get("template_id"), 10, 64)
	if err := c.itemOwner(r, f, res, tpl); err != nil {
		return err
	}
	return c.renderItemForm(w, p, f, http.StatusOK)
}

func (c *Console) editItem(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.designWrite(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	it, err := c.opts.Design.Item(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	f := c.newItemForm(t)
	if err := c.itemOwner(r, f, it.ResourceID, it.TemplateID); err != nil {
		return err
	}
	f.fill(it)
	return c.renderItemForm(w, p, f, http.StatusOK)
}

// designWrite is the tenant of a monitoring design page that writes.
func (c *Console) designWrite(r *http.Request, p *page) (*model.Tenant, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, err
	}
	return t, require(p, model.ScopeWrite)
}

func (c *Console) renderItemForm(w http.ResponseWriter, p *page, f *itemForm, status int) error {
	p.Active, p.Title = "nav.tenants", p.L.T("adm.item_new", f.OwnerName)
	if f.ID != 0 {
		p.Title = p.L.T("adm.item_edit", f.V("name"))
	}
	p.Data = f
	c.render(w, status, "item_form", p)
	return nil
}

// saveItem creates (no {id}) or updates an item through the monitoring
// store, whose validation is the API's.
func (c *Console) saveItem(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.designWrite(r, p)
	if err != nil {
		return err
	}
	f := c.newItemForm(t)
	it := &monitoring.Item{TenantID: t.ID}
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if it, err = c.opts.Design.Item(r.Context(), t.ID, id); err != nil {
			return err
		}
		f.noteSecrets(it)
		err = c.itemOwner(r, f, it.ResourceID, it.TemplateID)
		f.ID = id
		if err != nil {
			return err
		}
	} else {
		res, _ := strconv.ParseInt(r.PostFormValue("resource_id"), 10, 64)
		tpl, _ := strconv.ParseInt(r.PostFormValue("template_id"), 10, 64)
		if err := c.itemOwner(r, f, res, tpl); err != nil {
			return err
		}
		if f.Owner == "resource" {
			it.ResourceID = f.OwnerID
		} else {
			it.TemplateID = f.OwnerID
		}
	}
	f.read(r)
	f.Disabled = r.PostFormValue("disabled") != ""
	err = f.apply(it)
	if err == nil {
		if f.ID == 0 {
			err = c.opts.Design.CreateItem(audited(r, p, t.ID, "create", "monitoring_item", "", it), it)
		} else {
			err = c.opts.Design.UpdateItem(audited(r, p, t.ID, "update", "monitoring_item", strconv.FormatInt(it.ID, 10), it), it)
		}
	}
	if err != nil {
		if refuseFields(p, err, f.Errs, itemErrFields, "name") {
			return c.renderItemForm(w, p, f, http.StatusBadRequest)
		}
		return err
	}
	return seeOther(w, r, f.Back)
}
