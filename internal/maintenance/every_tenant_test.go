package maintenance

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// TestEveryTenantsWindowsIsEachTenantsList: the MSP's read of every
// tenant's windows gives each tenant the list List gives it, in its order;
// a tenant with none has no entry.
func TestEveryTenantsWindowsIsEachTenantsList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC)
	for _, w := range []*Stored{
		{Tenant: "beta", Name: "beta all", Window: Window{Start: start, End: start.Add(time.Hour)}},
		{Tenant: "acme", Name: "checkout", ServiceID: &f.checkout.ID, Window: Window{Start: start, End: start.Add(2 * time.Hour)}},
		{Tenant: "acme", Name: "web", ResourceID: &f.web1.ID, Window: Window{Start: start, End: start.Add(3 * time.Hour)}},
		{Tenant: "acme", Name: "patching", Labels: map[string]string{"role": "web"}, Window: Window{Start: start.Add(time.Hour), End: start.Add(4 * time.Hour)}},
	} {
		if err := f.store.Create(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	every, err := f.store.EveryTenantsWindows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []string{"acme", "beta"} {
		own, err := f.store.List(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(every[tenant], own) {
			t.Errorf("%s: every tenant's read gives %+v, its own list %+v", tenant, every[tenant], own)
		}
	}
	if len(every["acme"]) != 3 || len(every["beta"]) != 1 || len(every) != 2 {
		t.Errorf("every tenant's windows: acme %d, beta %d, %d tenants; want 3, 1, 2", len(every["acme"]), len(every["beta"]), len(every))
	}
}
