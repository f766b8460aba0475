package servicenow

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
)

func pathTenant(r *http.Request, scope model.Scope) (string, error) {
	p := auth.FromContext(r.Context())
	id := r.PathValue("tenant")
	if !p.CanAccessTenant(id) {
		return "", response.NotFound("no such tenant")
	}
	if !p.Can(scope) {
		return "", response.Forbidden("this needs the " + string(scope) + " scope")
	}
	return id, nil
}

// TestHandlersSecretsAndIsolation: the secret is never answered, the
// configuration needs the admin scope, and beta's admin token reads and
// changes nothing of acme's.
func TestHandlersSecretsAndIsolation(t *testing.T) {
	fx := newFixture(t)
	h := NewHandlers(fx.configs, fx.sync, fx.st, pathTenant, nil)
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
	h := NewHandlers(fx.configs, fx.sync, fx.st, pathTenant, nil)
	mux := http.NewServeMux()
	for _, rt := range h.Routes() {
		mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant, scopes, _ := strings.Cut(r.Header.Get("X-Token"), ":")
		tok := &model.Token{Name: "test", TenantID: tenant}
		for _, s := range strings.Split(scopes, ",") {
			tok.Scopes = append(tok.Scopes, model.Scope(s))
		}
		mux.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), auth.TokenPrincipal(tok))))
	}))
	t.Cleanup(srv.Close)
	return func(method, path, token, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("X-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
}

func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	data, err := os.ReadFile("openapi_paths.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	var missing []string
	for _, r := range NewHandlers(nil, nil, nil, pathTenant, nil).Routes() {
		key := r.Method + " " + r.Path
		if !documented[key] {
			missing = append(missing, key)
		}
		delete(documented, key)
	}
	var extra []string
	for k := range documented {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("served but not documented: %v\ndocumented but not served: %v", missing, extra)
	}
	for _, part := range strings.Split(string(data), `"#/components/schemas/`)[1:] {
		ref := part[:strings.Index(part, `"`)]
		if _, ok := doc.Components.Schemas[ref]; !ok && ref != "Error" {
			t.Errorf("$ref to %s, which the fragment does not define", ref)
		}
	}
}
