package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// TestTenantNetworksForm: the MSP admin sets a tenant's networks on the
// tenant page (masked, one per line), a bad entry is refused naming it and
// keeps what was stored; an operator and the tenant's own users read them
// but may not change them.
func TestTenantNetworksForm(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.login("admin")
	code, body, _ := admin.postForm("/tenants/acme", "/tenants/acme/networks", url.Values{"networks": {"10.2.0.5/16\n192.168.7.7, fd00:2::/64"}})
	if code != http.StatusOK || !strings.Contains(body, "<code>10.2.0.0/16</code>") || !strings.Contains(body, "ネットワークを保存しました") {
		t.Fatalf("saving acme's networks = %d:\n%s", code, body)
	}
	want := "10.2.0.0/16,192.168.7.7/32,fd00:2::/64"
	if got, _ := e.store.TenantNetworks(ctx, "acme"); strings.Join(got, ",") != want {
		t.Errorf("stored %v, want %s", got, want)
	}
	code, body, _ = admin.postForm("/tenants/acme", "/tenants/acme/networks", url.Values{"networks": {"10.3.0.0/16\n10.4.0.0/33"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "networks[1]") {
		t.Errorf("a bad prefix = %d, want 400 naming networks[1]", code)
	}
	if got, _ := e.store.TenantNetworks(ctx, "acme"); strings.Join(got, ",") != want {
		t.Errorf("after a refused change: %v, want %s", got, want)
	}
	for _, login := range []string{"operator", "acme-viewer"} {
		b := e.login(login)
		code, body, _ := b.get("/tenants/acme")
		if code != http.StatusOK || !strings.Contains(body, "<code>10.2.0.0/16</code>") || strings.Contains(body, `id="networks-input"`) {
			t.Errorf("%s reads acme's page = %d, want the networks without the form", login, code)
		}
		if code, _, _ := b.postForm("/tenants/acme", "/tenants/acme/networks", url.Values{"networks": {"0.0.0.0/0"}}); code != http.StatusForbidden {
			t.Errorf("%s changes acme's networks = %d, want 403", login, code)
		}
	}
	if got, _ := e.store.TenantNetworks(ctx, "acme"); strings.Join(got, ",") != want {
		t.Errorf("acme's networks changed by a non-MSP-admin: %v", got)
	}

	// The item list on the resource page says which item the server will
	// not reach, and why.
	host := e.resourceID("acme", "acme-web-01")
	if err := e.design.CreateItem(ctx, &monitoring.Item{TenantID: "acme", ResourceID: host, Name: "zbx", Kind: monitoring.KindZabbix,
		Zabbix: &monitoring.Zabbix{Address: "10.9.0.5", Key: "agent.ping"}}); err != nil {
		t.Fatal(err)
	}
	_, page, _ := admin.get(fmt.Sprintf("/tenants/acme/resources/%d", host))
	if !strings.Contains(page, "10.9.0.5 はテナント acme のネットワーク外") {
		t.Errorf("the resource page does not say 10.9.0.5 is outside acme's networks:\n%s", page)
	}
}
