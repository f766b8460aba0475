package limits

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/storage"
)

// Store keeps the per-tenant overrides in the tenant_limits table.
type Store struct {
	db *sql.DB
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB) *Store { return &Store{db: db} }

// All returns every tenant's override.
func (s *Store) All(ctx context.Context) (map[string]Override, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT tenant_id, overrides FROM tenant_limits`)
	if err != nil {
		return nil, fmt.Errorf("limits: cannot read overrides: %w", err)
	}
	defer rows.Close()
	out := map[string]Override{}
	for rows.Next() {
		var (
			tenant, text string
			o            Override
		)
		if err := rows.Scan(&tenant, &text); err != nil {
			return nil, fmt.Errorf("limits: cannot read overrides: %w", err)
		}
		if err := json.Unmarshal([]byte(text), &o); err != nil {
			return nil, fmt.Errorf("limits: override of tenant %q: %w", tenant, err)
		}
		out[tenant] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("limits: cannot read overrides: %w", err)
	}
	return out, nil
}

// Put stores tenant's override; an empty one deletes the row.
func (s *Store) Put(ctx context.Context, tenant string, o Override) error {
	text, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("limits: cannot encode override: %w", err)
	}
	now := time.Now()
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		if o.Empty() {
			_, err := tx.ExecContext(ctx, `DELETE FROM tenant_limits WHERE tenant_id = ?`, tenant)
			return storage.Object{Key: tenant, Detail: o}, err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tenant_limits (tenant_id, overrides, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET overrides = excluded.overrides, updated_at = excluded.updated_at`,
			tenant, string(text), now.UnixMilli())
		return storage.Object{Key: tenant, Detail: o}, err
	})
	if err != nil {
		return fmt.Errorf("limits: cannot store override: %w", err)
	}
	return nil
}
