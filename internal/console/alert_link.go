package console

import (
	"net/http"
	"strconv"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
)

// alertIncident is the alert page's link to its incident, or the open
// incidents an operator may link it to.
type alertIncident struct {
	Linked *incident.Incident
	Open   []*incident.Incident
}

// incidentOfAlert fills the alert page's incident block: the linked one, or
// for staff who may write, the tenant's open incidents to choose from.
func (c *Console) incidentOfAlert(r *http.Request, p *page, tenant string, alertID int64) (*alertIncident, error) {
	if c.opts.IncidentDesk == nil {
		return nil, nil
	}
	ai := &alertIncident{}
	var err error
	if ai.Linked, err = c.opts.IncidentDesk.AlertIncident(r.Context(), tenant, strconv.FormatInt(alertID, 10)); err != nil || ai.Linked != nil {
		return ai, err
	}
	if staff(p) && p.P.Can(model.ScopeWrite) {
		ai.Open, err = c.opts.IncidentDesk.Incidents(r.Context(), tenant, incident.Filter{Open: true, Limit: incidentListLimit})
	}
	return ai, err
}

// linkAlertToIncident links the alert of the path to the incident chosen
// in the form; both pages then show the link.
func (c *Console) linkAlertToIncident(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if !staff(p) {
		return errForbidden
	}
	if err := require(p, model.ScopeWrite); err != nil {
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
	incID, perr := strconv.ParseInt(r.PostFormValue("incident"), 10, 64)
	if perr != nil || incID <= 0 {
		err = refusedField("incident", "choose an open incident")
	} else {
		status := "firing"
		if a.ResolvedAt != nil {
			status = "resolved"
		}
		ctx := audited(r, p, t.ID, "link_alert", "incident", strconv.FormatInt(incID, 10), map[string]string{"alert": strconv.FormatInt(id, 10)})
		_, err = c.opts.IncidentDesk.LinkAlert(ctx, t.ID, incID, p.P.Name, incident.AlertEvent{
			AlertID: strconv.FormatInt(a.ID, 10), Fingerprint: a.Fingerprint, ResourceID: a.ResourceID, ResourceName: a.Resource,
			ServiceID: a.ServiceID, ItemID: a.ItemID, Severity: string(a.Severity), Title: alertTitle(a.Title.In(t.Language), a.Fingerprint), Titles: a.Title,
			Status: status, At: a.StartedAt,
		})
	}
	if err != nil {
		if msg := refused(p, deskError(err)); msg != "" {
			p.Error = msg
			return c.renderAlert(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/alerts/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// alertTitle is the title an incident lists the alert under: the tenant's
// words, its fingerprint when it has none.
func alertTitle(title, fingerprint string) string {
	if title == "" {
		return fingerprint
	}
	return title
}
