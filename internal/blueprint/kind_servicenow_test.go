package blueprint

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
)

const serviceNowYAML = `tenant: acme-shop
servicenow:
  instance_url: https://acme.service-now.com/
  auth: basic
  username: unyo.integration
  password: ${env:SN_PASSWORD}
  tables: {inquiry: incident}
`

// as is a context of a token of acme-shop with scopes.
func as(scopes ...model.Scope) context.Context {
	return auth.WithPrincipal(context.Background(), auth.TokenPrincipal(&model.Token{Name: "ci", TenantID: "acme-shop", Scopes: scopes}))
}

func TestServiceNowAsCode(t *testing.T) {
	f := newFixture(t)
	admin := as(model.ScopeRead, model.ScopeWrite, model.ScopeAdmin)
	env := map[string]string{"SN_PASSWORD": "sn-secret-value-1"}
	files := map[string]string{"servicenow.yaml": serviceNowYAML}
	plan := func(ctx context.Context, d *Design, prune bool) *Plan {
		t.Helper()
		p, err := f.planner.Plan(ctx, "acme-shop", &Request{Design: *d, Prune: prune})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	apply := func(ctx context.Context, d *Design, prune bool) error {
		_, err := f.planner.Apply(ctx, "acme-shop", "token:ci", &Request{Design: *d, Prune: prune})
		return err
	}
	if got := changes(plan(admin, designOf(t, files, env), false)); got != "create servicenow acme-shop" {
		t.Fatalf("first plan:\n%s", got)
	}
	if err := apply(admin, designOf(t, files, env), false); err != nil {
		t.Fatal(err)
	}
	cfg, cr, err := f.stores.ServiceNow.Credentials(admin, "acme-shop")
	if err != nil || cr.Password != "sn-secret-value-1" || cfg.InstanceURL != "https://acme.service-now.com" || cfg.Tables["problem"] != "problem" {
		t.Fatalf("stored %+v %v", cfg, err)
	}
	if p := plan(admin, designOf(t, files, env), false); !p.Empty() {
		t.Fatalf("a second plan:\n%s", changes(p))
	}
	// One mapping: one update naming it.
	files["servicenow.yaml"] = strings.Replace(serviceNowYAML, "inquiry: incident", "inquiry: sn_customerservice_case", 1)
	if got := changes(plan(admin, designOf(t, files, env), false)); got != "update servicenow acme-shop [tables.inquiry: incident → sn_customerservice_case]" {
		t.Fatalf("plan of one mapping:\n%s", got)
	}
	// A rotated password: "(secret)" only.
	env["SN_PASSWORD"] = "sn-secret-value-2"
	files["servicenow.yaml"] = serviceNowYAML
	if got := changes(plan(admin, designOf(t, files, env), false)); got != "update servicenow acme-shop [(secret): (secret) → (secret)]" {
		t.Fatalf("plan of a rotated password:\n%s", got)
	}
	if err := apply(admin, designOf(t, files, env), false); err != nil {
		t.Fatal(err)
	}

	// Without the admin scope, the settings are not there, and setting
	// them is refused as the API refuses it.
	writer := as(model.ScopeRead, model.ScopeWrite)
	if p := plan(writer, &Design{Tenant: "acme-shop"}, true); !p.Empty() || len(p.Drift) != 0 {
		t.Fatalf("a write token's prune plan:\n%s\ndrift %v", changes(p), p.Drift)
	}
	var se *response.StatusError
	if err := apply(writer, designOf(t, files, env), false); !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Fatalf("a write token's apply: %v", err)
	}
	if d, _ := f.planner.Export(writer, "acme-shop"); d.ServiceNow != nil {
		t.Fatal("a write token's export holds the ServiceNow settings")
	}

	// Export: a reference for the password, no changes once it is set.
	exported, err := f.planner.Export(admin, "acme-shop")
	if err != nil {
		t.Fatal(err)
	}
	out, _ := Files(exported)
	if refs := strings.Join(References(exported), " "); refs != "${env:UNYO_SERVICENOW_PASSWORD}" || strings.Contains(string(out["servicenow.yaml"]), "sn-secret") {
		t.Fatalf("export:\n%s", out["servicenow.yaml"])
	}
	back := map[string]string{}
	for k, v := range out {
		back[k] = string(v)
	}
	if p := plan(admin, designOf(t, back, map[string]string{"UNYO_SERVICENOW_PASSWORD": "sn-secret-value-2"}), true); !p.Empty() {
		t.Fatalf("the export plans:\n%s", changes(p))
	}
	log, _ := f.stores.Objects.AuditLog(admin, "acme-shop", 50)
	for _, e := range log {
		if strings.Contains(string(e.Detail), "sn-secret") {
			t.Fatalf("a secret in the audit log: %s", e.Detail)
		}
	}
	// Prune removes settings the design no longer gives.
	if got := changes(plan(admin, &Design{Tenant: "acme-shop"}, true)); got != "delete servicenow acme-shop" {
		t.Fatalf("prune plan:\n%s", got)
	}
	if err := apply(admin, &Design{Tenant: "acme-shop"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.stores.ServiceNow.Get(admin, "acme-shop"); err == nil {
		t.Fatal("the settings are still there")
	}
}

func TestServiceNowProblems(t *testing.T) {
	f := func(files map[string]string, want string) {
		t.Helper()
		in := map[string][]byte{}
		for k, v := range files {
			in[k] = []byte(v)
		}
		_, err := LoadFiles(in, Options{})
		if err == nil || err.Error() != want {
			t.Fatalf("got\n%v\nwant\n%s", err, want)
		}
	}
	f(map[string]string{"a.yaml": "tenant: acme-shop\nservicenow:\n  instance_url: https://acme.service-now.com\n  auth: basic\n  username: unyo\n  password: pass-in-clear\n"},
		"a.yaml:6:13: servicenow.password: is a secret: write it as ${env:NAME} or ${file:path}, never in the file")
	f(map[string]string{"a.yaml": "tenant: acme-shop\nservicenow:\n  instance_url: https://acme.service-now.com/path\n  auth: basic\n  username: unyo\n  password: ${env:P}\n  tables: {change: incident}\n"},
		"a.yaml:7:20: servicenow.tables.change: must be one of change_request, none, not \"incident\"")
	f(map[string]string{"a.yaml": "tenant: acme-shop\nservicenow:\n  instance_url: https://acme.service-now.com\n  auth: oauth\n  client_id: unyo\n",
		"b.yaml": "servicenow:\n  instance_url: https://acme.service-now.com\n  auth: oauth\n"},
		"b.yaml:1:1: servicenow: is given here and in a.yaml:2:1: one per tenant")
}
