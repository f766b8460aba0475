package monitoring

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
)

func TestZabbixItemValidate(t *testing.T) {
	f := func(body, wantField string) {
		t.Helper()
		var it Item
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&it); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		it.Normalize()
		err := it.Validate()
		if wantField == "" {
			if err != nil {
				t.Errorf("%s: unexpected error %v", body, err)
			}
			return
		}
		if e, ok := invalid.As(err); !ok || e.Field != wantField {
			t.Errorf("%s: %v, want an error on %q", body, err, wantField)
		}
	}
	f(`{"name":"fs-root","kind":"zabbix","zabbix":{"address":"${host}","key":"vfs.fs.size[/,pused]"}}`, "")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"10.0.0.5:10050","key":"system.cpu.util"},"interval":"30s"}`, "")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"${label.zabbix_address}","key":"system.cpu.util","tls":true}}`, "")
	f(`{"name":"cpu","kind":"zabbix"}`, "zabbix")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"key":"system.cpu.util"}}`, "zabbix.address")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"http://x/","key":"system.cpu.util"}}`, "zabbix.address")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"${nolabel}","key":"system.cpu.util"}}`, "zabbix.address")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"vfs.fs.size[/"}}`, "zabbix.key")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"log[/var/log/messages,error]"}}`, "zabbix.key")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.run[rm -rf /tmp/x,nowait]"}}`, "zabbix.key")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"vfs.fs.size[{#FSNAME},pused]"}}`, "zabbix.key")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util"},"severity":"critical"}`, "severity")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util"},"threshold":{"op":">","warning":1}}`, "threshold")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"zabbix":{"address":"h","key":"k"},"threshold":{"op":">","warning":1}}`, "zabbix")
	const key = "1f87b595725ac58dd977beef14b97461"
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_connect":"psk","tls_psk_identity":"PSK 001","tls_psk":"`+key+`"}}`, "")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_connect":"psk","tls_psk_identity":"PSK 001","tls_psk_set":true}}`, "")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_connect":"cert"}}`, "")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_connect":"unencrypted"}}`, "")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_connect":"PSK"}}`, "zabbix.tls_connect")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_connect":"unencrypted","tls":true}}`, "zabbix.tls_connect")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_connect":"psk","tls":true,"tls_psk_identity":"PSK 001"}}`, "zabbix.tls")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_connect":"psk","tls_psk":"`+key+`"}}`, "zabbix.tls_psk_identity")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_connect":"psk","tls_psk_identity":"`+strings.Repeat("x", 129)+`"}}`, "zabbix.tls_psk_identity")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_connect":"psk","tls_psk_identity":"PSK 001","tls_psk":"1f87b5"}}`, "zabbix.tls_psk")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_connect":"psk","tls_psk_identity":"PSK 001","tls_psk":"`+strings.Repeat("g", 32)+`"}}`, "zabbix.tls_psk")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_psk_identity":"PSK 001","tls_psk":"`+key+`"}}`, "zabbix.tls_psk_identity")
	f(`{"name":"cpu","kind":"zabbix","zabbix":{"address":"h","key":"system.cpu.util","tls_psk":"`+key+`"}}`, "zabbix.tls_psk")
}

