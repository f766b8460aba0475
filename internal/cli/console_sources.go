package cli

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/console"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/sla"
)

// The board's sources, adapted from the alert and incident stores. Both
// only read; they are separate Store values over the same database as the
// engine's and the desk's, which is safe for reads.

// boardAlerts counts firing alerts by severity.
type boardAlerts struct{ store *alert.Store }

// FiringBySeverity implements console.AlertCounter.
func (b boardAlerts) FiringBySeverity(ctx context.Context, tenant string) (map[string]int, error) {
	list, err := b.store.List(ctx, tenant, alert.Filter{States: []alert.State{alert.StateFiring}, Limit: 10000})
	if err != nil {
		return nil, err
	}
	m := map[string]int{}
	for _, a := range list {
		m[string(a.Severity)]++
	}
	return m, nil
}

// boardIncidents lists open incidents with their running SLA clocks.
type boardIncidents struct {
	store *incident.Store
	now   func() time.Time
}

// boardIncidentLimit bounds what one tile lists: the board is a glance, the
// incident list is the place for more.
const boardIncidentLimit = 5

// OpenIncidents implements console.IncidentLister.
func (b boardIncidents) OpenIncidents(ctx context.Context, tenant string) ([]console.OpenIncident, error) {
	list, err := b.store.Incidents(ctx, tenant, incident.Filter{Open: true, Limit: boardIncidentLimit})
	if err != nil {
		return nil, err
	}
	out := make([]console.OpenIncident, 0, len(list))
	for _, inc := range list {
		clocks, err := b.store.Clocks(ctx, inc, b.now())
		if err != nil {
			return nil, err
		}
		oi := console.OpenIncident{ID: inc.ID, Title: inc.Number + " " + inc.ShortDescription, Severity: inc.PriorityName, OpenedAt: inc.OpenedAt}
		for _, c := range clocks {
			if c.State == sla.StateMet {
				continue
			}
			sc := console.SLAClock{Name: string(c.Clock), Paused: c.State == sla.StatePaused, Breached: c.State == sla.StateBreached}
			if c.Deadline != nil {
				sc.Due = *c.Deadline
			}
			oi.Clocks = append(oi.Clocks, sc)
		}
		out = append(out, oi)
	}
	return out, nil
}

// boardAvailability is the report's availability of each service, for the board.
type boardAvailability struct{ gen *report.Generator }

func (b boardAvailability) Availability(ctx context.Context, tenant string, from, to time.Time) ([]console.ServiceAvailability, error) {
	list, err := b.gen.Availability(ctx, tenant, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]console.ServiceAvailability, len(list))
	for i, a := range list {
		out[i] = console.ServiceAvailability{Service: a.Service, Percent: a.Percent, Target: a.Target, Met: a.Met}
	}
	return out, nil
}
