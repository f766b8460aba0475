package monitoring

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

const templateColumns = `id, tenant_id, name, title, description, builtin, created_at, updated_at`

// CreateTemplate validates and stores a new template of t.TenantID ("" makes
// it global) with its items.
func (s *Store) CreateTemplate(ctx context.Context, t *Template) (err error) {
	defer s.changed(&err)
	t.Builtin = ""
	if err := t.Validate(); err != nil {
		return err
	}
	return s.inTenantTx(ctx, t.TenantID, func() storage.Object { return storage.Object{ID: t.ID, Detail: t} }, func(tx *sql.Tx) error { return s.insertTemplate(ctx, tx, t) })
}

// CreateTemplates stores several new templates of one tenant at once, all or
// none (an import of a file): a refusal names the template by its index.
func (s *Store) CreateTemplates(ctx context.Context, tenant string, list []*Template) (err error) {
	defer s.changed(&err)
	for i, t := range list {
		t.TenantID, t.Builtin = tenant, ""
		if err := t.Validate(); err != nil {
			return invalid.Prefix(fmt.Sprintf("templates[%d]", i), err)
		}
	}
	return s.inTenantTx(ctx, tenant, func() storage.Object { return storage.Object{Detail: list} }, func(tx *sql.Tx) error {
		for i, t := range list {
			if err := s.insertTemplate(ctx, tx, t); err != nil {
				return invalid.Prefix(fmt.Sprintf("templates[%d]", i), err)
			}
		}
		return nil
	})
}

func (s *Store) insertTemplate(ctx context.Context, tx *sql.Tx, t *Template) error {
	title, _ := json.Marshal(t.Title)
	now := database.Millis(s.now())
	err := tx.QueryRowContext(ctx, `INSERT INTO monitoring_templates (tenant_id, name, title, description, builtin, created_at, updated_at) VALUES (?,?,?,?,?,?,?) RETURNING id`,
		database.NullString(t.TenantID), t.Name, string(title), t.Description, t.Builtin, now, now).Scan(&t.ID)
	if err := writeErr("create template", err); err != nil {
		return err
	}
	t.CreatedAt, t.UpdatedAt = database.FromMillis(now), database.FromMillis(now)
	if t.Items == nil {
		t.Items = []*Item{}
	}
	for i, it := range t.Items {
		it.ID, it.TenantID, it.TemplateID, it.ResourceID = 0, t.TenantID, t.ID, 0
		if err := s.sealSNMP(it, nil); err != nil {
			return invalid.Prefix(fmt.Sprintf("items[%d]", i), err)
		}
		if err := s.sealZabbix(it, nil); err != nil {
			return invalid.Prefix(fmt.Sprintf("items[%d]", i), err)
		}
		if err := insertItem(ctx, tx, it, now); err != nil {
			return invalid.Prefix(fmt.Sprintf("items[%d]", i), err)
		}
	}
	return nil
}

// UpdateTemplate replaces a template's name, title and description; its
// items change through the item methods, so that their overrides stay.
func (s *Store) UpdateTemplate(ctx context.Context, t *Template) (err error) {
	defer s.changed(&err)
	items := t.Items
	t.Items = nil
	err = t.Validate()
	t.Items = items
	if err != nil {
		return err
	}
	return s.inTenantTx(ctx, t.TenantID, func() storage.Object { return storage.Object{ID: t.ID, Detail: t} }, func(tx *sql.Tx) error {
		if err := s.checkTemplateWritable(ctx, tx, t.TenantID, t.ID); err != nil {
			return fmt.Errorf("monitoring: unable to update template: %w", err)
		}
		title, _ := json.Marshal(t.Title)
		now := database.Millis(s.now())
		_, err := tx.ExecContext(ctx, `UPDATE monitoring_templates SET name=?, title=?, description=?, updated_at=? WHERE tenant_id IS NOT DISTINCT FROM ? AND id=?`,
			t.Name, string(title), t.Description, now, database.NullString(t.TenantID), t.ID)
		return writeErr("update template", err)
	})
}

// checkTemplateWritable finds a template of exactly tenant and refuses a built-in one.
func (s *Store) checkTemplateWritable(ctx context.Context, q querier, tenant string, id int64) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM monitoring_templates WHERE tenant_id IS NOT DISTINCT FROM ? AND id=?`, database.NullString(tenant), id).Scan(&one)
	if err == sql.ErrNoRows {
		return checkGlobal(ctx, q, "monitoring_templates", id)
	}
	if err != nil {
		return err
	}
	return checkNotBuiltin(ctx, q, id)
}

// checkGlobal explains why a tenant cannot change a row it can see: the row
// is global. A row that is not global stays not found.
func checkGlobal(ctx context.Context, q querier, table string, id int64) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE tenant_id IS NULL AND id=?`, id).Scan(&one)
	if err == nil {
		return invalid.New("id", "%d is global and read-only: copy its template to change it, or override the item", id)
	}
	return storage.NotFound(err)
}

