package api_test

import (
	"strings"
	"testing"
)

// TestTenantNetworks: the MSP admin sets a tenant's networks, written as
// masked prefixes; a bad entry is refused with its field, and what was
// stored stays.
func TestTenantNetworks(t *testing.T) {
	e := newEnv(t)
	e.must(201, "POST", "/api/v1/tenants", admin, map[string]any{"id": "acme", "name": "Acme"}, nil)
	var nets struct {
		Networks []string `json:"networks"`
	}
	e.must(200, "GET", "/api/v1/tenants/acme/networks", admin, nil, &nets)
	if nets.Networks == nil || len(nets.Networks) != 0 {
		t.Fatalf("a new tenant's networks = %#v, want []", nets.Networks)
	}
	e.must(200, "PUT", "/api/v1/tenants/acme/networks", admin, map[string]any{"networks": []string{"10.2.0.5/16", "192.168.7.7", "fd00:2::/64"}}, &nets)
	want := "10.2.0.0/16,192.168.7.7/32,fd00:2::/64"
	if got := strings.Join(nets.Networks, ","); got != want {
		t.Errorf("stored %s, want %s", got, want)
	}
	code, out := e.do("PUT", "/api/v1/tenants/acme/networks", admin, map[string]any{"networks": []string{"10.3.0.0/16", "10.4.0.0/33"}})
	if code != 400 || !strings.Contains(string(out), `"field":"networks[1]"`) {
		t.Errorf("a bad prefix: %d %s, want 400 naming networks[1]", code, out)
	}
	e.must(200, "GET", "/api/v1/tenants/acme/networks", admin, nil, &nets)
	if got := strings.Join(nets.Networks, ","); got != want {
		t.Errorf("after a refused change: %s, want %s", got, want)
	}
}
