package servicenow

import (
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestHandlersSecretsAndIsolation: the secret is never answered, the
// configuration needs the admin scope, and beta's admin token reads and
// changes nothing of acme's.
func TestHandlersSecretsAndIsolation(t *testing.T) {
	fx := newFixture(t)
	h := NewHandlers(fx.configs, fx.sync, apitest.PathTenant, nil)
	do := serveAPI(t, fx)
	cfg := `{"instance_url":"` + fx.sn.URL + `","auth":"basic","username":"unyo.integration","password":"s3cret-pass"}`
	if code, body := do("PUT", "/api/v1/tenants/acme/servicenow", "acme:read,write", cfg); code != 403 {
		t.Errorf("a write token set the configuration: %d %s", code, body)
	}
	code, body := do("PUT", "/api/v1/tenants/acme/servicenow", "acme:admin", cfg)
	if code != 200 || strings.Contains(body, "s3cret") || !strings.Contains(body, `"has_secret":true`) {
		t.Errorf("PUT: %d %s", code, body)
	}
	if code, body := do("PUT", "/api/v1/tenants/acme/servicenow", "acme:admin", `{"instance_url":"x","auth":"basic"}`); code != 400 || !strings.Contains(body, `"field":"instance_url"`) {
		t.Errorf("bad PUT: %d %s", code, body)
	}
	if code, body := do("GET", "/api/v1/tenants/acme/servicenow", "acme:admin", ""); code != 200 || strings.Contains(body, "s3cret") {
		t.Errorf("GET: %d %s", code, body)
	}
	for _, rt := range h.Routes() {
		path := strings.ReplaceAll(rt.Path, "{tenant}", "acme")
		if code, body := do(rt.Method, path, "beta:admin", cfg); code != 404 {
			t.Errorf("beta %s %s: %d %s, want 404", rt.Method, path, code, body)
		}
	}
	if code, _ := do("GET", "/api/v1/tenants/beta/servicenow", "beta:admin", ""); code != 404 {
		t.Errorf("beta has no configuration, got %d", code)
	}
	if got, err := fx.configs.Get(t.Context(), "acme"); err != nil || got.InstanceURL != fx.sn.URL {
		t.Errorf("acme's configuration after beta's attempts: %+v %v", got, err)
	}
	audit, _ := fx.st.AuditLog(t.Context(), "acme", 10)
	if len(audit) != 1 || strings.Contains(string(audit[0].Detail), "s3cret") {
		t.Errorf("audit %+v", audit)
	}
	if code, _ := do("DELETE", "/api/v1/tenants/acme/servicenow", "acme:admin", ""); code != 204 {
		t.Errorf("DELETE: %d", code)
	}
}

// serveAPI serves fx's handlers; the X-Token header "tenant:scope,scope"
// stands for an authenticated token.
func serveAPI(t *testing.T, fx *fixture) func(method, path, token, body string) (int, string) {
	t.Helper()
	srv := apitest.NewServer(t, NewHandlers(fx.configs, fx.sync, apitest.PathTenant, nil).Routes())
	return func(method, path, token, body string) (int, string) {
		t.Helper()
		code, _, data := apitest.Do(t, srv, method, path, token, body)
		return code, string(data)
	}
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, nil, apitest.PathTenant, nil))
}
