package console

import (
	"context"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/blueprint"
)

// A cloud account created by a design's apply is on the console's page
// like one entered there: its name, its secret's hint, never the secret.
func TestDesignedCloudAccountPage(t *testing.T) {
	var planner *blueprint.Planner
	e := newEnv(t, func(o *Options) {
		planner = blueprint.NewPlanner(o.Store.DB(), designStores(t, o))
	})
	const clientSecret = "designed-azure-secret-7Q2x"
	design := blueprint.Design{Tenant: "acme", CloudAccounts: []blueprint.CloudAccount{{Name: "acme-azure", Provider: "azure",
		Azure: &blueprint.CloudAzure{TenantID: "acme.onmicrosoft.com", ClientID: "11111111-2222-3333-4444-555555555555",
			SubscriptionID: "66666666-7777-8888-9999-000000000000", ClientSecret: clientSecret}}}}
	if _, err := planner.Apply(context.Background(), "acme", "token:ci", &blueprint.Request{Design: design}); err != nil {
		t.Fatal(err)
	}
	code, body, _ := e.login("admin").get("/tenants/acme/settings/cloud-accounts")
	if code != 200 || !strings.Contains(body, `data-account="acme-azure"`) || !strings.Contains(body, "****7Q2x") || strings.Contains(body, clientSecret) {
		t.Fatalf("page = %d:\n%.3000s", code, body)
	}
}
