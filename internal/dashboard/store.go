package dashboard

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Store keeps the dashboards; every query is scoped by the tenant.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

const columns = `id, tenant_id, title, description, time_range, refresh, variables, panels, skipped, created_by, created_at, updated_at`

func scan(sc func(...any) error) (*Dashboard, error) {
	var (
		d                     Dashboard
		vars, panels, skipped string
		created, updated      int64
	)
	if err := sc(&d.ID, &d.Tenant, &d.Title, &d.Description, &d.TimeRange, &d.Refresh, &vars, &panels, &skipped,
		&d.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		s string
		v any
	}{{vars, &d.Variables}, {panels, &d.Panels}, {skipped, &d.Skipped}} {
		if err := json.Unmarshal([]byte(f.s), f.v); err != nil {
			return nil, fmt.Errorf("dashboard: dashboard %d is unreadable: %w", d.ID, err)
		}
	}
	d.CreatedAt, d.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &d, nil
}

// encode is the JSON columns of d.
func encode(d *Dashboard) (vars, panels, skipped string, err error) {
	var b [3][]byte
	for i, v := range []any{d.Variables, d.Panels, d.Skipped} {
		if b[i], err = json.Marshal(v); err != nil {
			return "", "", "", fmt.Errorf("dashboard: cannot encode: %w", err)
		}
	}
	return string(b[0]), string(b[1]), string(b[2]), nil
}

// duplicate is the error of a title the tenant already uses.
func duplicate(title string) error {
	return invalid.New("title", "the tenant already has a dashboard titled %q", title)
}

// Create stores d as a new dashboard of d.Tenant, with the audit entry ctx carries.
func (s *Store) Create(ctx context.Context, d *Dashboard) error {
	d.normalize()
	if err := d.Validate(); err != nil {
		return err
	}
	vars, panels, skipped, err := encode(d)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	d.CreatedAt, d.UpdatedAt = now, now
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO dashboards (tenant_id, title, description, time_range, refresh, variables, panels, skipped,
			created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id`, d.Tenant, d.Title, d.Description, d.TimeRange,
			d.Refresh, vars, panels, skipped, d.CreatedBy, database.Millis(now), database.Millis(now)).Scan(&d.ID)
		return storage.Object{ID: d.ID, Detail: d}, err
	})
	if database.IsUnique(err) {
		return duplicate(d.Title)
	}
	if err != nil {
		return fmt.Errorf("dashboard: unable to create: %w", err)
	}
	return nil
}

// Update replaces d's title, description, range, refresh, variables and
// panels; what an import skipped stays as it was.
func (s *Store) Update(ctx context.Context, d *Dashboard) error {
	d.normalize()
	if err := d.Validate(); err != nil {
		return err
	}
	vars, panels, _, err := encode(d)
	if err != nil {
		return err
	}
	d.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	err = storage.Change(ctx, s.db, d.UpdatedAt, func(tx *sql.Tx) (storage.Object, error) {
		return storage.Object{ID: d.ID, Detail: d}, storage.RowsAffected(tx.ExecContext(ctx, `UPDATE dashboards SET title=?, description=?,
			time_range=?, refresh=?, variables=?, panels=?, updated_at=? WHERE tenant_id=? AND id=?`, d.Title, d.Description, d.TimeRange,
			d.Refresh, vars, panels, database.Millis(d.UpdatedAt), d.Tenant, d.ID))
	})
	switch {
	case database.IsUnique(err):
		return duplicate(d.Title)
	case errors.Is(err, storage.ErrNotFound):
		return err
	case err != nil:
		return fmt.Errorf("dashboard: unable to update: %w", err)
	}
	return nil
}

// Delete removes a dashboard of tenant.
func (s *Store) Delete(ctx context.Context, tenant string, id int64) error {
	err := storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		return storage.Object{ID: id}, storage.RowsAffected(tx.ExecContext(ctx, `DELETE FROM dashboards WHERE tenant_id=? AND id=?`, tenant, id))
	})
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("dashboard: unable to delete: %w", err)
	}
	return err
}

// Get returns one dashboard of tenant.
func (s *Store) Get(ctx context.Context, tenant string, id int64) (*Dashboard, error) {
	d, err := scan(database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+columns+` FROM dashboards WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("dashboard: unable to read: %w", err)
	}
	return d, nil
}

// List returns the tenant's dashboards by title.
func (s *Store) List(ctx context.Context, tenant string) ([]*Dashboard, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, `SELECT `+columns+` FROM dashboards WHERE tenant_id=? ORDER BY title, id LIMIT 1000`, tenant)
	if err != nil {
		return nil, fmt.Errorf("dashboard: unable to list: %w", err)
	}
	defer rows.Close()
	list := []*Dashboard{}
	for rows.Next() {
		d, err := scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("dashboard: unable to list: %w", err)
		}
		list = append(list, d)
	}
	return list, rows.Err()
}
