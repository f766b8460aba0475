// Package exporter takes backup results from metrics that backup tools'
// exporters already give, such as bacula_last_success_timestamp_seconds or
// any *_last_success_timestamp_seconds: the value of the policy's selector
// is the unix time of the last good recovery point, read from the tenant's
// own series in the embedded TSDB. Each new value is one good job.
package exporter

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/metricstore"
)

// Lookback is how far back a series' newest sample is looked for: a
// series silent longer is gone, as a Prometheus query would see it.
const Lookback = 10 * time.Minute

// Fetcher reads a policy's selector from its tenant's series.
type Fetcher struct {
	// ForTenant returns the queryable that sees only tenant's series
	// (metricstore.Store.ForTenant).
	ForTenant func(tenant string) storage.Queryable
	now       func() time.Time
}

// New returns a Fetcher over the tenants' series.
func New(forTenant func(tenant string) storage.Queryable) *Fetcher {
	return &Fetcher{ForTenant: forTenant, now: time.Now}
}

// Fetch returns one good job per matching series whose value is a
// plausible unix time: its recovery point. The external ID is the series
// and the time, so the same value read again is the same job.
func (f *Fetcher) Fetch(ctx context.Context, _ *cloudaccount.Account, p *backup.Policy, _ time.Time) ([]backup.Job, error) {
	ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector(backup.SelectorQuery(p.Source.Selector))
	if err != nil {
		return nil, fmt.Errorf("metric source: %w", err)
	}
	now := f.now()
	q, err := f.ForTenant(p.TenantID).Querier(now.Add(-Lookback).UnixMilli(), now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("metric source: %w", err)
	}
	defer q.Close()
	set := q.Select(ctx, false, nil, ms...)
	var out []backup.Job
	var it chunkenc.Iterator
	for set.Next() {
		s := set.At()
		it = s.Iterator(it)
		var last float64
		found := false
		for it.Next() == chunkenc.ValFloat {
			_, last = it.At()
			found = true
		}
		if !found {
			continue
		}
		if j, ok := Result(s.Labels(), last, now); ok {
			out = append(out, j)
		}
	}
	if err := set.Err(); err != nil {
		return nil, fmt.Errorf("metric source: %w", err)
	}
	return out, nil
}

// Result is the good job a series' value stands for, if the value is a
// unix time after 2000 and not in the future.
func Result(lset labels.Labels, v float64, now time.Time) (backup.Job, bool) {
	if math.IsNaN(v) || v < 946684800 || v > float64(now.Add(5*time.Minute).Unix()) {
		return backup.Job{}, false
	}
	sec, frac := math.Modf(v)
	point := time.Unix(int64(sec), int64(frac*1e9)).UTC().Truncate(time.Millisecond)
	id := "metric:" + strconv.FormatUint(lset.Hash(), 16) + ":" + strconv.FormatInt(point.UnixMilli(), 10)
	msg := []rune("from " + labels.NewBuilder(lset).Del(metricstore.TenantLabel).Labels().String())
	if len(msg) > 4000 {
		msg = msg[:4000]
	}
	return backup.Job{Status: backup.StatusOK, StartedAt: point, FinishedAt: point, RecoveryPoint: point, ExternalID: id,
		Message: string(msg)}, true
}
