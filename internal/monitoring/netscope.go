package monitoring

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/outbound"
)

// Unreachable says that the server's pollers will not reach an item's
// address: it is internal and outside the tenant's networks (see
// outbound.Policy.ForTenant). The item is still polled, and its up series
// reads 0; this is why, shown in the item list before the first poll.
type Unreachable struct {
	Address string `json:"address"`
	Reason  string `json:"reason"`
}

// markUnreachable marks the items of res the server polls itself (zabbix,
// snmp, checks from the server; not those behind a collector, which polls
// inside the tenant's network) whose address is an internal IP outside the
// tenant's networks. A name is judged when it is dialled, not here.
func (s *Store) markUnreachable(ctx context.Context, res *model.Resource, items []ResolvedItem, tn *tenantNetworks) error {
	if res.Labels[CollectorLabel] != "" {
		return nil
	}
	for i := range items {
		it := &items[i]
		addr, err := netip.ParseAddr(polledHost(&it.Item))
		if err != nil || it.Problem != "" || outbound.Internal(addr) == "" {
			continue
		}
		nets, err := tn.get(ctx)
		if err != nil {
			return err
		}
		if !inNetworks(nets, addr) {
			it.Unreachable = &Unreachable{Address: addr.String(),
				Reason: (&outbound.RefusedError{Addr: addr, Tenant: res.TenantID}).Error()}
		}
	}
	return nil
}

// tenantNetworks reads a tenant's networks the first time an item needs
// them, once for all the resources resolved together.
type tenantNetworks struct {
	s      *Store
	tenant string
	nets   []netip.Prefix
	loaded bool
}

func (tn *tenantNetworks) get(ctx context.Context) ([]netip.Prefix, error) {
	if tn.loaded {
		return tn.nets, nil
	}
	list, err := tn.s.resources.TenantNetworks(ctx, tn.tenant)
	if err != nil {
		return nil, fmt.Errorf("monitoring: %w", err)
	}
	if tn.nets, err = outbound.ParseAllow(list...); err != nil {
		return nil, fmt.Errorf("monitoring: networks of %s: %w", tn.tenant, err)
	}
	tn.loaded = true
	return tn.nets, nil
}

func inNetworks(nets []netip.Prefix, addr netip.Addr) bool {
	a := addr.WithZone("").Unmap()
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// polledHost is the host part of the address the server polls for it, ""
// for an item the server does not poll.
func polledHost(it *Item) string {
	hostOf := func(hostport string) string {
		if h, _, err := net.SplitHostPort(hostport); err == nil {
			return h
		}
		return hostport
	}
	switch {
	case it.Kind == KindZabbix && it.Zabbix != nil:
		return hostOf(ZabbixAddress(it.Zabbix.Address))
	case it.Kind == KindSNMP && it.SNMP != nil:
		return hostOf(SNMPAddress(it.SNMP.Address))
	case it.Kind == KindCheck && it.Check != nil && it.Check.FromServer():
		if it.Check.URL != "" {
			if u, err := url.Parse(it.Check.URL); err == nil {
				return u.Hostname()
			}
			return ""
		}
		return hostOf(it.Check.Address)
	}
	return ""
}
