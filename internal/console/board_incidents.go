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

// OpenIncidents implements IncidentLister.
func (b deskIncidents) OpenIncidents(ctx context.Context, tenant string) ([]OpenIncident, error) {
	list, err := b.desk.Incidents(ctx, tenant, incident.Filter{Open: true, Limit: boardIncidentLimit})
	if err != nil {
		return nil, err
	}
	out := make([]OpenIncident, 0, len(list))
	for _, inc := range list {
		clocks, err := b.desk.Clocks(ctx, inc, b.now())
		if err != nil {
			return nil, err
		}
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
		out = append(out, oi)
	}
	return out, nil
}
