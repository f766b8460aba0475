package workreport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Store keeps work reports; every method takes the tenant and puts it in the WHERE clause.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

const columns = `id, tenant_id, subject, detail, worker, result, started_at, ended_at, COALESCE(incident_id,0), plan_ref, created_by, created_at, updated_at`

func scan(sc func(...any) error) (*Report, error) {
	var r Report
	var started, ended, created, updated int64
	if err := sc(&r.ID, &r.TenantID, &r.Subject, &r.Detail, &r.Worker, &r.Result, &started, &ended, &r.IncidentID,
		&r.PlanRef, &r.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	r.StartedAt, r.EndedAt = time.UnixMilli(started).UTC(), time.UnixMilli(ended).UTC()
	r.CreatedAt, r.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &r, nil
}

// checkIncident refuses an incident of another tenant.
func (s *Store) checkIncident(ctx context.Context, r *Report) error {
	if r.IncidentID == 0 {
		return nil
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM incidents WHERE tenant_id=? AND id=?`, r.TenantID, r.IncidentID).Scan(&n); err != nil {
		return fmt.Errorf("workreport: unable to check incident: %w", err)
	}
	if n == 0 {
		return invalid.New("incident_id", "no incident %d in this tenant", r.IncidentID)
	}
	return nil
}

// Create stores a new report.
func (s *Store) Create(ctx context.Context, r *Report) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := s.checkIncident(ctx, r); err != nil {
		return err
	}
	now := s.now().UTC()
	r.CreatedAt, r.UpdatedAt = now, now
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO work_reports (tenant_id, subject, detail, worker, result, started_at, ended_at,
			incident_id, plan_ref, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			r.TenantID, r.Subject, r.Detail, r.Worker, r.Result, r.StartedAt.UnixMilli(), r.EndedAt.UnixMilli(), database.NullID(r.IncidentID),
			r.PlanRef, r.CreatedBy, now.UnixMilli(), now.UnixMilli()).Scan(&r.ID)
		return storage.Object{ID: r.ID, Detail: r}, err
	})
	if err != nil {
		return fmt.Errorf("workreport: unable to create report: %w", err)
	}
	return nil
}

// Update replaces the editable fields of a report of its tenant.
func (s *Store) Update(ctx context.Context, r *Report) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := s.checkIncident(ctx, r); err != nil {
		return err
	}
	r.UpdatedAt = s.now().UTC()
	err := storage.Change(ctx, s.db, r.UpdatedAt, func(tx *sql.Tx) (storage.Object, error) {
		return storage.Object{ID: r.ID, Detail: r}, storage.RowsAffected(tx.ExecContext(ctx, `UPDATE work_reports SET subject=?, detail=?, worker=?, result=?, started_at=?, ended_at=?,
			incident_id=?, plan_ref=?, updated_at=? WHERE tenant_id=? AND id=?`, r.Subject, r.Detail, r.Worker, r.Result,
			r.StartedAt.UnixMilli(), r.EndedAt.UnixMilli(), database.NullID(r.IncidentID), r.PlanRef, r.UpdatedAt.UnixMilli(), r.TenantID, r.ID))
	})
	if err != nil {
		return fmt.Errorf("workreport: unable to update report: %w", err)
	}
	return nil
}

// Get returns one report of tenant.
func (s *Store) Get(ctx context.Context, tenant string, id int64) (*Report, error) {
	r, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM work_reports WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("workreport: unable to read report: %w", err)
	}
	return r, nil
}

// Delete removes one report of tenant.
func (s *Store) Delete(ctx context.Context, tenant string, id int64) error {
	err := storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		return storage.Object{ID: id}, storage.RowsAffected(tx.ExecContext(ctx, `DELETE FROM work_reports WHERE tenant_id=? AND id=?`, tenant, id))
	})
	if err != nil {
		return fmt.Errorf("workreport: unable to delete report: %w", err)
	}
	return nil
}

// Filter narrows a list: work that started in [From, To), of one incident.
type Filter struct {
	From, To   time.Time
	IncidentID int64
}

// List returns the tenant's reports, in the order the work started.
func (s *Store) List(ctx context.Context, tenant string, f Filter) ([]*Report, error) {
	q, args := `SELECT `+columns+` FROM work_reports WHERE tenant_id=?`, []any{tenant}
	if !f.From.IsZero() {
		q, args = q+` AND started_at>=?`, append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		q, args = q+` AND started_at<?`, append(args, f.To.UnixMilli())
	}
	if f.IncidentID != 0 {
		q, args = q+` AND incident_id=?`, append(args, f.IncidentID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY started_at, id LIMIT 10000`, args...)
	if err != nil {
		return nil, fmt.Errorf("workreport: unable to list reports: %w", err)
	}
	defer rows.Close()
	list := []*Report{}
	for rows.Next() {
		r, err := scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("workreport: unable to list reports: %w", err)
		}
		list = append(list, r)
	}
	return list, rows.Err()
}
