package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/workreport"
)

// formTime is how a datetime-local input sends a time, in the user's zone.
const formTime = "2006-01-02T15:04"

// workReportsData is a month of a tenant's work reports (対応報告).
type workReportsData struct {
	Tenant     *model.Tenant
	Month      string // YYYY-MM in the user's zone
	Prev, Next string
	List       []*workreport.Report
	Total      time.Duration
	Results    []workreport.Result
	CanEdit    bool
	Edit       *workreport.Report // the report being edited, on its own page
}

func (c *Console) listWorkReports(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderWorkReports(w, r, p, http.StatusOK)
}

func (c *Console) renderWorkReports(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	start := time.Date(c.now().In(p.L.Loc).Year(), c.now().In(p.L.Loc).Month(), 1, 0, 0, 0, 0, p.L.Loc)
	if m := r.URL.Query().Get("month"); m != "" {
		if start, err = time.ParseInLocation("2006-01", m, p.L.Loc); err != nil {
			return refusedField("month", "must be a month such as 2026-04")
		}
	}
	end := start.AddDate(0, 1, 0)
	d := &workReportsData{Tenant: t, Month: start.Format("2006-01"), Prev: start.AddDate(0, -1, 0).Format("2006-01"),
		Next: end.Format("2006-01"), Results: workResults, CanEdit: staff(p) && p.P.Can(model.ScopeWrite)}
	if d.List, err = c.opts.WorkReports.List(r.Context(), t.ID, workreport.Filter{From: start, To: end}); err != nil {
		return err
	}
	for _, wr := range d.List {
		d.Total += wr.Duration()
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("wr.title", t.Name), d
	c.render(w, status, "workreports", p)
	return nil
}

var workResults = []workreport.Result{workreport.ResultDone, workreport.ResultPartial, workreport.ResultFailed}

// workReportForm reads the form of a new or edited report; times are in
// the user's zone.
func workReportForm(r *http.Request, p *page, wr *workreport.Report) error {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	wr.Subject, wr.Detail, wr.Worker, wr.Result, wr.PlanRef = f("subject"), r.PostFormValue("detail"), f("worker"),
		workreport.Result(f("result")), f("plan_ref")
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"started_at", &wr.StartedAt}, {"ended_at", &wr.EndedAt}} {
		v, err := time.ParseInLocation(formTime, f(t.name), p.L.Loc)
		if err != nil {
			return refusedField(t.name, "must be a date and time such as 2026-04-01T09:30")
		}
		*t.dst = v.UTC()
	}
	wr.IncidentID = 0
	if s := f("incident_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return refusedField("incident_id", "must be a positive ID")
		}
		wr.IncidentID = id
	}
	return nil
}

// createWorkReport records a piece of work from the list page's form.
func (c *Console) createWorkReport(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.workReportWriter(r, p)
	if err != nil {
		return err
	}
	wr := &workreport.Report{TenantID: t.ID, CreatedBy: p.P.Name}
	if err = workReportForm(r, p, wr); err == nil {
		err = c.opts.WorkReports.Create(audited(r, p, t.ID, "create", "work_report", "", nil), wr)
	}
	if err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderWorkReports(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/work-reports?month="+wr.StartedAt.In(p.L.Loc).Format("2006-01"), http.StatusSeeOther)
	return nil
}

func (c *Console) workReportWriter(r *http.Request, p *page) (*model.Tenant, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, err
	}
	if !staff(p) {
		return nil, errForbidden
	}
	return t, require(p, model.ScopeWrite)
}

// showWorkReport is one report, with its edit form for the MSP's staff.
func (c *Console) showWorkReport(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	wr, err := c.opts.WorkReports.Get(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	return c.renderWorkReport(w, p, t, wr, http.StatusOK)
}

func (c *Console) renderWorkReport(w http.ResponseWriter, p *page, t *model.Tenant, wr *workreport.Report, status int) error {
	p.Active, p.Title = "nav.tenants", wr.Subject
	p.Data = &workReportsData{Tenant: t, Edit: wr, Results: workResults, CanEdit: staff(p) && p.P.Can(model.ScopeWrite)}
	c.render(w, status, "workreport", p)
	return nil
}

// updateWorkReport saves the edit form; a refusal shows the stored report again.
func (c *Console) updateWorkReport(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.workReportWriter(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	wr, err := c.opts.WorkReports.Get(r.Context(), t.ID, id)
	if err != nil {
		return err
	}
	edited := *wr
	if err = workReportForm(r, p, &edited); err == nil {
		err = c.opts.WorkReports.Update(audited(r, p, t.ID, "update", "work_report", strconv.FormatInt(id, 10), nil), &edited)
	}
	if err != nil {
		if msg := refused(p, err); msg != "" {
			p.Error = msg
			return c.renderWorkReport(w, p, t, wr, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/work-reports/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
