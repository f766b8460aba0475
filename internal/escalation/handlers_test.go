package escalation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/response"
)

const base = "/api/v1/tenants/acme/escalation-policies"

func TestAPICRUDAndRefusals(t *testing.T) {
	e := newEnv(t)
	do := e.serve(t)
	in := map[string]any{"name": "standard", "default": true, "repeat": 2, "steps": []any{
		map[string]any{"targets": []string{"l1"}, "wait": "15m"},
		map[string]any{"targets": []string{"l2"}, "wait": "30m", "when": "out_of_hours"},
	}}
	code, body := do("POST", base, "acme:read,write", in)
	if code != 201 {
		t.Fatalf("create = %d %s", code, body)
	}
	var p Policy
	json.Unmarshal(body, &p)
	path := fmt.Sprintf("%s/%d", base, p.ID)
	code, body = do("GET", path, "acme:read", nil)
	if code != 200 || !strings.Contains(string(body), `"wait":"15m0s"`) && !strings.Contains(string(body), `"wait":"15m"`) {
		t.Fatalf("get = %d %s", code, body)
	}
	in["name"] = "renamed"
	if code, body = do("PUT", path, "acme:read,write", in); code != 200 {
		t.Fatalf("update = %d %s", code, body)
	}
	check := func(method, path string, body any, wantCode int, wantField string) {
		t.Helper()
		code, got := do(method, path, "acme:read,write", body)
		var e response.Body
		json.Unmarshal(got, &e)
		if code != wantCode || e.Field != wantField {
			t.Errorf("%s %v = %d field %q (%s), want %d %q", method, body, code, e.Field, got, wantCode, wantField)
		}
	}
	step := func(k string, v any) map[string]any {
		return map[string]any{"name": "x", "steps": []any{map[string]any{"targets": []string{"l1"}, k: v}}}
	}
	check("POST", base, map[string]any{"name": "x", "steps": []any{}}, 400, "steps")
	check("POST", base, map[string]any{"steps": []any{map[string]any{"targets": []string{"l1"}}}}, 400, "name")
	check("POST", base, step("wait", "soon"), 400, "steps.wait")
	check("POST", base, step("wait", "48h"), 400, "steps[0].wait")
	check("POST", base, step("when", "lunch"), 400, "steps[0].when")
	check("POST", base, map[string]any{"name": "x", "steps": []any{map[string]any{"targets": []string{"nowhere"}}}}, 400, "steps[0].targets[0]")
	check("POST", base, map[string]any{"name": "x", "steps": []any{map[string]any{"targets": []string{}}}}, 400, "steps[0].targets")
	check("POST", base, map[string]any{"name": "x", "repeat": 3, "steps": []any{map[string]any{"targets": []string{"l1"}}}}, 400, "repeat")
	check("POST", base, `{"name":"x","colour":"red"}`, 400, "colour")
	check("POST", base, in, 409, "")
	check("PUT", path, map[string]any{"name": "bad", "steps": []any{}}, 400, "steps")
	got, _ := e.store.Get(context.Background(), "acme", p.ID)
	if got.Name != "renamed" || len(got.Steps) != 2 || got.Repeat != 2 {
		t.Fatalf("a refused update changed the policy: %+v", got)
	}
	if code, _ = do("DELETE", path, "acme:read,write", nil); code != 204 {
		t.Fatalf("delete = %d", code)
	}
	audit, _ := e.objects.AuditLog(context.Background(), "acme", 20)
	var actions []string
	for _, a := range audit {
		if a.ObjectType == "escalation_policy" {
			actions = append(actions, a.Action)
		}
	}
	if strings.Join(actions, ",") != "delete,update,create" {
		t.Fatalf("audit = %v", actions)
	}
}

func TestAPITenantIsolation(t *testing.T) {
	e := newEnv(t)
	do := e.serve(t)
	p := e.policy(t, twoSteps())
	id := fmt.Sprintf("/%d", p.ID)
	in := map[string]any{"name": "mine", "steps": []any{map[string]any{"targets": []string{"l1"}}}}
	beta := "/api/v1/tenants/beta/escalation-policies"
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", base, nil}, {"POST", base, in}, {"GET", base + id, nil}, {"PUT", base + id, in}, {"DELETE", base + id, nil},
		{"GET", beta + id, nil}, {"PUT", beta + id, in}, {"DELETE", beta + id, nil},
	} {
		if code, body := do(c.method, c.path, "beta:read,write", c.body); code != 404 {
			t.Errorf("beta %s %s = %d %s, want 404", c.method, c.path, code, body)
		}
	}
	// beta cannot name acme's channels in its own policy either.
	if code, body := do("POST", beta, "beta:read,write", in); code != 400 || !strings.Contains(string(body), "steps[0].targets[0]") {
		t.Errorf("beta's policy naming acme's channel = %d %s", code, body)
	}
	if code, body := do("GET", beta, "beta:read", nil); code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("beta's list = %d %s", code, body)
	}
	got, err := e.store.Get(context.Background(), "acme", p.ID)
	if err != nil || got.Name != "default" {
		t.Fatalf("acme's policy after beta's attempts: %+v %v", got, err)
	}
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}
