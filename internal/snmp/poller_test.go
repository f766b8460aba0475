package snmp_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/snmp/snmptest"
)

// TestPollerRunsTargets runs the poller as the server and a collector do:
// the targets' samples reach the sink per tenant and host, and a target
// removed on Reload stops being polled.
func TestPollerRunsTargets(t *testing.T) {
	a := snmptest.Start(t)
	var mu sync.Mutex
	targets := []snmp.Target{
		{Tenant: "acme", Host: "sw-01", Item: "net", Address: a.Address, Version: snmp.V2c, Community: snmptest.Community, Interfaces: true, Interval: time.Second},
		{Tenant: "beta", Host: "sw-b", Item: "sys", Address: a.Address, Version: snmp.V2c, Community: snmptest.Community,
			Get: []snmp.Value{{OID: "1.3.6.1.2.1.1.7.0", Series: "sys_services"}}, Interval: time.Second},
	}
	got := map[string]map[string]int{} // tenant/host → series → samples
	p := snmp.New(snmp.Options{
		Targets: func(context.Context) ([]snmp.Target, error) {
			mu.Lock()
			defer mu.Unlock()
			return append([]snmp.Target(nil), targets...), nil
		},
		Sink: func(_ context.Context, tenant, host string, samples []sample.Sample) error {
			mu.Lock()
			defer mu.Unlock()
			k := tenant + "/" + host
			if got[k] == nil {
				got[k] = map[string]int{}
			}
			for _, s := range samples {
				got[k][s.Name]++
			}
			return nil
		},
		Flush: 100 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	await := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			yes := ok()
			mu.Unlock()
			if yes {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("not within 10s: %s: %v", what, got)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	await("both devices polled", func() bool {
		return got["acme/sw-01"][snmp.IfInOctets] > 0 && got["beta/sw-b"]["sys_services"] > 0 && got["beta/sw-b"][snmp.IfInOctets] == 0
	})
	mu.Lock()
	targets = targets[:1]
	mu.Unlock()
	p.Reload()
	// After the reload has surely applied (two more polls of acme), beta's count stays.
	mu.Lock()
	before := got["acme/sw-01"][snmp.UpMetric]
	mu.Unlock()
	await("acme polled twice more", func() bool { return got["acme/sw-01"][snmp.UpMetric] >= before+2 })
	mu.Lock()
	frozen := got["beta/sw-b"]["sys_services"]
	mu.Unlock()
	await("acme polled twice more again", func() bool { return got["acme/sw-01"][snmp.UpMetric] >= before+4 })
	mu.Lock()
	defer mu.Unlock()
	if got["beta/sw-b"]["sys_services"] != frozen {
		t.Errorf("a removed target is still polled: %d samples, then %d", frozen, got["beta/sw-b"]["sys_services"])
	}
}
