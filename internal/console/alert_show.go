package console

import (
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/problem"
)

// alertData is one alert with its events and the runbooks of its item.
type alertData struct {
	Tenant   *model.Tenant
	A        *alert.Alert
	Runbooks []RunbookRef
	// KnownErrors are those of the open problems matching the alert's item or host.
	KnownErrors []incident.KnownError
	CanAct      bool
	Default     string // the silence form's default "until"
	// Incident is the incident the alert is linked to, or those it may be linked to.
	Incident *alertIncident
}

func (c *Console) showAlert(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderAlert(w, r, p, http.StatusOK)
}

// renderAlert shows the alert of the path; the actions come back here with
// p.Error set when the input was refused.
func (c *Console) renderAlert(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := c.opts.AlertDesk.Alert(r.Context(), t.ID, id)
	if err != nil {
		return deskError(err)
	}
	d := &alertData{Tenant: t, A: a, CanAct: p.P.Can(model.ScopeWrite) && a.State != alert.StateResolved,
		Default: c.now().Add(time.Hour).In(p.L.Loc).Format("2006-01-02T15:04")}
	if c.opts.Runbooks != nil && a.ItemID != 0 {
		refs, err := c.opts.Runbooks.Runbooks(r.Context(), t.ID, []int64{a.ItemID})
		if err != nil {
			c.logger.Warn("console: runbooks", "tenant", t.ID, "item", a.ItemID, "err", err)
		}
		d.Runbooks = runbookRefs(refs)
	}
	if c.opts.Problems != nil {
		var sub problem.Subject
		if a.ItemID != 0 {
			sub.Items = []int64{a.ItemID}
		}
		if a.ResourceID != 0 {
			sub.Hosts = []int64{a.ResourceID}
		}
		if d.KnownErrors, err = c.opts.Problems.KnownErrors(r.Context(), t.ID, sub); err != nil {
			return err
		}
	}
	if d.Incident, err = c.incidentOfAlert(r, p, t.ID, a.ID); err != nil {
		return err
	}
	if len(d.Runbooks) == 0 && a.RunbookURL != "" {
		d.Runbooks = []RunbookRef{{ItemID: a.ItemID, URL: a.RunbookURL}}
	}
	p.Active, p.Title, p.Data = "nav.alerts", a.Title.In(p.L.Lang), d
	if p.Title == "" {
		p.Title = a.Fingerprint
	}
	c.render(w, status, "alert", p)
	return nil
}
