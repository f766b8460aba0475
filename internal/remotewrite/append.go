package remotewrite

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
)

// exportedPrefix is what Prometheus puts before a scraped label that clashes
// with a target label (model.ExportedLabelPrefix). A client's own "tenant"
// label is renamed the same way, so that nothing is silently lost and nothing
// lands in another tenant.
const exportedPrefix = "exported_"

// rejectedSamples counts samples the TSDB refused (too old, out of order,
// duplicates); the other samples of the request are committed.
type rejectedSamples struct {
	count int
	first error
}

func (e *rejectedSamples) Error() string {
	return fmt.Sprintf("%d samples rejected, first: %v", e.count, e.first)
}

// append writes every sample of wk's request to the store under tenant and
// commits, with the cache's entries that validate looked up (in symbol
// generation syms). It returns how many samples were appended.
func (h *Handler) append(ctx context.Context, tenant string, wk *work, syms *symbols) (int, error) {
	req := &wk.req
	app := h.store.AppenderV2(ctx)
	var (
		n    int
		rej  rejectedSamples
		over refusedSeries // new series over the tenant's max_series
		b    labels.ScratchBuilder
		seen *[]observed // the last sample of each series, for the observer only
	)
	if h.observer != nil {
		seen = h.seenBuffer()
		defer h.seen.Put(seen)
	}
	b.SetSymbolTable(syms.table)
	for i := range req.Series {
		s := &req.Series[i]
		key, e, err := h.entry(tenant, s, &wk.lookups[i], &b)
		if err != nil {
			app.Rollback()
			return 0, invalid.Prefix(fmt.Sprintf("timeseries[%d]", i), err)
		}
		known := e.ref
		if seen != nil && len(s.Samples) > 0 {
			last := s.Samples[len(s.Samples)-1]
			*seen = append(*seen, observed{e.lset, last.Timestamp, last.Value})
		}
		for _, smp := range s.Samples {
			ref, err := app.Append(e.ref, e.lset, 0, smp.Timestamp, smp.Value, nil, nil, storage.AOptions{})
			if over.note(err) {
				break // the series was not created: its other samples would be refused too
			}
			if !rej.note(err) {
				app.Rollback()
				return 0, fmt.Errorf("remote write: %w", err)
			}
			if err == nil {
				n++
				e.ref = ref
			}
		}
		for j := range s.Histograms {
			hp := &s.Histograms[j]
			var ref storage.SeriesRef
			if hp.IsFloatHistogram() {
				ref, err = app.Append(e.ref, e.lset, 0, hp.Timestamp, 0, nil, hp.ToFloatHistogram(), storage.AOptions{})
			} else {
				ref, err = app.Append(e.ref, e.lset, 0, hp.Timestamp, 0, hp.ToIntHistogram(), nil, storage.AOptions{})
			}
			if over.note(err) {
				break
			}
			if !rej.note(err) {
				app.Rollback()
				return 0, fmt.Errorf("remote write: %w", err)
			}
			if err == nil {
				n++
				e.ref = ref
			}
		}
		if e.ref != known {
			h.keep(key, e, known, syms.gen) // a new entry, or the head gave the series another reference
		}
	}
	if err := app.Commit(); err != nil {
		return 0, fmt.Errorf("remote write: cannot commit: %w", err)
	}
	if seen != nil {
		h.observe(tenant, *seen)
	}
	h.metrics.rejectedSamples.Add(float64(rej.count))
	if over.count > 0 {
		return n, over.error()
	}
	if rej.count > 0 {
		return n, &rej
	}
	return n, nil
}

// refusedSeries counts the series of a request the TSDB refused to create
// because the tenant is at its max_series (limits.Enforcer.PreCreation).
type refusedSeries struct {
	count int
	first *limits.Error
}

// note records err if it is a series-limit refusal, and reports whether it was.
func (r *refusedSeries) note(err error) bool {
	if err == nil {
		return false // before le is declared: its address escapes, and this runs per sample
	}
	var le *limits.Error
	if !errors.As(err, &le) || le.Limit != limits.NameMaxSeries {
		return false
	}
	if r.count == 0 {
		r.first = le
	}
	r.count++
	return true
}

// error is the request's answer: which limit, how many series it refused,
// and that the rest was stored.
func (r *refusedSeries) error() *limits.Error {
	e := *r.first
	e.Message = fmt.Sprintf("%d new series refused, the rest of the request is stored: %s", r.count, r.first.Message)
	return &e
}

