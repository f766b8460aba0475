package servicenow

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/incident"
)

type link struct {
	incidentID int64
	tenant     string
	sysID      string
	state      string
}

// Pull reads back the state of every linked record that is not closed or
// canceled and applies a change made in ServiceNow to the unyo incident. An
// incident with changes still queued is left alone until they are delivered,
// so a pull never undoes what unyo is sending. It returns the changes applied.
func (s *Sync) Pull(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT l.incident_id, l.tenant_id, l.sys_id, l.state FROM servicenow_links l
		WHERE l.state NOT IN ('7','8') AND NOT EXISTS (SELECT 1 FROM servicenow_outbox o WHERE o.incident_id=l.incident_id AND o.done_at IS NULL)
		ORDER BY l.incident_id LIMIT 1000`)
	if err != nil {
		return 0, fmt.Errorf("servicenow: unable to list links: %w", err)
	}
	var links []link
	for rows.Next() {
		var l link
		if err := rows.Scan(&l.incidentID, &l.tenant, &l.sysID, &l.state); err != nil {
			rows.Close()
			return 0, fmt.Errorf("servicenow: unable to list links: %w", err)
		}
		links = append(links, l)
	}
	rows.Close()
	cl := &clients{s: s, got: map[string]*Client{}}
	applied := 0
	for _, l := range links {
		c := cl.of(ctx, l.tenant)
		if c == nil {
			continue
		}
		rec, err := c.Get(ctx, l.sysID)
		if err != nil {
			s.logger.Warn("servicenow: cannot read the record back", "tenant", l.tenant, "incident", l.incidentID, "err", err)
			continue
		}
		if rec["state"] == l.state {
			continue
		}
		if err := s.apply(ctx, l, rec); err != nil {
			s.logger.Warn("servicenow: state not applied", "tenant", l.tenant, "incident", l.incidentID, "state", rec["state"], "err", err)
		} else {
			applied++
		}
		// Remember the state either way: a change unyo refuses is not retried every minute.
		if _, err := s.db.ExecContext(ctx, `UPDATE servicenow_links SET state=?, pulled_at=? WHERE incident_id=?`,
			rec["state"], s.now().UnixMilli(), l.incidentID); err != nil {
			return applied, fmt.Errorf("servicenow: unable to update link: %w", err)
		}
	}
	return applied, nil
}

// apply moves the unyo incident to the record's state, through Resolved when
// ServiceNow closed an incident unyo has not resolved.
func (s *Sync) apply(ctx context.Context, l link, rec Record) error {
	want, ok := stateOf(rec["state"])
	if !ok {
		return fmt.Errorf("servicenow: unknown state %q", rec["state"])
	}
	inc, err := s.incidents.Incident(ctx, l.tenant, l.incidentID)
	if err != nil {
		return err
	}
	if inc.State == want {
		return nil
	}
	resolve := incident.StateChange{State: incident.StateResolved, CloseCode: rec["close_code"], CloseNotes: rec["close_notes"]}
	if resolve.CloseCode == "" {
		resolve.CloseCode = "Closed in ServiceNow"
	}
	if resolve.CloseNotes == "" {
		resolve.CloseNotes = "Closed in ServiceNow " + rec["number"]
	}
	var steps []incident.StateChange
	switch want {
	case incident.StateOnHold:
		steps = []incident.StateChange{{State: want, HoldReason: holdOf(rec["hold_reason"])}}
	case incident.StateResolved:
		steps = []incident.StateChange{resolve}
	case incident.StateClosed:
		if inc.State != incident.StateResolved {
			steps = append(steps, resolve)
		}
		steps = append(steps, incident.StateChange{State: want})
	default:
		steps = []incident.StateChange{{State: want}}
	}
	for _, sc := range steps {
		if _, err := s.incidents.Transition(ctx, l.tenant, l.incidentID, incident.ActorServiceNow, sc); err != nil {
			return err
		}
	}
	return nil
}
