package monitoring

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// TestServerCheckValidate: where a check runs decides what it may be; a
// server-run check is held to the same rules as the agent's.
func TestServerCheckValidate(t *testing.T) {
	f := func(check, wantField string) {
		t.Helper()
		body := `{"name":"gw","kind":"check","check":` + check + `,"severity":"critical"}`
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
				t.Fatalf("%s: unexpected error %v", check, err)
			}
			return
		}
		if e, ok := invalid.As(err); !ok || e.Field != wantField {
			t.Fatalf("%s: %v, want an error on %q", check, err, wantField)
		}
	}
	f(`{"type":"ping","from":"server","address":"${label.ip}"}`, "")
	f(`{"type":"ping","from":"server","address":"10.0.0.1","count":5,"spacing":"200ms"}`, "")
	f(`{"type":"ping","from":"server","address":"fd00::1"}`, "")
	f(`{"type":"ping","address":"10.0.0.1"}`, "check.from")
	f(`{"type":"ping","from":"agent","address":"10.0.0.1"}`, "check.from")
	f(`{"type":"ping","from":"server"}`, "check.address")
	f(`{"type":"ping","from":"server","address":"10.0.0.1:80"}`, "check.address")
	f(`{"type":"ping","from":"server","address":"10.0.0.1","count":50}`, "check.count")
	f(`{"type":"ping","from":"server","address":"10.0.0.1","spacing":"1ms"}`, "check.spacing")
	f(`{"type":"ping","from":"server","address":"10.0.0.1","count":20}`, "check.timeout")
	f(`{"type":"ping","from":"server","address":"10.0.0.1","count":20,"timeout":"20s"},"interval":"30s"`, "")
	f(`{"type":"tls","from":"server","address":"vpn.example.com:443","tls_days":30}`, "")
	f(`{"type":"tls","from":"server","address":"vpn.example.com"}`, "check.address")
	f(`{"type":"tls","address":"vpn.example.com:443"}`, "check.from")
	f(`{"type":"tcp","from":"server","address":"${host}:22"}`, "")
	f(`{"type":"tcp","from":"server","address":"sw-01"}`, "check.address")
	f(`{"type":"tcp","from":"server","address":"sw-01:22","count":3}`, "check.count")
	f(`{"type":"http","from":"server","url":"https://vpn.example.com/","tls_days":14}`, "")
	f(`{"type":"http","from":"server","url":"mailto:x"}`, "check.url")
	f(`{"type":"http","from":"server","url":"https://x/","method":"PUT"}`, "check.method")
	f(`{"type":"dns","from":"server","query":"shop.example.com"}`, "check.from")
	f(`{"type":"tcp","from":"moon","address":"db:1"}`, "check.from")
}

// TestProbeTargets: a server-run check of a resource without an agent is
// the server's to run (or its collector's), with placeholders filled and
// defaults set; it is not in the host agent's configuration, and a check
// the agent runs is not the server's.
func TestProbeTargets(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sw := addResource(t, s, "acme", "sw-01", "network", map[string]string{"ip": "10.0.0.2"})
	osaka := addResource(t, s, "acme", "sw-02", "network", map[string]string{"ip": "192.168.1.2", CollectorLabel: "osaka"})
	web := addResource(t, s, "beta", "web-01", "host", map[string]string{"os": "linux"})
	for _, it := range []*Item{
		{TenantID: "acme", ResourceID: sw.ID, Name: "ping", Kind: KindCheck, Severity: SeverityCritical,
			Check: &Check{Type: CheckPing, From: FromServer, Address: "${label.ip}"}},
		{TenantID: "acme", ResourceID: sw.ID, Name: "ssh", Kind: KindCheck, Severity: SeverityWarning, Interval: dur("1m"),
			Check: &Check{Type: CheckTCP, From: FromServer, Address: "${label.ip}:22", Failures: 3}},
		{TenantID: "acme", ResourceID: osaka.ID, Name: "ping", Kind: KindCheck, Severity: SeverityCritical,
			Check: &Check{Type: CheckPing, From: FromServer, Address: "${label.ip}", Count: 5}},
		{TenantID: "beta", ResourceID: web.ID, Name: "site", Kind: KindCheck, Severity: SeverityCritical,
			Check: &Check{Type: CheckHTTP, From: FromServer, URL: "https://${host}.example.com/", TLSDays: 14}},
		{TenantID: "beta", ResourceID: web.ID, Name: "local", Kind: KindCheck, Severity: SeverityCritical,
			Check: &Check{Type: CheckTCP, Address: "127.0.0.1:5432"}},
	} {
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatalf("%s: %v", it.Name, err)
		}
	}
	list := func(sc Scope) string {
		got, err := s.ProbeTargetsIn(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range got {
			out = append(out, fmt.Sprintf("%s %s %s %s %s%s n%d %v/%v", g.Tenant, g.Host, g.Item, g.Type, g.Address, g.URL, g.Count, g.Interval, g.Timeout))
		}
		return strings.Join(out, "\n")
	}
	want := strings.Join([]string{
		"acme sw-01 ping ping 10.0.0.2 n3 15s/10s",
		"acme sw-01 ssh tcp 10.0.0.2:22 n0 1m0s/10s",
		"beta web-01 site http https://web-01.example.com/ n0 15s/10s",
	}, "\n")
	if got := list(Server); got != want {
		t.Errorf("the server runs:\n%s\nwant:\n%s", got, want)
	}
	if got := list(Scope{Tenant: "acme", Collector: "osaka"}); got != "acme sw-02 ping ping 192.168.1.2 n5 15s/10s" {
		t.Errorf("collector osaka runs:\n%s", got)
	}
	if got := list(Scope{Tenant: "beta", Collector: "osaka"}); got != "" {
		t.Errorf("beta's collector osaka runs acme's checks:\n%s", got)
	}
	// The host agent of web-01 runs its own check and not the server's.
	cfg, err := s.AgentConfig(ctx, "beta", "web-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Items) != 1 || cfg.Items[0].Name != "local" {
		t.Errorf("web-01's agent runs %+v, want only its own check", cfg.Items)
	}
	// The alert reads the same series whoever runs the check.
	items, err := s.EffectiveItems(ctx, "acme", sw.ID)
	if err != nil {
		t.Fatal(err)
	}
	if items[0].Query != `unyo_check_up{host="sw-01",item="ping"}` {
		t.Errorf("the ping item's query: %s", items[0].Query)
	}
	// The item list says where it runs, in both languages.
	if ja, en := kindText("ja", &items[0].Item), kindText("en", &items[0].Item); ja != "外形監視 (PING, サーバーから)" || en != "Check (PING, from the server)" {
		t.Errorf("item list kind: %q / %q", ja, en)
	}
}
