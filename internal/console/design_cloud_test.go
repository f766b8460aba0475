package console

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/blueprint"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/runbook"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/servicenow"
)

// A cloud account created by a design's apply is on the console's page
// like one entered there: its name, its secret's hint, never the secret.
func TestDesignedCloudAccountPage(t *testing.T) {
	var planner *blueprint.Planner
	e := newEnv(t, func(o *Options) {
		db := o.Store.DB()
		box, err := secret.New(bytes.Repeat([]byte{3}, secret.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		channels := channel.NewStore(db, o.Store, box, channel.Builder{})
		planner = blueprint.NewPlanner(db, blueprint.Stores{Objects: o.Store, Monitoring: o.Design.(*monitoring.Store), Channels: channels,
			Policies: escalation.NewStore(db, o.Store, channels.TargetExists), Windows: maintenance.NewStore(db, o.Store), Runbooks: runbook.NewStore(db),
			Clouds: o.CloudAccounts, ServiceNow: servicenow.NewConfigs(db, box)})
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
