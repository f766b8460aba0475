package monitoring

import (
	"context"
	"strings"
	"testing"
)

// TestEffectiveItemsSayWhatIsOutsideTheNetworks: the item list marks the
// items the server polls whose address is an internal IP outside the
// tenant's networks, with the reason; not those inside them, public ones,
// names, agent items, nor those behind a collector. The items are still
// polled (their up series reads 0): the targets list keeps them.
func TestEffectiveItemsSayWhatIsOutsideTheNetworks(t *testing.T) {
	s := newStore(t)
	s.SealWith(testBox(t)) // the snmp item's community
	ctx := context.Background()
	if err := s.resources.SetTenantNetworks(ctx, "acme", []string{"10.1.0.0/16"}); err != nil {
		t.Fatal(err)
	}
	sw := addResource(t, s, "acme", "sw-01", "network", nil)
	behind := addResource(t, s, "acme", "sw-02", "network", map[string]string{CollectorLabel: "dc1"})
	for _, it := range []*Item{
		{ResourceID: sw.ID, Name: "zbx-out", Kind: KindZabbix, Zabbix: &Zabbix{Address: "10.2.0.5", Key: "agent.ping"}},
		{ResourceID: sw.ID, Name: "zbx-in", Kind: KindZabbix, Zabbix: &Zabbix{Address: "10.1.0.5:10050", Key: "agent.ping"}},
		{ResourceID: sw.ID, Name: "snmp-out", Kind: KindSNMP, SNMP: &SNMP{Address: "192.168.3.3", Version: "2c", Community: "c", Interfaces: true}},
		{ResourceID: sw.ID, Name: "tcp-out", Kind: KindCheck, Severity: SeverityWarning, Check: &Check{Type: CheckTCP, From: FromServer, Address: "[fd00::7]:22"}},
		{ResourceID: sw.ID, Name: "ping-public", Kind: KindCheck, Severity: SeverityWarning, Check: &Check{Type: CheckPing, From: FromServer, Address: "93.184.216.34"}},
		{ResourceID: sw.ID, Name: "zbx-name", Kind: KindZabbix, Zabbix: &Zabbix{Address: "sw-01.corp.example", Key: "agent.ping"}},
		{ResourceID: behind.ID, Name: "zbx-behind", Kind: KindZabbix, Zabbix: &Zabbix{Address: "10.2.0.5", Key: "agent.ping"}},
	} {
		it.TenantID = "acme"
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatalf("%s: %v", it.Name, err)
		}
	}
	got := map[string]string{}
	for _, res := range []int64{sw.ID, behind.ID} {
		items, err := s.EffectiveItems(ctx, "acme", res)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Unreachable != nil {
				got[it.Name] = it.Unreachable.Address + " | " + it.Unreachable.Reason
			}
		}
	}
	want := map[string]string{
		"zbx-out":  "10.2.0.5 | 10.2.0.5 is not in tenant acme's networks",
		"snmp-out": "192.168.3.3 | 192.168.3.3 is not in tenant acme's networks",
		"tcp-out":  "fd00::7 | fd00::7 is not in tenant acme's networks",
	}
	for name, w := range want {
		if !strings.HasPrefix(got[name], w) {
			t.Errorf("%s: %q, want %q…", name, got[name], w)
		}
		delete(got, name)
	}
	for name, g := range got {
		t.Errorf("%s marked unreachable: %s", name, g)
	}
	targets, err := s.ZabbixTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 3 {
		t.Errorf("the server's zabbix targets = %+v, want zbx-out, zbx-in and zbx-name (refused at dial time, not dropped)", targets)
	}
}
