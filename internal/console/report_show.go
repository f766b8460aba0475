package console

import (
	"context"
	"net/http"
	"strconv"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/storage"
)

// reportData is one report: its period, findings and, for a draft, the
// operator's topics and comment to edit.
type reportData struct {
	Tenant  *model.Tenant
	R       *report.Stored
	Topics  []report.Topic // the operator's topics, and one empty row to add another
	CanEdit bool
	Base    string
}

func (c *Console) showReport(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderReport(w, r, p, http.StatusOK)
}

// report reads the report of the path that the user may see: a customer
// viewer is told a draft does not exist, as the API does.
func (c *Console) report(ctx context.Context, r *http.Request, p *page) (*model.Tenant, *report.Stored, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	st, err := c.opts.ReportDesk.Get(ctx, t.ID, id)
	if err != nil {
		return nil, nil, deskError(err)
	}
	if st.State != report.Published && !staff(p) {
		return nil, nil, storage.ErrNotFound
	}
	return t, st, nil
}

func (c *Console) renderReport(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, st, err := c.report(r.Context(), r, p)
	if err != nil {
		return err
	}
	d := &reportData{Tenant: t, R: st, CanEdit: staff(p) && p.P.Can(model.ScopeWrite) && st.State == report.Draft,
		Base: "/tenants/" + t.ID + "/reports/" + strconv.FormatInt(st.ID, 10)}
	if st.Content != nil {
		for _, tp := range st.Content.Topics {
			d.Topics = append(d.Topics, tp)
		}
	}
	d.Topics = append(d.Topics, report.Topic{})
	p.Active, p.Title, p.Data = "nav.reports", p.L.T("rep.one", t.Name, reportPeriod(st)), d
	c.render(w, status, "report", p)
	return nil
}

// reportPeriod is the report's period in the tenant's zone, as the report
// itself shows it (the store names its days there).
func reportPeriod(st *report.Stored) string { return st.PeriodText() }
