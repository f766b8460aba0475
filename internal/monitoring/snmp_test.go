package monitoring

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/storage"
)

func testBox(t *testing.T) *secret.Box {
	t.Helper()
	box, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func TestSNMPItemValidate(t *testing.T) {
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
	f(`{"name":"net","kind":"snmp","snmp":{"address":"${label.snmp_address}","version":"2c","community":"public","interfaces":true}}`, "")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"10.0.0.1:1161","version":"3","user":"mon","auth_protocol":"SHA256","auth_password":"12345678","priv_protocol":"AES","priv_password":"abcdefgh","get":[{"oid":"1.3.6.1.4.1.2021.10.1.5.1","series":"load1"}]}}`, "")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"2c","walk":[{"oid":".1.3.6.1.2.1.2.2.1.4","series":"if_mtu"}],"community_set":true}}`, "")
	f(`{"name":"net","kind":"snmp"}`, "snmp")
	f(`{"name":"net","kind":"snmp","snmp":{"version":"2c","interfaces":true}}`, "snmp.address")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"1","interfaces":true}}`, "snmp.version")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"2c"}}`, "snmp.get")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"2c","user":"u","interfaces":true}}`, "snmp.user")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"3","interfaces":true}}`, "snmp.user")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"3","user":"u","community":"c","interfaces":true}}`, "snmp.community")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"3","user":"u","auth_protocol":"SHA1024","interfaces":true}}`, "snmp.auth_protocol")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"3","user":"u","priv_protocol":"AES","interfaces":true}}`, "snmp.auth_protocol")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"3","user":"u","auth_protocol":"SHA","auth_password":"short","interfaces":true}}`, "snmp.auth_password")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"2c","get":[{"oid":"iso.3.6","series":"x"}]}}`, "snmp.get[0].oid")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"2c","get":[{"oid":"1.3.6.1","series":"bad-name"}]}}`, "snmp.get[0].series")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"2c","get":[{"oid":"1.3.6.1","series":"snmp_up"}]}}`, "snmp.get[0].series")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"2c","get":[{"oid":"1.3.6.1","series":"x"}],"walk":[{"oid":"1.3.6.2","series":"x"}]}}`, "snmp.walk[0].series")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"2c","get":[{"oid":"1.3.6.1","series":"pkts","type":"counter"}]}}`, "snmp.get[0].series")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"2c","get":[{"oid":"1.3.6.1","series":"x","type":"string"}]}}`, "snmp.get[0].type")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"${nolabel}","version":"2c","interfaces":true}}`, "snmp.address")
	f(`{"name":"net","kind":"snmp","snmp":{"address":"h","version":"2c","interfaces":true},"severity":"warning"}`, "severity")
}

// TestSNMPSecretsSealed: the community and the v3 passwords are stored
// sealed (not in the spec column in clear), never in the item the API
// returns, kept when an update leaves them out, and opened for the poller.
func TestSNMPSecretsSealed(t *testing.T) {
	s := newStore(t)
	s.SealWith(testBox(t))
	ctx := context.Background()
	sw := addResource(t, s, "acme", "sw-01", "host", map[string]string{"snmp_address": "10.0.0.9"})
	v2 := &Item{TenantID: "acme", ResourceID: sw.ID, Name: "net", Kind: KindSNMP,
		SNMP: &SNMP{Address: "${label.snmp_address}", Version: "2c", Community: "c0mmunity-secret", Interfaces: true}}
	if err := s.CreateItem(ctx, v2); err != nil {
		t.Fatal(err)
	}
	v3 := &Item{TenantID: "acme", ResourceID: sw.ID, Name: "sys", Kind: KindSNMP,
		SNMP: &SNMP{Address: "10.0.0.9:1161", Version: "3", User: "mon", AuthProtocol: "SHA256", AuthPassword: "auth-secret-1",
			PrivProtocol: "AES", PrivPassword: "priv-secret-2", Get: []snmp.Value{{OID: "1.3.6.1.2.1.1.7.0", Series: "sys_services"}}}}
	audited := storage.WithAudit(ctx, storage.AuditEntry{TenantID: "acme", Actor: "test", Action: "create", ObjectType: "monitoring_item"}, nil)
	if err := s.CreateItem(audited, v3); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"c0mmunity-secret", "auth-secret-1", "priv-secret-2"}
	var detail string
	if err := s.db.QueryRowContext(ctx, `SELECT detail FROM audit_log WHERE actor='test'`).Scan(&detail); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, `"priv_password_set":true`) || strings.Contains(detail, "secret-") {
		t.Errorf("audit detail: %s", detail)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT spec FROM monitoring_items WHERE kind='snmp'`)
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for rows.Next() {
		var spec string
		rows.Scan(&spec)
		stored = append(stored, spec)
	}
	rows.Close()
	if len(stored) != 2 {
		t.Fatalf("stored specs: %v", stored)
	}
	got, err := s.Item(ctx, "acme", v3.ID)
	if err != nil {
		t.Fatal(err)
	}
	api := mustJSON(t, got)
	for _, sec := range secrets {
		for _, spec := range stored {
			if strings.Contains(spec, sec) {
				t.Errorf("secret %q in clear in the database: %s", sec, spec)
			}
		}
		if strings.Contains(api, sec) || strings.Contains(mustJSON(t, v2), sec) {
			t.Errorf("secret %q in the API's item: %s", sec, api)
		}
	}
	if !strings.Contains(api, `"auth_password_set":true`) || !strings.Contains(api, `"priv_password_set":true`) || strings.Contains(api, "community_set") {
		t.Errorf("the API's item does not say which secrets are set: %s", api)
	}

	// An update that sends the item back as read keeps the secrets.
	var back Item
	if err := json.Unmarshal([]byte(api), &back); err != nil {
		t.Fatal(err)
	}
	back.TenantID, back.Interval = "acme", dur("30s")
	if err := s.UpdateItem(ctx, &back); err != nil {
		t.Fatal(err)
	}
	// A new community replaces the old.
	v2.SNMP.Community = "new-community"
	if err := s.UpdateItem(ctx, v2); err != nil {
		t.Fatal(err)
	}

	targets, err := s.SNMPTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byItem := map[string]string{}
	for _, g := range targets {
		byItem[g.Item] = strings.Join([]string{g.Tenant, g.Host, g.Address, g.Version, g.Community, g.User, g.AuthProtocol, g.AuthPassword, g.PrivProtocol, g.PrivPassword, g.Interval.String()}, " ")
	}
	want := map[string]string{
		"net": "acme sw-01 10.0.0.9:161 2c new-community      0s",
		"sys": "acme sw-01 10.0.0.9:1161 3  mon SHA256 auth-secret-1 AES priv-secret-2 30s",
	}
	for k, w := range want {
		if byItem[k] != w {
			t.Errorf("target %s: %q, want %q", k, byItem[k], w)
		}
	}

	// A v2c item without a community is refused, naming the field.
	err = s.CreateItem(ctx, &Item{TenantID: "acme", ResourceID: sw.ID, Name: "nocomm", Kind: KindSNMP, SNMP: &SNMP{Address: "h", Version: "2c", Interfaces: true}})
	if e, ok := invalid.As(err); !ok || e.Field != "snmp.community" {
		t.Errorf("no community: %v", err)
	}
	// Sealed for acme: a copy of the row in beta's name does not open.
	var spec string
	s.db.QueryRowContext(ctx, `SELECT spec FROM monitoring_items WHERE id=?`, v2.ID).Scan(&spec)
	copied := &Item{ID: v2.ID, TenantID: "beta", Kind: KindSNMP}
	if err := setSNMPSpec(copied, []byte(spec)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.openSNMP("beta", copied.SNMP); err == nil {
		t.Error("acme's sealed community opened as beta's")
	}
}

