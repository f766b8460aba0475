package poll_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
	"github.com/unyo-ops/unyo/internal/zabbix/poll"
	"github.com/unyo-ops/unyo/internal/zabbix/psk"
	"github.com/unyo-ops/unyo/internal/zabbix/zabbixtest"
)

func label(s sample.Sample, name string) string {
	for _, l := range s.Labels {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

// TestPollRealAgent polls Debian's zabbix_agent2 and checks the samples a
// user then queries: the value under the documented series, and the
// up/supported series for a key the agent does not know.
func TestPollRealAgent(t *testing.T) {
	a := zabbixtest.StartAgent(t)
	c := &agentproto.Client{Timeout: 5 * time.Second}
	f := func(key, metric string, labels ...string) {
		t.Helper()
		ss, out := poll.Poll(context.Background(), c, poll.Target{Item: "fs", Address: a.Address, Key: key}, time.Now())
		if !out.Stored || len(ss) != 3 {
			t.Fatalf("%s: %+v %+v", key, out, ss)
		}
		v := ss[2]
		if v.Name != metric || label(v, "key") != key || label(v, "item") != "fs" {
			t.Errorf("%s: %+v", key, v)
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if got := label(v, labels[i]); got != labels[i+1] {
				t.Errorf("%s: %s=%q, want %q", key, labels[i], got, labels[i+1])
			}
		}
		if ss[0].Name != poll.UpMetric || ss[0].Value != 1 || ss[1].Name != poll.SupportedMetric || ss[1].Value != 1 {
			t.Errorf("%s: status %+v", key, ss[:2])
		}
	}
	f("vfs.fs.size[/,pused]", "zabbix_vfs_fs_size", "fs", "/", "mode", "pused")
	f("vm.memory.size[available]", "zabbix_vm_memory_size", "mode", "available")
	f("system.cpu.util", "zabbix_system_cpu_util")
	f("net.if.in[lo]", "zabbix_net_if_in", "interface", "lo")

	ss, out := poll.Poll(context.Background(), c, poll.Target{Item: "x", Address: a.Address, Key: "nosuch.key"}, time.Now())
	if out.Stored || !out.Answered || len(ss) != 2 || ss[0].Value != 1 || ss[1].Value != 0 || !strings.Contains(out.Reason, "nosuch.key") {
		t.Errorf("nosuch.key: %+v %+v", out, ss)
	}
	ss, out = poll.Poll(context.Background(), c, poll.Target{Item: "x", Address: a.Address, Key: "agent.version"}, time.Now())
	if out.Stored || !out.Answered || ss[1].Value != 0 || !strings.Contains(out.Reason, "not a number") {
		t.Errorf("a text value: %+v %+v", out, ss)
	}
}

// TestPollerRuns runs the scheduler against the real agent, and checks that
// a host gone silent reads zabbix_up 0.
func TestPollerRuns(t *testing.T) {
	a := zabbixtest.StartAgent(t)
	var mu sync.Mutex
	got := map[string][]sample.Sample{}
	targets := []poll.Target{
		{Tenant: "acme", Host: "web-01", Item: "cpu", Address: a.Address, Key: "system.cpu.util", Interval: time.Second},
		{Tenant: "acme", Host: "gone", Item: "cpu", Address: "127.0.0.1:1", Key: "system.cpu.util", Interval: time.Second},
	}
	p := poll.New(poll.Options{
		Targets: func(context.Context) ([]poll.Target, error) { return targets, nil },
		Sink: func(_ context.Context, tenant, host string, ss []sample.Sample) error {
			mu.Lock()
			defer mu.Unlock()
			got[tenant+"/"+host] = append(got[tenant+"/"+host], ss...)
			return nil
		},
		Timeout: time.Second, Flush: 100 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		web, gone := got["acme/web-01"], got["acme/gone"]
		mu.Unlock()
		if len(web) >= 6 && len(gone) >= 2 { // two polls of web-01, one of gone
			var values int
			for _, s := range web {
				if s.Name == "zabbix_system_cpu_util" && s.Value >= 0 && s.Value <= 100 {
					values++
				}
			}
			if values < 2 {
				t.Errorf("web-01: %d CPU values in %+v", values, web)
			}
			if gone[0].Name != poll.UpMetric || gone[0].Value != 0 {
				t.Errorf("the silent host: %+v", gone)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15s: web-01 %d samples, gone %d", len(web), len(gone))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestPollerPSK runs the scheduler against zabbix_agent2 with
// TLSAccept=psk: the target with the agent's identity and key stores
// values; the one with a wrong key stores none and reads zabbix_up 0, and
// its reason is the PSK handshake.
func TestPollerPSK(t *testing.T) {
	const id, hexKey = "PSK unyo 001", "1f87b595725ac58dd977beef14b97461a7c1045b9a1c963065002c5473194952"
	a := zabbixtest.StartAgentPSK(t, id, hexKey)
	key, _ := psk.ParseKey(hexKey)
	wrong, _ := psk.ParseKey("00112233445566778899aabbccddeeff")
	var mu sync.Mutex
	got := map[string][]sample.Sample{}
	targets := []poll.Target{
		{Tenant: "acme", Host: "web-01", Item: "cpu", Address: a.Address, Key: "system.cpu.util", Interval: time.Second, PSK: &psk.Key{Identity: id, Secret: key}},
		{Tenant: "acme", Host: "web-02", Item: "cpu", Address: a.Address, Key: "system.cpu.util", Interval: time.Second, PSK: &psk.Key{Identity: id, Secret: wrong}},
	}
	p := poll.New(poll.Options{
		Targets: func(context.Context) ([]poll.Target, error) { return targets, nil },
		Sink: func(_ context.Context, tenant, host string, ss []sample.Sample) error {
			mu.Lock()
			defer mu.Unlock()
			got[host] = append(got[host], ss...)
			return nil
		},
		Timeout: 5 * time.Second, Flush: 100 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		good, bad := append([]sample.Sample(nil), got["web-01"]...), append([]sample.Sample(nil), got["web-02"]...)
		mu.Unlock()
		if len(good) >= 3 && len(bad) >= 2 {
			if good[0].Value != 1 || good[2].Name != "zabbix_system_cpu_util" {
				t.Errorf("with the key: %+v", good)
			}
			for _, s := range bad {
				if s.Name == "zabbix_system_cpu_util" || (s.Name == poll.UpMetric && s.Value != 0) {
					t.Errorf("with a wrong key: %+v", bad)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20s: web-01 %d samples, web-02 %d", len(good), len(bad))
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, out := poll.Poll(context.Background(), &agentproto.Client{Timeout: 5 * time.Second, PSK: targets[1].PSK}, targets[1], time.Now())
	if out.Stored || out.Answered || !strings.Contains(out.Reason, "PSK handshake failed") {
		t.Errorf("a wrong key: %+v", out)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
