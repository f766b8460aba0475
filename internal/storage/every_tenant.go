package storage

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
)

// EveryTenantsServices is every tenant's services by tenant, each list as
// Services gives it, in one query: for the MSP's views of every customer
// (the console's board), never for one tenant's caller.
func (s *Store) EveryTenantsServices(ctx context.Context) (map[string][]*model.Service, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, `SELECT `+serviceColumns+` FROM services ORDER BY tenant_id, name`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list every tenant's services: %w", err)
	}
	defer rows.Close()
	out := map[string][]*model.Service{}
	for rows.Next() {
		svc, err := scanService(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list every tenant's services: %w", err)
		}
		out[svc.TenantID] = append(out[svc.TenantID], svc)
	}
	return out, rows.Err()
}

// EveryTenantsResources is every tenant's resources by tenant, each list as
// Resources with no filter gives it, in one query; as EveryTenantsServices,
// for the MSP's views only.
func (s *Store) EveryTenantsResources(ctx context.Context) (map[string][]*model.Resource, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, `SELECT `+resourceColumns+` FROM resources ORDER BY tenant_id, name`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list every tenant's resources: %w", err)
	}
	defer rows.Close()
	out := map[string][]*model.Resource{}
	for rows.Next() {
		r, err := scanResource(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list every tenant's resources: %w", err)
		}
		out[r.TenantID] = append(out[r.TenantID], r)
	}
	return out, rows.Err()
}
