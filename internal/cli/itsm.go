package cli

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"time"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/runbook"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/workreport"
)

// itsm is the incident desk: incidents and their SLA scheduler, and the
// ServiceNow sync that mirrors them to a tenant's own instance.
type itsm struct {
	incidents *incident.Store
	modules   []route.Module
	scheduler *incident.Scheduler
	sync      *servicenow.Sync
}

// newITSM wires the incident desk. The SLA notices go nowhere until the lead
// connects notify to the notification outbox (nil sends nothing).
func newITSM(db *sql.DB, store *storage.Store, design *monitoring.Store, authz route.Authorizer, box *secret.Box,
	egress *outbound.Policy, notify incident.NotifyFunc, logger *slog.Logger) (*itsm, error) {
	incidents := incident.NewStore(db, logger)
	incidents.SetItems(design)
	configs := servicenow.NewConfigs(db, box)
	sync := servicenow.NewSync(db, configs, incidents, servicenow.Options{
		Interval: envDuration("UNYO_SERVICENOW_INTERVAL", 5*time.Second), PullInterval: envDuration("UNYO_SERVICENOW_PULL", time.Minute),
		Outbound: egress,
	}, logger)
	incidents.OnChange(sync.Enqueue)
	return &itsm{
		incidents: incidents,
		modules: []route.Module{
			incident.NewHandlers(incidents, authz, logger),
			servicenow.NewHandlers(configs, sync, store, authz, logger),
			workreport.NewHandlers(workreport.NewStore(db), store, authz, logger),
			runbook.NewHandlers(runbook.NewStore(db), store, authz, logger),
		},
		scheduler: incident.NewScheduler(incidents, notify, envDuration("UNYO_SLA_INTERVAL", 30*time.Second), logger),
		sync:      sync,
	}, nil
}

// run runs the SLA scheduler and the ServiceNow sync until ctx ends; the
// returned channel closes when both have stopped.
func (d *itsm) run(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		sched := make(chan struct{})
		go func() { defer close(sched); d.scheduler.Run(ctx) }()
		d.sync.Run(ctx)
		<-sched
	}()
	return done
}

// envDuration reads a duration from the environment, def when unset or unreadable.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}
