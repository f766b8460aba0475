package cli

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/outbox"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// notifications is notification delivery: the tenants' channels and
// contacts (secrets sealed with the data directory's key), escalation
// policies and their scheduler, the outbox and its workers, and the
// maintenance windows the alert engine consults.
type notifications struct {
	outbox      *outbox.Outbox
	scheduler   *escalation.Scheduler
	maintenance *maintenance.Store
	modules     []route.Module
}

// newNotifications wires notification delivery; start runs its workers.
func newNotifications(db *sql.DB, store *storage.Store, authz route.Authorizer, box *secret.Box, egress *outbound.Policy,
	logger *slog.Logger, reg prometheus.Registerer) (*notifications, error) {
	channels := channel.NewStore(db, box, channel.Builder{Outbound: egress})
	policies := escalation.NewStore(db, channels.TargetExists)
	scheduler := escalation.NewScheduler(policies, nil, envDuration("UNYO_ESCALATION_INTERVAL", 5*time.Second), logger)
	resolve := func(ctx context.Context, tenant, target string) (outbox.Destination, error) {
		d, err := channels.Resolve(ctx, tenant, target)
		return outbox.Destination{Channel: d.Channel, Language: d.Language, TimeZone: d.TimeZone}, err
	}
	ob := outbox.New(db, outbox.Options{
		MaxAttempts:  envInt("UNYO_NOTIFY_MAX_ATTEMPTS", 8),
		GroupWindow:  envDuration("UNYO_NOTIFY_GROUP_WINDOW", 10*time.Second),
		BackoffBase:  envDuration("UNYO_NOTIFY_BACKOFF", 5*time.Second),
		PollInterval: envDuration("UNYO_NOTIFY_POLL", time.Second),
	}, resolve, scheduler, logger, reg)
	scheduler.SetDispatch(ob.AddDeliveries)
	windows := maintenance.NewStore(db)
	return &notifications{
		outbox:      ob,
		scheduler:   scheduler,
		maintenance: windows,
		modules: []route.Module{
			channel.NewHandlers(channels, authz, logger),
			escalation.NewHandlers(policies, authz, logger),
			outbox.NewHandlers(ob, store, authz, logger),
			maintenance.NewHandlers(windows, authz, logger),
		},
	}, nil
}

// start recovers interrupted deliveries and runs the workers and the
// escalation scheduler.
func (n *notifications) start(ctx context.Context) error {
	if err := n.outbox.Start(ctx); err != nil {
		return err
	}
	n.scheduler.Run(context.WithoutCancel(ctx))
	return nil
}

// stop ends the scheduler, then the outbox (waiting for sends in flight);
// call it before the database closes.
func (n *notifications) stop() {
	n.scheduler.Close()
	n.outbox.Stop()
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
