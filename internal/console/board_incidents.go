package console

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/sla"
)

// boardIncidentLimit bounds what one tile lists: the board is a glance, the
// incident list is the place for more.
const boardIncidentLimit = 5

// deskIncidents is the board's IncidentLister over the incident desk: the
// open incidents with their clocks that still run.
type deskIncidents struct {
	desk IncidentDesk
	now  func() time.Time
}

// everyOpenDesk reads every tenant's open incidents with their clocks at
// once; *incident.Desk is one.
type everyOpenDesk interface {
	EveryTenantsOpen(ctx context.Context, limit int, now time.Time) (map[string][]*incident.Incident, error)
}

// OpenIncidents implements IncidentLister.
func (b deskIncidents) OpenIncidents(ctx context.Context, tenant string) ([]OpenIncident, error) {
	list, err := b.desk.Incidents(ctx, tenant, incident.Filter{Open: true, Limit: boardIncidentLimit})
	if err != nil {
		return nil, err
	}
	var out []OpenIncident // nil for none, as EveryTenantsOpenIncidents has it
	for _, inc := range list {
		clocks, err := b.desk.Clocks(ctx, inc, b.now())
		if err != nil {
			return nil, err
		}
		out = append(out, openIncident(inc, clocks))
	}
	return out, nil
}

// EveryTenantsOpenIncidents is OpenIncidents of every tenant, read at once
// when the desk can (the MSP's board); nil, nil when it cannot, and each
// row reads its own.
func (b deskIncidents) EveryTenantsOpenIncidents(ctx context.Context) (map[string][]OpenIncident, error) {
	ed, ok := b.desk.(everyOpenDesk)
	if !ok {
		return nil, nil
	}
	every, err := ed.EveryTenantsOpen(ctx, boardIncidentLimit, b.now())
	if err != nil {
		return nil, err
	}
	out := make(map[string][]OpenIncident, len(every))
	for tenant, list := range every {
		for _, inc := range list {
			out[tenant] = append(out[tenant], openIncident(inc, inc.Clocks))
		}
	}
	return out, nil
}

// openIncident is what the board shows of inc, with its clocks that still
// run.
func openIncident(inc *incident.Incident, clocks []incident.ClockStatus) OpenIncident {
	oi := OpenIncident{ID: inc.ID, Title: inc.Number + " " + inc.ShortDescription, Severity: inc.PriorityName, Priority: inc.Priority, OpenedAt: inc.OpenedAt}
	if ja, en := inc.Title("ja"), inc.Title("en"); ja != inc.ShortDescription || en != inc.ShortDescription {
		oi.Titles = alert.Text{Ja: inc.Number + " " + ja, En: inc.Number + " " + en}
	}
	for _, c := range clocks {
		if c.State == sla.StateMet {
			continue
		}
		sc := SLAClock{Name: string(c.Clock), Paused: c.State == sla.StatePaused, Breached: c.State == sla.StateBreached}
		if c.Deadline != nil {
			sc.Due = *c.Deadline
		}
		oi.Clocks = append(oi.Clocks, sc)
	}
	return oi
}
