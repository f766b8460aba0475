package monitoring

import (
	"context"
	"net"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/zabbix/poll"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/zabbix"
)

// ZabbixPort is the Zabbix agent's port for passive checks.
const ZabbixPort = "10050"

// ErrPSK is why an item with TLS-PSK settings is refused.
const ErrPSK = "TLS-PSK is not supported: configure the agent with TLSAccept=unencrypted for unyo's address, or use a collector inside the network (docs/migrating-from-zabbix.md)"

func (z *Zabbix) validate() error {
	if z.PSKIdentity != "" {
		return invalid.New("tls_psk_identity", "%s", ErrPSK)
	}
	if z.PSK != "" {
		return invalid.New("tls_psk", "%s", ErrPSK)
	}
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

// ZabbixTargets lists the zabbix items the server polls itself: those of
// every tenant's resources that are behind no collector.
func (s *Store) ZabbixTargets(ctx context.Context) ([]poll.Target, error) {
	return s.ZabbixTargetsIn(ctx, Server)
}

// ZabbixTargetsIn lists the enabled zabbix items of the resources of the
// scope, resolved (overrides applied, placeholders filled), as a poller runs
// them; items with a problem are left out, as from an agent's configuration.
func (s *Store) ZabbixTargetsIn(ctx context.Context, sc Scope) ([]poll.Target, error) {
	var out []poll.Target
	err := s.EachItem(ctx, sc, []Kind{KindZabbix}, func(res *model.Resource, it ResolvedItem) error {
		every := it.Interval.Std()
		if every == 0 {
			every = ZabbixInterval
		}
		out = append(out, poll.Target{Tenant: res.TenantID, Host: res.Name, Item: it.Name,
			Address: ZabbixAddress(it.Zabbix.Address), Key: it.Zabbix.Key, TLS: it.Zabbix.TLS, Interval: every})
		return nil
	})
	return out, err
}
