package alert

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/response"
	istorage "github.com/unyo-ops/unyo/internal/storage"
)

// Store keeps alerts and their events. Every method that serves the API
// takes the tenant and puts it in the WHERE clause; the few that read
// across tenants (active alerts at start, unnotified events) serve the
// engine alone and say so.
type Store struct {
	db       *sql.DB
	silences silenceCache
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB) *Store { return &Store{db: db} }

const alertColumns = `id, tenant_id, fingerprint, source, coalesce(item_id,0), coalesce(resource_id,0), coalesce(service_id,0),
	resource, title, summary, labels, notify_routes, runbook_url, severity, state, value, value_text, value_texts,
	started_at, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced_until,
	flapping, in_maintenance, coalesce(maintenance_window_id,0), inhibited, announced, updated_at`

// insert stores a new alert and its first event in one transaction.
func (s *Store) insert(ctx context.Context, a *Alert, ev *Event) error {
	return database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		title, summary, lbls, routes := mustJSON(a.Title), mustJSON(a.Summary), mustJSON(a.Labels), mustJSON(a.Notify)
		err := tx.QueryRowContext(ctx, `INSERT INTO alerts (tenant_id, fingerprint, source, item_id, resource_id, service_id,
			resource, title, summary, labels, notify_routes, runbook_url, severity, state, value, value_text, value_texts,
			started_at, fired_at, resolved_at, silenced_until, flapping, in_maintenance, maintenance_window_id, inhibited, announced, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			a.TenantID, a.Fingerprint, a.Source, database.NullID(a.ItemID), database.NullID(a.ResourceID), database.NullID(a.ServiceID),
			a.Resource, title, summary, lbls, routes, a.RunbookURL, a.Severity, a.State, database.NullFloat(a.Value), a.ValueText, textJSON(a.ValueTexts),
			database.Millis(a.StartedAt), database.NullMillis(a.FiredAt), database.NullMillis(a.ResolvedAt), database.NullMillis(a.SilencedUntil),
			a.Flapping, a.InMaintenance, database.NullID(a.MaintenanceID), a.Inhibited, a.Announced, database.Millis(a.UpdatedAt)).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("alert: unable to store alert: %w", err)
		}
		return insertEvent(ctx, tx, a, ev)
	})
}

// update writes the alert's changing fields and, when ev is not nil, its
// event. An acknowledgement or silence stored is never taken back: with
// replicas, the owner of the rules may write its copy of an alert that an
// operator acknowledged on another replica.
func (s *Store) update(ctx context.Context, a *Alert, ev *Event) error {
	// An acknowledgement or silence through the API carries its audit entry
	// in ctx (storage.WithAudit); the engine's own updates carry none.
	at := a.UpdatedAt
	if ev != nil {
		at = ev.At
	}
	return istorage.Change(ctx, s.db, at, func(tx *sql.Tx) (istorage.Object, error) {
		_, err := tx.ExecContext(ctx, `UPDATE alerts SET severity=?, state=?, value=?, value_text=?, value_texts=?, summary=?, labels=?,
			fired_at=?, resolved_at=?, acknowledged_by=COALESCE(NULLIF(?, ''), acknowledged_by), acknowledged_at=COALESCE(?, acknowledged_at),
			silenced_until=COALESCE(?, silenced_until), flapping=?,
			in_maintenance=?, maintenance_window_id=?, inhibited=?, announced=?, updated_at=?
			WHERE tenant_id=? AND id=?`,
			a.Severity, a.State, database.NullFloat(a.Value), a.ValueText, textJSON(a.ValueTexts), mustJSON(a.Summary), mustJSON(a.Labels),
			database.NullMillis(a.FiredAt), database.NullMillis(a.ResolvedAt), a.AcknowledgedBy, database.NullMillis(a.AcknowledgedAt), database.NullMillis(a.SilencedUntil), a.Flapping,
			a.InMaintenance, database.NullID(a.MaintenanceID), a.Inhibited, a.Announced, database.Millis(a.UpdatedAt), a.TenantID, a.ID)
		if err != nil {
			return istorage.Object{}, fmt.Errorf("alert: unable to update alert %d: %w", a.ID, err)
		}
		if ev == nil {
			return istorage.Object{ID: a.ID}, nil
		}
		return istorage.Object{ID: a.ID}, insertEvent(ctx, tx, a, ev)
	})
}

func insertEvent(ctx context.Context, tx *sql.Tx, a *Alert, ev *Event) error {
	ev.AlertID = a.ID
	err := tx.QueryRowContext(ctx, `INSERT INTO alert_events (alert_id, tenant_id, at, from_state, to_state, reason, severity, value, value_text, value_texts, actor, notify)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		a.ID, a.TenantID, database.Millis(ev.At), ev.From, ev.To, ev.Reason, ev.Severity, database.NullFloat(ev.Value), ev.ValueText, textJSON(ev.ValueTexts), ev.Actor, ev.Notify).Scan(&ev.ID)
	if err != nil {
		return fmt.Errorf("alert: unable to store event: %w", err)
	}
	return err
}

