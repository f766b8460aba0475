package blueprint

import (
	"context"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// An snmp item's community and a zabbix item's PSK, given as references,
// are applied sealed; a second plan is empty; a changed secret plans
// "(secret)" for its item alone; export writes references that plan to no
// changes; no value shows in plans, exports or the audit log.
func TestItemSecretsApplied(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	env := map[string]string{"NET_COMMUNITY": "c0mmunity-secret", "ZBX_PSK": "1f87b595725ac58dd977beef14b97461"}
	files := map[string][]byte{"a.yaml": []byte(`tenant: acme-shop
resources:
  - {name: sw-01, kind: network, labels: {snmp_address: 10.0.0.9}}
assignments:
  - {template: network, resource: sw-01}
templates:
  - name: network
    items:
      - name: if
        kind: snmp
        snmp: {address: "${label.snmp_address}", version: 2c, community: "${env:NET_COMMUNITY}", interfaces: true}
      - name: cpu
        kind: zabbix
        zabbix: {address: "${host}", key: system.cpu.util, tls_connect: psk, tls_psk_identity: unyo, tls_psk: "${env:ZBX_PSK}"}
`)}
	load := func() *Design {
		t.Helper()
		d, err := LoadFiles(files, Options{Resolve: func(kind, arg string) (string, error) { return env[arg], nil }})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// Through the API, as the command line sends it: the secrets travel
	// in the request (the API's item form would hide them).
	if status, _, b := apitest.Do(t, f.srv, "POST", "/api/v1/tenants/acme-shop/design/apply", "acme-shop:write", map[string]any{"design": load()}); status != 200 {
		t.Fatalf("apply: %d %s", status, b)
	}
	if targets, err := f.stores.Monitoring.SNMPTargets(ctx); err != nil || len(targets) != 1 || targets[0].Community != "c0mmunity-secret" {
		t.Fatalf("the poller's targets after the API's apply: %v", err)
	}
	if p := f.plan(t, load(), false); !p.Empty() {
		t.Fatalf("a second plan:\n%s", changes(p))
	}
	env["NET_COMMUNITY"] = "c0mmunity-rotated"
	p := f.plan(t, load(), false)
	if got := changes(p); got != "update template network [items.if.snmp: (secret) → (secret)]" {
		t.Fatalf("plan of a rotated community:\n%s", got)
	}
	env["ZBX_PSK"] = "2f87b595725ac58dd977beef14b97461"
	p = f.plan(t, load(), false)
	if got := changes(p); got != "update template network [items.if.snmp: (secret) → (secret)] [items.cpu.zabbix.tls_psk: (secret) → (secret)]" {
		t.Fatalf("plan of a rotated community and key:\n%s", got)
	}
	f.apply(t, load(), false)
	if p := f.plan(t, load(), false); !p.Empty() {
		t.Fatalf("after the rotation:\n%s", changes(p))
	}
	// The poller gets the rotated community.
	targets, err := f.stores.Monitoring.SNMPTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 1 || targets[0].Host != "sw-01" || targets[0].Community != "c0mmunity-rotated" {
		t.Fatalf("the poller's targets: %d", len(targets))
	}

	exported, err := f.planner.Export(ctx, "acme-shop")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Files(exported)
	if err != nil {
		t.Fatal(err)
	}
	if refs := strings.Join(References(exported), " "); refs != "${env:UNYO_NETWORK_CPU_TLS_PSK} ${env:UNYO_NETWORK_IF_COMMUNITY}" {
		t.Fatalf("references %s", refs)
	}
	log, _ := f.stores.Objects.AuditLog(ctx, "acme-shop", 50)
	var seen strings.Builder
	seen.Write(out["templates.yaml"])
	for _, e := range log {
		seen.Write(e.Detail)
	}
	for _, v := range []string{"c0mmunity", "2f87b595", "1f87b595"} {
		if strings.Contains(seen.String(), v) {
			t.Fatalf("a secret (%s) in the export or the audit log:\n%s", v, seen.String())
		}
	}
	dir := t.TempDir()
	writeFiles(t, dir, out)
	env2 := map[string]string{"UNYO_NETWORK_CPU_TLS_PSK": env["ZBX_PSK"], "UNYO_NETWORK_IF_COMMUNITY": env["NET_COMMUNITY"]}
	d, err := Load(dir, Options{Resolve: func(kind, arg string) (string, error) { return env2[arg], nil }})
	if err != nil {
		t.Fatal(err)
	}
	if p := f.plan(t, d, true); !p.Empty() {
		t.Fatalf("the export plans:\n%s", changes(p))
	}
}
