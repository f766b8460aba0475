package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/statuspage"
)

// statusData is a tenant's public status page settings, its notices and
// the open incidents staff may publish.
type statusData struct {
	Tenant    *model.Tenant
	Page      *statuspage.Page
	Notices   []*statuspage.Notice
	Incidents []*incident.Incident
}

// statusSettings is the path's tenant for MSP staff who may write: the
// page speaks for the MSP to the public.
func (c *Console) statusSettings(r *http.Request, p *page) (*model.Tenant, error) {
	t, err := c.tenant(r, p)
	if err != nil {
		return nil, err
	}
	if !staff(p) || !p.P.Can(model.ScopeWrite) {
		return nil, errForbidden
	}
	return t, nil
}

func (c *Console) showStatusSettings(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderStatusSettings(w, r, p, http.StatusOK)
}

func (c *Console) renderStatusSettings(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.statusSettings(r, p)
	if err != nil {
		return err
	}
	d := &statusData{Tenant: t}
	st := c.opts.StatusPages.Store()
	if d.Page, err = st.Page(r.Context(), t.ID); err != nil {
		return err
	}
	if d.Notices, err = st.Notices(r.Context(), t.ID, true); err != nil {
		return err
	}
	if c.opts.IncidentDesk != nil {
		if d.Incidents, err = c.opts.IncidentDesk.Incidents(r.Context(), t.ID, incident.Filter{Open: true, Limit: 200}); err != nil {
			return err
		}
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("stp.title", t.Name), d
	c.render(w, status, "status_settings", p)
	return nil
}

// saveStatusSettings enables or disables the page, its slug and title.
func (c *Console) saveStatusSettings(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.statusSettings(r, p)
	if err != nil {
		return err
	}
	in := statuspage.Page{Enabled: r.PostFormValue("enabled") == "on", Slug: strings.TrimSpace(r.PostFormValue("slug")), Title: r.PostFormValue("title")}
	_, err = c.opts.StatusPages.SavePage(audited(r, p, t.ID, "update", "status_page", t.ID, in), t.ID, in)
	return c.afterStatus(w, r, p, t, err)
}

// publishStatus publishes an open incident on the page, or adds an update.
func (c *Console) publishStatus(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.statusSettings(r, p)
	if err != nil {
		return err
	}
	id, perr := strconv.ParseInt(r.PostFormValue("incident_id"), 10, 64)
	if perr != nil || id <= 0 {
		return c.afterStatus(w, r, p, t, refusedField("incident_id", "choose an open incident"))
	}
	in := statuspage.Publication{Title: r.PostFormValue("title"), Body: r.PostFormValue("body")}
	// The text goes to the page, not into the audit log.
	_, err = c.opts.StatusPages.Publish(audited(r, p, t.ID, "publish", "status_notice", "", map[string]any{"incident_id": id}), t.ID, id, p.P.Name, in)
	return c.afterStatus(w, r, p, t, err)
}

func (c *Console) afterStatus(w http.ResponseWriter, r *http.Request, p *page, t *model.Tenant, err error) error {
	if err != nil {
		msg := refused(p, deskError(err))
		if msg == "" {
			return deskError(err)
		}
		p.Error = msg
		return c.renderStatusSettings(w, r, p, http.StatusBadRequest)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/settings/status-page", http.StatusSeeOther)
	return nil
}