// TestZabbixPSKStored: an item with tls_connect psk is stored with its key
// sealed: never in clear in the database, never in what the API returns
// (tls_psk_set instead), kept by an update that leaves it out, and opened
// for the poller, of its own tenant only. A bad or missing key is a 400
// naming the field, and stores nothing.
func TestZabbixPSKStored(t *testing.T) {
	s := newServer(t)
	s.s.SealWith(testBox(t))
	const key = "1f87b595725ac58dd977beef14b97461a7c1045b9a1c963065002c5473194952"
	base := "/api/v1/tenants/acme/monitoring/items"
	item := func(z map[string]any) map[string]any {
		z["address"], z["key"] = "127.0.0.1", "system.cpu.util"
		return map[string]any{"resource_id": s.web1.ID, "name": "cpu-psk", "kind": "zabbix", "zabbix": z}
	}
	f := func(z map[string]any, field string) {
		t.Helper()
		code, _, body := s.do(t, "POST", base, acmeRW, item(z))
		if code != 400 || !strings.Contains(string(body), `"field":"`+field+`"`) || strings.Contains(string(body), "1f87b595") {
			t.Errorf("%v: %d %s", z, code, body)
		}
	}
	f(map[string]any{"tls_connect": "psk", "tls_psk_identity": "PSK 001"}, "zabbix.tls_psk")
	f(map[string]any{"tls_connect": "psk", "tls_psk_identity": "PSK 001", "tls_psk": "1f87b595725ac58dd977beef14b9746"}, "zabbix.tls_psk")
	f(map[string]any{"tls_connect": "psk", "tls_psk": key}, "zabbix.tls_psk_identity")
	if _, _, list := s.do(t, "GET", base, acmeRO, nil); strings.Contains(string(list), "cpu-psk") {
		t.Fatalf("a refused item was stored: %s", list)
	}

	code, _, body := s.do(t, "POST", base, acmeRW, item(map[string]any{"tls_connect": "psk", "tls_psk_identity": "PSK 001", "tls_psk": key}))
	if code != 201 || strings.Contains(string(body), key[:16]) || !strings.Contains(string(body), `"tls_psk_set":true`) ||
		!strings.Contains(string(body), `"tls_psk_identity":"PSK 001"`) {
		t.Fatalf("create: %d %s", code, body)
	}
	var created Item
	if err := json.Unmarshal(body, &created); err != nil {
		t.Fatal(err)
	}
	_, _, list := s.do(t, "GET", base, acmeRO, nil)
	var spec string
	if err := s.s.db.QueryRowContext(context.Background(), `SELECT spec FROM monitoring_items WHERE id=?`, created.ID).Scan(&spec); err != nil {
		t.Fatal(err)
	}
	for _, where := range []string{string(list), spec} {
		if strings.Contains(where, key[:16]) {
			t.Errorf("the key in clear: %s", where)
		}
	}
	poll := func() []byte {
		t.Helper()
		targets, err := s.s.ZabbixTargets(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range targets {
			if tg.Item == "cpu-psk" && tg.PSK != nil && tg.PSK.Identity == "PSK 001" {
				return tg.PSK.Secret
			}
		}
		t.Fatalf("no PSK target in %+v", targets)
		return nil
	}
	if got := poll(); fmt.Sprintf("%x", got) != key {
		t.Errorf("the poller's key: %x", got)
	}

	// Sent back as read (tls_psk_set, no key), with a new interval: the key stays.
	var back map[string]any
	json.Unmarshal(body, &back)
	back["interval"] = "30s"
	if code, _, body := s.do(t, "PUT", fmt.Sprintf("%s/%d", base, created.ID), acmeRW, back); code != 200 {
		t.Fatalf("update: %d %s", code, body)
	}
	if got := poll(); fmt.Sprintf("%x", got) != key {
		t.Errorf("the key after an update without it: %x", got)
	}
	// Sealed for acme: it does not open as another tenant's.
	stored, err := s.s.Item(context.Background(), "acme", created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.s.openZabbixPSK("beta", stored.Zabbix); err == nil {
		t.Error("acme's sealed PSK opened as beta's")
	}
	// Back to unencrypted: the key is dropped.
	back["zabbix"].(map[string]any)["tls_connect"] = "unencrypted"
	delete(back["zabbix"].(map[string]any), "tls_psk_identity")
	if code, _, body := s.do(t, "PUT", fmt.Sprintf("%s/%d", base, created.ID), acmeRW, back); code != 200 || strings.Contains(string(body), "tls_psk") {
		t.Fatalf("update to unencrypted: %d %s", code, body)
	}
	s.s.db.QueryRowContext(context.Background(), `SELECT spec FROM monitoring_items WHERE id=?`, created.ID).Scan(&spec)
	if strings.Contains(spec, "sealed") {
		t.Errorf("an unencrypted item kept a key: %s", spec)
	}
}

// TestZabbixTargets checks what the server's poller is given: every
// tenant's hosts whose resolved items are zabbix, with placeholders filled,
// the default port and interval, and nothing of items that are disabled or
// cannot run on the host.
func TestZabbixTargets(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	web := addResource(t, s, "acme", "web-01", "host", map[string]string{"os": "linux", "zabbix_address": "10.0.0.5"})
	addResource(t, s, "acme", "web-02", "host", map[string]string{"os": "linux"}) // no zabbix_address: a problem
	db := addResource(t, s, "beta", "db-01", "host", map[string]string{"os": "linux"})
	tmpl := &Template{TenantID: "acme", Name: "Linux by Zabbix agent", Items: []*Item{
		{Name: "fs-root", Kind: KindZabbix, Zabbix: &Zabbix{Address: "${label.zabbix_address}", Key: "vfs.fs.size[/,pused]"}},
		{Name: "cpu", Kind: KindZabbix, Zabbix: &Zabbix{Address: "${label.zabbix_address}:10051", Key: "system.cpu.util"}, Interval: dur("30s")},
		{Name: "off", Kind: KindZabbix, Zabbix: &Zabbix{Address: "${label.zabbix_address}", Key: "agent.ping"}, Disabled: true},
	}}
	if err := s.CreateTemplate(ctx, tmpl); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAssignment(ctx, &Assignment{TenantID: "acme", TemplateID: tmpl.ID, Selector: "os=linux"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateItem(ctx, &Item{TenantID: "beta", ResourceID: db.ID, Name: "mem", Kind: KindZabbix,
		Zabbix: &Zabbix{Address: "${host}", Key: "vm.memory.size[available]"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ZabbixTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, g := range got {
		lines = append(lines, strings.Join([]string{g.Tenant, g.Host, g.Item, g.Address, g.Key, g.Interval.String()}, " "))
	}
	want := []string{
		"acme web-01 fs-root 10.0.0.5:10050 vfs.fs.size[/,pused] 1m0s",
		"acme web-01 cpu 10.0.0.5:10051 system.cpu.util 30s",
		"beta db-01 mem db-01:10050 vm.memory.size[available] 1m0s",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("targets:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	// The item reads back as written, and web-02 shows why it is not polled.
	items, err := s.EffectiveItems(ctx, "acme", web.ID+1)
	if err != nil {
		t.Fatal(err)
	}
	if items[0].Problem == "" || items[0].Zabbix == nil || items[0].Zabbix.Key != "vfs.fs.size[/,pused]" {
		t.Errorf("web-02's item: %+v", items[0])
	}
}

// TestZabbixTargetsBehindCollector checks that a resource behind a
// collector is polled by that collector only: the server's list leaves it
// out, the collector's list holds it and nothing else.
func TestZabbixTargetsBehindCollector(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	addResource(t, s, "acme", "web-01", "host", map[string]string{"os": "linux"})
	addResource(t, s, "acme", "sw-01", "host", map[string]string{"os": "linux", CollectorLabel: "osaka"})
	addResource(t, s, "beta", "db-01", "host", map[string]string{"os": "linux", CollectorLabel: "osaka"})
	for _, tenant := range []string{"acme", "beta"} {
		tmpl := &Template{TenantID: tenant, Name: "Linux by Zabbix agent", Items: []*Item{
			{Name: "cpu", Kind: KindZabbix, Zabbix: &Zabbix{Address: "${host}", Key: "system.cpu.util"}},
		}}
		if err := s.CreateTemplate(ctx, tmpl); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAssignment(ctx, &Assignment{TenantID: tenant, TemplateID: tmpl.ID, Selector: "os=linux"}); err != nil {
			t.Fatal(err)
		}
	}
	hosts := func(sc Scope) string {
		got, err := s.ZabbixTargetsIn(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range got {
			out = append(out, g.Tenant+"/"+g.Host)
		}
		return strings.Join(out, " ")
	}
	if got := hosts(Server); got != "acme/web-01" {
		t.Errorf("server polls %q, want only acme/web-01", got)
	}
	if got := hosts(Scope{Tenant: "acme", Collector: "osaka"}); got != "acme/sw-01" {
		t.Errorf("acme's collector osaka polls %q, want only acme/sw-01", got)
	}
}
