package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
)

const tenantColumns = `id, name, language, time_zone, created_at, updated_at`

// CreateTenant stores a new tenant.
func (s *Store) CreateTenant(ctx context.Context, t *model.Tenant) error {
	now := s.now()
	err := s.change(ctx, func(tx *sql.Tx) (Object, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO tenants (`+tenantColumns+`) VALUES (?,?,?,?,?,?)`,
			t.ID, t.Name, t.Language, t.TimeZone, database.Millis(now), database.Millis(now))
		return Object{Key: t.ID, Detail: t}, err
	})
	if database.IsUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: unable to create tenant: %w", err)
	}
	t.CreatedAt, t.UpdatedAt = database.FromMillis(database.Millis(now)), database.FromMillis(database.Millis(now))
	return nil
}

// UpdateTenant changes a tenant's name, language and time zone.
func (s *Store) UpdateTenant(ctx context.Context, t *model.Tenant) error {
	now := s.now()
	err := s.change(ctx, func(tx *sql.Tx) (Object, error) {
		return Object{Key: t.ID, Detail: t}, RowsAffected(tx.ExecContext(ctx, `UPDATE tenants SET name=?, language=?, time_zone=?, updated_at=? WHERE id=?`,
			t.Name, t.Language, t.TimeZone, database.Millis(now), t.ID))
	})
	if err != nil {
		return fmt.Errorf("store: unable to update tenant: %w", err)
	}
	return nil
}

// Tenant returns one tenant (inside a transaction of ctx, as that transaction sees it).
func (s *Store) Tenant(ctx context.Context, id string) (*model.Tenant, error) {
	row := database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id=?`, id)
	t, err := scanTenant(row.Scan)
	if err != nil {
		return nil, fmt.Errorf("store: unable to fetch tenant: %w", NotFound(err))
	}
	return t, nil
}

// Tenants lists tenants; with only set, just that one.
func (s *Store) Tenants(ctx context.Context, only string) ([]*model.Tenant, error) {
	q := `SELECT ` + tenantColumns + ` FROM tenants`
	var args []any
	if only != "" {
		q += ` WHERE id=?`
		args = append(args, only)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list tenants: %w", err)
	}
	defer rows.Close()
	list := []*model.Tenant{}
	for rows.Next() {
		t, err := scanTenant(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list tenants: %w", err)
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

// DeleteTenant removes a tenant and, by cascade, everything it owns in the database.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	err := s.change(ctx, func(tx *sql.Tx) (Object, error) {
		return Object{Key: id}, RowsAffected(tx.ExecContext(ctx, `DELETE FROM tenants WHERE id=?`, id))
	})
	if err != nil {
		return fmt.Errorf("store: unable to delete tenant: %w", err)
	}
	return nil
}

func scanTenant(scan func(...any) error) (*model.Tenant, error) {
	var t model.Tenant
	var created, updated int64
	if err := scan(&t.ID, &t.Name, &t.Language, &t.TimeZone, &created, &updated); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	return &t, nil
}
