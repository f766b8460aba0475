package monitoring

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

const itemColumns = `id, tenant_id, template_id, resource_id, name, title, kind, description, spec,
	op, warning, critical, recovery, for_ms, interval_ms, severity, runbook_url, runbook_id, slr,
	incident_policy, notify, disabled, created_at, updated_at`

// ItemFilter narrows an item listing; zero fields match anything.
type ItemFilter struct {
	TemplateID int64
	ResourceID int64
}

// CreateItem validates and stores a new item in the template or on the
// resource it names, both of which must be it.TenantID's own.
func (s *Store) CreateItem(ctx context.Context, it *Item) (err error) {
	defer s.changed(&err)
	it.Normalize()
	if err := it.Validate(); err != nil {
		return err
	}
	if err := s.sealSNMP(it, nil); err != nil {
		return err
	}
	if err := s.sealZabbix(it, nil); err != nil {
		return err
	}
	return s.inTenantTx(ctx, it.TenantID, func() storage.Object { return storage.Object{ID: it.ID, Detail: it} }, func(tx *sql.Tx) error {
		if err := s.checkItemOwner(ctx, tx, it); err != nil {
			return err
		}
		return insertItem(ctx, tx, it, database.Millis(s.now()))
	})
}

func insertItem(ctx context.Context, q querier, it *Item, now int64) error {
	v := itemValues(it)
	err := q.QueryRowContext(ctx, `INSERT INTO monitoring_items (tenant_id, template_id, resource_id, name, title, kind, description, spec,
		op, warning, critical, recovery, for_ms, interval_ms, severity, runbook_url, runbook_id, slr,
		incident_policy, notify, disabled, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		append([]any{database.NullString(it.TenantID), database.NullID(it.TemplateID), database.NullID(it.ResourceID), it.Name}, append(v, now, now)...)...).Scan(&it.ID)
	if err := writeErr("create item", err); err != nil {
		return err
	}
	it.CreatedAt, it.UpdatedAt = database.FromMillis(now), database.FromMillis(now)
	return nil
}

// itemValues are the columns from title to disabled, in itemColumns order.
func itemValues(it *Item) []any {
	title, _ := json.Marshal(it.Title)
	notify, _ := json.Marshal(append([]string{}, it.Notify...))
	var t Threshold
	if it.Threshold != nil {
		t = *it.Threshold
	}
	return []any{string(title), string(it.Kind), it.Description, specJSON(it),
		t.Op, database.NullFloat(t.Warning), database.NullFloat(t.Critical), database.NullFloat(t.Recovery),
		it.For.Std().Milliseconds(), it.Interval.Std().Milliseconds(), string(it.Severity),
		it.RunbookURL, database.NullID(it.RunbookID), it.ServiceLevelRequirement,
		string(it.IncidentPolicy), string(notify), it.Disabled}
}

// UpdateItem replaces the fields of an item of it.TenantID; the template or
// resource it belongs to does not change.
func (s *Store) UpdateItem(ctx context.Context, it *Item) (err error) {
	defer s.changed(&err)
	it.Normalize()
	if err := it.Validate(); err != nil {
		return err
	}
	return s.inTenantTx(ctx, it.TenantID, func() storage.Object { return storage.Object{ID: it.ID, Detail: it} }, func(tx *sql.Tx) error {
		old, err := scanItem(tx.QueryRowContext(ctx, `SELECT `+itemColumns+` FROM monitoring_items WHERE tenant_id IS NOT DISTINCT FROM ? AND id=?`,
			database.NullString(it.TenantID), it.ID).Scan)
		if err == sql.ErrNoRows {
			err = checkGlobal(ctx, tx, "monitoring_items", it.ID)
		}
		if err != nil {
			return fmt.Errorf("monitoring: unable to update item: %w", err)
		}
		if err := checkNotBuiltin(ctx, tx, old.TemplateID); err != nil {
			return err
		}
		if err := s.sealSNMP(it, old); err != nil {
			return err
		}
		if err := s.sealZabbix(it, old); err != nil {
			return err
		}
		now := database.Millis(s.now())
		_, err = tx.ExecContext(ctx, `UPDATE monitoring_items SET name=?, title=?, kind=?, description=?, spec=?,
			op=?, warning=?, critical=?, recovery=?, for_ms=?, interval_ms=?, severity=?, runbook_url=?, runbook_id=?, slr=?,
			incident_policy=?, notify=?, disabled=?, updated_at=? WHERE tenant_id IS NOT DISTINCT FROM ? AND id=?`,
			append(append([]any{it.Name}, itemValues(it)...), now, database.NullString(it.TenantID), it.ID)...)
		if err := writeErr("update item", err); err != nil {
			return err
		}
		it.TemplateID, it.ResourceID, it.CreatedAt, it.UpdatedAt = old.TemplateID, old.ResourceID, old.CreatedAt, database.FromMillis(now)
		return nil
	})
}

// Item returns one item the tenant may see: its own, or one of a global template.
func (s *Store) Item(ctx context.Context, tenant string, id int64) (*Item, error) {
	row := database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+itemColumns+` FROM monitoring_items WHERE (tenant_id=? OR tenant_id IS NULL) AND id=?`, tenant, id)
	it, err := scanItem(row.Scan)
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to fetch item: %w", storage.NotFound(err))
	}
	return it, nil
}

// Items lists the items the tenant may see, in template (or resource) order.
func (s *Store) Items(ctx context.Context, tenant string, f ItemFilter) ([]*Item, error) {
	q := `SELECT ` + itemColumns + ` FROM monitoring_items WHERE (tenant_id=? OR tenant_id IS NULL)`
	args := []any{tenant}
	if f.TemplateID != 0 {
		q += ` AND template_id=?`
		args = append(args, f.TemplateID)
	}
	if f.ResourceID != 0 {
		q += ` AND resource_id=?`
		args = append(args, f.ResourceID)
	}
	// NULLS FIRST: SQLite's order, which PostgreSQL reverses by default.
	return queryItems(ctx, s.q(ctx), q+` ORDER BY template_id NULLS FIRST, resource_id NULLS FIRST, id`, args...)
}

func queryItems(ctx context.Context, q querier, query string, args ...any) ([]*Item, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to list items: %w", err)
	}
	defer rows.Close()
	list := []*Item{}
	for rows.Next() {
		it, err := scanItem(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("monitoring: unable to list items: %w", err)
		}
		list = append(list, it)
	}
	return list, rows.Err()
}

// DeleteItem removes an item of the tenant, with its overrides.
func (s *Store) DeleteItem(ctx context.Context, tenant string, id int64) (err error) {
	defer s.changed(&err)
	return s.inTenantTx(ctx, tenant, func() storage.Object { return storage.Object{ID: id} }, func(tx *sql.Tx) error {
		var tpl sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT template_id FROM monitoring_items WHERE tenant_id IS NOT DISTINCT FROM ? AND id=?`, database.NullString(tenant), id).Scan(&tpl)
		if err == sql.ErrNoRows {
			err = checkGlobal(ctx, tx, "monitoring_items", id)
		}
		if err != nil {
			return fmt.Errorf("monitoring: unable to delete item: %w", err)
		}
		if err := checkNotBuiltin(ctx, tx, tpl.Int64); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM monitoring_items WHERE tenant_id IS NOT DISTINCT FROM ? AND id=?`, database.NullString(tenant), id)
		return writeErr("delete item", err)
	})
}

// checkItemOwner refuses an item that names no owner, two, or one of
// another tenant, which the foreign keys alone would accept.
func (s *Store) checkItemOwner(ctx context.Context, q querier, it *Item) error {
	switch {
	case it.TemplateID != 0 && it.ResourceID != 0:
		return invalid.New("resource_id", "an item belongs to a template or to a resource, not both")
	case it.TemplateID != 0:
		var one int
		err := q.QueryRowContext(ctx, `SELECT 1 FROM monitoring_templates WHERE tenant_id IS NOT DISTINCT FROM ? AND id=?`, database.NullString(it.TenantID), it.TemplateID).Scan(&one)
		if err == sql.ErrNoRows {
			return invalid.New("template_id", "no template %d of tenant %q", it.TemplateID, it.TenantID)
		}
		if err != nil {
			return err
		}
		return checkNotBuiltin(ctx, q, it.TemplateID)
	case it.ResourceID != 0:
		return checkResource(ctx, q, it.TenantID, it.ResourceID)
	}
	return invalid.New("template_id", "a template_id or a resource_id is required")
}

func checkResource(ctx context.Context, q querier, tenant string, id int64) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM resources WHERE tenant_id=? AND id=?`, tenant, id).Scan(&one)
	if err == sql.ErrNoRows {
		return invalid.New("resource_id", "no resource %d in tenant %q", id, tenant)
	}
	return err
}