// Template returns one template the tenant may see, with its items.
func (s *Store) Template(ctx context.Context, tenant string, id int64) (*Template, error) {
	row := database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+templateColumns+` FROM monitoring_templates WHERE (tenant_id=? OR tenant_id IS NULL) AND id=?`, tenant, id)
	t, err := scanTemplate(row.Scan)
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to fetch template: %w", storage.NotFound(err))
	}
	if t.Items, err = s.Items(ctx, tenant, ItemFilter{TemplateID: id}); err != nil {
		return nil, err
	}
	return t, nil
}

// Templates lists the tenant's templates and the global ones, with their
// items: global first, then by name.
func (s *Store) Templates(ctx context.Context, tenant string) ([]*Template, error) {
	return s.templates(ctx, tenant, nil)
}

// templates lists the templates of Templates whose IDs are in only (all
// when only is nil), with their items. Resolving one host's items reads
// the few templates assigned to it, not the built-in catalogue.
func (s *Store) templates(ctx context.Context, tenant string, only []int64) ([]*Template, error) {
	cond, args := "", []any{tenant}
	if only != nil {
		if len(only) == 0 {
			return []*Template{}, nil
		}
		cond = " AND id IN (" + strings.TrimSuffix(strings.Repeat("?,", len(only)), ",") + ")"
		for _, id := range only {
			args = append(args, id)
		}
	}
	rows, err := s.q(ctx).QueryContext(ctx, `SELECT `+templateColumns+` FROM monitoring_templates WHERE (tenant_id=? OR tenant_id IS NULL)`+cond+` ORDER BY tenant_id IS NOT NULL, name`, args...)
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to list templates: %w", err)
	}
	defer rows.Close()
	list := []*Template{}
	byID := map[int64]*Template{}
	for rows.Next() {
		t, err := scanTemplate(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("monitoring: unable to list templates: %w", err)
		}
		t.Items = []*Item{}
		list = append(list, t)
		byID[t.ID] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("monitoring: unable to list templates: %w", err)
	}
	items, err := queryItems(ctx, s.q(ctx), `SELECT `+itemColumns+` FROM monitoring_items WHERE (tenant_id=? OR tenant_id IS NULL) AND template_id IS NOT NULL`+strings.Replace(cond, "id IN", "template_id IN", 1)+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if t := byID[it.TemplateID]; t != nil {
			t.Items = append(t.Items, it)
		}
	}
	return list, nil
}

// DeleteTemplate removes a template of the tenant with its items, their
// overrides and its assignments.
func (s *Store) DeleteTemplate(ctx context.Context, tenant string, id int64) (err error) {
	defer s.changed(&err)
	return s.inTenantTx(ctx, tenant, func() storage.Object { return storage.Object{ID: id} }, func(tx *sql.Tx) error {
		if err := s.checkTemplateWritable(ctx, tx, tenant, id); err != nil {
			return fmt.Errorf("monitoring: unable to delete template: %w", err)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM monitoring_templates WHERE tenant_id IS NOT DISTINCT FROM ? AND id=?`, database.NullString(tenant), id)
		return writeErr("delete template", err)
	})
}

// CopyTemplate makes a template of the tenant named name from one it may see,
// typically a built-in one whose log path or process pattern must change.
func (s *Store) CopyTemplate(ctx context.Context, tenant string, id int64, name string) (_ *Template, err error) {
	defer s.changed(&err)
	src, err := s.Template(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	t := &Template{TenantID: tenant, Name: name, Title: src.Title, Description: src.Description, Items: src.Items}
	if err := s.CreateTemplate(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

func scanTemplate(scan func(...any) error) (*Template, error) {
	var t Template
	var tenant sql.NullString
	var title string
	var created, updated int64
	if err := scan(&t.ID, &tenant, &t.Name, &title, &t.Description, &t.Builtin, &created, &updated); err != nil {
		return nil, err
	}
	t.TenantID = tenant.String
	t.CreatedAt, t.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	if err := json.Unmarshal([]byte(title), &t.Title); err != nil {
		return nil, fmt.Errorf("template %d has a corrupt title: %w", t.ID, err)
	}
	return &t, nil
}
