package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

const resourceColumns = `id, tenant_id, service_id, name, kind, labels, created_at, updated_at`

// CreateResource stores a new resource of r.TenantID.
func (s *Store) CreateResource(ctx context.Context, r *model.Resource) error {
	if err := s.checkServiceOwner(ctx, r); err != nil {
		return err
	}
	labels, _ := json.Marshal(nonNil(r.Labels))
	now := database.Millis(s.now())
	err := s.change(ctx, func(tx *sql.Tx) (Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO resources (tenant_id, service_id, name, kind, labels, created_at, updated_at) VALUES (?,?,?,?,?,?,?) RETURNING id`,
			r.TenantID, database.NullIDPtr(r.ServiceID), r.Name, r.Kind, string(labels), now, now).Scan(&r.ID)
		return Object{ID: r.ID, Detail: r}, err
	})
	if database.IsUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: unable to create resource: %w", err)
	}
	r.Labels = nonNil(r.Labels)
	r.CreatedAt, r.UpdatedAt = database.FromMillis(now), database.FromMillis(now)
	return nil
}

// UpdateResource replaces a resource's fields.
func (s *Store) UpdateResource(ctx context.Context, r *model.Resource) error {
	if err := s.checkServiceOwner(ctx, r); err != nil {
		return err
	}
	labels, _ := json.Marshal(nonNil(r.Labels))
	now := database.Millis(s.now())
	err := s.change(ctx, func(tx *sql.Tx) (Object, error) {
		return Object{ID: r.ID, Detail: r}, RowsAffected(tx.ExecContext(ctx, `UPDATE resources SET service_id=?, name=?, kind=?, labels=?, updated_at=? WHERE tenant_id=? AND id=?`,
			database.NullIDPtr(r.ServiceID), r.Name, r.Kind, string(labels), now, r.TenantID, r.ID))
	})
	if database.IsUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: unable to update resource: %w", err)
	}
	r.UpdatedAt = database.FromMillis(now)
	return nil
}

// Resource returns one resource of tenant.
func (s *Store) Resource(ctx context.Context, tenant string, id int64) (*model.Resource, error) {
	row := database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+resourceColumns+` FROM resources WHERE tenant_id=? AND id=?`, tenant, id)
	r, err := scanResource(row.Scan)
	if err != nil {
		return nil, fmt.Errorf("store: unable to fetch resource: %w", NotFound(err))
	}
	return r, nil
}

// ResourceFilter narrows a resource listing.
type ResourceFilter struct {
	ServiceID int64  // 0: any
	Kind      string // "": any
}

// Resources lists the resources of tenant.
func (s *Store) Resources(ctx context.Context, tenant string, f ResourceFilter) ([]*model.Resource, error) {
	q := `SELECT ` + resourceColumns + ` FROM resources WHERE tenant_id=?`
	args := []any{tenant}
	if f.ServiceID != 0 {
		q += ` AND service_id=?`
		args = append(args, f.ServiceID)
	}
	if f.Kind != "" {
		q += ` AND kind=?`
		args = append(args, f.Kind)
	}
	rows, err := database.On(ctx, s.db).QueryContext(ctx, q+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list resources: %w", err)
	}
	defer rows.Close()
	list := []*model.Resource{}
	for rows.Next() {
		r, err := scanResource(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list resources: %w", err)
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

// DeleteResource removes a resource of tenant.
func (s *Store) DeleteResource(ctx context.Context, tenant string, id int64) error {
	if err := s.remove(ctx, id, `DELETE FROM resources WHERE tenant_id=? AND id=?`, tenant, id); err != nil {
		return fmt.Errorf("store: unable to delete resource: %w", err)
	}
	return nil
}

// checkServiceOwner refuses a service ID of another tenant, which the foreign
// key alone would accept.
func (s *Store) checkServiceOwner(ctx context.Context, r *model.Resource) error {
	if r.ServiceID == nil {
		return nil
	}
	var one int
	err := database.On(ctx, s.db).QueryRowContext(ctx, `SELECT 1 FROM services WHERE tenant_id=? AND id=?`, r.TenantID, *r.ServiceID).Scan(&one)
	if err == sql.ErrNoRows {
		return invalid.New("service_id", "no service %d in tenant %q", *r.ServiceID, r.TenantID)
	}
	return err
}

func scanResource(scan func(...any) error) (*model.Resource, error) {
	var r model.Resource
	var svc sql.NullInt64
	var labels string
	var created, updated int64
	if err := scan(&r.ID, &r.TenantID, &svc, &r.Name, &r.Kind, &labels, &created, &updated); err != nil {
		return nil, err
	}
	if svc.Valid {
		r.ServiceID = &svc.Int64
	}
	if err := json.Unmarshal([]byte(labels), &r.Labels); err != nil {
		return nil, fmt.Errorf("resource %d has corrupt labels: %w", r.ID, err)
	}
	r.CreatedAt, r.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	return &r, nil
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
