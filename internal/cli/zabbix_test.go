package cli

import (
	"context"
	"net"
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
	closed, err := (&zabbixConfig{}).dial()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := closed(context.Background(), "tcp", l.Addr().String()); err == nil || !strings.Contains(err.Error(), "--zabbix-allow") {
		t.Errorf("loopback without --zabbix-allow: %v, want a refusal naming the flag", err)
	}
	open, err := (&zabbixConfig{allow: []string{"127.0.0.0/8"}}).dial()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := open(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("loopback within --zabbix-allow: %v", err)
	}
	conn.Close()
	if _, err := (&zabbixConfig{allow: []string{"not-a-cidr"}}).dial(); err == nil {
		t.Error("a bad --zabbix-allow was taken")
	}
}
