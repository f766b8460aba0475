package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// resourceForm is the resource form as typed; labels are "key=value" lines.
type resourceForm struct {
	Tenant    *model.Tenant
	ID        int64
	Name      string
	Kind      string
	ServiceID int64
	Labels    string
	Kinds     []string
	Services  []*model.Service
	Items     []*monitoring.Item // the resource's own items, to edit
	Errs      fieldErrors
}

var resourceFields = map[string]string{"name": "name", "kind": "kind", "service_id": "service_id", "labels": "labels"}

func (c *Console) resourceFormOf(r *http.Request, t *model.Tenant, res *model.Resource) (*resourceForm, error) {
	svcs, err := c.opts.Store.Services(r.Context(), t.ID)
	if err != nil {
		return nil, err
	}
	f := &resourceForm{Tenant: t, Kind: "host", Kinds: model.ResourceKinds, Services: svcs, Errs: fieldErrors{}}
	if res != nil {
		f.ID, f.Name, f.Kind = res.ID, res.Name, res.Kind
		if res.ServiceID != nil {
			f.ServiceID = *res.ServiceID
		}
		var ls []string
		for k, v := range res.Labels {
			ls = append(ls, k+"="+v)
		}
		slices.Sort(ls)
		f.Labels = strings.Join(ls, "\n")
	}
	return f, nil
}

// resource is the model the form describes, or the field that does not parse.
func (f *resourceForm) resource() (*model.Resource, error) {
	res := &model.Resource{ID: f.ID, TenantID: f.Tenant.ID, Name: strings.TrimSpace(f.Name), Kind: f.Kind, Labels: map[string]string{}}
	if f.ServiceID > 0 {
		res.ServiceID = &f.ServiceID
	}
	for i, l := range lines(f.Labels) {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return nil, invalid.New(fmt.Sprintf("labels[%d]", i), "must read like os=linux, not %q", l)
		}
		res.Labels[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return res, res.Validate()
}

func (c *Console) newResource(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	f, err := c.resourceFormOf(r, t, nil)
	if err != nil {
		return err
	}
	// The register button of an unregistered host names it.
	if n := r.URL.Query().Get("name"); n != "" {
		f.Name = n
	}
	return c.renderResourceForm(w, p, f, http.StatusOK)
}

func (c *Console) editResource(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	res, err := c.opts.Store.Resource(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	f, err := c.resourceFormOf(r, t, res)
	if err != nil {
		return err
	}
	if c.opts.Design != nil {
		if f.Items, err = c.opts.Design.Items(r.Context(), t.ID, monitoring.ItemFilter{ResourceID: res.ID}); err != nil {
			return err
		}
	}
	return c.renderResourceForm(w, p, f, http.StatusOK)
}

func (c *Console) renderResourceForm(w http.ResponseWriter, p *page, f *resourceForm, status int) error {
	p.Active, p.Title = "nav.tenants", p.L.T("adm.resource_new")
	if f.ID != 0 {
		p.Title = p.L.T("adm.resource_edit", f.Name)
	}
	p.Data = f
	c.render(w, status, "resource_form", p)
	return nil
}

// saveResource creates (no {id}) or updates a resource as the API does.
func (c *Console) saveResource(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	var old *model.Resource
	if r.PathValue("id") != "" {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if old, err = c.opts.Store.Resource(r.Context(), t.ID, id); err != nil {
			return err
		}
	}
	f, err := c.resourceFormOf(r, t, old)
	if err != nil {
		return err
	}
	f.Name, f.Kind, f.Labels = r.PostFormValue("name"), r.PostFormValue("kind"), r.PostFormValue("labels")
	f.ServiceID = 0
	if s := r.PostFormValue("service_id"); s != "" {
		if f.ServiceID, err = strconv.ParseInt(s, 10, 64); err != nil {
			err = invalid.New("service_id", "must be one of the tenant's services")
		}
	}
	var res *model.Resource
	if err == nil {
		res, err = f.resource()
	}
	if err == nil {
		if old == nil {
			err = c.opts.Store.CreateResource(audited(r, p, t.ID, "create", "resource", "", res), res)
		} else {
			err = c.opts.Store.UpdateResource(audited(r, p, t.ID, "update", "resource", strconv.FormatInt(res.ID, 10), res), res)
		}
	}
	if err != nil {
		if refuseFields(p, err, f.Errs, resourceFields, "name") {
			return c.renderResourceForm(w, p, f, http.StatusBadRequest)
		}
		return err
	}
	return seeOther(w, r, fmt.Sprintf("/tenants/%s/resources/%d", t.ID, res.ID))
}

// deleteResource retires a resource: its items and assignments go with it,
// its series stay in the TSDB until retention drops them.
func (c *Console) deleteResource(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := c.opts.Store.DeleteResource(audited(r, p, t.ID, "delete", "resource", strconv.FormatInt(id, 10), nil), t.ID, id); err != nil {
		return err
	}
	return seeOther(w, r, "/tenants/"+t.ID)
}
