package cli

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// TestZabbixDialFollowsPolicy: the poller reaches an agent on an internal
// address only when --zabbix-allow covers it, and says which flag opens it.
func TestZabbixDialFollowsPolicy(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	closed, err := dialTenant(t, &zabbixConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := closed(context.Background(), "tcp", l.Addr().String()); err == nil || !strings.Contains(err.Error(), "--zabbix-allow") {
		t.Errorf("loopback without --zabbix-allow: %v, want a refusal naming the flag", err)
	}
	open, err := dialTenant(t, &zabbixConfig{allow: []string{"127.0.0.0/8"}})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := open(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("loopback within --zabbix-allow: %v", err)
	}
	conn.Close()
	if _, err := (&zabbixConfig{allow: []string{"not-a-cidr"}}).dial(nil); err == nil {
		t.Error("a bad --zabbix-allow was taken")
	}
}

// dialTenant is c's dial for a tenant whose networks hold all of loopback:
// only --zabbix-allow decides.
func dialTenant(t *testing.T, c *zabbixConfig) (func(ctx context.Context, network, address string) (net.Conn, error), error) {
	t.Helper()
	loopback := func(context.Context, string) ([]netip.Prefix, error) {
		return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, nil
	}
	dialFor, err := c.dial(loopback)
	if err != nil {
		return nil, err
	}
	return dialFor("acme"), nil
}
