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
