package outbound

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestTenantNarrowsInternalAddresses: an internal address passes only in
// both the server-wide allow list and the tenant's networks; a public one
// as the server-wide policy says; overlapping networks are each tenant's.
func TestTenantNarrowsInternalAddresses(t *testing.T) {
	p := New([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.0/8")})
	networks := map[string][]netip.Prefix{
		"acme": {netip.MustParsePrefix("10.1.0.0/16")},
		"beta": {netip.MustParsePrefix("10.1.2.0/24"), netip.MustParsePrefix("10.2.0.0/16"), netip.MustParsePrefix("192.168.0.0/16")},
	}
	nets := func(_ context.Context, tenant string) ([]netip.Prefix, error) { return networks[tenant], nil }
	f := func(tenant, addr, want string) {
		t.Helper()
		err := p.ForTenant(tenant, nets).Check(netip.MustParseAddr(addr))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%s %s: %q, want %q", tenant, addr, got, want)
		}
	}
	f("acme", "10.1.9.9", "")
	f("beta", "10.1.2.3", "") // overlaps acme's: each reaches its own list
	f("acme", "10.1.2.3", "")
	f("acme", "10.2.0.5", "10.2.0.5 is not in tenant acme's networks")
	f("beta", "10.2.0.5", "")
	f("beta", "192.168.1.1", "--outbound-allow") // the tenant's networks never widen the server's list
	f("acme", "::ffff:10.2.0.5", "is not in tenant acme's networks")
	f("nobody", "10.1.9.9", "is not in tenant nobody's networks")
	f("acme", "93.184.216.34", "") // public: as today
	f("acme", "169.254.169.254", "link-local address; refused")
}

// TestTenantDialNeverConnectsOutside: a tenant's dial to a loopback
// listener outside its networks is refused before connecting (the
// listener accepts nothing), inside them it connects; a failure to read
// the networks refuses too.
func TestTenantDialNeverConnectsOutside(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan struct{}, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			c.Close()
		}
	}()
	p := New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	nets := func(_ context.Context, tenant string) ([]netip.Prefix, error) {
		switch tenant {
		case "beta":
			return []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, nil
		case "broken":
			return nil, errors.New("database gone")
		}
		return []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, tenant := range []string{"acme", "broken"} {
		if c, err := p.ForTenant(tenant, nets).DialContext(ctx, "tcp", l.Addr().String()); err == nil {
			c.Close()
			t.Fatalf("%s dialled loopback outside its networks", tenant)
		}
	}
	var re *RefusedError
	_, err = p.ForTenant("acme", nets).DialContext(ctx, "tcp", l.Addr().String())
	if !errors.As(err, &re) || re.Tenant != "acme" || !IsRefused(err) {
		t.Errorf("acme's refusal: %v, want a *RefusedError naming acme", err)
	}
	c, err := p.ForTenant("beta", nets).DialContext(ctx, "tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("beta dials its own network: %v", err)
	}
	c.Close()
	<-accepted
	select {
	case <-accepted:
		t.Fatal("the listener accepted more than beta's one connection")
	case <-time.After(100 * time.Millisecond):
	}
}
