package outbound

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Networks returns the networks of a tenant: where the server's pollers may
// reach the internal addresses of that tenant's targets. The server reads
// them from the tenant (storage.TenantNetworks).
type Networks func(ctx context.Context, tenant string) ([]netip.Prefix, error)

// Tenant is the policy for the targets of one tenant that the server polls
// itself (Zabbix agents, SNMP devices, checks run from the server): what
// the server-wide policy allows, and of the internal addresses only those
// in the tenant's networks too, so that a tenant's item cannot name an
// address of another tenant's network that the server happens to reach.
// Public addresses are judged as by the server-wide policy alone.
//
// The networks are read on every dial, so a change applies to the next poll.
type Tenant struct {
	policy   *Policy
	tenant   string
	networks Networks
}

// ForTenant returns p narrowed to tenant's networks.
func (p *Policy) ForTenant(tenant string, networks Networks) *Tenant {
	return &Tenant{policy: p, tenant: tenant, networks: networks}
}

// lookupTimeout bounds the reading of a tenant's networks where the caller
// has no context to give (a socket's Control, a ping's permit).
const lookupTimeout = 5 * time.Second

// Check judges addr for the tenant: a *RefusedError when the server-wide
// policy refuses it, or when it is internal and in none of the tenant's
// networks; an error when the networks cannot be read (refused then too).
func (t *Tenant) Check(addr netip.Addr) error {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	nets, err := t.networks(ctx, t.tenant)
	if err != nil {
		return fmt.Errorf("outbound: cannot read the networks of tenant %s: %w", t.tenant, err)
	}
	return t.check(addr, nets)
}

func (t *Tenant) check(addr netip.Addr, nets []netip.Prefix) error {
	if err := t.policy.Check(addr); err != nil {
		return err
	}
	kind := Internal(addr)
	if kind == "" {
		return nil
	}
	a := addr.WithZone("").Unmap()
	for _, n := range nets {
		if n.Contains(a) {
			return nil
		}
	}
	return &RefusedError{Addr: addr, Kind: kind, Tenant: t.tenant}
}

// Control fits net.Dialer.Control: it judges the very address about to be
// connected to, after name resolution.
func (t *Tenant) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("outbound: cannot read dialed address %q: %w", address, err)
	}
	return t.Check(ap.Addr())
}

// DialContext connects within the tenant's policy; it reads the networks
// once, with ctx, before dialing.
func (t *Tenant) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	nets, err := t.networks(ctx, t.tenant)
	if err != nil {
		return nil, fmt.Errorf("outbound: cannot read the networks of tenant %s: %w", t.tenant, err)
	}
	d := t.policy.Dialer()
	d.Control = func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("outbound: cannot read dialed address %q: %w", address, err)
		}
		return t.check(ap.Addr(), nets)
	}
	return d.DialContext(ctx, network, address)
}

// Internal returns the kind of range addr is in when unyo refuses it by
// default (loopback, private, link-local...), "" for a public address.
func Internal(addr netip.Addr) string {
	var none *Policy
	if err := none.Check(addr); err != nil {
		return err.(*RefusedError).Kind
	}
	return ""
}

// NetworksFrom reads a tenant's networks as stored (CIDR strings, checked
// by ParseAllow when they were set) into a Networks.
func NetworksFrom(stored func(ctx context.Context, tenant string) ([]string, error)) Networks {
	return func(ctx context.Context, tenant string) ([]netip.Prefix, error) {
		list, err := stored(ctx, tenant)
		if err != nil {
			return nil, err
		}
		return ParseAllow(list...)
	}
}

// MaxNetworks bounds a tenant's list: it is read at every dial.
const MaxNetworks = 256

// CheckNetworks checks a tenant's networks as a client gave them and
// returns each as its masked prefix (10.2.0.5/16 → 10.2.0.0/16, a bare
// address → /32 or /128); an *invalid.Error names the bad entry.
func CheckNetworks(in []string) ([]string, error) {
	if len(in) > MaxNetworks {
		return nil, invalid.New("networks", "at most %d networks", MaxNetworks)
	}
	out := make([]string, 0, len(in))
	for i, s := range in {
		p, err := ParseAllow(s)
		if err != nil || len(p) != 1 {
			return nil, invalid.New(fmt.Sprintf("networks[%d]", i), "%q is not one CIDR prefix such as 10.2.0.0/16", s)
		}
		out = append(out, p[0].String())
	}
	return out, nil
}
