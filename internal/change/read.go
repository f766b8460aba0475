package change

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/storage"
)

const selectChanges = `SELECT id, tenant_id, type, title, description, risk, catalog_item_id, resource_ids, selector, plan, backout,
	start_at, end_at, state, result, approval, approved_by, approved_at, approval_ref, rejected_by, rejected_at, reject_reason,
	window_ids, created_by, created_at, updated_at FROM changes`

// Get returns change id of tenant with the incidents it caused,
// storage.ErrNotFound when there is none.
func (s *Store) Get(ctx context.Context, tenant string, id int64) (*Change, error) {
	c, err := scan(s.db.QueryRowContext(ctx, selectChanges+` WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("change: cannot read: %w", err)
	}
	if c.Incidents, err = s.links(ctx, `WHERE tenant_id=? AND change_id=? ORDER BY incident_id`, tenant, id); err != nil {
		return nil, err
	}
	return c, nil
}

// List returns the changes of tenant, newest schedule first; with a range
// (both non-zero) only those whose schedule overlaps [from, to): the
// change calendar.
func (s *Store) List(ctx context.Context, tenant string, from, to time.Time) ([]*Change, error) {
	q, args := selectChanges+` WHERE tenant_id=?`, []any{tenant}
	if !from.IsZero() && !to.IsZero() {
		q += ` AND start_at < ? AND end_at > ?`
		args = append(args, to.UnixMilli(), from.UnixMilli())
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY start_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("change: cannot list: %w", err)
	}
	defer rows.Close()
	list := []*Change{}
	for rows.Next() {
		c, err := scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("change: cannot list: %w", err)
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

// LinkIncident records that change id of tenant caused the incident; an
// incident has one such change, and linking again replaces it.
func (s *Store) LinkIncident(ctx context.Context, tenant string, id, incident int64, note, actor string) (*IncidentLink, error) {
	if _, err := s.Get(ctx, tenant, id); err != nil {
		return nil, err
	}
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM incidents WHERE tenant_id=? AND id=?`, tenant, incident).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, invalidIncident(incident)
	} else if err != nil {
		return nil, fmt.Errorf("change: cannot read incident: %w", err)
	}
	if len(note) > 2000 {
		return nil, invalidNote()
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	l := &IncidentLink{IncidentID: incident, ChangeID: id, Note: note, LinkedBy: actor, LinkedAt: now}
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO change_incidents (tenant_id, incident_id, change_id, note, linked_by, linked_at) VALUES (?,?,?,?,?,?)
			ON CONFLICT (tenant_id, incident_id) DO UPDATE SET change_id=excluded.change_id, note=excluded.note, linked_by=excluded.linked_by, linked_at=excluded.linked_at`,
			tenant, incident, id, note, actor, now.UnixMilli())
		if err != nil {
			return storage.Object{}, fmt.Errorf("change: cannot link incident: %w", err)
		}
		return storage.Object{ID: id, Type: "change", Detail: l}, nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// CauseOf returns the change that caused incident of tenant, nil when none is linked.
func (s *Store) CauseOf(ctx context.Context, tenant string, incident int64) (*IncidentLink, error) {
	list, err := s.links(ctx, `WHERE tenant_id=? AND incident_id=?`, tenant, incident)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

func (s *Store) links(ctx context.Context, where string, args ...any) ([]IncidentLink, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT incident_id, change_id, note, linked_by, linked_at FROM change_incidents `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("change: cannot read incident links: %w", err)
	}
	defer rows.Close()
	list := []IncidentLink{}
	for rows.Next() {
		var l IncidentLink
		var at int64
		if err := rows.Scan(&l.IncidentID, &l.ChangeID, &l.Note, &l.LinkedBy, &at); err != nil {
			return nil, fmt.Errorf("change: cannot read incident links: %w", err)
		}
		l.LinkedAt = time.UnixMilli(at).UTC()
		list = append(list, l)
	}
	return list, rows.Err()
}

func scan(f func(...any) error) (*Change, error) {
	var (
		c                          Change
		catalog, approved, refused sql.NullInt64
		ids, sel, wins             string
		start, end, created, upd   int64
	)
	err := f(&c.ID, &c.Tenant, &c.Type, &c.Title, &c.Description, &c.Risk, &catalog, &ids, &sel, &c.Plan, &c.Backout,
		&start, &end, &c.State, &c.Result, &c.Approval, &c.ApprovedBy, &approved, &c.ApprovalRef, &c.RejectedBy, &refused, &c.RejectReason,
		&wins, &c.CreatedBy, &created, &upd)
	if err != nil {
		return nil, err
	}
	c.CatalogItemID = catalog.Int64
	for _, p := range []struct {
		s string
		v any
	}{{ids, &c.ResourceIDs}, {sel, &c.Selector}, {wins, &c.WindowIDs}} {
		if err := json.Unmarshal([]byte(p.s), p.v); err != nil {
			return nil, err
		}
	}
	c.ApprovedAt, c.RejectedAt = optTime(approved), optTime(refused)
	c.Start, c.End = time.UnixMilli(start).UTC(), time.UnixMilli(end).UTC()
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(upd).UTC()
	c.Incidents = []IncidentLink{}
	return &c, nil
}

func optTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}
