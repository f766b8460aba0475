package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
)

// formTenant is the tenant a form of a list page acts on: the path's, or
// on a cross-tenant list the form's "tenant" field, checked as a path is.
func (c *Console) formTenant(r *http.Request, p *page) (*model.Tenant, error) {
	if r.PathValue("tenant") == "" {
		if r.PostFormValue("tenant") == "" {
			return nil, refusedField("tenant", "is required: choose the customer")
		}
		r.SetPathValue("tenant", r.PostFormValue("tenant"))
	}
	return c.tenant(r, p)
}

// openForm is a list page's form to create a record for one of the
// tenants in scope: the choices, and the input of a refused attempt.
type openForm struct {
	Action   string
	Tenants  []*model.Tenant // the customers to choose from; one: no choice
	Services []serviceChoice
	Values   url.Values
}

// serviceChoice is one service a form offers, with its tenant.
type serviceChoice struct {
	Tenant *model.Tenant
	S      *model.Service
}

// V is the value a refused attempt typed into field, else def.
func (f *openForm) V(field, def string) string {
	if f.Values != nil {
		if v, ok := f.Values[field]; ok && len(v) > 0 {
			return v[0]
		}
	}
	return def
}

// newOpenForm offers the tenants of sc and their services to the MSP's
// staff who may write; nil for anyone else.
func (c *Console) newOpenForm(r *http.Request, p *page, sc *listScope, action string) (*openForm, error) {
	if !staff(p) || !p.P.Can(model.ScopeWrite) {
		return nil, nil
	}
	f := &openForm{Action: action, Tenants: sc.Tenants, Values: r.PostForm}
	for _, t := range sc.Tenants {
		svcs, err := c.opts.Store.Services(r.Context(), t.ID)
		if err != nil {
			return nil, err
		}
		for _, s := range svcs {
			f.Services = append(f.Services, serviceChoice{Tenant: t, S: s})
		}
	}
	return f, nil
}

func (c *Console) fillOpenForm(r *http.Request, p *page, d *incidentListData) (err error) {
	d.Open, err = c.newOpenForm(r, p, d.Scope, d.Scope.Base)
	return err
}

// openIncident opens an incident by hand from the incident list, as a
// service desk does for a fault a customer phones in.
func (c *Console) openIncident(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.formTenant(r, p)
	if err != nil {
		return err
	}
	if !staff(p) {
		return errForbidden
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	f, err := incidentForm(r)
	if err == nil {
		ctx := audited(r, p, t.ID, "open", "incident", "", nil)
		var inc *incident.Incident
		if inc, err = c.opts.IncidentDesk.Open(ctx, t.ID, p.P.Name, f); err == nil {
			http.Redirect(w, r, "/tenants/"+t.ID+"/incidents/"+strconv.FormatInt(inc.ID, 10), http.StatusSeeOther)
			return nil
		}
	}
	msg := refused(p, deskError(err))
	if msg == "" {
		return err
	}
	p.Error = msg
	return c.renderIncidentList(w, r, p, http.StatusBadRequest)
}

// incidentForm reads the open form: numbers that do not parse are refused
// naming their field, the rest the incident package validates.
func incidentForm(r *http.Request) (incident.Fields, error) {
	var f incident.Fields
	text := func(name string) *string {
		v := strings.TrimSpace(r.PostFormValue(name))
		return &v
	}
	f.ShortDescription, f.Description = text("short_description"), text("description")
	f.AssignmentGroup, f.Assignee = text("assignment_group"), text("assignee")
	for _, n := range []struct {
		name string
		dst  **int
	}{{"impact", &f.Impact}, {"urgency", &f.Urgency}} {
		v, err := strconv.Atoi(r.PostFormValue(n.name))
		if err != nil || v < 1 || v > 3 {
			return f, refusedField(n.name, "must be 1 (high), 2 (medium) or 3 (low)")
		}
		*n.dst = &v
	}
	if s := r.PostFormValue("service_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return f, refusedField("service_id", "is not a service of this customer")
		}
		f.ServiceID = &id
	}
	return f, nil
}

// assignIncident sets the incident's assignment group and assignee (either
// may be emptied), as ServiceNow's assignment fields.
func (c *Console) assignIncident(w http.ResponseWriter, r *http.Request, p *page) error {
	group, person := strings.TrimSpace(r.PostFormValue("assignment_group")), strings.TrimSpace(r.PostFormValue("assignee"))
	return c.actOnIncident(w, r, p, "assign", func(ctx context.Context, tenant string, id int64) error {
		_, err := c.opts.IncidentDesk.Update(ctx, tenant, id, p.P.Name, incident.Fields{AssignmentGroup: &group, Assignee: &person})
		return err
	})
}
