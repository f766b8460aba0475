package monitoring

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

const overrideColumns = `id, tenant_id, item_id, resource_id, warning, critical, recovery, for_ms, disabled,
	severity, incident_policy, runbook_url, slr, note, created_at, updated_at`

// CreateOverride validates and stores an override of an item the tenant may
// see, for one of its resources or for all of them.
func (s *Store) CreateOverride(ctx context.Context, o *Override) (err error) {
	defer s.changed(&err)
	return s.inTenantTx(ctx, o.TenantID, func() storage.Object { return storage.Object{ID: o.ID, Detail: o} }, func(tx *sql.Tx) error {
		if err := s.checkOverride(ctx, tx, o); err != nil {
			return err
		}
		now := database.Millis(s.now())
		err := tx.QueryRowContext(ctx, `INSERT INTO monitoring_overrides (tenant_id, item_id, resource_id, warning, critical, recovery, for_ms, disabled,
			severity, incident_policy, runbook_url, slr, note, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			append([]any{o.TenantID, o.ItemID, database.NullID(o.ResourceID)}, append(overrideValues(o), now, now)...)...).Scan(&o.ID)
		if err := writeErr("create override", err); err != nil {
			return err
		}
		o.CreatedAt, o.UpdatedAt = database.FromMillis(now), database.FromMillis(now)
		return nil
	})
}

// UpdateOverride replaces the fields of an override of the tenant; its item
// and resource do not change.
func (s *Store) UpdateOverride(ctx context.Context, o *Override) (err error) {
	defer s.changed(&err)
	return s.inTenantTx(ctx, o.TenantID, func() storage.Object { return storage.Object{ID: o.ID, Detail: o} }, func(tx *sql.Tx) error {
		old, err := scanOverride(tx.QueryRowContext(ctx, `SELECT `+overrideColumns+` FROM monitoring_overrides WHERE tenant_id=? AND id=?`, o.TenantID, o.ID).Scan)
		if err != nil {
			return fmt.Errorf("monitoring: unable to update override: %w", storage.NotFound(err))
		}
		o.ItemID, o.ResourceID, o.CreatedAt = old.ItemID, old.ResourceID, old.CreatedAt
		if err := s.checkOverride(ctx, tx, o); err != nil {
			return err
		}
		now := database.Millis(s.now())
		_, err = tx.ExecContext(ctx, `UPDATE monitoring_overrides SET warning=?, critical=?, recovery=?, for_ms=?, disabled=?,
			severity=?, incident_policy=?, runbook_url=?, slr=?, note=?, updated_at=? WHERE tenant_id=? AND id=?`,
			append(overrideValues(o), now, o.TenantID, o.ID)...)
		o.UpdatedAt = database.FromMillis(now)
		return writeErr("update override", err)
	})
}

// checkOverride refuses an override of an item or resource the tenant does
// not own, and one that would make its item invalid.
func (s *Store) checkOverride(ctx context.Context, q querier, o *Override) error {
	if err := o.Validate(); err != nil {
		return err
	}
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemColumns+` FROM monitoring_items WHERE (tenant_id=? OR tenant_id IS NULL) AND id=?`, o.TenantID, o.ItemID).Scan)
	if err == sql.ErrNoRows {
		return invalid.New("item_id", "no item %d in tenant %q", o.ItemID, o.TenantID)
	}
	if err != nil {
		return fmt.Errorf("monitoring: unable to check override: %w", err)
	}
	if o.ResourceID != 0 {
		if err := checkResource(ctx, q, o.TenantID, o.ResourceID); err != nil {
			return err
		}
	}
	_, err = o.Apply(it)
	return err
}

func overrideValues(o *Override) []any {
	var forMs sql.NullInt64
	if o.For != nil {
		forMs = sql.NullInt64{Int64: o.For.Std().Milliseconds(), Valid: true}
	}
	var disabled sql.NullBool
	if o.Disabled != nil {
		disabled = sql.NullBool{Bool: *o.Disabled, Valid: true}
	}
	return []any{database.NullFloat(o.Warning), database.NullFloat(o.Critical), database.NullFloat(o.Recovery), forMs, disabled,
		string(o.Severity), string(o.IncidentPolicy), o.RunbookURL, o.ServiceLevelRequirement, o.Note}
}

// Override returns one override of the tenant.
func (s *Store) Override(ctx context.Context, tenant string, id int64) (*Override, error) {
	o, err := scanOverride(database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+overrideColumns+` FROM monitoring_overrides WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to fetch override: %w", storage.NotFound(err))
	}
	return o, nil
}

// OverrideFilter narrows an override listing; zero fields match anything.
type OverrideFilter struct {
	ItemID     int64
	ResourceID int64
}

// Overrides lists the tenant's overrides: tenant-wide ones first.
func (s *Store) Overrides(ctx context.Context, tenant string, f OverrideFilter) ([]*Override, error) {
	q := `SELECT ` + overrideColumns + ` FROM monitoring_overrides WHERE tenant_id=?`
	args := []any{tenant}
	if f.ItemID != 0 {
		q += ` AND item_id=?`
		args = append(args, f.ItemID)
	}
	if f.ResourceID != 0 {
		q += ` AND resource_id=?`
		args = append(args, f.ResourceID)
	}
	rows, err := s.q(ctx).QueryContext(ctx, q+` ORDER BY resource_id IS NOT NULL, resource_id, item_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to list overrides: %w", err)
	}
	defer rows.Close()
	list := []*Override{}
	for rows.Next() {
		o, err := scanOverride(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("monitoring: unable to list overrides: %w", err)
		}
		list = append(list, o)
	}
	return list, rows.Err()
}

// DeleteOverride removes an override of the tenant.
func (s *Store) DeleteOverride(ctx context.Context, tenant string, id int64) (err error) {
	defer s.changed(&err)
	return s.inTenantTx(ctx, tenant, func() storage.Object { return storage.Object{ID: id} }, func(tx *sql.Tx) error {
		if err := storage.RowsAffected(tx.ExecContext(ctx, `DELETE FROM monitoring_overrides WHERE tenant_id=? AND id=?`, tenant, id)); err != nil {
			return fmt.Errorf("monitoring: unable to delete override: %w", err)
		}
		return nil
	})
}

func scanOverride(scan func(...any) error) (*Override, error) {
	var o Override
	var res, forMs sql.NullInt64
	var w, c, r sql.NullFloat64
	var disabled sql.NullBool
	var sev, policy string
	var created, updated int64
	if err := scan(&o.ID, &o.TenantID, &o.ItemID, &res, &w, &c, &r, &forMs, &disabled,
		&sev, &policy, &o.RunbookURL, &o.ServiceLevelRequirement, &o.Note, &created, &updated); err != nil {
		return nil, err
	}
	o.ResourceID, o.Warning, o.Critical, o.Recovery = res.Int64, database.FloatPtr(w), database.FloatPtr(c), database.FloatPtr(r)
	if forMs.Valid {
		d := model.Duration(forMs.Int64 * 1e6)
		o.For = &d
	}
	if disabled.Valid {
		o.Disabled = &disabled.Bool
	}
	o.Severity, o.IncidentPolicy = Severity(sev), IncidentPolicy(policy)
	o.CreatedAt, o.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	return &o, nil
}
