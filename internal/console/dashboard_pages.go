package console

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/model"
)

// registerDashboards adds the dashboard pages when dashboards are wired.
// The import and the editor send whole dashboards, larger than other forms.
func (c *Console) registerDashboards(mux *http.ServeMux, page func(string, pageHandler)) {
	if c.opts.Dashboards == nil {
		return
	}
	large := func(pattern string, h pageHandler) {
		mux.Handle(pattern, c.authenticatedUpTo(h, dashboard.MaxImportBytes+64<<10))
	}
	page("GET /tenants/{tenant}/dashboards", c.listDashboards)
	page("POST /tenants/{tenant}/dashboards", c.createDashboard)
	large("POST /tenants/{tenant}/dashboards/import", c.importDashboard)
	page("GET /tenants/{tenant}/dashboards/{id}", c.showDashboard)
	page("GET /tenants/{tenant}/dashboards/{id}/edit", c.editDashboard)
	large("POST /tenants/{tenant}/dashboards/{id}/edit", c.saveDashboard)
	page("POST /tenants/{tenant}/dashboards/{id}/delete", c.deleteDashboard)
}

// dashboardsData is a tenant's list of dashboards with the forms to make one.
type dashboardsData struct {
	Tenant     *model.Tenant
	Dashboards []*dashboard.Dashboard
	CanWrite   bool
	Title      string // the new dashboard's, as typed
	JSON       string // the import's, as pasted
}

func (c *Console) listDashboards(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderDashboards(w, r, p, http.StatusOK, dashboardsData{})
}

func (c *Console) renderDashboards(w http.ResponseWriter, r *http.Request, p *page, status int, d dashboardsData) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if d.Dashboards, err = c.opts.Dashboards.List(r.Context(), t.ID); err != nil {
		return err
	}
	d.Tenant, d.CanWrite = t, p.P.Can(model.ScopeWrite)
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("dash.list_title", t.Name), d
	c.render(w, status, "dashboards", p)
	return nil
}

func (c *Console) createDashboard(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	d := &dashboard.Dashboard{Tenant: t.ID, Title: strings.TrimSpace(r.PostFormValue("title")), Description: r.PostFormValue("description"),
		TimeRange: r.PostFormValue("time_range"), CreatedBy: p.P.Name}
	if err := c.opts.Dashboards.Create(audited(r, p, t.ID, "create", "dashboard", "", map[string]string{"title": d.Title}), d); err != nil {
		if p.Error = refused(p, err); p.Error == "" {
			return err
		}
		return c.renderDashboards(w, r, p, http.StatusBadRequest, dashboardsData{Title: d.Title})
	}
	http.Redirect(w, r, dashboardPath(t.ID, d.ID)+"/edit", http.StatusSeeOther)
	return nil
}

// importDashboard takes a Grafana dashboard's JSON, uploaded as a file or
// pasted, and opens the new dashboard with what was skipped listed.
func (c *Console) importDashboard(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	data := []byte(r.PostFormValue("json"))
	if f, _, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, dashboard.MaxImportBytes+1)); err != nil {
			return err
		}
	} else if !errors.Is(err, http.ErrMissingFile) && !errors.Is(err, http.ErrNotMultipart) {
		return err
	}
	if strings.TrimSpace(string(data)) == "" {
		p.Error = refused(p, refusedField("json", p.L.T("dash.import_empty")))
		return c.renderDashboards(w, r, p, http.StatusBadRequest, dashboardsData{})
	}
	d, err := dashboard.FromGrafana(data)
	if err == nil {
		d.Tenant, d.CreatedBy = t.ID, p.P.Name
		err = c.opts.Dashboards.Create(audited(r, p, t.ID, "import", "dashboard", "",
			map[string]any{"title": d.Title, "panels": len(d.Panels), "skipped": len(d.Skipped)}), d)
	}
	if err != nil {
		if p.Error = refused(p, err); p.Error == "" {
			return err
		}
		pasted := ""
		if len(data) <= 64<<10 {
			pasted = string(data)
		}
		return c.renderDashboards(w, r, p, http.StatusBadRequest, dashboardsData{JSON: pasted})
	}
	http.Redirect(w, r, dashboardPath(t.ID, d.ID)+"?imported=1", http.StatusSeeOther)
	return nil
}

func (c *Console) deleteDashboard(w http.ResponseWriter, r *http.Request, p *page) error {
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
	if err := c.opts.Dashboards.Delete(audited(r, p, t.ID, "delete", "dashboard", strconv.FormatInt(id, 10), nil), t.ID, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/dashboards", http.StatusSeeOther)
	return nil
}

func dashboardPath(tenant string, id int64) string {
	return "/tenants/" + tenant + "/dashboards/" + strconv.FormatInt(id, 10)
}
