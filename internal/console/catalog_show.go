package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
)

// catalogRows is how many field rows the add form offers; an item with
// more fields is made through the API.
const catalogRows = 5

// catalogData is a tenant's service catalog (サービスカタログ).
type catalogData struct {
	Tenant   *model.Tenant
	Items    []*incident.CatalogItem
	Services []*model.Service
	Types    []incident.FieldType
	Rows     []int
	CanEdit  bool
}

func (c *Console) showCatalog(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderCatalog(w, r, p, http.StatusOK)
}

func (c *Console) renderCatalog(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	d := &catalogData{Tenant: t, CanEdit: staff(p) && p.P.Can(model.ScopeWrite),
		Types: []incident.FieldType{incident.FieldString, incident.FieldText, incident.FieldNumber, incident.FieldBoolean, incident.FieldDate, incident.FieldChoice}}
	for i := range catalogRows {
		d.Rows = append(d.Rows, i)
	}
	if d.Items, err = c.opts.Requests.CatalogItems(r.Context(), t.ID); err != nil {
		return err
	}
	if d.Services, err = c.opts.Store.Services(r.Context(), t.ID); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("cat.title", t.Name), d
	c.render(w, status, "catalog", p)
	return nil
}

// createCatalogItem adds an item from the form: its fields are the rows
// whose name is filled in.
func (c *Console) createCatalogItem(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if !staff(p) {
		return errForbidden
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	item := &incident.CatalogItem{TenantID: t.ID, Name: strings.TrimSpace(r.PostFormValue("name")), Description: r.PostFormValue("description"),
		ApprovalRequired: r.PostFormValue("approval_required") == "on", Fields: []incident.FieldSpec{}}
	if s := r.PostFormValue("service_id"); s != "" {
		item.ServiceID, _ = strconv.ParseInt(s, 10, 64)
	}
	for i := range catalogRows {
		f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k + strconv.Itoa(i))) }
		if f("field_name") == "" {
			continue
		}
		spec := incident.FieldSpec{Name: f("field_name"), Label: f("field_label"), Type: incident.FieldType(f("field_type")),
			Required: f("field_required") == "on"}
		for _, ch := range strings.Split(f("field_choices"), ",") {
			if ch = strings.TrimSpace(ch); ch != "" {
				spec.Choices = append(spec.Choices, ch)
			}
		}
		item.Fields = append(item.Fields, spec)
	}
	if err := c.opts.Requests.CreateCatalogItem(audited(r, p, t.ID, "create", "catalog_item", "", nil), item); err != nil {
		msg := refused(p, err)
		if msg == "" {
			return err
		}
		p.Error = msg
		return c.renderCatalog(w, r, p, http.StatusBadRequest)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/catalog", http.StatusSeeOther)
	return nil
}
