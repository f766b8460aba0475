package limits

import (
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunks"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// The enforcer counts each tenant's series as the TSDB's head creates and
// drops them, through the head's own lifecycle callbacks: the count costs
// an atomic add per new series and nothing per sample, and it is exact
// (no scan of the postings). The head asks PreCreation before it creates a
// series, which is where max_series refuses.
var _ tsdb.SeriesLifecycleCallback = (*Enforcer)(nil)

// Enforce turns the series limit on. Call it once the TSDB is open: its WAL
// replay creates the series it had, which are counted but never refused.
func (e *Enforcer) Enforce() { e.enforcing.Store(true) }

// PreCreation refuses a new series of a tenant at its max_series. Two
// series created at once may both pass the last free place: the count can
// go past the limit by the number of concurrent writers, never further.
func (e *Enforcer) PreCreation(lset labels.Labels) error {
	if !e.enforcing.Load() {
		return nil
	}
	tenant := lset.Get(metricstore.TenantLabel)
	if tenant == "" {
		return nil
	}
	limit := e.For(tenant).MaxSeries
	if limit > 0 && e.usage(tenant).series.Load() >= int64(limit) {
		e.Refused(tenant, NameMaxSeries)
		return seriesError(limit)
	}
	return nil
}

// PostCreation counts a series the head created.
func (e *Enforcer) PostCreation(lset labels.Labels) {
	if tenant := lset.Get(metricstore.TenantLabel); tenant != "" {
		e.usage(tenant).series.Add(1)
	}
}

// PostDeletion uncounts the series the head dropped (at head compaction,
// once they have no samples left in it).
func (e *Enforcer) PostDeletion(deleted map[chunks.HeadSeriesRef]labels.Labels) {
	for _, lset := range deleted {
		if tenant := lset.Get(metricstore.TenantLabel); tenant != "" {
			e.usage(tenant).series.Add(-1)
		}
	}
}
