package cli

import (
	"log/slog"
	"os"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/flowlog"
	"github.com/unyo-ops/unyo/internal/lease"
)

// flowLogPoller builds the reader of the NSGs' flow logs: the NSGs
// discovery registered and a person labelled with their flow log's
// storage account, read with their cloud account's credential through the
// outbound policy's client, the counts taking the agents' remote-write
// path. UNYO_FLOWLOG_INTERVAL sets the round (1m), UNYO_FLOWLOG_DELAY how
// old a minute is when written (5m), UNYO_FLOWLOG_BLOB_ENDPOINT the blob
// host ({account} in it) and UNYO_FLOWLOG_AUDIENCE its token audience, for
// a sovereign cloud or the tests' fakes.
func (a *app) flowLogPoller(logger *slog.Logger) *flowlog.Poller {
	marks := flowlog.NewMarks(a.db)
	marks.SetFence(a.leases.FenceOf(lease.Cloud)) // a stalled holder cannot set the offsets back
	return flowlog.New(flowlog.Options{
		Targets:  lease.Only(a.leases, lease.Cloud, flowlog.TargetsIn(a.objects), func(t flowlog.NSG) string { return t.Tenant }),
		Accounts: a.clouds,
		Client:   a.egress.Client(time.Minute),
		Endpoint: os.Getenv("UNYO_FLOWLOG_BLOB_ENDPOINT"),
		Audience: os.Getenv("UNYO_FLOWLOG_AUDIENCE"),
		Sink:     sender.RemoteWrite(a.write.Ingest),
		Marks:    marks,
		Interval: envDuration("UNYO_FLOWLOG_INTERVAL", time.Minute),
		Delay:    envDelay("UNYO_FLOWLOG_DELAY", flowlog.DefaultDelay),
		Metrics:  flowlog.NewMetrics(a.reg),
		Logger:   logger,
	})
}
