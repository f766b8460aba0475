package agentproto_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
	"github.com/unyo-ops/unyo/internal/zabbix/zabbixtest"
)

// TestRealAgent asks Debian's zabbix_agent2 for the keys a Linux template
// polls, and for one it does not know.
func TestRealAgent(t *testing.T) {
	a := zabbixtest.StartAgent(t)
	c := &agentproto.Client{Timeout: 5 * time.Second}
	ctx := context.Background()
	for _, key := range []string{"system.cpu.util", "vm.memory.size[available]", "vm.memory.size[total]", "vfs.fs.size[/,pused]", "net.if.in[lo]", "proc.num[]", "system.uptime"} {
		r, err := c.Get(ctx, a.Address, key)
		if err != nil || !r.Supported {
			t.Errorf("%s: %+v %v", key, r, err)
			continue
		}
		if _, err := strconv.ParseFloat(r.Value, 64); err != nil {
			t.Errorf("%s = %q, not a number", key, r.Value)
		}
	}
	r, err := c.Get(ctx, a.Address, "nosuch.key")
	if err != nil || r.Supported || !strings.Contains(r.Error, "nosuch.key") {
		t.Errorf("nosuch.key: %+v %v, want ZBX_NOTSUPPORTED naming the key", r, err)
	}
	r, err = c.Get(ctx, a.Address, "agent.version")
	if err != nil || r.Value != a.Version || !strings.Contains(r.Value, ".") {
		t.Errorf("agent.version: %+v %v", r, err)
	}
}

func TestRefusedAndSilentPeers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() { // a peer that never answers
				time.Sleep(2 * time.Second)
				conn.Close()
			}()
		}
	}()
	c := &agentproto.Client{Timeout: 200 * time.Millisecond}
	start := time.Now()
	if _, err := c.Get(context.Background(), l.Addr().String(), "system.cpu.util"); err == nil {
		t.Fatal("a silent peer gave a value")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the timeout of 200ms took %v", d)
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := closed.Addr().String()
	closed.Close()
	if _, err := c.Get(context.Background(), addr, "system.cpu.util"); err == nil || !strings.Contains(err.Error(), "cannot connect") {
		t.Errorf("nothing listening: %v", err)
	}
}

// TestPSKOnlyAgent: Debian's zabbix_agent2 configured for TLS-PSK only
// (TLSAccept=psk) drops a plain-text check unanswered; the error says why,
// and the way out, rather than "EOF".
func TestPSKOnlyAgent(t *testing.T) {
	a := zabbixtest.StartAgentPSK(t, "unyo-test", "1f87b595725ac58dd977beef14b97461a7c1045b9a1c963065002c5473194952")
	c := &agentproto.Client{Timeout: 5 * time.Second}
	_, err := c.Get(context.Background(), a.Address, "system.cpu.num")
	if !errors.Is(err, agentproto.ErrClosedUnanswered) || !strings.Contains(err.Error(), "tls_connect psk") ||
		!strings.Contains(err.Error(), "TLSAccept") {
		t.Fatalf("a check of a PSK-only agent: %v", err)
	}
}
