package console

import (
	"context"
	"net/http"
	"sort"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
)

// incidentListLimit bounds the incidents read per tenant for one page.
const incidentListLimit = 200

// incidentListData is the open incidents, or all of them, with their clocks.
type incidentListData struct {
	Scope  *listScope
	All    bool
	Rows   []incidentRow
	Failed []string
	// Open is the form to open an incident by hand, nil for a customer viewer.
	Open *openForm
}

// incidentRow is one incident and the tenant it belongs to.
type incidentRow struct {
	Tenant *model.Tenant
	I      *incident.Incident
}

func (c *Console) listIncidents(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderIncidentList(w, r, p, http.StatusOK)
}

// renderIncidentList shows the list; the open form comes back here with
// p.Error set and its input kept when it was refused.
func (c *Console) renderIncidentList(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	sc, err := c.listScope(r, p, "incidents")
	if err != nil {
		return err
	}
	d := &incidentListData{Scope: sc, All: r.URL.Query().Get("view") == "all"}
	if err := c.fillOpenForm(r, p, d); err != nil {
		return err
	}
	f := incident.Filter{Open: !d.All, Limit: incidentListLimit}
	for _, t := range sc.Tenants {
		list, err := c.incidentsWithClocks(r.Context(), t.ID, f)
		if err != nil {
			c.logger.Warn("console: incidents", "tenant", t.ID, "err", err)
			d.Failed = append(d.Failed, t.ID)
			continue
		}
		for _, inc := range list {
			d.Rows = append(d.Rows, incidentRow{Tenant: t, I: inc})
		}
	}
	// The most urgent first: priority 1 before 5, then the oldest open.
	sort.SliceStable(d.Rows, func(i, j int) bool {
		a, b := d.Rows[i].I, d.Rows[j].I
		if a.State.Open() != b.State.Open() {
			return a.State.Open()
		}
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		return a.OpenedAt.Before(b.OpenedAt)
	})
	p.Active, p.Title, p.Data = "nav.incidents", p.L.T("inc.title"), d
	c.render(w, status, "incidents", p)
	return nil
}

// incidentsWithClocks lists tenant's incidents with their clocks, which the
// desk's list leaves out.
func (c *Console) incidentsWithClocks(ctx context.Context, tenant string, f incident.Filter) ([]*incident.Incident, error) {
	list, err := c.opts.IncidentDesk.Incidents(ctx, tenant, f)
	if err != nil {
		return nil, err
	}
	now := c.now()
	for _, inc := range list {
		if inc.Clocks, err = c.opts.IncidentDesk.Clocks(ctx, inc, now); err != nil {
			return nil, err
		}
	}
	return list, nil
}