// Filter narrows a listing of alerts.
type Filter struct {
	States     []State    // none: every state
	Severities []Severity // none: every severity
	ResourceID int64      // 0: any
	From, To   time.Time  // alerts active at some time in [From, To); zero: unbounded
	Limit      int        // 0: 500
}

// List returns the alerts of tenant matching f, newest first.
func (s *Store) List(ctx context.Context, tenant string, f Filter) ([]*Alert, error) {
	q := `SELECT ` + alertColumns + ` FROM alerts WHERE tenant_id=?`
	args := []any{tenant}
	if len(f.States) > 0 {
		q += ` AND state IN (?` + strings.Repeat(",?", len(f.States)-1) + `)`
		for _, st := range f.States {
			args = append(args, st)
		}
	}
	if len(f.Severities) > 0 {
		q += ` AND severity IN (?` + strings.Repeat(",?", len(f.Severities)-1) + `)`
		for _, sv := range f.Severities {
			args = append(args, sv)
		}
	}
	if f.ResourceID != 0 {
		q += ` AND resource_id=?`
		args = append(args, f.ResourceID)
	}
	if !f.To.IsZero() {
		q += ` AND started_at<?`
		args = append(args, database.Millis(f.To))
	}
	if !f.From.IsZero() {
		// Still open, or resolved after From: the alert overlapped the range.
		q += ` AND (resolved_at IS NULL OR resolved_at>=?)`
		args = append(args, database.Millis(f.From))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	q += ` ORDER BY started_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	return s.query(ctx, q, args...)
}

// Alert returns one alert of tenant with its events, oldest first.
func (s *Store) Alert(ctx context.Context, tenant string, id int64) (*Alert, error) {
	list, err := s.query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE tenant_id=? AND id=?`, tenant, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, response.NotFound("no such alert")
	}
	a := list[0]
	rows, err := s.db.QueryContext(ctx, `SELECT id, alert_id, at, from_state, to_state, reason, severity, value, value_text, value_texts, actor, notify, notified_at
		FROM alert_events WHERE tenant_id=? AND alert_id=? ORDER BY id`, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("alert: unable to list events: %w", err)
	}
	defer rows.Close()
	a.Events = []*Event{}
	for rows.Next() {
		var ev Event
		var at int64
		var val sql.NullFloat64
		var notified sql.NullInt64
		var texts string
		if err := rows.Scan(&ev.ID, &ev.AlertID, &at, &ev.From, &ev.To, &ev.Reason, &ev.Severity, &val, &ev.ValueText, &texts, &ev.Actor, &ev.Notify, &notified); err != nil {
			return nil, fmt.Errorf("alert: unable to list events: %w", err)
		}
		ev.ValueTexts = parseText(texts)
		ev.At, ev.Value, ev.NotifiedAt = database.FromMillis(at), database.FloatPtr(val), database.TimePtr(notified)
		a.Events = append(a.Events, &ev)
	}
	return a, rows.Err()
}

// active returns the alerts of every tenant that are not resolved; the
// engine loads them at start.
// activeOf returns tenant's alert of fingerprint fp not resolved, nil if none.
func (s *Store) activeOf(ctx context.Context, tenant, fp string) (*Alert, error) {
	list, err := s.query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE tenant_id=? AND fingerprint=? AND state<>'resolved'`, tenant, fp)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

func (s *Store) active(ctx context.Context) ([]*Alert, error) {
	return s.query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE state<>'resolved' ORDER BY id`)
}

