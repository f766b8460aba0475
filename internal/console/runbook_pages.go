package console

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/runbook"
)

// Runbooks and checklists are the MSP's working documents: like the
// runbooks on the incident page, a customer viewer does not see them.

// runbooksData is the runbooks a tenant's staff may read: its own and the
// global ones (which are edited through the API only).
type runbooksData struct {
	Tenant  *model.Tenant
	List    []*runbook.Runbook
	Book    *runbook.Runbook
	HTML    template.HTML // Book rendered by runbook.Render: goldmark without raw HTML
	CanEdit bool
}

// staffTenant is the path's tenant for the MSP's staff; write also asks
// for the right to change things.
func (c *Console) staffTenant(r *http.Request, p *page, write bool) (*model.Tenant, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, err
	}
	if !staff(p) {
		return nil, errForbidden
	}
	if write {
		if err := require(p, model.ScopeWrite); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (c *Console) listRunbooks(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderRunbooks(w, r, p, http.StatusOK)
}

func (c *Console) renderRunbooks(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.staffTenant(r, p, false)
	if err != nil {
		return err
	}
	d := &runbooksData{Tenant: t, CanEdit: p.P.Can(model.ScopeWrite)}
	if d.List, err = c.opts.Books.List(r.Context(), t.ID); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("rb.title", t.Name), d
	c.render(w, status, "runbooks", p)
	return nil
}

func (c *Console) showRunbook(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.staffTenant(r, p, false)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	b, err := c.opts.Books.Get(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	return c.renderRunbook(w, p, t, b, http.StatusOK)
}

func (c *Console) renderRunbook(w http.ResponseWriter, p *page, t *model.Tenant, b *runbook.Runbook, status int) error {
	// The store renders with runbook.Render, which drops raw HTML and unsafe links.
	d := &runbooksData{Tenant: t, Book: b, HTML: p.L.pickSection(b.HTML), CanEdit: !b.Global && p.P.Can(model.ScopeWrite)}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.Pick(b.Title), d
	c.render(w, status, "runbook", p)
	return nil
}

// createRunbook adds a runbook of the tenant.
func (c *Console) createRunbook(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.staffTenant(r, p, true)
	if err != nil {
		return err
	}
	b := &runbook.Runbook{TenantID: t.ID, Title: strings.TrimSpace(r.PostFormValue("title")), Body: r.PostFormValue("body"), CreatedBy: p.P.Name}
	if err := c.opts.Books.Create(audited(r, p, t.ID, "create", "runbook", "", nil), b); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderRunbooks(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/runbooks/"+strconv.FormatInt(b.ID, 10), http.StatusSeeOther)
	return nil
}

// updateRunbook saves the edit form of a tenant's own runbook; a global
// one is not the tenant's to change (404, as the store finds no row).
func (c *Console) updateRunbook(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.staffTenant(r, p, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	b, err := c.opts.Books.Get(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	edited := &runbook.Runbook{ID: id, TenantID: t.ID, Title: strings.TrimSpace(r.PostFormValue("title")), Body: r.PostFormValue("body")}
	if err := c.opts.Books.Update(audited(r, p, t.ID, "update", "runbook", strconv.FormatInt(id, 10), nil), edited); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderRunbook(w, p, t, b, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/runbooks/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
