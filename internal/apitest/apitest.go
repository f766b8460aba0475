// Package apitest serves a domain package's API routes in its tests as the
// api package serves them, with the caller given by a header instead of a
// token: one harness for every package's handler tests.
package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

// PathTenant stands in for api.(*API).PathTenant: the path's tenant, 401
// without a caller, 404 for a caller of another tenant, 403 without the scope.
func PathTenant(r *http.Request, scope model.Scope) (string, error) {
	p := auth.FromContext(r.Context())
	if p == nil {
		return "", auth.ErrUnauthenticated
	}
	id := r.PathValue("tenant")
	if !p.CanAccessTenant(id) {
		return "", response.NotFound("no such tenant")
	}
	if !p.Can(scope) {
		return "", response.Forbidden("this needs the " + string(scope) + " scope")
	}
	return id, nil
}

// Header carries the caller: "tenant:scope,scope" is a token of tenant
// ("" tenant: every tenant) with those scopes, "tenant:viewer" a viewer
// user of tenant, "tenant:requester" a requester user of tenant (login
// "requester"); no header, no caller.
const Header = "X-Token"

// NewServer serves routes until the test ends.
func NewServer(t testing.TB, routes []route.Route) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tenant, scopes, ok := strings.Cut(r.Header.Get(Header), ":"); ok {
			r = r.WithContext(auth.WithPrincipal(r.Context(), principal(tenant, scopes)))
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func principal(tenant, scopes string) *auth.Principal {
	switch scopes {
	case "viewer":
		return auth.UserPrincipal(&model.User{ID: 9, Login: "customer", Role: model.RoleViewer, TenantID: tenant})
	case "requester":
		return auth.UserPrincipal(&model.User{ID: 10, Login: "requester", Role: model.RoleRequester, TenantID: tenant})
	}
	tok := &model.Token{Name: "test", TenantID: tenant}
	for _, s := range strings.Split(scopes, ",") {
		tok.Scopes = append(tok.Scopes, model.Scope(s))
	}
	return auth.TokenPrincipal(tok)
}

// Do sends method path to srv as token; body is nil, a string or []byte
// sent as is, or any other value sent as JSON. It returns the status, the
// header and the body of the answer.
func Do(t testing.TB, srv *httptest.Server, method, path, token string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set(Header, token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

// CheckOpenAPI holds a module's OpenAPI fragment and its routes together:
// every route documented, nothing documented that is not served, and every
// schema the fragment refers to defined in it ("Error" is the api's own).
func CheckOpenAPI(t testing.TB, m route.Module) {
	t.Helper()
	data := m.OpenAPI()
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
	for _, r := range m.Routes() {
		key := r.Method + " " + r.Path
		if !documented[key] {
			missing = append(missing, key)
		}
		delete(documented, key)
	}
	extra := slices.Sorted(maps.Keys(documented))
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
