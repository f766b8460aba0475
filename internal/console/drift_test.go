package console

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/blueprint"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// A resource changed by hand after its tenant's design was applied is
// marked on the tenant's page and its own, in both languages; one that is
// as designed is not.
func TestDriftBadge(t *testing.T) {
	var planner *blueprint.Planner
	e := newEnv(t, func(o *Options) {
		planner = blueprint.NewPlanner(o.Store.DB(), designStores(t, o))
		o.Drift = planner
	})
	ctx := context.Background()
	design := blueprint.Design{Tenant: "acme", Services: []blueprint.Service{{Name: "acme-web"}}, Resources: []blueprint.Resource{
		{Name: "acme-web-01", Kind: "host", Service: "acme-web", Labels: map[string]string{"role": "web"}},
		{Name: "acme-web-02", Kind: "host", Service: "acme-web", Labels: map[string]string{"role": "web"}},
	}}
	if _, err := planner.Apply(ctx, "acme", "user:admin", &blueprint.Request{Design: design}); err != nil {
		t.Fatal(err)
	}
	b := e.login("admin")
	tenantPage := func() string {
		t.Helper()
		code, body, _ := b.get("/tenants/acme")
		if code != 200 {
			t.Fatalf("tenant page = %d", code)
		}
		return body
	}
	if body := tenantPage(); strings.Contains(body, "data-drift=") {
		t.Fatal("a tenant as designed shows drift")
	}
	// By hand: acme-web-01's role.
	list, _ := e.store.Resources(ctx, "acme", storage.ResourceFilter{})
	var r *model.Resource
	for _, x := range list {
		if x.Name == "acme-web-01" {
			r = x
		}
	}
	r.Labels["role"] = "batch"
	if err := e.store.UpdateResource(ctx, r); err != nil {
		t.Fatal(err)
	}
	body := tenantPage()
	if !strings.Contains(body, `data-drift="acme-web-01"`) || strings.Contains(body, `data-drift="acme-web-02"`) || !strings.Contains(body, "手動変更あり") {
		t.Fatalf("tenant page does not mark acme-web-01 alone:\n%s", body)
	}
	path := fmt.Sprintf("/tenants/acme/resources/%d", r.ID)
	if _, body, _ := b.get(path); !strings.Contains(body, `data-drift-kind="resource" data-drift="acme-web-01"`) || !strings.Contains(body, "手動変更あり") {
		t.Fatal("the resource page does not mark it")
	}
	b.postForm(path, "/preferences", url.Values{"language": {"en"}, "back": {path}})
	if _, body, _ := b.get(path); !strings.Contains(body, `data-drift-kind="resource" data-drift="acme-web-01"`) || !strings.Contains(body, "Changed by hand") {
		t.Fatal("the English resource page does not mark it")
	}
	if _, body, _ := b.get(fmt.Sprintf("/tenants/acme/resources/%d", e.resourceID("acme", "acme-web-02"))); strings.Contains(body, `data-drift=`) {
		t.Fatal("a resource as designed is marked")
	}
	// By hand: the service's description; the tenant page marks the
	// service too (in the language chosen above).
	svcs, _ := e.store.Services(ctx, "acme")
	svcs[0].Description = "changed in the console"
	if err := e.store.UpdateService(ctx, svcs[0]); err != nil {
		t.Fatal(err)
	}
	if body := tenantPage(); !strings.Contains(body, `data-drift-kind="service" data-drift="acme-web"`) || !strings.Contains(body, "Changed by hand") {
		t.Fatal("the tenant page does not mark the service")
	}
}
