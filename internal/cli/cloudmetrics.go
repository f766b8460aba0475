package cli

import (
	"log/slog"
	"os"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudmetric"
	"github.com/unyo-ops/unyo/internal/lease"
)

// cloudMetrics builds the poller of the cloud resources' platform
// metrics: the resources discovery registered, their accounts' clouds
// reached through the outbound policy's client, the points taking the
// agents' remote-write path. UNYO_CLOUD_METRICS_INTERVAL sets the round
// (1m); UNYO_CLOUD_METRICS_AZURE_BATCH_ENDPOINT the batch metrics host
// ({region} in it; "off" for the per-resource API only) and
// UNYO_CLOUD_METRICS_AZURE_BATCH_AUDIENCE its token audience, for a
// sovereign cloud or the tests' fakes; UNYO_CLOUD_METRICS_AZURE_DELAY and
// UNYO_CLOUD_METRICS_AWS_DELAY the providers' ingestion delays.
func (a *app) cloudMetrics(logger *slog.Logger) *cloudmetric.Poller {
	client := a.egress.Client(time.Minute)
	az := cloudmetric.NewAzure(client)
	if ep := os.Getenv("UNYO_CLOUD_METRICS_AZURE_BATCH_ENDPOINT"); ep == "off" {
		az.BatchEndpoint = ""
	} else if ep != "" {
		az.BatchEndpoint = ep
	}
	if aud := os.Getenv("UNYO_CLOUD_METRICS_AZURE_BATCH_AUDIENCE"); aud != "" {
		az.BatchAudience = aud
	}
	return cloudmetric.New(cloudmetric.Options{
		Targets:  lease.Only(a.leases, lease.Cloud, cloudmetric.TargetsIn(a.objects), func(t cloudmetric.Group) string { return t.Tenant }),
		Accounts: a.clouds,
		Sources: map[cloudaccount.Provider]cloudmetric.Source{
			cloudaccount.ProviderAzure: az,
			cloudaccount.ProviderAWS:   cloudmetric.NewAWS(client),
		},
		Sink:     sender.RemoteWrite(a.write.Ingest),
		Marks:    cloudmetric.NewMarks(a.db),
		Interval: envDuration("UNYO_CLOUD_METRICS_INTERVAL", time.Minute),
		Delay: map[cloudaccount.Provider]time.Duration{
			cloudaccount.ProviderAzure: envDelay("UNYO_CLOUD_METRICS_AZURE_DELAY", cloudmetric.AzureDelay),
			cloudaccount.ProviderAWS:   envDelay("UNYO_CLOUD_METRICS_AWS_DELAY", cloudmetric.AWSDelay),
		},
		Metrics: cloudmetric.NewMetrics(a.reg),
		Logger:  logger,
	})
}

// envDelay reads a duration that may be zero, def when unset or unreadable.
func envDelay(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d >= 0 {
		return d
	}
	return def
}
