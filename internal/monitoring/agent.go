package monitoring

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/storage"
)

// AgentConfig is the configuration the agent on host pulls: its enabled
// agent-side items (os, process, service, exporter, log, check), with
// overrides applied and placeholders filled. The host is the resource of the
// tenant with that name. Where to send, the token and the buffer stay the
// agent's own (agentconfig.Merge keeps them local), so they are left empty here;
// items that cannot run on the host (a placeholder with no label) are left
// out and show in EffectiveItems as a problem.
func (s *Store) AgentConfig(ctx context.Context, tenant, host string) (*agentconfig.Config, error) {
	var id int64
	err := s.q(ctx).QueryRowContext(ctx, `SELECT id FROM resources WHERE tenant_id=? AND name=?`, tenant, host).Scan(&id)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("monitoring: no host %q: %w", host, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to fetch host: %w", err)
	}
	items, err := s.EffectiveItems(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	c := &agentconfig.Config{Host: host, Items: []agentconfig.Item{}}
	zone := ""
	for _, r := range items {
		if r.Disabled || r.Problem != "" || !r.sentToAgent() {
			continue
		}
		ci, err := r.agentItem()
		if err != nil {
			return nil, err
		}
		if ci.ClientField != "" || ci.SessionField != "" {
			// The distinct clients of a day are counted over the tenant's days.
			if zone == "" {
				if err := s.q(ctx).QueryRowContext(ctx, `SELECT time_zone FROM tenants WHERE id=?`, tenant).Scan(&zone); err != nil {
					return nil, fmt.Errorf("monitoring: unable to fetch the tenant's time zone: %w", err)
				}
			}
			ci.ClientZone = zone
		}
		c.Items = append(c.Items, ci)
	}
	if err := checkConfig(c); err != nil {
		return nil, fmt.Errorf("monitoring: agent configuration of %q is invalid: %w", host, err)
	}
	return c, nil
}

// checkConfig validates c as the agent will once merged with its local part,
// without changing c: an item refused here would stop the agent's reload.
func checkConfig(c *agentconfig.Config) error {
	v := c.Clone()
	v.SetDefaults()
	return v.Validate()
}
