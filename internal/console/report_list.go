package console

import (
	"net/http"
	"sort"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
)

// reportListData is the reports of the tenants in scope: drafts and
// published ones for the MSP, published ones only for a customer viewer.
type reportListData struct {
	Scope  *listScope
	Rows   []reportRow
	Failed []string
	// Create is the form to make a draft for any period, nil for a customer viewer.
	Create                 *openForm
	DefaultFrom, DefaultTo string
}

// reportRow is one report and the tenant it belongs to.
type reportRow struct {
	Tenant *model.Tenant
	R      *report.Stored
}

func (c *Console) listReports(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderReportList(w, r, p, http.StatusOK)
}

// renderReportList shows the list; the draft form comes back here with
// p.Error set and its input kept when it was refused.
func (c *Console) renderReportList(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	sc, err := c.listScope(r, p, "reports")
	if err != nil {
		return err
	}
	d := &reportListData{Scope: sc}
	if d.Create, err = c.newOpenForm(r, p, sc, sc.Base); err != nil {
		return err
	}
	if d.Create != nil {
		// The last full month in the user's zone: what is asked for most.
		first := time.Date(c.now().In(p.L.Loc).Year(), c.now().In(p.L.Loc).Month(), 1, 0, 0, 0, 0, p.L.Loc)
		d.DefaultFrom, d.DefaultTo = first.AddDate(0, -1, 0).Format(time.DateOnly), first.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	for _, t := range sc.Tenants {
		list, err := c.opts.ReportDesk.List(r.Context(), t.ID, !staff(p))
		if err != nil {
			c.logger.Warn("console: reports", "tenant", t.ID, "err", err)
			d.Failed = append(d.Failed, t.ID)
			continue
		}
		for _, st := range list {
			d.Rows = append(d.Rows, reportRow{Tenant: t, R: st})
		}
	}
	sort.SliceStable(d.Rows, func(i, j int) bool { return d.Rows[i].R.From.After(d.Rows[j].R.From) })
	p.Active, p.Title, p.Data = "nav.reports", p.L.T("rep.title"), d
	c.render(w, status, "reports", p)
	return nil
}
