package metricstore

import (
	"context"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/annotations"
)

// Scope wraps q so that every Select, LabelNames and LabelValues carries a
// tenant="<tenant>" matcher. Scoping at the storage interface, below PromQL,
// means no query text, however written, can widen it: the engine never sees
// another tenant's series.
func Scope(q storage.Queryable, tenant string) storage.Queryable {
	m := labels.MustNewMatcher(labels.MatchEqual, TenantLabel, tenant)
	return storage.QueryableFunc(func(mint, maxt int64) (storage.Querier, error) {
		inner, err := q.Querier(mint, maxt)
		if err != nil {
			return nil, err
		}
		return &scopedQuerier{inner: inner, tenant: m}, nil
	})
}

type scopedQuerier struct {
	inner  storage.Querier
	tenant *labels.Matcher
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
	return s.inner.LabelValues(ctx, name, hints, s.with(ms)...)
}

func (s *scopedQuerier) LabelNames(ctx context.Context, hints *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	return s.inner.LabelNames(ctx, hints, s.with(ms)...)
}

func (s *scopedQuerier) Close() error { return s.inner.Close() }