// checkNotBuiltin refuses changes to a built-in template: they are synced
// from the code at every start, and a change would be lost.
func checkNotBuiltin(ctx context.Context, q querier, templateID int64) error {
	if templateID == 0 {
		return nil
	}
	var builtin string
	err := q.QueryRowContext(ctx, `SELECT builtin FROM monitoring_templates WHERE id=?`, templateID).Scan(&builtin)
	if err != nil {
		return storage.NotFound(err)
	}
	if builtin != "" {
		return invalid.New("template_id", "template %q is built in and read-only: copy it, or override items per host", builtin)
	}
	return nil
}

func scanItem(scan func(...any) error) (*Item, error) {
	var it Item
	var tenant sql.NullString
	var tpl, res, runbook sql.NullInt64
	var title, kind, spec, op, sev, policy, notify string
	var w, c, r sql.NullFloat64
	var forMs, intervalMs, created, updated int64
	if err := scan(&it.ID, &tenant, &tpl, &res, &it.Name, &title, &kind, &it.Description, &spec,
		&op, &w, &c, &r, &forMs, &intervalMs, &sev, &it.RunbookURL, &runbook, &it.ServiceLevelRequirement,
		&policy, &notify, &it.Disabled, &created, &updated); err != nil {
		return nil, err
	}
	it.TenantID, it.TemplateID, it.ResourceID, it.RunbookID = tenant.String, tpl.Int64, res.Int64, runbook.Int64
	it.Kind, it.Severity, it.IncidentPolicy = Kind(kind), Severity(sev), IncidentPolicy(policy)
	it.For, it.Interval = msDuration(forMs), msDuration(intervalMs)
	if op != "" {
		it.Threshold = &Threshold{Op: op, Warning: database.FloatPtr(w), Critical: database.FloatPtr(c), Recovery: database.FloatPtr(r)}
	}
	it.CreatedAt, it.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	if err := json.Unmarshal([]byte(title), &it.Title); err != nil {
		return nil, fmt.Errorf("item %d has a corrupt title: %w", it.ID, err)
	}
	if err := json.Unmarshal([]byte(notify), &it.Notify); err != nil {
		return nil, fmt.Errorf("item %d has corrupt notify routes: %w", it.ID, err)
	}
	if len(it.Notify) == 0 {
		it.Notify = nil
	}
	return &it, setSpec(&it, []byte(spec))
}

