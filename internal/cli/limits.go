package cli

import (
	"context"
	"database/sql"
	"flag"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/remotewrite"
	"github.com/unyo-ops/unyo/internal/server"
)

// limitsConfig is what bounds one tenant, all remote-write bodies at once,
// and every connection: the defaults of docs/security.md#limits.
type limitsConfig struct {
	tenant        limits.Limits
	queryTime     time.Duration
	inflightBytes int64
	timeouts      server.Timeouts
}

func (c *limitsConfig) flags(fs *flag.FlagSet) {
	d := limits.Defaults
	fs.IntVar(&c.tenant.MaxSeries, "limit-series", d.MaxSeries, "series a tenant may have in the TSDB's head; new ones over it are refused (0: unlimited)")
	fs.Float64Var(&c.tenant.IngestRate, "limit-ingest-rate", d.IngestRate, "samples per second a tenant may send, sustained (0: unlimited)")
	fs.IntVar(&c.tenant.IngestBurst, "limit-ingest-burst", d.IngestBurst, "samples a tenant may send at once above its rate")
	fs.IntVar(&c.tenant.MaxConcurrentQueries, "limit-queries", d.MaxConcurrentQueries, "queries a tenant may run at once (0: unlimited)")
	fs.IntVar(&c.tenant.MaxQuerySamples, "limit-query-samples", d.MaxQuerySamples, "samples one query of a tenant may hold in memory (0: unlimited)")
	fs.DurationVar(&c.queryTime, "limit-query-time", d.MaxQueryTime.Std(), "how long one query of a tenant may run (0: unlimited)")
	fs.Int64Var(&c.inflightBytes, "remote-write-inflight-bytes", remotewrite.DefaultLimits.MaxInflightBytes, "decoded bytes of all remote-write bodies held at once; more answers 429 (0: unbounded)")
	t := server.DefaultTimeouts
	fs.DurationVar(&c.timeouts.ReadHeader, "http-read-header-timeout", t.ReadHeader, "how long a client may take to send a request's headers")
	fs.DurationVar(&c.timeouts.Read, "http-read-timeout", t.Read, "how long a client may take to send a whole request, body included")
	fs.DurationVar(&c.timeouts.Write, "http-write-timeout", t.Write, "how long an answer may take, from the end of the request's headers")
	fs.DurationVar(&c.timeouts.Idle, "http-idle-timeout", t.Idle, "how long a kept-alive connection may wait for its next request")
}

// newTenantLimits returns the enforcer of the flags' defaults and the
// stored overrides. Its series limit is off until the TSDB has replayed.
func newTenantLimits(ctx context.Context, c *limitsConfig, db *sql.DB, reg prometheus.Registerer) (*limits.Enforcer, error) {
	c.tenant.MaxQueryTime = model.Duration(c.queryTime)
	if err := c.tenant.Validate(); err != nil {
		return nil, err
	}
	e := limits.New(c.tenant, limits.NewStore(db), reg)
	return e, e.Load(ctx)
}

// remoteWrite returns the remote-write receiver's limits.
func (c *limitsConfig) remoteWrite() remotewrite.Limits {
	l := remotewrite.DefaultLimits
	l.MaxInflightBytes = c.inflightBytes
	return l
}
