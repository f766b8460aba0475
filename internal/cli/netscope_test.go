package cli

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/probe"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/testwait"
	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
	"github.com/unyo-ops/unyo/internal/zabbix/poll"
)

// keyListener is a Zabbix agent on loopback that answers 1 to every key
// and records the keys it was asked, in order: who dialled it.
type keyListener struct {
	net.Listener
	mu   sync.Mutex
	keys []string
}

func listenKeys(t *testing.T, addr string) *keyListener {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	k := &keyListener{Listener: l}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			key, err := agentproto.Decode(c)
			k.mu.Lock()
			k.keys = append(k.keys, string(key))
			k.mu.Unlock()
			if err == nil {
				c.Write(agentproto.Encode([]byte("1")))
			}
			c.Close()
		}
	}()
	return k
}

func (k *keyListener) asked(key string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, x := range k.keys {
		if x == key {
			n++
		}
	}
	return n
}

// syncLog is a log buffer the poller writes from its goroutines.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestZabbixPollsOnlyTheTenantsNetworks: with --zabbix-allow opening all of
// loopback, tenant a's item naming an agent at 127.0.0.2 — in tenant b's
// networks, not a's — is never dialled and writes zabbix_up 0 with the
// reason in the log, while b's item at the same agent is polled; once the
// MSP admin adds 127.0.0.2 to a's networks, a's next poll reaches it.
func TestZabbixPollsOnlyTheTenantsNetworks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := storage.New(dbtest.Open(t))
	for _, id := range []string{"a", "b"} {
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "en", TimeZone: "UTC"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetTenantNetworks(ctx, "a", []string{"10.9.0.0/16"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetTenantNetworks(ctx, "b", []string{"127.0.0.2/32"}); err != nil {
		t.Fatal(err)
	}
	agent := listenKeys(t, "127.0.0.2:0")
	dialFor, err := (&zabbixConfig{allow: []string{"127.0.0.0/8"}}).dial(outbound.NetworksFrom(st.TenantNetworks))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	up := map[string][]float64{} // zabbix_up by tenant
	sink := func(_ context.Context, tenant, _ string, samples []sample.Sample) error {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range samples {
			if s.Name == poll.UpMetric {
				up[tenant] = append(up[tenant], s.Value)
			}
		}
		return nil
	}
	upOf := func(tenant string) []float64 {
		mu.Lock()
		defer mu.Unlock()
		return append([]float64(nil), up[tenant]...)
	}
	logs := &syncLog{}
	targets := []poll.Target{
		{Tenant: "a", Host: "a-sw", Item: "a-cpu", Address: agent.Addr().String(), Key: "system.cpu.num", Interval: time.Second},
		{Tenant: "b", Host: "b-sw", Item: "b-ping", Address: agent.Addr().String(), Key: "agent.ping", Interval: time.Second},
	}
	p := poll.New(poll.Options{
		Targets: func(context.Context) ([]poll.Target, error) { return targets, nil },
		Sink:    sink, DialFor: dialFor, Flush: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	waitFor(t, "b polled twice and a refused twice", func() bool {
		return agent.asked("agent.ping") >= 2 && len(upOf("a")) >= 2
	})
	if n := agent.asked("system.cpu.num"); n != 0 {
		t.Fatalf("tenant a's item reached the agent in b's network %d times", n)
	}
	for _, v := range upOf("a") {
		if v != 0 {
			t.Fatalf("tenant a's zabbix_up = %v, want only 0: %v", v, upOf("a"))
		}
	}
	if b := upOf("b"); len(b) == 0 || b[0] != 1 {
		t.Errorf("tenant b's zabbix_up = %v, want 1", b)
	}
	if want := "127.0.0.2 is not in tenant a's networks"; !strings.Contains(logs.String(), want) {
		t.Errorf("the log does not say %q:\n%s", want, logs.String())
	}

	// The MSP admin adds the address to a's networks: the next poll of a reaches it.
	if err := st.SetTenantNetworks(ctx, "a", []string{"10.9.0.0/16", "127.0.0.2/32"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a polled once in its own network", func() bool { return agent.asked("system.cpu.num") >= 1 })
}

// waitFor polls cond until it holds, failing after 15 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.For(t, 15*time.Second, what, cond)
}

// TestProbeChecksOnlyTheTenantsNetworks: a TCP check run from the server
// for tenant a, naming a loopback port inside --outbound-allow but only in
// tenant b's networks, is never dialled and writes unyo_check_up 0 with the
// reason; b's check of the same port connects.
func TestProbeChecksOnlyTheTenantsNetworks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := storage.New(dbtest.Open(t))
	for _, id := range []string{"a", "b"} {
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "en", TimeZone: "UTC"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetTenantNetworks(ctx, "b", []string{"127.0.0.2/32"}); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	accepts := 0
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepts++
			mu.Unlock()
			c.Close()
		}
	}()
	accepted := func() int { mu.Lock(); defer mu.Unlock(); return accepts }
	got := map[string][]sample.Sample{}
	sink := func(_ context.Context, tenant, _ string, samples []sample.Sample) error {
		mu.Lock()
		defer mu.Unlock()
		got[tenant] = append(got[tenant], samples...)
		return nil
	}
	upOf := func(tenant string) (ups []float64, reasons []string) {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range got[tenant] {
			switch s.Name {
			case "unyo_check_up":
				ups = append(ups, s.Value)
			case "unyo_check_failure_info":
				for _, l := range s.Labels {
					reasons = append(reasons, l.Value)
				}
			}
		}
		return ups, reasons
	}
	policy := outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	targets := []probe.Target{
		{Tenant: "a", Host: "a-sw", Item: "a-tcp", Type: probe.TypeTCP, Address: l.Addr().String(), Interval: time.Second},
		{Tenant: "b", Host: "b-sw", Item: "b-tcp", Type: probe.TypeTCP, Address: l.Addr().String(), Interval: time.Second},
	}
	p := probe.NewPoller(probe.Options{
		Targets: func(context.Context) ([]probe.Target, error) { return targets, nil },
		Sink:    sink, Flush: 50 * time.Millisecond,
		Env:    probe.Env{Dial: policy.DialContext, Permit: policy.Check},
		EnvFor: probeEnvFor(policy, outbound.NetworksFrom(st.TenantNetworks)),
	})
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "both tenants' checks run twice", func() bool {
		a, _ := upOf("a")
		b, _ := upOf("b")
		return len(a) >= 2 && len(b) >= 2
	})
	cancel()
	<-done // b's count is final; its connections all reach the listener
	a, reasons := upOf("a")
	b, _ := upOf("b")
	waitFor(t, "b's connections accepted", func() bool { return accepted() >= len(b) })
	if accepted() != len(b) {
		t.Errorf("the port accepted %d connections, b ran %d checks: a's check dialled it", accepted(), len(b))
	}
	for _, v := range a {
		if v != 0 {
			t.Fatalf("a's unyo_check_up = %v, want only 0", a)
		}
	}
	if b[0] != 1 {
		t.Errorf("b's unyo_check_up = %v, want 1", b)
	}
	if !strings.Contains(strings.Join(reasons, " "), "127.0.0.2 is not in tenant a's networks") {
		t.Errorf("a's failure reason = %q, want it to name a's networks", reasons)
	}
}

// TestSNMPPollsOnlyTheTenantsNetworks: with --snmp-allow opening all of
// loopback, tenant a's device at 127.0.0.2 — in tenant b's networks, not
// a's — gets no packet of a's (its community never arrives) and a reads
// snmp_up 0, while b's polls reach the same address.
func TestSNMPPollsOnlyTheTenantsNetworks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := storage.New(dbtest.Open(t))
	for _, id := range []string{"a", "b"} {
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "en", TimeZone: "UTC"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetTenantNetworks(ctx, "b", []string{"127.0.0.2/32"}); err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	var mu sync.Mutex
	heard := map[string]int{} // packets by community: who sent
	go func() {
		buf := make([]byte, 65536)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			mu.Lock()
			for _, c := range []string{"a-community", "b-community"} {
				if bytes.Contains(buf[:n], []byte(c)) {
					heard[c]++
				}
			}
			mu.Unlock()
		}
	}()
	count := func(c string) int { mu.Lock(); defer mu.Unlock(); return heard[c] }
	var aUp []float64
	sink := func(_ context.Context, tenant, _ string, samples []sample.Sample) error {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range samples {
			if tenant == "a" && s.Name == snmp.UpMetric {
				aUp = append(aUp, s.Value)
			}
		}
		return nil
	}
	ups := func() []float64 { mu.Lock(); defer mu.Unlock(); return append([]float64(nil), aUp...) }
	logs := &syncLog{}
	policy := outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	target := func(tenant string) snmp.Target {
		return snmp.Target{Tenant: tenant, Host: tenant + "-sw", Item: "sys", Address: pc.LocalAddr().String(), Version: snmp.V2c,
			Community: tenant + "-community", Interval: time.Second, Timeout: 200 * time.Millisecond,
			Get: []snmp.Value{{OID: "1.3.6.1.2.1.1.7.0", Series: "snmp_sys_services"}}}
	}
	p := snmp.New(snmp.Options{
		Targets: func(context.Context) ([]snmp.Target, error) { return []snmp.Target{target("a"), target("b")}, nil },
		Sink:    sink, Flush: 50 * time.Millisecond, Dialer: policy.Dialer(),
		ControlFor: snmpControlFor(policy, outbound.NetworksFrom(st.TenantNetworks)),
		Logger:     slog.New(slog.NewTextHandler(logs, nil)),
	})
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "b's packets and a's snmp_up twice", func() bool { return count("b-community") >= 1 && len(ups()) >= 2 })
	if n := count("a-community"); n != 0 {
		t.Fatalf("tenant a's device poll reached the address in b's network: %d packets", n)
	}
	for _, v := range ups() {
		if v != 0 {
			t.Fatalf("a's snmp_up = %v, want only 0", ups())
		}
	}
	if want := "127.0.0.2 is not in tenant a's networks"; !strings.Contains(logs.String(), want) {
		t.Errorf("the log does not say %q:\n%s", want, logs.String())
	}
}
