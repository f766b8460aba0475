package incident

import (
	"context"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/sla"
)

// loadClockEvents reads the stored events of incident id's clocks, in order.
func loadClockEvents(ctx context.Context, q querier, id int64) (clockEvents, error) {
	rows, err := q.QueryContext(ctx, `SELECT clock, kind, at FROM incident_clock_events WHERE incident_id=? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("incident: unable to read clocks: %w", err)
	}
	defer rows.Close()
	ce := clockEvents{}
	for rows.Next() {
		var name ClockName
		var kind sla.EventKind
		var at int64
		if err := rows.Scan(&name, &kind, &at); err != nil {
			return nil, fmt.Errorf("incident: unable to read clocks: %w", err)
		}
		ce[name] = append(ce[name], sla.Event{At: database.FromMillis(at), Kind: kind})
	}
	return ce, rows.Err()
}

// clockTx records clock events inside one change of an incident, and puts
// each on the timeline so the history shows why a figure is what it is.
type clockTx struct {
	q      querier
	inc    *Incident
	events clockEvents
	at     time.Time
	author string
}

func newClockTx(ctx context.Context, q querier, inc *Incident, at time.Time, author string) (*clockTx, error) {
	ce, err := loadClockEvents(ctx, q, inc.ID)
	if err != nil {
		return nil, err
	}
	return &clockTx{q: q, inc: inc, events: ce, at: at, author: author}, nil
}

// add appends kind to clock when the clock's life allows it, else does nothing:
// pausing a stopped clock or stopping it twice is not an event.
func (t *clockTx) add(ctx context.Context, clock ClockName, kind sla.EventKind) error {
	last := t.events.last(clock)
	ok := false
	switch kind {
	case sla.EventStart:
		ok = last == ""
	case sla.EventPause:
		ok = last == sla.EventStart || last == sla.EventResume
	case sla.EventResume:
		ok = last == sla.EventPause
	case sla.EventStop:
		ok = last != "" && last != sla.EventStop
	}
	if !ok {
		return nil
	}
	if _, err := t.q.ExecContext(ctx, `INSERT INTO incident_clock_events (incident_id, clock, kind, at) VALUES (?,?,?,?)`,
		t.inc.ID, clock, kind, database.Millis(t.at)); err != nil {
		return fmt.Errorf("incident: unable to record clock event: %w", err)
	}
	t.events[clock] = append(t.events[clock], sla.Event{At: t.at, Kind: kind})
	return note(ctx, t.q, t.inc.TenantID, t.inc.ID, Entry{At: t.at, Author: t.author, Kind: EntryClock, Internal: true,
		Body: string(clock) + " " + string(kind)}, map[string]string{"clock": string(clock), "event": string(kind)})
}

// all applies kind to every clock.
func (t *clockTx) all(ctx context.Context, kind sla.EventKind) error {
	for _, c := range clockNames {
		if err := t.add(ctx, c, kind); err != nil {
			return err
		}
	}
	return nil
}

// level returns the service level of the incident's service; the zero level
// (no targets) when it has none.
func (s *Desk) level(ctx context.Context, inc *Incident) (model.ServiceLevel, error) {
	if inc.ServiceID == 0 {
		return model.ServiceLevel{}, nil
	}
	svc, err := s.resources.Service(ctx, inc.TenantID, inc.ServiceID)
	if err != nil {
		return model.ServiceLevel{}, fmt.Errorf("incident: unable to read service %d: %w", inc.ServiceID, err)
	}
	return svc.Level, nil
}

// Clocks returns the incident's clocks that have a target, as of now.
func (s *Desk) Clocks(ctx context.Context, inc *Incident, now time.Time) ([]ClockStatus, error) {
	clocks, err := s.slaClocks(ctx, inc)
	if err != nil {
		return nil, err
	}
	return statuses(clocks, now), nil
}

func (s *Desk) slaClocks(ctx context.Context, inc *Incident) (map[ClockName]sla.Clock, error) {
	level, err := s.level(ctx, inc)
	if err != nil {
		return nil, err
	}
	ce, err := loadClockEvents(ctx, database.Writer(s.db), inc.ID)
	if err != nil {
		return nil, err
	}
	clocks, err := ce.clocks(level)
	if err != nil {
		s.logger.Error("incident clock does not replay", "incident", inc.ID, "err", err)
	}
	return clocks, nil
}
