package agentproto_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
	"github.com/unyo-ops/unyo/internal/zabbix/psk"
	"github.com/unyo-ops/unyo/internal/zabbix/zabbixtest"
)

const (
	testIdentity = "PSK unyo 001"
	testKey      = "1f87b595725ac58dd977beef14b97461a7c1045b9a1c963065002c5473194952"
)

func mustKey(t *testing.T, identity, hexKey string) *psk.Key {
	t.Helper()
	b, err := psk.ParseKey(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	return &psk.Key{Identity: identity, Secret: b}
}

// TestRealAgentPSK polls Debian's zabbix_agent2 configured with
// TLSAccept=psk: with its identity and key the values come, over TLS 1.3
// as the agent's OpenSSL 3 chooses; a wrong key or identity gets no value
// and an error naming the PSK handshake.
func TestRealAgentPSK(t *testing.T) {
	a := zabbixtest.StartAgentPSK(t, testIdentity, testKey)
	c := &agentproto.Client{Timeout: 5 * time.Second, PSK: mustKey(t, testIdentity, testKey)}
	r, err := c.Get(context.Background(), a.Address, "agent.version")
	if err != nil || !r.Supported || !strings.HasPrefix(r.Value, "6.") {
		t.Fatalf("agent.version over PSK: %+v %v", r, err)
	}
	r, err = c.Get(context.Background(), a.Address, "vfs.fs.size[/,pused]")
	if err != nil || !r.Supported || r.Value == "" {
		t.Fatalf("vfs.fs.size over PSK: %+v %v", r, err)
	}

	raw, err := net.Dial("tcp", a.Address)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetDeadline(time.Now().Add(5 * time.Second))
	pc, err := psk.Client(context.Background(), raw, *mustKey(t, testIdentity, testKey))
	if err != nil {
		t.Fatal(err)
	}
	if st := pc.State(); st.Version != "TLSv1.3" {
		t.Errorf("zabbix_agent2 agreed %+v", st)
	}
	pc.Close()

	f := func(k *psk.Key) {
		t.Helper()
		bad := &agentproto.Client{Timeout: 5 * time.Second, PSK: k}
		r, err := bad.Get(context.Background(), a.Address, "agent.version")
		if err == nil {
			t.Fatalf("identity %q: the agent answered %+v", k.Identity, r)
		}
		if !errors.Is(err, psk.ErrHandshake) || !strings.Contains(err.Error(), "PSK handshake failed: ") {
			t.Errorf("identity %q: %v", k.Identity, err)
		}
		t.Logf("identity %q, wrong key or identity: %v", k.Identity, err)
		if strings.Contains(err.Error(), testKey[:16]) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
	f(mustKey(t, testIdentity, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"))
	f(mustKey(t, "PSK someone else", testKey))
}

// TestPSKToPlainAgent: a PSK check of an agent that accepts only plain
// text fails the handshake, and says the agent is not answering in TLS.
func TestPSKToPlainAgent(t *testing.T) {
	a := zabbixtest.StartAgent(t)
	c := &agentproto.Client{Timeout: 5 * time.Second, PSK: mustKey(t, testIdentity, testKey)}
	_, err := c.Get(context.Background(), a.Address, "agent.version")
	if !errors.Is(err, psk.ErrHandshake) {
		t.Fatalf("PSK to a plain agent: %v", err)
	}
	t.Logf("PSK to a plain agent: %v", err)
}

// TestRealAgentPSKConcurrent: many checks at once, each its own SSL, as
// the poller runs them (run with -race for the Go side).
func TestRealAgentPSKConcurrent(t *testing.T) {
	a := zabbixtest.StartAgentPSK(t, testIdentity, testKey)
	c := &agentproto.Client{Timeout: 10 * time.Second, PSK: mustKey(t, testIdentity, testKey)}
	var wg sync.WaitGroup
	errs := make(chan error, 80)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				r, err := c.Get(context.Background(), a.Address, "system.cpu.num")
				if err == nil && !r.Supported {
					err = errors.New(r.Error)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
