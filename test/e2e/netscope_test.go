package e2e

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
)

// TestTenantNetworksKeepPollersApart: the server may poll all of loopback
// (--zabbix-allow), and tenants a and b both name the Zabbix agent at
// 127.0.0.2, which the MSP admin placed in b's networks only. b's item is
// polled; a's is never dialled (the agent never hears a's key) and reads
// zabbix_up 0. Once the MSP admin adds the address to a's networks, a's
// item reaches the agent too.
func TestTenantNetworksKeepPollersApart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	asked := map[string]int{} // by key: who dialled the agent
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			key, err := agentproto.Decode(c)
			mu.Lock()
			asked[string(key)]++
			mu.Unlock()
			if err == nil {
				c.Write(agentproto.Encode([]byte("1")))
			}
			c.Close()
		}
	}()
	heard := func(key string) int { mu.Lock(); defer mu.Unlock(); return asked[key] }

	s := startServer(t, t.TempDir(), "--zabbix-allow", "127.0.0.0/8")
	_, aRead := s.tenantWithTokens("a")
	_, bRead := s.tenantWithTokens("b")
	s.mustJSON(200, "PUT", "/api/v1/tenants/a/networks", "", map[string]any{"networks": []string{"10.9.0.0/16"}}, nil)
	s.mustJSON(200, "PUT", "/api/v1/tenants/b/networks", "", map[string]any{"networks": []string{"127.0.0.2/32"}}, nil)
	for _, c := range []struct{ tenant, key string }{{"a", "system.cpu.num"}, {"b", "agent.ping"}} {
		s.hostWithItems(c.tenant, c.tenant+"-sw", map[string]any{"name": "zbx", "kind": "zabbix", "interval": "1s",
			"zabbix": map[string]any{"address": l.Addr().String(), "key": c.key}})
	}
	up := func(read, host string) []sample {
		return s.query(read, fmt.Sprintf(`zabbix_up{host=%q}`, host), float64(time.Now().UnixMilli())/1000)
	}
	eventually(t, 30*time.Second, func() string {
		a, b := up(aRead, "a-sw"), up(bRead, "b-sw")
		if heard("agent.ping") < 2 || len(a) != 1 || len(b) != 1 || b[0].Value != 1 {
			return fmt.Sprintf("b's key heard %d times; a's zabbix_up %+v, b's %+v", heard("agent.ping"), a, b)
		}
		return ""
	})
	if n := heard("system.cpu.num"); n != 0 {
		t.Fatalf("tenant a's item reached the agent in b's network %d times", n)
	}
	if a := up(aRead, "a-sw"); a[0].Value != 0 {
		t.Fatalf("a's zabbix_up = %+v, want 0", a)
	}

	s.mustJSON(200, "PUT", "/api/v1/tenants/a/networks", "", map[string]any{"networks": []string{"10.9.0.0/16", "127.0.0.2"}}, nil)
	eventually(t, 30*time.Second, func() string {
		if heard("system.cpu.num") == 0 {
			return "a's key not heard after a's networks took the address in"
		}
		return ""
	})
}
