package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/remotestore"
)

// metricsStoreConfig is where samples live: the embedded TSDB under --data,
// or a remote Prometheus-compatible store (docs/deploy.md, "Metrics store").
type metricsStoreConfig struct {
	kind       string // embedded or remote
	writeURL   string
	queryURL   string
	tenantMode string
	readProto  string
	seriesIdle time.Duration
}

func (c *metricsStoreConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.kind, "metrics-store", env("UNYO_METRICS_STORE", "embedded"), "where samples are kept: embedded (the TSDB under --data) or remote (env UNYO_METRICS_STORE)")
	fs.StringVar(&c.writeURL, "metrics-write-url", env("UNYO_METRICS_WRITE_URL", ""), "remote store: its remote-write URL, e.g. http://vm:8428/api/v1/write; in accountid mode the vminsert root (env UNYO_METRICS_WRITE_URL)")
	fs.StringVar(&c.queryURL, "metrics-query-url", env("UNYO_METRICS_QUERY_URL", ""), "remote store: its Prometheus API root, e.g. http://vm:8428; in accountid mode the vmselect root (env UNYO_METRICS_QUERY_URL)")
	fs.StringVar(&c.tenantMode, "metrics-tenant-mode", env("UNYO_METRICS_TENANT_MODE", "extra_label"), "remote store: how it keeps tenants apart: extra_label, accountid or orgid-header (env UNYO_METRICS_TENANT_MODE)")
	fs.StringVar(&c.readProto, "metrics-read-protocol", env("UNYO_METRICS_READ_PROTOCOL", ""), "remote store: how samples are read: export (VictoriaMetrics), remote-read (Prometheus, Mimir, Cortex) or query-api (Thanos Query); default export, or remote-read in orgid-header mode (env UNYO_METRICS_READ_PROTOCOL)")
	fs.DurationVar(&c.seriesIdle, "metrics-series-idle", time.Hour, "remote store: a series not written for this long stops counting against the tenant's max_series")
}

// parse checks the flags together, before anything opens.
func (c *metricsStoreConfig) parse() error {
	switch c.kind {
	case "embedded":
		if c.writeURL != "" || c.queryURL != "" {
			return errors.New("--metrics-write-url and --metrics-query-url need --metrics-store remote")
		}
		return nil
	case "remote":
		if c.writeURL == "" || c.queryURL == "" {
			return errors.New("--metrics-store remote needs --metrics-write-url and --metrics-query-url")
		}
		mode, err := remotestore.ParseMode(c.tenantMode)
		if err != nil {
			return err
		}
		if _, err := remotestore.ParseProtocol(c.readProto, mode); err != nil {
			return err
		}
		if c.seriesIdle < time.Minute {
			return fmt.Errorf("--metrics-series-idle %s is shorter than a minute", c.seriesIdle)
		}
		return nil
	}
	return fmt.Errorf("--metrics-store %q is not embedded or remote", c.kind)
}

// evalDelay is how far behind now the alert rules' timed evaluation reads
// (alert.Options.EvalDelay): nothing on the embedded TSDB, which shows a
// sample once appended; on a remote store, what it takes to show one
// (UNYO_METRICS_STORE_DELAY, 15s: VictoriaMetrics single-node showed a new
// series 7-9 s after its first sample on a loaded 2-core machine).
func (c *metricsStoreConfig) evalDelay() time.Duration {
	if c.kind != "remote" {
		return 0
	}
	return envDuration("UNYO_METRICS_STORE_DELAY", 15*time.Second)
}

// metricsBackend is what the server reads and writes samples through.
type metricsBackend interface {
	AppenderV2(ctx context.Context) storage.AppenderV2
	ForTenant(tenant string) storage.Queryable
	Queryable() storage.Queryable
	DeleteTenant(ctx context.Context, tenant string) error
	SetMetadata(tenant, family string, m metricstore.MetricMetadata)
	Metadata(tenant, metric string, limit, perMetric int) map[string][]metricstore.MetricMetadata
	Close() error
}

// remoteMetrics keeps samples in the remote store; the senders' metric
// metadata stays in the embedded store's memory, as it does without one.
type remoteMetrics struct {
	remote *remotestore.Store
	local  *metricstore.Store
}

// Ping is the remote store's readiness check.
func (m *remoteMetrics) Ping(ctx context.Context) error { return m.remote.Ping(ctx) }

func (m *remoteMetrics) AppenderV2(ctx context.Context) storage.AppenderV2 {
	return m.remote.AppenderV2(ctx)
}
func (m *remoteMetrics) ForTenant(tenant string) storage.Queryable { return m.remote.ForTenant(tenant) }
func (m *remoteMetrics) Queryable() storage.Queryable              { return m.remote.Queryable() }
func (m *remoteMetrics) SetMetadata(tenant, family string, md metricstore.MetricMetadata) {
	m.local.SetMetadata(tenant, family, md)
}
func (m *remoteMetrics) Metadata(tenant, metric string, limit, perMetric int) map[string][]metricstore.MetricMetadata {
	return m.local.Metadata(tenant, metric, limit, perMetric)
}

// DeleteTenant deletes the tenant's series in the remote store and what is
// left of it in the embedded one (metadata, series from before the switch).
func (m *remoteMetrics) DeleteTenant(ctx context.Context, tenant string) error {
	return errors.Join(m.remote.DeleteTenant(ctx, tenant), m.local.DeleteTenant(ctx, tenant))
}

// Close sends what is queued for the remote store, then closes the TSDB.
func (m *remoteMetrics) Close() error {
	return errors.Join(m.remote.Close(), m.local.Close())
}

// openMetrics wraps the opened embedded store in the remote one when the
// flags ask for it.
func (c *metricsStoreConfig) open(local *metricstore.Store, tenants *limits.Enforcer, logger *slog.Logger, reg prometheus.Registerer) (metricsBackend, error) {
	if c.kind != "remote" {
		return local, nil
	}
	mode, err := remotestore.ParseMode(c.tenantMode)
	if err != nil {
		return nil, err
	}
	proto, err := remotestore.ParseProtocol(c.readProto, mode)
	if err != nil {
		return nil, err
	}
	remote, err := remotestore.New(remotestore.Options{WriteURL: c.writeURL, QueryURL: c.queryURL, Mode: mode, Protocol: proto,
		Series: limits.NewTracker(tenants, c.seriesIdle)}, logger.With("component", "remotestore"), reg)
	if err != nil {
		return nil, err
	}
	logger.Info("metrics store", "kind", "remote", "write_url", c.writeURL, "query_url", c.queryURL, "tenant_mode", mode, "read_protocol", proto)
	return &remoteMetrics{remote: remote, local: local}, nil
}
