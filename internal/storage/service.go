package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
)

const serviceColumns = `id, tenant_id, name, description, service_level, created_at, updated_at`

// CreateService stores a new service of s.TenantID.
func (s *Store) CreateService(ctx context.Context, svc *model.Service) error {
	level, err := json.Marshal(svc.Level)
	if err != nil {
		return fmt.Errorf("store: unable to create service: %w", err)
	}
	now := database.Millis(s.now())
	err = s.change(ctx, func(tx *sql.Tx) (Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO services (tenant_id, name, description, service_level, created_at, updated_at) VALUES (?,?,?,?,?,?) RETURNING id`,
			svc.TenantID, svc.Name, svc.Description, string(level), now, now).Scan(&svc.ID)
		return Object{ID: svc.ID, Detail: svc}, err
	})
	if database.IsUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: unable to create service: %w", err)
	}
	svc.CreatedAt, svc.UpdatedAt = database.FromMillis(now), database.FromMillis(now)
	return nil
}

// UpdateService replaces a service's name, description and level.
func (s *Store) UpdateService(ctx context.Context, svc *model.Service) error {
	level, err := json.Marshal(svc.Level)
	if err != nil {
		return fmt.Errorf("store: unable to update service: %w", err)
	}
	now := database.Millis(s.now())
	err = s.change(ctx, func(tx *sql.Tx) (Object, error) {
		return Object{ID: svc.ID, Detail: svc}, RowsAffected(tx.ExecContext(ctx, `UPDATE services SET name=?, description=?, service_level=?, updated_at=? WHERE tenant_id=? AND id=?`,
			svc.Name, svc.Description, string(level), now, svc.TenantID, svc.ID))
	})
	if database.IsUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: unable to update service: %w", err)
	}
	svc.UpdatedAt = database.FromMillis(now)
	return nil
}

// Service returns one service of tenant.
func (s *Store) Service(ctx context.Context, tenant string, id int64) (*model.Service, error) {
	row := database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+serviceColumns+` FROM services WHERE tenant_id=? AND id=?`, tenant, id)
	svc, err := scanService(row.Scan)
	if err != nil {
		return nil, fmt.Errorf("store: unable to fetch service: %w", NotFound(err))
	}
	return svc, nil
}

// Services lists the services of tenant.
func (s *Store) Services(ctx context.Context, tenant string) ([]*model.Service, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, `SELECT `+serviceColumns+` FROM services WHERE tenant_id=? ORDER BY name`, tenant)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list services: %w", err)
	}
	defer rows.Close()
	list := []*model.Service{}
	for rows.Next() {
		svc, err := scanService(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list services: %w", err)
		}
		list = append(list, svc)
	}
	return list, rows.Err()
}

// DeleteService removes a service of tenant; its resources stay, unassigned.
func (s *Store) DeleteService(ctx context.Context, tenant string, id int64) error {
	if err := s.remove(ctx, id, `DELETE FROM services WHERE tenant_id=? AND id=?`, tenant, id); err != nil {
		return fmt.Errorf("store: unable to delete service: %w", err)
	}
	return nil
}

func scanService(scan func(...any) error) (*model.Service, error) {
	var svc model.Service
	var level string
	var created, updated int64
	if err := scan(&svc.ID, &svc.TenantID, &svc.Name, &svc.Description, &level, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(level), &svc.Level); err != nil {
		return nil, fmt.Errorf("service %d has a corrupt service level: %w", svc.ID, err)
	}
	svc.CreatedAt, svc.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	return &svc, nil
}
