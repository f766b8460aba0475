package console

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
)

// promQuerier runs range queries on the PromQL engine over one tenant's
// view of the metric store.
type promQuerier struct {
	engine    *promql.Engine
	forTenant func(tenant string) storage.Queryable
}

// NewPromQuerier returns a RangeQuerier over engine; forTenant must scope
// the store to one tenant, as metricstore.(*Store).ForTenant does.
func NewPromQuerier(engine *promql.Engine, forTenant func(tenant string) storage.Queryable) RangeQuerier {
	return &promQuerier{engine: engine, forTenant: forTenant}
}

// QueryRange runs query from start to end and returns each series.
func (q *promQuerier) QueryRange(ctx context.Context, tenant, query string, start, end time.Time, step time.Duration) ([]Series, error) {
	qry, err := q.engine.NewRangeQuery(ctx, q.forTenant(tenant), nil, query, start, end, step)
	if err != nil {
		return nil, fmt.Errorf("console: query %q: %w", query, err)
	}
	defer qry.Close()
	res := qry.Exec(ctx)
	if res.Err != nil {
		return nil, fmt.Errorf("console: query %q: %w", query, res.Err)
	}
	m, err := res.Matrix()
	if err != nil {
		return nil, fmt.Errorf("console: query %q: %w", query, err)
	}
	out := make([]Series, 0, len(m))
	for _, s := range m {
		ser := Series{Name: s.Metric.String(), Points: make([]Point, len(s.Floats))}
		for i, f := range s.Floats {
			ser.Points[i] = Point{T: time.UnixMilli(f.T), V: f.F}
		}
		out = append(out, ser)
	}
	return out, nil
}

// hostQueries are the charts of a host, as PromQL over the node_exporter
// names the agent sends (internal/agent/collect), selected by host label.
func hostQueries(host string, window time.Duration) (cpu, memory string) {
	h := "host=" + strconv.Quote(host)
	w := promDuration(max(window, 2*time.Minute))
	cpu = `100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle",` + h + `}[` + w + `])))`
	memory = `100 * (1 - sum(node_memory_MemAvailable_bytes{` + h + `}) / sum(node_memory_MemTotal_bytes{` + h + `}))`
	return cpu, memory
}

func promDuration(d time.Duration) string {
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}
