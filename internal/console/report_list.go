package console

import (
	"net/http"
	"sort"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
)

// reportListData is the reports of the tenants in scope: drafts and
// published ones for the MSP, published ones only for a customer viewer.
type reportListData struct {
	Scope  *listScope
	Rows   []reportRow
	Failed []string
}

// reportRow is one report and the tenant it belongs to.
type reportRow struct {
	Tenant *model.Tenant
	R      *report.Stored
}

func (c *Console) listReports(w http.ResponseWriter, r *http.Request, p *page) error {
	sc, err := c.listScope(r, p, "reports")
	if err != nil {
		return err
	}
	d := &reportListData{Scope: sc}
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
	c.render(w, http.StatusOK, "reports", p)
	return nil
}