// note records a per-sample error the request can live with and reports
// whether err was one (or nil).
func (r *rejectedSamples) note(err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, storage.ErrOutOfOrderSample), errors.Is(err, storage.ErrOutOfBounds),
		errors.Is(err, storage.ErrTooOldSample), errors.Is(err, storage.ErrDuplicateSampleForTimestamp),
		errors.Is(err, storage.ErrOutOfOrderST):
		if r.count == 0 {
			r.first = err
		}
		r.count++
		return true
	}
	var he histogram.Error
	if errors.As(err, &he) {
		if r.count == 0 {
			r.first = err
		}
		r.count++
		return true
	}
	return false
}

// entry returns the cached label set and reference for s (l, from
// Handler.lookup), building the label set on a miss. The caller puts the
// entry back (keep) once the append tells it the series' reference.
func (h *Handler) entry(tenant string, s *Series, l *lookup, b *labels.ScratchBuilder) (uint64, cacheEntry, error) {
	key := l.key
	if l.hit {
		return key, l.e, nil
	}
	lset, err := tenantLabels(tenant, s, b)
	if err != nil {
		return 0, cacheEntry{}, err
	}
	return key, cacheEntry{lset: lset}, nil
}

// keep puts e in the cache. A label set just built is swapped for the
// store's own, so that the cache and the head share one copy.
func (h *Handler) keep(key uint64, e cacheEntry, known storage.SeriesRef, gen uint64) {
	if known == 0 && h.labeler != nil {
		if lset, ok := h.labeler.SeriesLabels(e.ref); ok {
			e.lset = lset
		}
	}
	h.cache.put(key, e, gen)
}

// tenantLabels builds the stored label set: the client's labels, with the
// tenant label forced to the caller's tenant. A client's own tenant label is
// kept under the first of exported_tenant, exported_exported_tenant, ... that
// the series does not already carry, as Prometheus's scrape loop renames a
// clashing label without honor_labels: a Prometheus scraping a target
// labelled tenant whose metrics carry tenant too sends both tenant and
// exported_tenant, and neither may be lost or refuse the request.
func tenantLabels(tenant string, s *Series, b *labels.ScratchBuilder) (labels.Labels, error) {
	b.Reset()
	renamed := ""
	for _, l := range s.Labels {
		name := string(l.Name)
		if name == metricstore.TenantLabel {
			if renamed == "" {
				renamed = exportedName(s.Labels, name)
			}
			name = renamed
		}
		b.Add(name, string(l.Value))
	}
	b.Add(metricstore.TenantLabel, tenant)
	b.Sort()
	lset := b.Labels()
	if dup, has := lset.HasDuplicateLabelNames(); has {
		return labels.EmptyLabels(), invalid.New("labels", "label %q appears twice", dup)
	}
	return lset, nil
}

// exportedName is the first exported_ name for name that ls does not hold.
func exportedName(ls []Label, name string) string {
	for {
		name = exportedPrefix + name
		if !hasLabel(ls, name) {
			return name
		}
	}
}

func hasLabel(ls []Label, name string) bool {
	for _, l := range ls {
		if string(l.Name) == name {
			return true
		}
	}
	return false
}

type handlerMetrics struct {
	samples         *prometheus.CounterVec
	rejected        *prometheus.CounterVec
	rejectedSamples prometheus.Counter
}

func newHandlerMetrics(reg prometheus.Registerer, cache *seriesCache, inflight *atomic.Int64) *handlerMetrics {
	m := &handlerMetrics{
		samples: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "unyo_remote_write_samples_total", Help: "Samples appended through remote write, by tenant.",
		}, []string{"tenant"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "unyo_remote_write_rejected_requests_total", Help: "Remote-write requests refused, by reason.",
		}, []string{"reason"}),
		rejectedSamples: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "unyo_remote_write_rejected_samples_total", Help: "Samples the TSDB refused (too old, out of order, duplicate).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.samples, m.rejected, m.rejectedSamples, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "unyo_remote_write_series_cache_entries", Help: "Series in the remote-write label cache.",
		}, func() float64 { return float64(cache.len()) }), prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "unyo_remote_write_inflight_bytes", Help: "Decoded bytes of the remote-write requests in flight, bounded by -remote-write-inflight-bytes.",
		}, func() float64 { return float64(inflight.Load()) }))
	}
	return m
}
