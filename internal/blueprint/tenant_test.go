package blueprint

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// gamma is the template as a new customer's: a tenant that does not exist
// yet, with its settings.
func gamma(t *testing.T) *Design {
	d := loadTemplate(t)
	d.Tenant = "gamma"
	d.TenantSettings = &Settings{Name: "Gamma 株式会社", Language: "en", TimeZone: "Asia/Tokyo"}
	return d
}

// asMSP is the context of an MSP-wide token with the write scope, and the
// extra scopes given.
func asMSP(extra ...model.Scope) context.Context {
	tok := &model.Token{Name: "msp", Scopes: append([]model.Scope{model.ScopeRead, model.ScopeWrite}, extra...)}
	return auth.WithPrincipal(context.Background(), auth.TokenPrincipal(tok))
}

// An MSP-wide token's apply creates the tenant its design's settings
// describe, first, and then everything in it; a second apply changes
// nothing; one setting changed plans one update of that field.
func TestApplyCreatesTenant(t *testing.T) {
	f := newFixture(t)
	d := gamma(t)
	body := map[string]any{"design": d, "commit": "c1"}
	status, _, b := apitest.Do(t, f.srv, "POST", "/api/v1/tenants/gamma/design/plan", ":write", body)
	var p Plan
	if status != http.StatusOK || json.Unmarshal(b, &p) != nil || len(p.Changes) != 32 || changes(&Plan{Changes: p.Changes[:1]}) != "create tenant gamma" {
		t.Fatalf("plan of a new tenant: %d %s", status, b)
	}
	status, _, b = apitest.Do(t, f.srv, "POST", "/api/v1/tenants/gamma/design/apply", ":write", body)
	if status != http.StatusOK {
		t.Fatalf("apply: %d %s", status, b)
	}
	ctx := context.Background()
	got, err := f.stores.Objects.Tenant(ctx, "gamma")
	if err != nil || got.Name != "Gamma 株式会社" || got.Language != "en" || got.TimeZone != "Asia/Tokyo" {
		t.Fatalf("tenant %+v %v", got, err)
	}
	if resources, _ := f.stores.Objects.Resources(ctx, "gamma", storage.ResourceFilter{}); len(resources) != 4 {
		t.Fatalf("%d resources in the new tenant", len(resources))
	}
	if p := f.plan(t, d, true); !p.Empty() {
		t.Fatalf("after the apply:\n%s", changes(p))
	}
	d.TenantSettings.Language = "ja"
	if got := changes(f.plan(t, d, true)); got != "update tenant gamma [language: en → ja]" {
		t.Fatalf("plan of one setting:\n%s", got)
	}
	// The tenant's own token applies the rest, never its settings.
	status, _, b = apitest.Do(t, f.srv, "POST", "/api/v1/tenants/gamma/design/apply", "gamma:write,admin", map[string]any{"design": d})
	if status != http.StatusForbidden || !strings.Contains(string(b), "MSP-wide token") {
		t.Fatalf("a tenant's token changing its settings: %d %s", status, b)
	}
	if got, _ := f.stores.Objects.Tenant(ctx, "gamma"); got.Language != "en" {
		t.Fatal("the refused apply changed the language")
	}
	d.TenantSettings.Language = "en"
	d.Resources[0].Labels["role"] = "shop"
	status, _, b = apitest.Do(t, f.srv, "POST", "/api/v1/tenants/gamma/design/apply", "gamma:write", map[string]any{"design": d})
	if status != http.StatusOK || !strings.Contains(string(b), `"applied":true`) {
		t.Fatalf("a tenant's token applying the rest: %d %s", status, b)
	}
}

// A tenant's own token never creates a tenant: 403 with the reason, and
// nothing is stored; another tenant's token finds no tenant; a design
// without settings does not create one.
func TestTenantTokenCannotCreate(t *testing.T) {
	f := newFixture(t)
	body := map[string]any{"design": gamma(t)}
	f2 := func(path, token string, body any, want int, reason string) {
		t.Helper()
		status, _, b := apitest.Do(t, f.srv, "POST", path, token, body)
		var e struct {
			Error string `json:"error"`
		}
		if status != want || json.Unmarshal(b, &e) != nil || !strings.Contains(e.Error, reason) {
			t.Fatalf("%s as %q: %d %s, want %d %q", path, token, status, b, want, reason)
		}
	}
	f2("/api/v1/tenants/gamma/design/apply", "gamma:write,admin", body, http.StatusForbidden, "needs an MSP-wide token")
	f2("/api/v1/tenants/gamma/design/apply", "beta:write,admin", body, http.StatusNotFound, "no such tenant")
	f2("/api/v1/tenants/gamma/design/apply", ":read", body, http.StatusForbidden, "write scope")
	bare := gamma(t)
	bare.TenantSettings = nil
	f2("/api/v1/tenants/gamma/design/apply", ":write", map[string]any{"design": bare}, http.StatusNotFound, "gives tenant_settings")
	f2("/api/v1/tenants/gamma/design/plan", ":write", map[string]any{"design": bare}, http.StatusNotFound, "gives tenant_settings")
	bad := gamma(t)
	bad.TenantSettings.Language = "fr"
	if status, _, b := apitest.Do(t, f.srv, "POST", "/api/v1/tenants/gamma/design/apply", ":write", map[string]any{"design": bad}); status != http.StatusBadRequest ||
		!strings.Contains(string(b), `"field":"design.tenant_settings.language"`) {
		t.Fatalf("bad settings: %d %s", status, b)
	}
	if _, err := f.stores.Objects.Tenant(context.Background(), "gamma"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a refused apply created the tenant: %v", err)
	}
	if resources, _ := f.stores.Objects.Resources(context.Background(), "gamma", storage.ResourceFilter{}); len(resources) != 0 {
		t.Fatal("a refused apply stored resources")
	}
}

