package console

import (
	"context"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// firingCounter counts the firing alerts of many tenants at once;
// *alert.Store is one.
type firingCounter interface {
	FiringBySeverityOf(ctx context.Context, tenants []string) (map[string]map[string]int, error)
}

// everyTenant is what the MSP's board reads for every customer at once,
// one query each rather than one a tenant.
type everyTenant struct {
	services  map[string][]*model.Service
	resources map[string][]*model.Resource
	// alerts is nil when the counter cannot count many tenants at once;
	// alertsErr says it could but failed.
	alerts    map[string]map[string]int
	alertsErr error
}

// readEveryTenant reads the services, resources and firing alerts of
// tenants, which are every tenant (the caller sees all).
func (c *Console) readEveryTenant(ctx context.Context, tenants []*model.Tenant) (*everyTenant, error) {
	all := &everyTenant{}
	var err error
	if all.services, err = c.opts.Store.EveryTenantsServices(ctx); err != nil {
		return nil, err
	}
	if all.resources, err = c.opts.Store.EveryTenantsResources(ctx); err != nil {
		return nil, err
	}
	if fc, ok := c.opts.Alerts.(firingCounter); ok {
		ids := make([]string, len(tenants))
		for i, t := range tenants {
			ids[i] = t.ID
		}
		if all.alerts, all.alertsErr = fc.FiringBySeverityOf(ctx, ids); all.alertsErr != nil {
			c.logger.Warn("console: alert counts", "err", all.alertsErr)
		}
	}
	return all, nil
}

// objects are tenant's services and resources, from all when read there.
func (c *Console) objects(ctx context.Context, tenant string, all *everyTenant) ([]*model.Service, []*model.Resource, error) {
	if all != nil {
		return all.services[tenant], all.resources[tenant], nil
	}
	svcs, err := c.opts.Store.Services(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	res, err := c.opts.Store.Resources(ctx, tenant, storage.ResourceFilter{})
	return svcs, res, err
}

// firing counts tenant's firing alerts by severity, from all when counted
// there; ok is false when the count could not be had.
func (c *Console) firing(ctx context.Context, tenant string, all *everyTenant) (map[string]int, bool) {
	if all != nil && (all.alerts != nil || all.alertsErr != nil) {
		return all.alerts[tenant], all.alertsErr == nil
	}
	m, err := c.opts.Alerts.FiringBySeverity(ctx, tenant)
	if err != nil {
		c.logger.Warn("console: alert counts", "tenant", tenant, "err", err)
		return nil, false
	}
	return m, true
}
