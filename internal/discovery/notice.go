package discovery

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
)

// Rules returns tenant's discovery rules.
func (d *Discoverer) Rules(ctx context.Context, tenant string) (Rules, error) {
	return d.deps.Store.Rules(ctx, tenant)
}

// SetRules stores tenant's rules; ctx carries the audit entry.
func (d *Discoverer) SetRules(ctx context.Context, tenant string, r Rules) (Rules, error) {
	return d.deps.Store.SetRules(ctx, tenant, r)
}

// Runs returns the last run of each of tenant's accounts.
func (d *Discoverer) Runs(ctx context.Context, tenant string) ([]Run, error) {
	return d.deps.Store.Runs(ctx, tenant)
}

// HealthNotice is one cloud health event open for a tenant, as the
// board's banner shows it.
type HealthNotice struct {
	AlertID  int64
	Title    string
	Resource string // "" for an account-wide event
	Severity string
	Since    time.Time
}

// healthShown bounds the open cloud health events a board shows a tenant.
const healthShown = 500

// ActiveHealth lists tenant's open cloud health events (the firing
// alerts of source cloud_health), newest first, for the board's banner;
// none when the Discoverer reads no alerts.
func (d *Discoverer) ActiveHealth(ctx context.Context, tenant string) ([]HealthNotice, error) {
	m, err := d.ActiveHealthOf(ctx, []string{tenant})
	return m[tenant], err
}

// ActiveHealthOf is ActiveHealth of each of tenants, in one query: for
// the MSP's board of every customer only, never for one tenant's caller
// (no API endpoint reaches it). A tenant with none has no entry.
func (d *Discoverer) ActiveHealthOf(ctx context.Context, tenants []string) (map[string][]HealthNotice, error) {
	if d.deps.Alerts == nil {
		return nil, nil
	}
	firing, err := d.deps.Alerts.FiringOf(ctx, tenants, alert.SourceCloudHealth, healthShown)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]HealthNotice, len(firing))
	for tenant, list := range firing {
		for _, a := range list {
			out[tenant] = append(out[tenant], HealthNotice{AlertID: a.ID, Title: a.Title.En, Resource: a.Resource, Severity: string(a.Severity), Since: a.StartedAt})
		}
	}
	return out, nil
}
