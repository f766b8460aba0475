package report

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
)

// Metrics runs a PromQL range query over one tenant's series.
type Metrics interface {
	QueryRange(ctx context.Context, tenant, query string, from, to time.Time, step time.Duration) (promql.Matrix, error)
}

// TenantQueryable hands out a queryable that sees one tenant's series only;
// metricstore.(*Store) is one.
type TenantQueryable interface {
	ForTenant(tenant string) storage.Queryable
}

// PromQL is Metrics over the embedded TSDB: every query goes through the
// tenant-scoped queryable, so a report cannot read another tenant's series
// whatever its query says.
type PromQL struct {
	Engine *promql.Engine
	Store  TenantQueryable
}

// QueryRange implements Metrics.
func (p PromQL) QueryRange(ctx context.Context, tenant, query string, from, to time.Time, step time.Duration) (promql.Matrix, error) {
	q, err := p.Engine.NewRangeQuery(ctx, p.Store.ForTenant(tenant), nil, query, from, to, step)
	if err != nil {
		return nil, fmt.Errorf("report: bad query %q: %w", query, err)
	}
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		return nil, fmt.Errorf("report: query %q: %w", query, res.Err)
	}
	m, err := res.Matrix()
	if err != nil {
		return nil, fmt.Errorf("report: query %q: %w", query, err)
	}
	// Close hands the points back to the engine's pool: copy them out first.
	out := make(promql.Matrix, len(m))
	for i, s := range m {
		out[i] = promql.Series{Metric: s.Metric, Floats: append([]promql.FPoint(nil), s.Floats...)}
	}
	return out, nil
}

// The PromQL of each figure. The agent names its series like node_exporter
// (internal/agent/collect) and labels each with its host.
const (
	qCPU = `100 * (1 - sum by (host) (rate(node_cpu_seconds_total{mode="idle"}[%s])) / sum by (host) (rate(node_cpu_seconds_total[%s])))`
	qMem = `100 * (1 - sum by (host) (node_memory_MemAvailable_bytes) / sum by (host) (node_memory_MemTotal_bytes))`
	// Disk used and size by mountpoint; the device label changes on remount.
	qDiskUsed = `sum by (host, mountpoint) (node_filesystem_size_bytes - node_filesystem_avail_bytes)`
	qDiskSize = `sum by (host, mountpoint) (node_filesystem_size_bytes)`
	qTLS      = `min by (item, target) (unyo_check_tls_cert_expiry_days)`
)
