package cli

import (
	"log/slog"
	"os"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/discovery"
)

// cloudDiscovery builds the discovery of the tenants' cloud accounts:
// Azure Resource Graph and the AWS Tagging API through the outbound
// policy's client, the resources registered in the tenant's store with
// the built-in templates assigned, gone ones resolving their alerts,
// health events into the alert pipeline. UNYO_DISCOVERY_INTERVAL sets the
// round (default 10m); "off" stops the scheduled runs, for an MSP that
// registers its cloud resources by hand ("discover now" still runs one).
func (a *app) cloudDiscovery(logger *slog.Logger) *discovery.Discoverer {
	client := a.egress.Client(2 * time.Minute)
	d := discovery.New(discovery.Deps{
		Store: discovery.NewStore(a.db), Accounts: a.clouds, Resources: a.objects, Design: a.design,
		Listers: map[cloudaccount.Provider]discovery.Lister{
			cloudaccount.ProviderAzure: discovery.NewAzure(client),
			cloudaccount.ProviderAWS:   discovery.NewAWS(client),
		},
		Intake: a.alerts.Intake, Gone: a.alerts.ResolveGone, Alerts: a.alertLog,
	}, discovery.Options{Interval: envDuration("UNYO_DISCOVERY_INTERVAL", 10*time.Minute),
		Off: os.Getenv("UNYO_DISCOVERY_INTERVAL") == "off", Registerer: a.reg}, logger)
	d.After = a.alerts.Loaded() // gone resources and health events need the engine's open alerts
	return d
}
