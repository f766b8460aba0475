package discovery_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/discovery"
)

const (
	acmeRW = "acme:read,write"
	acmeRO = "acme:read"
	betaRW = "beta:read,write"
)

func TestOpenAPI(t *testing.T) {
	apitest.CheckOpenAPI(t, discovery.NewHandlers(nil, apitest.PathTenant, nil))
}

// TestRulesAPI: the rules read back as set; a type the catalogue does not
// know is refused with the field named and the stored rules kept; a
// read-only token cannot change them; another tenant cannot see them.
func TestRulesAPI(t *testing.T) {
	w := newWorld(t)
	srv := w.api()
	const p = "/api/v1/tenants/acme/discovery/rules"
	code, body := w.do(srv, "GET", p, acmeRO, nil)
	if code != 200 || !strings.Contains(string(body), `"types":[]`) {
		t.Fatalf("default rules = %d %s", code, body)
	}
	in := map[string]any{"types": []string{"lb", "sql_database"}, "tags": map[string]string{"env": "prod"}, "resource_groups": []string{"rg-net"}}
	if code, body = w.do(srv, "PUT", p, acmeRW, in); code != 200 {
		t.Fatalf("put = %d %s", code, body)
	}
	code, body = w.do(srv, "PUT", p, acmeRW, map[string]any{"types": []string{"lb", "mainframe"}})
	if code != 400 || !strings.Contains(string(body), `"types"`) || !strings.Contains(string(body), "mainframe") {
		t.Fatalf("bad type = %d %s", code, body)
	}
	if code, _ = w.do(srv, "PUT", p, acmeRO, in); code != 403 {
		t.Fatalf("read-only put = %d", code)
	}
	code, body = w.do(srv, "GET", p, acmeRO, nil)
	var got discovery.Rules
	json.Unmarshal(body, &got)
	if code != 200 || len(got.Types) != 2 || got.Tags["env"] != "prod" || got.ResourceGroups[0] != "rg-net" {
		t.Fatalf("rules = %d %s", code, body)
	}
	if code, body = w.do(srv, "GET", p, betaRW, nil); code != 404 {
		t.Fatalf("beta reading acme's rules = %d %s", code, body)
	}
}

// TestRunAPI: discover now registers the subscription's resources and
// answers the run; the runs and discovered resources list it; another
// tenant's account is not found.
func TestRunAPI(t *testing.T) {
	w := newWorld(t)
	srv := w.api()
	w.arm.Set(subscription()...)
	id := w.azureAccount("acme", "acme-prod")
	other := w.azureAccount("beta", "beta-prod")
	code, body := w.do(srv, "POST", fmt.Sprintf("/api/v1/tenants/acme/discovery/accounts/%d/run", id), acmeRW, nil)
	var run discovery.Run
	json.Unmarshal(body, &run)
	if code != 200 || !run.OK || run.Registered != 3 {
		t.Fatalf("run = %d %s", code, body)
	}
	code, body = w.do(srv, "GET", "/api/v1/tenants/acme/discovery/runs", acmeRO, nil)
	if code != 200 || !strings.Contains(string(body), `"registered":3`) {
		t.Fatalf("runs = %d %s", code, body)
	}
	code, body = w.do(srv, "GET", fmt.Sprintf("/api/v1/tenants/acme/discovery/resources?account=%d", id), acmeRO, nil)
	var list []discovery.Discovered
	json.Unmarshal(body, &list)
	if code != 200 || len(list) != 3 || list[0].CloudID == "" || list[0].Gone {
		t.Fatalf("resources = %d %s", code, body)
	}
	if code, body = w.do(srv, "GET", "/api/v1/tenants/acme/discovery/resources?account=x", acmeRO, nil); code != 400 || !strings.Contains(string(body), "account") {
		t.Fatalf("bad account = %d %s", code, body)
	}
	if code, body = w.do(srv, "POST", fmt.Sprintf("/api/v1/tenants/acme/discovery/accounts/%d/run", other), acmeRW, nil); code != 404 {
		t.Fatalf("acme running beta's account = %d %s", code, body)
	}
	if code, _ = w.do(srv, "POST", fmt.Sprintf("/api/v1/tenants/acme/discovery/accounts/%d/run", id), acmeRO, nil); code != 403 {
		t.Fatalf("read-only run = %d", code)
	}
	if code, body = w.do(srv, "GET", "/api/v1/tenants/beta/discovery/resources", betaRW, nil); code != 200 || string(body) != "[]\n" && string(body) != "[]" {
		t.Fatalf("beta's resources = %d %s", code, body)
	}
}

// TestAudited: changing the rules and a run someone asked for commit with
// their audit entry, or not at all.
func TestAudited(t *testing.T) {
	w := newWorld(t)
	srv := w.api()
	w.arm.Set(subscription()...)
	id := w.azureAccount("acme", "acme-prod")
	w.discover("acme", id) // registered already: the run below changes nothing but its record
	do := func(srv *httptest.Server) apitest.Doer {
		return func(method, path string, body any) (int, []byte) { return w.do(srv, method, path, acmeRW, body) }
	}(srv)
	state := func(path string) func() string {
		return func() string { _, b := w.do(srv, "GET", path, acmeRO, nil); return string(b) }
	}
	apitest.CheckAudited(t, w.db, do, "acme", apitest.Change{Method: "PUT", Path: "/api/v1/tenants/acme/discovery/rules",
		Body: map[string]any{"types": []string{"lb"}}, State: state("/api/v1/tenants/acme/discovery/rules"), Action: "update", ObjectType: "discovery_rules"})
	w.do(srv, "PUT", "/api/v1/tenants/acme/discovery/rules", acmeRW, map[string]any{})
	apitest.CheckAudited(t, w.db, do, "acme", apitest.Change{Method: "POST", Path: fmt.Sprintf("/api/v1/tenants/acme/discovery/accounts/%d/run", id),
		State:  state("/api/v1/tenants/acme/discovery/runs"), // a saved run has a new started_at
		Action: "discover", ObjectType: "cloud_account"})
}
