package maintenance

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
)

// EveryTenantsWindows is every tenant's windows by tenant, each list as
// List gives it, in one query: for the MSP's views of every customer (the
// console's board) only, never for one tenant's caller; no API endpoint
// reaches it.
func (s *Store) EveryTenantsWindows(ctx context.Context) (map[string][]*Stored, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, selectWindows+` ORDER BY tenant_id, id`)
	if err != nil {
		return nil, fmt.Errorf("maintenance: cannot list every tenant's windows: %w", err)
	}
	defer rows.Close()
	out := map[string][]*Stored{}
	for rows.Next() {
		w, err := scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("maintenance: cannot list every tenant's windows: %w", err)
		}
		out[w.Tenant] = append(out[w.Tenant], w)
	}
	return out, rows.Err()
}
