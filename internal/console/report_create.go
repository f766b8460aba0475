package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
)

// createReport makes a report draft for the period typed in the reports
// list (whole days in the tenant's zone, the end inclusive, as the API's
// dates), of one service or the whole tenant, and opens it.
func (c *Console) createReport(w http.ResponseWriter, r *http.Request, p *page) error {
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
	t.Normalize()
	service := strings.TrimSpace(r.PostFormValue("service"))
	from, to, err := report.ParsePeriod(r.PostFormValue("from"), r.PostFormValue("to"), t.TimeZone)
	if err == nil {
		ctx := audited(r, p, t.ID, "create", "report", "", map[string]any{"from": from, "to": to, "service": service})
		var st *report.Stored
		if st, err = c.opts.ReportDesk.CreateServiceDraft(ctx, t.ID, service, from, to, p.P.Name); err == nil {
			http.Redirect(w, r, "/tenants/"+t.ID+"/reports/"+strconv.FormatInt(st.ID, 10), http.StatusSeeOther)
			return nil
		}
	}
	msg := refused(p, deskError(err))
	if msg == "" {
		return err
	}
	p.Error = msg
	return c.renderReportList(w, r, p, http.StatusBadRequest)
}
