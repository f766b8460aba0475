package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/improvement"
	"github.com/unyo-ops/unyo/internal/model"
)

// improvementData is a tenant's improvement register page, or one item's
// page: the items, the one shown, and the form as typed.
type improvementData struct {
	Tenant     *model.Tenant
	Items      []*improvement.Item
	Item       *improvement.Item
	Next       []improvement.Status // where the item shown may move
	Categories []string
	CanWrite   bool
	Form       improvementForm
}

// improvementForm is the register's form as typed; evidence is one
// reference a line, "kind:ref" or "kind:ref text".
type improvementForm struct {
	Title, Category, Evidence, Proposal, Effect, Owner, Due string
}

func formOf(r *http.Request) improvementForm {
	return improvementForm{Title: r.PostFormValue("title"), Category: r.PostFormValue("category"), Evidence: r.PostFormValue("evidence"),
		Proposal: r.PostFormValue("proposal"), Effect: r.PostFormValue("expected_effect"), Owner: r.PostFormValue("owner"), Due: r.PostFormValue("due")}
}

func formFrom(it *improvement.Item) improvementForm {
	var ev []string
	for _, e := range it.Evidence {
		line := e.Kind + ":" + e.Ref
		if e.Text != "" {
			line += " " + e.Text
		}
		ev = append(ev, line)
	}
	return improvementForm{Title: it.Title, Category: it.Category, Evidence: strings.Join(ev, "\n"), Proposal: it.Proposal,
		Effect: it.Effect, Owner: it.Owner, Due: it.Due}
}

// onto copies the form onto it; the store checks each field.
func (f improvementForm) onto(it *improvement.Item) {
	it.Title, it.Category, it.Proposal, it.Effect, it.Owner, it.Due = f.Title, f.Category, f.Proposal, f.Effect, f.Owner, f.Due
	it.Evidence = []improvement.Evidence{}
	for _, line := range strings.Split(f.Evidence, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		kind, rest, _ := strings.Cut(line, ":")
		ref, text, _ := strings.Cut(strings.TrimSpace(rest), " ")
		it.Evidence = append(it.Evidence, improvement.Evidence{Kind: strings.TrimSpace(kind), Ref: ref, Text: strings.TrimSpace(text)})
	}
}

func (c *Console) listImprovements(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderImprovements(w, r, p, http.StatusOK, improvementForm{Category: "operations"})
}

func (c *Console) renderImprovements(w http.ResponseWriter, r *http.Request, p *page, status int, form improvementForm) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	f := improvement.Filter{OpenOnly: r.URL.Query().Get("all") == ""}
	items, err := c.opts.Improvements.List(r.Context(), t.ID, f)
	if err != nil {
		return err
	}
	d := &improvementData{Tenant: t, Items: items, Categories: improvement.Categories, CanWrite: p.P.Can(model.ScopeWrite), Form: form}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("imp.title", t.Name), d
	c.render(w, status, "improvements", p)
	return nil
}

func (c *Console) createImprovement(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	f := formOf(r)
	it := &improvement.Item{Tenant: t.ID, CreatedBy: p.P.Name}
	f.onto(it)
	if err := c.opts.Improvements.Create(audited(r, p, t.ID, "create", "improvement", "", f), it); err != nil {
		if p.Error = refused(p, err); p.Error == "" {
			return err
		}
		return c.renderImprovements(w, r, p, http.StatusBadRequest, f)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/improvements/"+strconv.FormatInt(it.ID, 10), http.StatusSeeOther)
	return nil
}

func (c *Console) showImprovement(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderImprovement(w, r, p, http.StatusOK, nil)
}

func (c *Console) renderImprovement(w http.ResponseWriter, r *http.Request, p *page, status int, form *improvementForm) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	it, err := c.opts.Improvements.Get(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	d := &improvementData{Tenant: t, Item: it, Next: improvement.Next(it.Status), Categories: improvement.Categories,
		CanWrite: p.P.Can(model.ScopeWrite), Form: formFrom(it)}
	if form != nil {
		d.Form = *form
	}
	p.Active, p.Title, p.Data = "nav.tenants", it.Title, d
	c.render(w, status, "improvement", p)
	return nil
}

func (c *Console) updateImprovement(w http.ResponseWriter, r *http.Request, p *page) error {
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
	it, err := c.opts.Improvements.Get(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	f := formOf(r)
	f.onto(it)
	if err := c.opts.Improvements.Update(audited(r, p, t.ID, "update", "improvement", strconv.FormatInt(id, 10), f), it); err != nil {
		if p.Error = refused(p, err); p.Error == "" {
			return err
		}
		return c.renderImprovement(w, r, p, http.StatusBadRequest, &f)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/improvements/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (c *Console) moveImprovement(w http.ResponseWriter, r *http.Request, p *page) error {
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
	to, note := improvement.Status(r.PostFormValue("status")), r.PostFormValue("note")
	_, err = c.opts.Improvements.Move(audited(r, p, t.ID, "status", "improvement", strconv.FormatInt(id, 10), map[string]string{"status": string(to)}),
		t.ID, id, to, p.P.Name, note)
	if err != nil {
		if p.Error = refused(p, err); p.Error == "" {
			return err
		}
		return c.renderImprovement(w, r, p, http.StatusBadRequest, nil)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/improvements/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// automationData is a tenant's automation candidates page.
type automationData struct {
	Tenant     *model.Tenant
	From, To   string // YYYY-MM
	Months     []string
	Candidates []improvement.Candidate
}

func (c *Console) showAutomation(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	first, last, err := improvement.MonthsOf(q.Get("from"), q.Get("to"), c.now().In(p.L.Loc))
	if err != nil {
		return err
	}
	list, err := c.opts.Improvements.Candidates(r.Context(), t.ID, first, last)
	if err != nil {
		return err
	}
	d := &automationData{Tenant: t, From: first.Format("2006-01"), To: last.Format("2006-01"), Candidates: list}
	for m := first; !m.After(last); m = m.AddDate(0, 1, 0) {
		d.Months = append(d.Months, m.Format("2006-01"))
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("auto.title", t.Name), d
	c.render(w, http.StatusOK, "automation", p)
	return nil
}
