package console

import (
	"context"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/discovery"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/storage"
)

// firingCounter counts the firing alerts of many tenants at once;
// *alert.Store is one.
type firingCounter interface {
	FiringBySeverityOf(ctx context.Context, tenants []string) (map[string]map[string]int, error)
}

// everyIncidentLister lists every tenant's open incidents with their
// clocks at once; the board's lister over the incident desk is one.
type everyIncidentLister interface {
	EveryTenantsOpenIncidents(ctx context.Context) (map[string][]OpenIncident, error)
}

// everyWindows reads every tenant's maintenance windows at once, for the
// availability; *report.Generator is one.
type everyWindows interface {
	EveryTenantsWindows(ctx context.Context) (map[string][]*maintenance.Stored, error)
}

// everyTenant is what the MSP's board reads for every customer at once,
// one query each (or a few) rather than one a tenant. A map is nil when
// its source cannot read many tenants at once (the row reads its own);
// its error says it could but failed.
type everyTenant struct {
	services  map[string][]*model.Service
	resources map[string][]*model.Resource
	alerts    map[string]map[string]int
	alertsErr error
	incidents map[string][]OpenIncident
	incErr    error
	backups   map[string]*backupTile
	backupErr error
	health    map[string][]discovery.HealthNotice
	healthErr error
	// windows are the maintenance windows of the availability, when
	// windowsRead; else the availability reads each tenant's.
	windows     map[string][]*maintenance.Stored
	windowsRead bool
}

// readEveryTenant reads the services, resources, firing alerts, open
// incidents, backup tiles and cloud health events of tenants, which are
// every tenant (the caller sees all).
func (c *Console) readEveryTenant(ctx context.Context, tenants []*model.Tenant) (*everyTenant, error) {
	all := &everyTenant{}
	var err error
	if all.services, err = c.opts.Store.EveryTenantsServices(ctx); err != nil {
		return nil, err
	}
	if all.resources, err = c.opts.Store.EveryTenantsResources(ctx); err != nil {
		return nil, err
	}
	ids := make([]string, len(tenants))
	for i, t := range tenants {
		ids[i] = t.ID
	}
	// A failing source must not take the board down: its column says
	// "unavailable" on every row, as a tenant's own read would.
	if fc, ok := c.opts.Alerts.(firingCounter); ok {
		if all.alerts, all.alertsErr = fc.FiringBySeverityOf(ctx, ids); all.alertsErr != nil {
			c.logger.Warn("console: alert counts", "err", all.alertsErr)
		}
	}
	if el, ok := c.opts.Incidents.(everyIncidentLister); ok {
		if all.incidents, all.incErr = el.EveryTenantsOpenIncidents(ctx); all.incErr != nil {
			c.logger.Warn("console: open incidents", "err", all.incErr)
		}
	}
	if c.opts.Backups != nil {
		if all.backups, all.backupErr = c.everyBackupTile(ctx); all.backupErr != nil {
			c.logger.Warn("console: backup compliance", "err", all.backupErr)
		}
	}
	if c.opts.Discovery != nil {
		if all.health, all.healthErr = c.opts.Discovery.ActiveHealthOf(ctx, ids); all.healthErr != nil {
			c.logger.Warn("console: cloud health events", "err", all.healthErr)
		}
	}
	if ew, ok := c.opts.Availability.(everyWindows); ok {
		// On failure each tenant's availability reads its own.
		if all.windows, err = ew.EveryTenantsWindows(ctx); err != nil {
			c.logger.Warn("console: maintenance windows", "err", err)
		}
		all.windowsRead = err == nil && all.windows != nil
	}
	return all, nil
}

// known is what the availability of tenant t needs that the board has
// read: its services and resources, and its maintenance windows when all
// read them.
func known(t *model.Tenant, svcs []*model.Service, res []*model.Resource, all *everyTenant) report.Known {
	k := report.Known{Tenant: t, Services: svcs, Resources: res}
	if all != nil && all.windowsRead {
		k.Windows, k.WindowsRead = all.windows[t.ID], true
	}
	return k
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

// openIncidents are tenant's open incidents with their clocks, from all
// when read there.
func (c *Console) openIncidents(ctx context.Context, tenant string, all *everyTenant) ([]OpenIncident, error) {
	if all != nil && (all.incidents != nil || all.incErr != nil) {
		return all.incidents[tenant], all.incErr
	}
	return c.opts.Incidents.OpenIncidents(ctx, tenant)
}

// backups is tenant's backup tile, from all when read there.
func (c *Console) backups(ctx context.Context, tenant string, all *everyTenant) (*backupTile, error) {
	if all != nil && (all.backups != nil || all.backupErr != nil) {
		if all.backupErr != nil {
			return nil, all.backupErr
		}
		if tile := all.backups[tenant]; tile != nil {
			return tile, nil
		}
		return &backupTile{}, nil // no policy
	}
	return c.backupTile(ctx, tenant)
}

// health is tenant's open cloud health events, from all when read there.
func (c *Console) health(ctx context.Context, tenant string, all *everyTenant) ([]discovery.HealthNotice, error) {
	if all != nil {
		return all.health[tenant], all.healthErr
	}
	return c.opts.Discovery.ActiveHealth(ctx, tenant)
}

// everyBackupTile is every tenant's backup tile, its policies and their
// history read for all tenants at once; a tenant with no policy has none.
func (c *Console) everyBackupTile(ctx context.Context) (map[string]*backupTile, error) {
	list, err := c.opts.Backups.Policies(ctx, "")
	if err != nil {
		return nil, err
	}
	sts, err := c.opts.Backups.StatusesOf(ctx, "", list, c.now())
	if err != nil {
		return nil, err
	}
	out := map[string]*backupTile{}
	for i, p := range list {
		tile := out[p.TenantID]
		if tile == nil {
			tile = &backupTile{}
			out[p.TenantID] = tile
		}
		tile.count(sts[i])
	}
	return out, nil
}

// count adds one policy in status st to the tile.
func (t *backupTile) count(st backup.Status) {
	t.Policies++
	switch st.State {
	case backup.StateFailed:
		t.Failed++
	case backup.StateAtRisk:
		t.AtRisk++
	}
}
