package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/runbook"
	"github.com/unyo-ops/unyo/internal/storage"
)

// checklistsData is a tenant's daily checklists (日次点検), or one day's run of one.
type checklistsData struct {
	Tenant     *model.Tenant
	List       []*runbook.Checklist
	Checklist  *runbook.Checklist
	Day        *runbook.Day
	Prev, Next string
	CanEdit    bool
}

func (c *Console) listChecklists(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderChecklists(w, r, p, http.StatusOK)
}

func (c *Console) renderChecklists(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.staffTenant(r, p, false)
	if err != nil {
		return err
	}
	d := &checklistsData{Tenant: t, CanEdit: p.P.Can(model.ScopeWrite)}
	if d.List, err = c.opts.Books.Checklists(r.Context(), t.ID); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("cl.title", t.Name), d
	c.render(w, status, "checklists", p)
	return nil
}

// checklistForm reads the name and the items, one a line, blank lines skipped.
func checklistForm(r *http.Request, cl *runbook.Checklist) {
	cl.Name, cl.Items = strings.TrimSpace(r.PostFormValue("name")), nil
	for _, line := range strings.Split(r.PostFormValue("items"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			cl.Items = append(cl.Items, line)
		}
	}
}

// createChecklist adds a checklist: one item a line.
func (c *Console) createChecklist(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.staffTenant(r, p, true)
	if err != nil {
		return err
	}
	cl := &runbook.Checklist{TenantID: t.ID}
	checklistForm(r, cl)
	if err := c.opts.Books.CreateChecklist(audited(r, p, t.ID, "create", "checklist", "", nil), cl); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderChecklists(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/checklists/"+strconv.FormatInt(cl.ID, 10), http.StatusSeeOther)
	return nil
}

// updateChecklist saves the edit form of the day page; a day's marks stay
// with the item position they were made for, as the store keeps them.
func (c *Console) updateChecklist(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.staffTenant(r, p, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := c.opts.Books.Checklist(r.Context(), t.ID, id); err != nil {
		return err
	}
	cl := &runbook.Checklist{ID: id, TenantID: t.ID}
	checklistForm(r, cl)
	if err := c.opts.Books.UpdateChecklist(audited(r, p, t.ID, "update", "checklist", strconv.FormatInt(id, 10), nil), cl); err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderChecklist(w, r, p, "", http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/checklists/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// today is the date in the tenant's zone: a checklist's day is the
// tenant's working day, whoever ticks it off.
func today(t *model.Tenant, now time.Time) string {
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return now.In(loc).Format(time.DateOnly)
}

// showChecklist is one day's run (?date=, today by default) with a form per open item.
func (c *Console) showChecklist(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderChecklist(w, r, p, r.URL.Query().Get("date"), http.StatusOK)
}

func (c *Console) renderChecklist(w http.ResponseWriter, r *http.Request, p *page, date string, status int) error {
	t, err := c.staffTenant(r, p, false)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if date == "" {
		date = today(t, c.now())
	}
	if date, err = runbook.ParseDay(date); err != nil {
		return err
	}
	d := &checklistsData{Tenant: t, CanEdit: p.P.Can(model.ScopeWrite)}
	if d.Checklist, err = c.opts.Books.Checklist(r.Context(), t.ID, id); err != nil {
		return err
	}
	if d.Day, err = c.opts.Books.Day(r.Context(), t.ID, id, date); err != nil {
		return err
	}
	day, _ := time.Parse(time.DateOnly, date)
	d.Prev, d.Next = day.AddDate(0, 0, -1).Format(time.DateOnly), day.AddDate(0, 0, 1).Format(time.DateOnly)
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("cl.day_title", d.Checklist.Name, date), d
	c.render(w, status, "checklist", p)
	return nil
}

// completeChecklistItem ticks one item off for the day; the second tick
// of an item is refused, so the first record stays.
func (c *Console) completeChecklistItem(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.staffTenant(r, p, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	date, err := runbook.ParseDay(r.PathValue("date"))
	if err != nil {
		return err
	}
	if _, err := c.opts.Books.Checklist(r.Context(), t.ID, id); err != nil {
		return err // another tenant's checklist is missing, whatever the form
	}
	item, err := strconv.Atoi(r.PathValue("item"))
	if err != nil {
		return refusedField("item", "must be the item's number")
	}
	_, err = c.opts.Books.Complete(audited(r, p, t.ID, "complete", "checklist", strconv.FormatInt(id, 10), map[string]any{"date": date, "item": item}),
		t.ID, id, date, item, p.P.Name, r.PostFormValue("note"))
	if errors.Is(err, storage.ErrConflict) {
		err = refusedField("item", "was already done that day")
	}
	if err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderChecklist(w, r, p, date, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/checklists/"+strconv.FormatInt(id, 10)+"?date="+date, http.StatusSeeOther)
	return nil
}
