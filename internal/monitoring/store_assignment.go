package monitoring

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

const assignmentColumns = `a.id, a.tenant_id, a.template_id, t.name, a.selector, a.resource_id, a.created_at`

// CreateAssignment validates and stores an assignment of a template the
// tenant may see, to a selector or to one of the tenant's resources.
func (s *Store) CreateAssignment(ctx context.Context, a *Assignment) (err error) {
	defer s.changed(&err)
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	return s.inTenantTx(ctx, a.TenantID, func() storage.Object { return storage.Object{ID: a.ID, Detail: a} }, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT name FROM monitoring_templates WHERE (tenant_id=? OR tenant_id IS NULL) AND id=?`,
			a.TenantID, a.TemplateID).Scan(&a.Template)
		if err == sql.ErrNoRows {
			return invalid.New("template_id", "no template %d in tenant %q", a.TemplateID, a.TenantID)
		}
		if err != nil {
			return fmt.Errorf("monitoring: unable to create assignment: %w", err)
		}
		if a.ResourceID != 0 {
			if err := checkResource(ctx, tx, a.TenantID, a.ResourceID); err != nil {
				return err
			}
		}
		now := database.Millis(s.now())
		err = tx.QueryRowContext(ctx, `INSERT INTO monitoring_assignments (tenant_id, template_id, selector, resource_id, created_at) VALUES (?,?,?,?,?) RETURNING id`,
			a.TenantID, a.TemplateID, a.Selector, database.NullID(a.ResourceID), now).Scan(&a.ID)
		if err := writeErr("create assignment", err); err != nil {
			return err
		}
		a.CreatedAt = database.FromMillis(now)
		return nil
	})
}

// Assignment returns one assignment of the tenant.
func (s *Store) Assignment(ctx context.Context, tenant string, id int64) (*Assignment, error) {
	row := database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+assignmentColumns+` FROM monitoring_assignments a JOIN monitoring_templates t ON t.id = a.template_id
		WHERE a.tenant_id=? AND a.id=?`, tenant, id)
	a, err := scanAssignment(row.Scan)
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to fetch assignment: %w", storage.NotFound(err))
	}
	return a, nil
}

// Assignments lists the tenant's assignments: by resource first, then by
// selector, each by template name.
func (s *Store) Assignments(ctx context.Context, tenant string) ([]*Assignment, error) {
	rows, err := s.q(ctx).QueryContext(ctx, `SELECT `+assignmentColumns+` FROM monitoring_assignments a JOIN monitoring_templates t ON t.id = a.template_id
		WHERE a.tenant_id=? ORDER BY a.resource_id IS NULL, t.name, a.selector, a.resource_id, a.id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to list assignments: %w", err)
	}
	defer rows.Close()
	list := []*Assignment{}
	for rows.Next() {
		a, err := scanAssignment(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("monitoring: unable to list assignments: %w", err)
		}
		list = append(list, a)
	}
	return list, rows.Err()
}

// DeleteAssignment removes an assignment of the tenant.
func (s *Store) DeleteAssignment(ctx context.Context, tenant string, id int64) (err error) {
	defer s.changed(&err)
	return s.inTenantTx(ctx, tenant, func() storage.Object { return storage.Object{ID: id} }, func(tx *sql.Tx) error {
		if err := storage.RowsAffected(tx.ExecContext(ctx, `DELETE FROM monitoring_assignments WHERE tenant_id=? AND id=?`, tenant, id)); err != nil {
			return fmt.Errorf("monitoring: unable to delete assignment: %w", err)
		}
		return nil
	})
}

func scanAssignment(scan func(...any) error) (*Assignment, error) {
	var a Assignment
	var res sql.NullInt64
	var created int64
	if err := scan(&a.ID, &a.TenantID, &a.TemplateID, &a.Template, &a.Selector, &res, &created); err != nil {
		return nil, err
	}
	a.ResourceID, a.CreatedAt = res.Int64, database.FromMillis(created)
	return &a, nil
}
