package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/sla"
)

// everyChunk bounds the IDs of one query (the drivers' limits on
// parameters are far above it).
const everyChunk = 500

// EveryTenantsOpen is, for every tenant, what Incidents with Filter{Open:
// true, Limit: limit} lists (the newest limit open incidents, newest
// first), each with Clocks as Clocks gives them at now; their ResourceIDs
// are not read. Three queries in all, not two and two more an incident a
// tenant: for the MSP's views of every customer (the console's board) only,
// never for one tenant's caller; no API endpoint reaches it.
func (s *Desk) EveryTenantsOpen(ctx context.Context, limit int, now time.Time) (map[string][]*Incident, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+incidentColumns+` FROM (SELECT *, ROW_NUMBER() OVER
		(PARTITION BY tenant_id ORDER BY opened_at DESC, id DESC) AS tenant_row FROM incidents
		WHERE kind=? AND state IN ('new','in_progress','on_hold')) incidents
		WHERE tenant_row<=? ORDER BY tenant_id, opened_at DESC, id DESC`, KindIncident, limit)
	if err != nil {
		return nil, fmt.Errorf("incident: unable to list every tenant's open incidents: %w", err)
	}
	defer rows.Close()
	out := map[string][]*Incident{}
	var list []*Incident
	for rows.Next() {
		inc, err := scanIncident(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("incident: unable to list every tenant's open incidents: %w", err)
		}
		out[inc.TenantID] = append(out[inc.TenantID], inc)
		list = append(list, inc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("incident: unable to list every tenant's open incidents: %w", err)
	}
	rows.Close()
	return out, s.clocksOf(ctx, list, now)
}

// clocksOf fills the Clocks of list at now, as Clocks does one incident:
// the services' levels and the clocks' events read for all at once.
func (s *Desk) clocksOf(ctx context.Context, list []*Incident, now time.Time) error {
	var services, ids []int64
	for _, inc := range list {
		ids = append(ids, inc.ID)
		if inc.ServiceID != 0 {
			services = append(services, inc.ServiceID)
		}
	}
	levels, err := s.levelsOf(ctx, services)
	if err != nil {
		return err
	}
	events, err := s.clockEventsOf(ctx, ids)
	if err != nil {
		return err
	}
	for _, inc := range list {
		// A service of another tenant is not the incident's (level reads
		// the service in the incident's tenant): no targets.
		var level model.ServiceLevel
		if l, ok := levels[inc.ServiceID]; ok && l.tenant == inc.TenantID {
			level = l.level
		}
		clocks, err := events[inc.ID].clocks(level)
		if err != nil {
			s.logger.Error("incident clock does not replay", "incident", inc.ID, "err", err)
		}
		inc.Clocks = statuses(clocks, now)
	}
	return nil
}

// tenantLevel is a service's level and the tenant it belongs to.
type tenantLevel struct {
	tenant string
	level  model.ServiceLevel
}

// levelsOf reads the levels of services by ID.
func (s *Desk) levelsOf(ctx context.Context, services []int64) (map[int64]tenantLevel, error) {
	out := map[int64]tenantLevel{}
	err := inChunks(services, func(marks string, args []any) error {
		rows, err := s.db.QueryContext(ctx, `SELECT id, tenant_id, service_level FROM services WHERE id IN (`+marks+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var tl tenantLevel
			var raw string
			if err := rows.Scan(&id, &tl.tenant, &raw); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(raw), &tl.level); err != nil {
				return fmt.Errorf("service %d has a corrupt service level: %w", id, err)
			}
			out[id] = tl
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("incident: unable to read services' levels: %w", err)
	}
	return out, nil
}

// clockEventsOf reads the stored events of the clocks of incidents by ID,
// each incident's in order, as loadClockEvents reads one.
func (s *Desk) clockEventsOf(ctx context.Context, ids []int64) (map[int64]clockEvents, error) {
	out := map[int64]clockEvents{}
	err := inChunks(ids, func(marks string, args []any) error {
		rows, err := s.db.QueryContext(ctx, `SELECT incident_id, clock, kind, at FROM incident_clock_events
			WHERE incident_id IN (`+marks+`) ORDER BY incident_id, id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, at int64
			var name ClockName
			var kind sla.EventKind
			if err := rows.Scan(&id, &name, &kind, &at); err != nil {
				return err
			}
			if out[id] == nil {
				out[id] = clockEvents{}
			}
			out[id][name] = append(out[id][name], sla.Event{At: database.FromMillis(at), Kind: kind})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("incident: unable to read clocks: %w", err)
	}
	return out, nil
}

// inChunks calls f with the placeholders and arguments of up to
// everyChunk of ids at a time; none when ids is empty.
func inChunks(ids []int64, f func(marks string, args []any) error) error {
	for len(ids) > 0 {
		n := min(len(ids), everyChunk)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		if err := f(strings.Repeat(",?", n)[1:], args); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
