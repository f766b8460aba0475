package agent

import (
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/confine"
)

// TestAgentConfined pulls two tcp items, one to an allowed address and one
// to a name the policy does not list: the refused one never connects, and
// the allowed one runs.
func TestAgentConfined(t *testing.T) {
	listen := func(n *atomic.Int32) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				n.Add(1)
				c.Close()
			}
		}()
		return ln.Addr().String()
	}
	var allowedHits, refusedHits atomic.Int32
	allowed := listen(&allowedHits)
	_, refusedPort, _ := net.SplitHostPort(listen(&refusedHits))
	policy, err := confine.Parse("", "127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t, "tok")
	rcv.setConfig(fmt.Sprintf(`{"items": [{"name": "allowed", "kind": "tcp", "address": %q, "interval": "1s"},
		{"name": "internal", "kind": "tcp", "address": "localhost:%s", "interval": "1s"}]}`, allowed, refusedPort), `"v1"`)
	a := New(parse(t, fmt.Sprintf("server: %s\ntoken: tok\nhost: self\nbuffer: {dir: %q}\n", rcv.url(), t.TempDir())), testLogger(t))
	a.SetConfine(policy.Check)
	startAgent(t, a)
	waitFor(t, "the allowed item", 10*time.Second, func() bool {
		p, ok := rcv.find("unyo_check_up", map[string]string{"item": "allowed"})
		return ok && p.value == 1 && allowedHits.Load() > 1
	})
	if n := refusedHits.Load(); n != 0 {
		t.Errorf("the refused item connected %d times", n)
	}
	if _, ok := rcv.find("unyo_check_up", map[string]string{"item": "internal"}); ok {
		t.Error("the refused item reported")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, runs := a.items["internal"]; runs {
		t.Error("the refused item runs")
	}
}
