package console

import (
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/servicenow"
)

// incidentData is one incident with its timeline and the runbooks of its
// alerts' items.
type incidentData struct {
	Tenant   *model.Tenant
	I        *incident.Incident
	Timeline []incident.Entry
	Runbooks []RunbookRef
	// Staff sees work notes and may act; a customer viewer sees comments only.
	Staff  bool
	CanAct bool
	// Comment: a customer's requester may comment on its incident.
	Comment bool
	Holds   []incident.HoldReason
	Targets []incident.State // the states the incident may move to from here
	// CausedBy is the change linked as the incident's cause, nil for none.
	CausedBy *change.IncidentLink
	// ReopenUntil is when a resolved incident stops being reopenable, nil
	// when it cannot be reopened (any more).
	ReopenUntil *time.Time
	Vendor      *vendorBlock // nil: vendor cases not wired
	// ServiceNow is the record the incident is synced to, nil for none.
	ServiceNow *servicenow.Link
	// Clocks are the service level's three SLA clocks (incident_clocks.go).
	Clocks []clockCard
}

func (c *Console) showIncident(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderIncident(w, r, p, http.StatusOK)
}

// staff reports whether the user is the MSP's: only they see work notes.
func staff(p *page) bool { return p.P.Global() }

func (c *Console) renderIncident(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inc, err := c.opts.IncidentDesk.Incident(r.Context(), t.ID, id)
	if err != nil {
		return deskError(err)
	}
	d := &incidentData{Tenant: t, I: inc, Staff: staff(p), CanAct: staff(p) && p.P.Can(model.ScopeWrite),
		Comment: !staff(p) && p.P.Requests(t.ID),
		Holds:   []incident.HoldReason{incident.HoldAwaitingCaller, incident.HoldAwaitingChange, incident.HoldAwaitingProblem, incident.HoldAwaitingVendor}}
	if d.Timeline, err = c.opts.IncidentDesk.Timeline(r.Context(), t.ID, id, d.Staff); err != nil {
		return err
	}
	if d.Clocks, err = c.incidentClocks(r.Context(), inc); err != nil {
		return err
	}
	if d.Vendor, err = c.vendorBlock(r.Context(), p, inc, "/tenants/"+t.ID+"/incidents/"+strconv.FormatInt(id, 10)); err != nil {
		return err
	}
	if c.opts.Changes != nil {
		if d.CausedBy, err = c.opts.Changes.CauseOf(r.Context(), t.ID, id); err != nil {
			return err
		}
	}
	if inc.State == incident.StateResolved && inc.Kind == incident.KindIncident && inc.ResolvedAt != nil {
		if until := inc.ResolvedAt.Add(incident.ReopenWindow); c.now().Before(until) {
			d.ReopenUntil = &until
		}
	}
	d.ServiceNow = c.snowLink(r, t.ID, servicenow.KindIncident, id)
	for _, s := range []incident.State{incident.StateInProgress, incident.StateOnHold, incident.StateResolved} {
		if s != inc.State && inc.State.Open() {
			d.Targets = append(d.Targets, s)
		}
	}
	if c.opts.Runbooks != nil && d.Staff {
		var items []int64
		for _, a := range inc.Alerts {
			if a.ItemID != 0 {
				items = append(items, a.ItemID)
			}
		}
		if len(items) > 0 {
			refs, err := c.opts.Runbooks.Runbooks(r.Context(), t.ID, items)
			if err != nil {
				c.logger.Warn("console: runbooks", "tenant", t.ID, "incident", id, "err", err)
			}
			d.Runbooks = runbookRefs(refs)
		}
	}
	p.Active, p.Title, p.Data = "nav.incidents", inc.Number+" "+inc.Title(p.L.Lang), d
	c.render(w, status, "incident", p)
	return nil
}
