package cli

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/cluster"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/server"
)

// clusterParts builds what makes this server one replica among others:
// readiness (the database, and whatever else registers a check: a remote
// metrics store), its membership in the replicas table and, on PostgreSQL,
// the listener that keeps the token cache true to revocations made on any
// replica. On SQLite there is one server and the cache stays as it was.
func (a *app) clusterParts(cfg *serverConfig, dsn string) {
	a.ready = &server.Readiness{}
	a.ready.Add("database", a.db.PingContext)
	if m, ok := a.metrics.(interface{ Ping(context.Context) error }); ok {
		a.ready.Add("metrics store", m.Ping) // remote: the replica is no use without it
	}
	a.replicaID = cfg.cluster.id(a.ln.Addr().String())
	address := cfg.cluster.advertise
	if address == "" {
		address = "http://" + a.ln.Addr().String()
	}
	a.members = cluster.New(a.db, cluster.Options{
		ID: a.replicaID, Address: address, Version: Version,
		Interval: envDuration("UNYO_CLUSTER_HEARTBEAT", 3*time.Second),
		Leases:   a.leaseView,
	}, a.logger.With("component", "cluster"))
	a.reg.MustRegister(a.members)
	if database.DialectOf(a.db) == database.Postgres {
		a.revocations = cluster.NewRevocations(dsn, a.authn, a.logger.With("component", "cluster"), a.reg)
		// The notices make a revocation immediate; this bounds the damage
		// of one the database could not announce.
		a.authn.SetTokenTTL(envDuration("UNYO_TOKEN_CACHE_TTL", 5*time.Second))
	}
}

// runRevocations is the group's component for the revocation listener
// (nothing to do on SQLite).
func (a *app) runRevocations(ctx context.Context) error {
	if a.revocations == nil {
		<-ctx.Done()
		return nil
	}
	return a.revocations.Run(ctx)
}

// forwardObservations is, on PostgreSQL, how the alert engine hands the
// samples it observed on arrival for a tenant whose rules another replica
// owns to that owner: a notice on alert.ObservationChannel, which every
// replica hears (hearObservations) and the owner takes. On SQLite one
// server owns all: nil.
func (a *app) forwardObservations() alert.ForwardFunc {
	if a.revocations == nil {
		return nil
	}
	return func(ctx context.Context, payload string) error {
		_, err := database.Writer(a.db).ExecContext(ctx, "SELECT pg_notify($1, $2)", alert.ObservationChannel, payload)
		return err
	}
}

// hearObservations has the cluster listener pass the notices of observed
// samples to the alert engine (PostgreSQL only).
func (a *app) hearObservations() {
	if a.revocations != nil {
		a.revocations.Handle(alert.ObservationChannel, a.alerts.Arrived)
	}
}

// leaseView is the cluster view's leases by holder, read from the lease
// table (made after the membership, so read when the view is asked for).
func (a *app) leaseView(ctx context.Context) (map[string][]cluster.Lease, error) {
	if a.leases == nil {
		return nil, nil
	}
	held, err := a.leases.Held(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]cluster.Lease{}
	for _, l := range held {
		out[l.Owner] = append(out[l.Owner], cluster.Lease{Name: l.Name, ExpiresAt: l.Expires})
	}
	return out, nil
}

// replicaSettings are the settings that differ when replicas share one
// PostgreSQL database.
type replicaSettings struct {
	notifyRetry time.Duration // how often the alert engine offers transitions another replica stored
}

// replicaCaches bounds, on PostgreSQL, how long this replica trusts what
// it caches of what any replica may write: the maintenance windows and
// the silences (UNYO_REPLICA_CACHE_MAX_AGE, 2s), and how soon the owner of
// a tenant's rules offers a transition another replica stored (an
// intake, UNYO_ALERT_NOTIFY_RETRY, 2s). On SQLite the one server's writes
// keep its caches true and nothing changes.
func (a *app) replicaCaches() replicaSettings {
	if database.DialectOf(a.db) != database.Postgres {
		return replicaSettings{}
	}
	maxAge := envDuration("UNYO_REPLICA_CACHE_MAX_AGE", 2*time.Second)
	a.windows.SetMaxAge(maxAge)
	a.alertLog.SetCacheMaxAge(maxAge)
	return replicaSettings{notifyRetry: envDuration("UNYO_ALERT_NOTIFY_RETRY", 2*time.Second)}
}