func msDuration(ms int64) model.Duration { return model.Duration(ms * 1e6) }

// specJSON is the kind's own field as stored in the spec column.
func specJSON(it *Item) string {
	var v any = struct{}{}
	switch it.Kind {
	case KindMetric:
		v = it.Metric
	case KindLog:
		v = it.Log
	case KindCheck:
		v = it.Check
	case KindNoData:
		v = it.NoData
	case KindProcess:
		v = it.Process
	case KindService:
		v = it.Service
	case KindExporter:
		v = it.Exporter
	case KindZabbix:
		v = it.Zabbix.stored()
	case KindBackup:
		v = it.Backup
	case KindSNMP:
		v = it.SNMP.stored()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func setSpec(it *Item, data []byte) error {
	var dst any
	switch it.Kind {
	case KindMetric:
		it.Metric = new(Metric)
		dst = it.Metric
	case KindLog:
		it.Log = new(Log)
		dst = it.Log
	case KindCheck:
		it.Check = new(Check)
		dst = it.Check
	case KindNoData:
		it.NoData = new(NoData)
		dst = it.NoData
	case KindProcess:
		it.Process = new(Process)
		dst = it.Process
	case KindService:
		it.Service = new(Service)
		dst = it.Service
	case KindExporter:
		it.Exporter = new(Exporter)
		dst = it.Exporter
	case KindZabbix:
		return setZabbixSpec(it, data)
	case KindBackup:
		it.Backup = new(Backup)
		dst = it.Backup
	case KindSNMP:
		return setSNMPSpec(it, data)
	default:
		return nil
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return fmt.Errorf("item %d has a corrupt %s spec: %w", it.ID, it.Kind, err)
	}
	return nil
}
