package metricstore

import (
	"context"
	"maps"
	"slices"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/util/annotations"
)

// Scope wraps q so that every Select, LabelNames and LabelValues carries a
// tenant="<tenant>" matcher. Scoping at the storage interface, below PromQL,
// means no query text, however written, can widen it: the engine never sees
// another tenant's series.
func Scope(q storage.Queryable, tenant string) storage.Queryable {
	return scope(q, tenant, false)
}

// scope is Scope; bySeries answers label names and values from the series
// Select returns, which tombstones hide, rather than from the index.
func scope(q storage.Queryable, tenant string, bySeries bool) storage.Queryable {
	m := labels.MustNewMatcher(labels.MatchEqual, TenantLabel, tenant)
	return storage.QueryableFunc(func(mint, maxt int64) (storage.Querier, error) {
		inner, err := q.Querier(mint, maxt)
		if err != nil {
			return nil, err
		}
		return &scopedQuerier{inner: inner, tenant: m, bySeries: bySeries}, nil
	})
}

type scopedQuerier struct {
	inner    storage.Querier
	tenant   *labels.Matcher
	bySeries bool
}

func (s *scopedQuerier) with(ms []*labels.Matcher) []*labels.Matcher {
	out := make([]*labels.Matcher, 0, len(ms)+1)
	out = append(out, s.tenant)
	return append(out, ms...)
}

func (s *scopedQuerier) Select(ctx context.Context, sortSeries bool, hints *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
	return s.inner.Select(ctx, sortSeries, hints, s.with(ms)...)
}

func (s *scopedQuerier) LabelValues(ctx context.Context, name string, hints *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	if s.bySeries {
		return s.fromSeries(ctx, hints, ms, func(l labels.Labels, seen map[string]struct{}) {
			if v := l.Get(name); v != "" {
				seen[v] = struct{}{}
			}
		})
	}
	return s.inner.LabelValues(ctx, name, hints, s.with(ms)...)
}

func (s *scopedQuerier) LabelNames(ctx context.Context, hints *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	if s.bySeries {
		return s.fromSeries(ctx, hints, ms, func(l labels.Labels, seen map[string]struct{}) {
			l.Range(func(l labels.Label) { seen[l.Name] = struct{}{} })
		})
	}
	return s.inner.LabelNames(ctx, hints, s.with(ms)...)
}

func (s *scopedQuerier) Close() error { return s.inner.Close() }

// fromSeries collects, with add, what the series the matchers select hold
// where they have a sample in the querier's range, sorted and capped at the hints' limit.
func (s *scopedQuerier) fromSeries(ctx context.Context, hints *storage.LabelHints, ms []*labels.Matcher, add func(labels.Labels, map[string]struct{})) ([]string, annotations.Annotations, error) {
	if len(ms) == 0 {
		ms = []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, labels.MetricName, ".+")}
	}
	set := s.Select(ctx, false, nil, ms...)
	seen := map[string]struct{}{}
	var it chunkenc.Iterator
	for set.Next() {
		// A series whose samples are all deleted may still be listed (an
		// open head chunk is never wholly inside a tombstone): skip it.
		if it = set.At().Iterator(it); it.Next() != chunkenc.ValNone {
			add(set.At().Labels(), seen)
		}
	}
	if err := set.Err(); err != nil {
		return nil, set.Warnings(), err
	}
	out := slices.Sorted(maps.Keys(seen))
	if hints != nil && hints.Limit > 0 && len(out) > hints.Limit {
		out = out[:hints.Limit]
	}
	return out, set.Warnings(), nil
}
