package api_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestChangesCommitWithTheirAudit: every change of tenants, services,
// resources, users, tokens and tenant limits writes its audit entry in its own
// transaction: refused, the change does not stay and the API answers 5xx;
// made, it has exactly one entry.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	e := newEnv(t)
	do := func(method, path string, body any) (int, []byte) { return e.do(method, path, admin, body) }
	state := func(path string) func() string {
		return func() string { _, b := e.do("GET", path, admin, nil); return string(b) }
	}
	check := func(tenant, method, path string, body any, list, action, objType string) int64 {
		b := apitest.CheckAudited(t, e.db, do, tenant, apitest.Change{Method: method, Path: path, Body: body,
			State: state(list), Action: action, ObjectType: objType})
		var v struct{ ID json.Number }
		json.Unmarshal(b, &v)
		id, _ := v.ID.Int64()
		return id
	}
	const tenants, acme = "/api/v1/tenants", "/api/v1/tenants/acme"
	check("acme", "POST", tenants, map[string]any{"id": "acme", "name": "Acme", "language": "ja"}, tenants, "create", "tenant")
	check("acme", "PUT", acme, map[string]any{"name": "Acme 株式会社", "language": "ja"}, tenants, "update", "tenant")

	svc := check("acme", "POST", acme+"/services", map[string]any{"name": "shop"}, acme+"/services", "create", "service")
	check("acme", "PUT", fmt.Sprintf("%s/services/%d", acme, svc), map[string]any{"name": "shop2"}, acme+"/services", "update", "service")
	res := check("acme", "POST", acme+"/resources", map[string]any{"name": "web1", "kind": "host"}, acme+"/resources", "create", "resource")
	check("acme", "PUT", fmt.Sprintf("%s/resources/%d", acme, res), map[string]any{"name": "web2", "kind": "host"}, acme+"/resources", "update", "resource")
	check("acme", "DELETE", fmt.Sprintf("%s/resources/%d", acme, res), nil, acme+"/resources", "delete", "resource")
	check("acme", "DELETE", fmt.Sprintf("%s/services/%d", acme, svc), nil, acme+"/services", "delete", "service")

	user := check("acme", "POST", "/api/v1/users", map[string]any{"login": "v1", "role": "viewer", "tenant": "acme", "password": "viewer-password-1"},
		"/api/v1/users", "create", "user")
	check("acme", "PUT", fmt.Sprintf("/api/v1/users/%d", user), map[string]any{"role": "viewer", "tenant": "acme", "name": "Viewer"},
		"/api/v1/users", "update", "user")
	check("acme", "DELETE", fmt.Sprintf("/api/v1/users/%d", user), nil, "/api/v1/users", "delete", "user")
	token := check("acme", "POST", "/api/v1/tokens", map[string]any{"name": "ci", "tenant": "acme", "scopes": []string{"read"}},
		"/api/v1/tokens", "create", "token")
	// A global caller revokes with no tenant in the path: the entry has none.
	check("", "DELETE", fmt.Sprintf("/api/v1/tokens/%d", token), nil, "/api/v1/tokens", "revoke", "token")
	check("acme", "PUT", acme+"/limits", map[string]any{"max_series": 5000}, acme+"/limits", "update", "limits")
	check("acme", "PUT", acme+"/networks", map[string]any{"networks": []string{"10.2.0.0/16", "fd00:2::/64"}}, acme+"/networks", "update", "tenant_networks")
	check("", "DELETE", acme, nil, tenants, "delete", "tenant")
}
