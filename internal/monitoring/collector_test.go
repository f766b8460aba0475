package monitoring

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/collector"
)

// TestCollectorTargetsHandler is a collector's pull: its token's tenant,
// only the resources labelled with its name, the zabbix item resolved as
// the server's poller would run it; a bad name answers 400 naming the field.
func TestCollectorTargetsHandler(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	addResource(t, s.s, "acme", "sw-01", "host", map[string]string{"role": "switch", "zabbix_address": "10.1.2.3", CollectorLabel: "osaka"})
	addResource(t, s.s, "acme", "sw-02", "host", map[string]string{"role": "switch", "zabbix_address": "10.1.2.4", CollectorLabel: "kyoto"})
	addResource(t, s.s, "acme", "sw-03", "host", map[string]string{"role": "switch", "zabbix_address": "10.1.2.5"})
	addResource(t, s.s, "beta", "b-sw", "host", map[string]string{"role": "switch", "zabbix_address": "10.9.9.9", CollectorLabel: "osaka"})
	for _, tenant := range []string{"acme", "beta"} {
		tmpl := &Template{TenantID: tenant, Name: "Switch by Zabbix agent", Items: []*Item{
			{Name: "cpu", Kind: KindZabbix, Interval: dur("30s"), Zabbix: &Zabbix{Address: "${label.zabbix_address}", Key: "system.cpu.util"}},
		}}
		if err := s.s.CreateTemplate(ctx, tmpl); err != nil {
			t.Fatal(err)
		}
		if err := s.s.CreateAssignment(ctx, &Assignment{TenantID: tenant, TemplateID: tmpl.ID, Selector: "role=switch"}); err != nil {
			t.Fatal(err)
		}
	}
	code, _, body := s.do(t, "GET", collector.TargetsPath+"?collector=osaka", acmeCol, nil)
	if code != 200 {
		t.Fatalf("targets = %d %s", code, body)
	}
	var got collector.Targets
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := collector.ZabbixTarget{Host: "sw-01", Item: "cpu", Address: "10.1.2.3:10050", Key: "system.cpu.util", Interval: 30000}
	if got.Collector != "osaka" || len(got.Zabbix) != 1 || got.Zabbix[0] != want {
		t.Fatalf("acme's collector osaka gets %+v, want only %+v", got, want)
	}
	// An MSP-wide token names the tenant; a collector nobody is behind gets an empty list.
	code, _, body = s.do(t, "GET", collector.TargetsPath+"?collector=osaka&tenant=beta", ":collect", nil)
	if code != 200 || !json.Valid(body) || !contains(body, `"host":"b-sw"`) || contains(body, "sw-01") {
		t.Fatalf("beta's osaka = %d %s", code, body)
	}
	code, _, body = s.do(t, "GET", collector.TargetsPath+"?collector=nagoya", acmeCol, nil)
	if code != 200 || !contains(body, `"zabbix":[]`) {
		t.Fatalf("a collector with nothing behind it = %d %s", code, body)
	}
	f := func(path, token string, want int, field string) {
		t.Helper()
		code, _, body := s.do(t, "GET", path, token, nil)
		if code != want || (field != "" && !contains(body, `"field":"`+field+`"`)) {
			t.Errorf("%s as %q = %d %s, want %d naming %q", path, token, code, body, want, field)
		}
	}
	f(collector.TargetsPath, acmeCol, 400, "collector")
	f(collector.TargetsPath+"?collector=a%20b", acmeCol, 400, "collector")
	f(collector.TargetsPath+"?collector=osaka", acmeRO, 403, "")
	// An ordinary agent's ingest token, copied to every host, may not read
	// what a collector polls (SNMP communities among it).
	f(collector.TargetsPath+"?collector=osaka", acmeAgt, 403, "")
	f(collector.TargetsPath+"?collector=osaka", ":collect", 400, "tenant")
	f(collector.TargetsPath+"?collector=osaka", "", 401, "")
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// TestCollectorTemplate is the health of a collector: assigned to its host,
// the built-in template watches the collector's own series, on that host only.
func TestCollectorTemplate(t *testing.T) {
	d := newDesign(t)
	gw := addResource(t, d.s, "acme", "gw-01", "host", map[string]string{"role": "collector"})
	d.assign(t, "acme", "collector", "role=collector", 0)
	items, err := d.s.EffectiveItems(context.Background(), "acme", gw.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, it := range items {
		got[it.Name] = it.Query
	}
	if got["collector-nodata"] != `absent_over_time(unyo_collector_up{host="gw-01"}[3m])` {
		t.Errorf("collector-nodata reads %q", got["collector-nodata"])
	}
	if got["forward-lag"] != `unyo_collector_forward_lag_seconds{host="gw-01"}` {
		t.Errorf("forward-lag reads %q", got["forward-lag"])
	}
}
