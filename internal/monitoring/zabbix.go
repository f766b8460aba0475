package monitoring

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/zabbix/poll"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/zabbix"
)

// ZabbixPort is the Zabbix agent's port for passive checks.
const ZabbixPort = "10050"

func (z *Zabbix) validate() error {
	if z.Address == "" {
		return invalid.New("address", "is required: the Zabbix agent's host or host:port, e.g. ${host} or ${label.zabbix_address}")
	}
	if strings.ContainsAny(z.Address, "/ ") {
		return invalid.New("address", "must be host or host:port, not %q", z.Address)
	}
	k, err := zabbix.ParseKey(z.Key)
	if err != nil {
		return invalid.New("key", "%v", err)
	}
	if zabbix.RunsCommands(k) {
		return invalid.New("key", "system.run makes the agent run a command: unyo does not ask agents to run commands")
	}
	if zabbix.ActiveOnly(k) {
		return invalid.New("key", "%s is collected only by an active check of the Zabbix agent; unyo polls (passive checks): watch the file with a log item of the unyo agent", k.Name)
	}
	if strings.Contains(z.Key, "{$") || strings.Contains(z.Key, "{#") {
		return invalid.New("key", "%q still holds a Zabbix macro: write its value", z.Key)
	}
	return nil
}

// ZabbixAddress is where the poller connects: the address with the Zabbix
// agent's port when it names none.
func ZabbixAddress(address string) string {
	if _, _, err := net.SplitHostPort(address); err == nil {
		return address
	}
	return net.JoinHostPort(strings.Trim(address, "[]"), ZabbixPort)
}

// ZabbixInterval is how often a zabbix item without an interval is polled:
// the Zabbix server's default update interval.
const ZabbixInterval = time.Minute

// ZabbixTargets lists the enabled zabbix items of every resource of every
// tenant, resolved (overrides applied, placeholders filled), as the poller
// runs them; items with a problem are left out, as from an agent's
// configuration.
func (s *Store) ZabbixTargets(ctx context.Context) ([]poll.Target, error) {
	tenants, err := s.resources.Tenants(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to list tenants: %w", err)
	}
	var out []poll.Target
	for _, t := range tenants {
		n, err := s.zabbixItemCount(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			continue // most tenants have none: skip resolving every resource
		}
		list, err := s.resources.Resources(ctx, t.ID, storage.ResourceFilter{})
		if err != nil {
			return nil, fmt.Errorf("monitoring: unable to list resources of %s: %w", t.ID, err)
		}
		for _, res := range list {
			items, err := s.EffectiveItems(ctx, t.ID, res.ID)
			if errors.Is(err, storage.ErrNotFound) {
				continue // deleted since it was listed
			}
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				if it.Kind != KindZabbix || it.Disabled || it.Problem != "" {
					continue
				}
				every := it.Interval.Std()
				if every == 0 {
					every = ZabbixInterval
				}
				out = append(out, poll.Target{Tenant: t.ID, Host: res.Name, Item: it.Name,
					Address: ZabbixAddress(it.Zabbix.Address), Key: it.Zabbix.Key, TLS: it.Zabbix.TLS, Interval: every})
			}
		}
	}
	return out, nil
}

// zabbixItemCount counts the zabbix items the tenant can reach: its own and
// those of global templates.
func (s *Store) zabbixItemCount(ctx context.Context, tenant string) (int, error) {
	var n int
	err := s.q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM monitoring_items WHERE kind=? AND (tenant_id=? OR tenant_id IS NULL)`, string(KindZabbix), tenant).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("monitoring: unable to count zabbix items: %w", err)
	}
	return n, nil
}
