package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
)

// TenantNetworks returns the networks (CIDR prefixes, as the MSP admin
// wrote them) where the server's pollers may reach the internal addresses
// of the tenant's targets; empty: none.
func (s *Store) TenantNetworks(ctx context.Context, tenant string) ([]string, error) {
	var raw string
	err := database.On(ctx, s.db).QueryRowContext(ctx, `SELECT networks FROM tenants WHERE id=?`, tenant).Scan(&raw)
	if err != nil {
		return nil, fmt.Errorf("store: unable to fetch networks of tenant: %w", NotFound(err))
	}
	list := []string{}
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		return nil, fmt.Errorf("store: networks of tenant %s: %w", tenant, err)
	}
	return list, nil
}

// SetTenantNetworks replaces the tenant's networks, as an audited change.
// The caller validates them (outbound.ParseAllow).
func (s *Store) SetTenantNetworks(ctx context.Context, tenant string, networks []string) error {
	if networks == nil {
		networks = []string{}
	}
	raw, err := json.Marshal(networks)
	if err != nil {
		return fmt.Errorf("store: unable to encode networks: %w", err)
	}
	err = s.change(ctx, func(tx *sql.Tx) (Object, error) {
		return Object{Key: tenant, Detail: networks}, RowsAffected(tx.ExecContext(ctx,
			`UPDATE tenants SET networks=?, updated_at=? WHERE id=?`, string(raw), database.Millis(s.now()), tenant))
	})
	if err != nil {
		return fmt.Errorf("store: unable to set networks of tenant: %w", err)
	}
	return nil
}