// flapChanges counts the firing and resolved transitions of a fingerprint since since.
func (s *Store) flapChanges(ctx context.Context, tenant, fingerprint string, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM alert_events e JOIN alerts a ON a.id=e.alert_id
		WHERE a.tenant_id=? AND a.fingerprint=? AND e.at>=? AND e.reason IN ('condition','recovered','intake') AND e.to_state IN ('firing','resolved')`,
		tenant, fingerprint, database.Millis(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("alert: unable to count transitions: %w", err)
	}
	return n, nil
}

// notice is an event to offer for notification, with its alert.
type notice struct {
	alert *Alert
	event *Event
}

// unnotified returns, across tenants and oldest first, the events marked to
// be notified that were not; the engine's notifier alone calls it.
func (s *Store) unnotified(ctx context.Context, limit int) ([]notice, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, alert_id, tenant_id, at, to_state, severity, value_text, value_texts
		FROM alert_events WHERE notify=1 AND notified_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("alert: unable to list unnotified events: %w", err)
	}
	type row struct {
		ev     Event
		tenant string
	}
	var list []row
	for rows.Next() {
		var r row
		var at int64
		var texts string
		if err := rows.Scan(&r.ev.ID, &r.ev.AlertID, &r.tenant, &at, &r.ev.To, &r.ev.Severity, &r.ev.ValueText, &texts); err != nil {
			rows.Close()
			return nil, fmt.Errorf("alert: unable to list unnotified events: %w", err)
		}
		r.ev.ValueTexts = parseText(texts)
		r.ev.At = database.FromMillis(at)
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]notice, 0, len(list))
	for _, r := range list {
		a, err := s.query(ctx, `SELECT `+alertColumns+` FROM alerts WHERE tenant_id=? AND id=?`, r.tenant, r.ev.AlertID)
		if err != nil {
			return nil, err
		}
		if len(a) == 1 {
			ev := r.ev
			out = append(out, notice{alert: a[0], event: &ev})
		}
	}
	return out, nil
}

// markNotified records that the event's notification was handed over.
func (s *Store) markNotified(ctx context.Context, tenant string, eventID int64, at time.Time) error {
	_, err := database.Writer(s.db).ExecContext(ctx, `UPDATE alert_events SET notified_at=? WHERE tenant_id=? AND id=?`, database.Millis(at), tenant, eventID)
	if err != nil {
		return fmt.Errorf("alert: unable to mark event %d notified: %w", eventID, err)
	}
	return nil
}

func (s *Store) query(ctx context.Context, q string, args ...any) ([]*Alert, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("alert: unable to list alerts: %w", err)
	}
	defer rows.Close()
	out := []*Alert{}
	for rows.Next() {
		a, err := scanAlert(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("alert: unable to list alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func scanAlert(scan func(...any) error) (*Alert, error) {
	var a Alert
	var title, summary, lbls, routes, texts string
	var val sql.NullFloat64
	var started, updated int64
	var fired, resolved, acked, silenced sql.NullInt64
	err := scan(&a.ID, &a.TenantID, &a.Fingerprint, &a.Source, &a.ItemID, &a.ResourceID, &a.ServiceID,
		&a.Resource, &title, &summary, &lbls, &routes, &a.RunbookURL, &a.Severity, &a.State, &val, &a.ValueText, &texts,
		&started, &fired, &resolved, &a.AcknowledgedBy, &acked, &silenced,
		&a.Flapping, &a.InMaintenance, &a.MaintenanceID, &a.Inhibited, &a.Announced, &updated)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		s string
		v any
	}{{title, &a.Title}, {summary, &a.Summary}, {lbls, &a.Labels}, {routes, &a.Notify}} {
		if err := json.Unmarshal([]byte(f.s), f.v); err != nil {
			return nil, err
		}
	}
	a.Value, a.ValueTexts = database.FloatPtr(val), parseText(texts)
	a.StartedAt, a.UpdatedAt = database.FromMillis(started), database.FromMillis(updated)
	a.FiredAt, a.ResolvedAt, a.AcknowledgedAt, a.SilencedUntil = database.TimePtr(fired), database.TimePtr(resolved), database.TimePtr(acked), database.TimePtr(silenced)
	return &a, nil
}

// textJSON is t as a value_texts column keeps it: "" for none, the
// column of every rule's event.
func textJSON(t Text) string {
	if t == (Text{}) {
		return ""
	}
	return mustJSON(t)
}

// parseText reads what textJSON wrote; anything else is none.
func parseText(s string) Text {
	var t Text
	if s == "" || json.Unmarshal([]byte(s), &t) != nil {
		return Text{}
	}
	return t
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps, slices and strings are stored
	}
	return string(b)
}
