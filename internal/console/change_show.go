package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/storage"
)

// changeData is one change with what the user may do to it.
type changeData struct {
	Tenant     *model.Tenant
	C          *change.Change
	Resources  map[int64]string // the tenant's resources by ID, to name the affected ones
	Staff      bool             // may write, submit and move
	IsCustomer bool             // decides as the customer
	Targets    []change.State   // the plain moves from here
	Form       changeForm       // the edit form of a draft
	ServiceNow *servicenow.Link // the record the change is synced to, nil for none
}

func (c *Console) showChange(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderChange(w, r, p, http.StatusOK)
}

func (c *Console) renderChange(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ch, err := c.opts.Changes.Get(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	d := &changeData{Tenant: t, C: ch, Staff: changeStaff(p), Resources: map[int64]string{},
		IsCustomer: p.P.Requests(t.ID)}
	res, err := c.opts.Store.Resources(r.Context(), t.ID, storage.ResourceFilter{})
	if err != nil {
		return err
	}
	for _, rs := range res {
		d.Resources[rs.ID] = rs.Name
	}
	for _, s := range change.States {
		if change.CanMove(ch.State, s) {
			d.Targets = append(d.Targets, s)
		}
	}
	d.ServiceNow = c.snowLink(r, t.ID, servicenow.KindChange, id)
	p.Active, p.Title, p.Data = "nav.changes", "CHG"+strconv.FormatInt(ch.ID, 10)+" "+ch.Title, d
	c.render(w, status, "change", p)
	return nil
}

// changeForm is the create form as typed, shown again when refused.
type changeForm struct {
	Type, Title, Description, Risk string
	CatalogItem, Selector          string
	Plan, Backout, Start, End      string
	Resources                      map[int64]bool
}

// changeFormData is the create page.
type changeFormData struct {
	Tenant    *model.Tenant
	Form      changeForm
	Resources []*model.Resource
	Types     []change.Type
	Risks     []change.Risk
}

func (c *Console) newChange(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderChangeForm(w, r, p, http.StatusOK, changeForm{Type: "normal", Risk: "low", Resources: map[int64]bool{}})
}

func (c *Console) renderChangeForm(w http.ResponseWriter, r *http.Request, p *page, status int, f changeForm) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if !changeStaff(p) {
		return errForbidden
	}
	d := &changeFormData{Tenant: t, Form: f, Types: []change.Type{change.TypeNormal, change.TypeStandard, change.TypeEmergency},
		Risks: []change.Risk{change.RiskLow, change.RiskMedium, change.RiskHigh}}
	if d.Resources, err = c.opts.Store.Resources(r.Context(), t.ID, storage.ResourceFilter{}); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.changes", p.L.T("chg.new"), d
	c.render(w, status, "change_form", p)
	return nil
}

// fields turns the form into the change's fields; times are in the user's zone.
func (f changeForm) fields(loc *time.Location) (change.Fields, error) {
	out := change.Fields{Type: change.Type(f.Type), Title: f.Title, Description: f.Description, Risk: change.Risk(f.Risk),
		Plan: f.Plan, Backout: f.Backout, Selector: map[string]string{}}
	if f.CatalogItem != "" {
		id, err := strconv.ParseInt(f.CatalogItem, 10, 64)
		if err != nil {
			return out, refusedField("catalog_item_id", "is not a number")
		}
		out.CatalogItemID = id
	}
	for id := range f.Resources {
		out.ResourceIDs = append(out.ResourceIDs, id)
	}
	for _, pair := range strings.Split(f.Selector, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return out, refusedField("selector", "write labels as name=value, separated by commas")
		}
		out.Selector[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	var err error
	if out.Start, err = time.ParseInLocation("2006-01-02T15:04", f.Start, loc); err != nil {
		return out, refusedField("start", "is not a date and time (YYYY-MM-DDTHH:MM)")
	}
	if out.End, err = time.ParseInLocation("2006-01-02T15:04", f.End, loc); err != nil {
		return out, refusedField("end", "is not a date and time (YYYY-MM-DDTHH:MM)")
	}
	return out, nil
}