// TestSNMPTargetsScope: the server polls the devices behind no collector; a
// collector gets only its own tenant's devices labelled with its name.
func TestSNMPTargetsScope(t *testing.T) {
	s := newStore(t)
	s.SealWith(testBox(t))
	ctx := context.Background()
	direct := addResource(t, s, "acme", "sw-direct", "host", map[string]string{TrapSourcesLabel: "10.1.1.1, 10.1.1.2"})
	behind := addResource(t, s, "acme", "sw-behind", "host", map[string]string{CollectorLabel: "osaka"})
	other := addResource(t, s, "beta", "sw-beta", "host", map[string]string{CollectorLabel: "osaka"})
	for _, r := range []*struct {
		tenant string
		id     int64
	}{{"acme", direct.ID}, {"acme", behind.ID}, {"beta", other.ID}} {
		if err := s.CreateItem(ctx, &Item{TenantID: r.tenant, ResourceID: r.id, Name: "net", Kind: KindSNMP,
			SNMP: &SNMP{Address: "${host}", Version: "2c", Community: "public", Interfaces: true}}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(sc Scope) string {
		got, err := s.SNMPTargetsIn(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		var hosts []string
		for _, g := range got {
			hosts = append(hosts, g.Tenant+"/"+g.Host)
		}
		return strings.Join(hosts, ",")
	}
	if got := list(Server); got != "acme/sw-direct" {
		t.Errorf("server: %s", got)
	}
	if got, _ := s.SNMPTargets(ctx); len(got) != 1 || strings.Join(got[0].TrapSources, " ") != "10.1.1.1 10.1.1.2" {
		t.Errorf("trap sources from the label: %+v", got)
	}
	if got := list(Scope{Tenant: "acme", Collector: "osaka"}); got != "acme/sw-behind" {
		t.Errorf("acme's collector osaka: %s", got)
	}
}
