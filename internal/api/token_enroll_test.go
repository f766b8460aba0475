package api_test

import (
	"strings"
	"testing"
)

// TestEnrollTokens: an enroll token stands alone, belongs to a tenant, and
// may carry a host selector, which is checked and stored in its canonical
// form; no other token takes a selector.
func TestEnrollTokens(t *testing.T) {
	e := newEnv(t)
	e.must(201, "POST", "/api/v1/tenants", admin, map[string]any{"id": "acme", "name": "Acme"}, nil)
	f := func(body map[string]any, code int, says string) {
		t.Helper()
		got, out := e.do("POST", "/api/v1/tokens", admin, body)
		if got != code || !strings.Contains(string(out), says) {
			t.Errorf("%v: %d %s, want %d saying %q", body, got, out, code, says)
		}
	}
	f(map[string]any{"name": "x", "tenant": "acme", "scopes": []string{"enroll", "read"}}, 400, `"field":"scopes"`)
	f(map[string]any{"name": "x", "scopes": []string{"enroll"}}, 400, `"field":"tenant"`)
	f(map[string]any{"name": "x", "tenant": "acme", "scopes": []string{"enroll"}, "host_selector": "os"}, 400, `"field":"host_selector"`)
	f(map[string]any{"name": "x", "tenant": "acme", "scopes": []string{"ingest"}, "host_selector": "os=linux"}, 400, `"field":"host_selector"`)
	f(map[string]any{"name": "installer", "tenant": "acme", "scopes": []string{"enroll"}, "host_selector": " os=linux , cloud=azure"}, 201,
		`"host_selector":"cloud=azure,os=linux"`)
}