// --prune deletes what the design leaves out, never the tenant itself;
// a design that leaves the settings out leaves them as they are.
func TestPruneKeepsTenant(t *testing.T) {
	f := newFixture(t)
	d := gamma(t)
	if _, err := f.planner.Apply(asMSP(), "gamma", "token:msp", &Request{Design: *d}); err != nil {
		t.Fatal(err)
	}
	d.TenantSettings = nil
	p := f.plan(t, d, true)
	if !p.Empty() || len(p.Unmanaged) != 0 {
		t.Fatalf("without settings: %s unmanaged %+v", changes(p), p.Unmanaged)
	}
	empty := &Design{Tenant: "gamma"}
	p = f.plan(t, empty, true)
	for _, c := range p.Changes {
		if c.Kind == KindTenant {
			t.Fatalf("prune deletes the tenant: %+v", c)
		}
	}
	if _, err := f.planner.Apply(context.Background(), "gamma", "token:ci", &Request{Design: *empty, Prune: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.stores.Objects.Tenant(context.Background(), "gamma"); err != nil {
		t.Fatalf("the tenant is gone after a prune: %v", err)
	}
}

// A tenant's networks are changed by an MSP admin only; they read back in
// their canonical form, so a second plan is empty.
func TestTenantNetworks(t *testing.T) {
	f := newFixture(t)
	d := gamma(t)
	d.TenantSettings.Networks = []string{"10.20.0.0/16", "192.0.2.7"}
	_, err := f.planner.Apply(asMSP(), "gamma", "token:msp", &Request{Design: *d})
	if err == nil || !strings.Contains(err.Error(), "only by an MSP admin") {
		t.Fatalf("networks without the admin scope: %v", err)
	}
	if _, err := f.planner.Apply(asMSP(model.ScopeAdmin), "gamma", "token:msp", &Request{Design: *d}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.stores.Objects.TenantNetworks(context.Background(), "gamma"); strings.Join(got, " ") != "10.20.0.0/16 192.0.2.7/32" {
		t.Fatalf("networks %v", got)
	}
	if p := f.plan(t, d, false); !p.Empty() {
		t.Fatalf("second plan:\n%s", changes(p))
	}
	exported, err := f.planner.Export(context.Background(), "gamma")
	if err != nil || exported.TenantSettings == nil || exported.TenantSettings.Name != "Gamma 株式会社" || len(exported.TenantSettings.Networks) != 2 {
		t.Fatalf("export %+v %v", exported.TenantSettings, err)
	}
}

// Bad settings are refused at their place in the files; only one file
// gives them.
func TestTenantSettingsProblems(t *testing.T) {
	f := func(files map[string]string, want ...string) {
		t.Helper()
		in := map[string][]byte{}
		for k, v := range files {
			in[k] = []byte(v)
		}
		_, err := LoadFiles(in, Options{})
		var probs Problems
		if !errors.As(err, &probs) {
			t.Fatalf("want problems, got %v", err)
		}
		var got []string
		for _, p := range probs {
			got = append(got, p.String())
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	f(map[string]string{"a.yaml": "tenant: acme\ntenant_settings:\n  name: ACME\n  language: fr\n  time_zone: Asia/Tokio\n"},
		`a.yaml:4:13: tenant_settings.language: must be "ja" or "en", not "fr"`)
	f(map[string]string{"a.yaml": "tenant: acme\ntenant_settings: {name: ACME, time_zone: Asia/Tokio, networks: [10.0.0.0/33]}\n"},
		`a.yaml:2:42: tenant_settings.time_zone: unknown time zone "Asia/Tokio"`,
		`a.yaml:2:65: tenant_settings.networks[0]: "10.0.0.0/33" is not one CIDR prefix such as 10.2.0.0/16`)
	f(map[string]string{"a.yaml": "tenant: acme\ntenant_settings: {language: en}\n"},
		`a.yaml:2:18: tenant_settings.name: is required`)
	f(map[string]string{"a.yaml": "tenant: Acme\ntenant_settings: {name: ACME}\n"},
		`a.yaml:1:9: tenant: must be 1-63 lower-case letters, digits or '-', starting with a letter or digit`)
	f(map[string]string{"a.yaml": "tenant: acme\ntenant_settings: {name: ACME}\n", "b.yaml": "tenant_settings: {name: ACME 2}\n"},
		`b.yaml:1:1: tenant_settings: is given here and in a.yaml:2:1: one per tenant`)
}
