// Package remotewrite receives Prometheus remote-write 1.0 requests and
// appends their samples to the metric store under the caller's tenant.
package remotewrite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
)

// Limits bound what one request may carry.
type Limits struct {
	MaxBodyBytes       int64 // compressed body
	MaxSeries          int   // series per request
	MaxLabels          int   // labels per series, the tenant label included
	MaxLabelNameBytes  int
	MaxLabelValueBytes int
	// MaxInflightBytes bounds the decoded bytes of every request being read
	// and appended at once, over all tenants; a request that would pass it
	// is answered 429 with Retry-After. 0 is unbounded.
	MaxInflightBytes int64
}

// DefaultLimits are generous for agents and Prometheus servers alike.
var DefaultLimits = Limits{
	MaxBodyBytes:       16 << 20,
	MaxSeries:          50_000,
	MaxLabels:          64,
	MaxLabelNameBytes:  256,
	MaxLabelValueBytes: 4096,
	MaxInflightBytes:   128 << 20,
}

// Appendable is where samples go: the embedded TSDB, or a remote store.
type Appendable interface {
	AppenderV2(ctx context.Context) storage.AppenderV2
}

// MetadataStore keeps what senders say of their metric families, per
// tenant; *metricstore.Store is one.
type MetadataStore interface {
	SetMetadata(tenant, family string, m metricstore.MetricMetadata)
}

// SeriesLabeler returns the label set a store keeps for a series it gave
// ref to; *metricstore.Store is one. The series cache then holds that one
// rather than a second copy (after a restart, every series the WAL replay
// created would otherwise have two).
type SeriesLabeler interface {
	SeriesLabels(ref storage.SeriesRef) (labels.Labels, bool)
}

// SymbolGenerations counts the rebuilds of a store's symbol table;
// *metricstore.Store is one. On each new generation the handler empties its
// series cache and starts a new symbol table of its own (symbols).
type SymbolGenerations interface {
	SymbolGeneration() uint64
}

// symbols is the symbol table the handler's label sets intern their names
// and values in (with -tags dedupelabels; unused otherwise), for one
// generation of the store's. It is replaced, never emptied: requests in
// flight may still be building on the old one.
type symbols struct {
	gen   uint64
	table *labels.SymbolTable
}

// Handler serves POST /api/v1/write.
type Handler struct {
	store   Appendable
	meta    MetadataStore     // nil: metadata is dropped
	labeler SeriesLabeler     // nil: the cache keeps the label sets it built
	gens    SymbolGenerations // nil: the table is never replaced
	syms    atomic.Pointer[symbols]
	symsMu  sync.Mutex // one replacement at a time
	limits  Limits
	cache   *seriesCache
	reqs    sync.Pool
	logger  *slog.Logger
	metrics *handlerMetrics
	// observer, when set, is told of what each request appended; seen
	// pools the buffers that carry it there.
	observer Observer
	seen     sync.Pool
	// tenants, when set, holds each tenant to its ingest rate; the series
	// limit is the TSDB's to enforce (limits.Enforcer.PreCreation).
	tenants  *limits.Enforcer
	inflight atomic.Int64 // decoded bytes of the requests in flight
}

// NewHandler returns a remote-write receiver appending into store. When
// store is a MetadataStore too, the requests' metric metadata is kept there.
func NewHandler(store Appendable, limits Limits, logger *slog.Logger, reg prometheus.Registerer) *Handler {
	h := &Handler{
		store:  store,
		limits: limits,
		cache:  newSeriesCache(4 << 20),
		logger: logger,
	}
	h.meta, _ = store.(MetadataStore)
	h.labeler, _ = store.(SeriesLabeler)
	h.gens, _ = store.(SymbolGenerations)
	h.syms.Store(&symbols{table: labels.NewSymbolTable()})
	if h.gens != nil {
		h.symbols() // a store opened on data may have rebuilt already
	}
	h.reqs.New = func() any { return new(work) }
	h.metrics = newHandlerMetrics(reg, h.cache, &h.inflight)
	return h
}

// symbols returns the symbol table for the store's current generation. On
// a new one, the head has re-encoded every series on a new table of its own:
// the series cache is emptied (its label sets hold the old tables) and the
// handler starts a new table, so that neither the head's old table nor the
// handler's, with the names and values of every series since gone, stays
// alive. Without -tags dedupelabels the generation stays 0.
func (h *Handler) symbols() *symbols {
	cur := h.syms.Load()
	if h.gens == nil {
		return cur
	}
	gen := h.gens.SymbolGeneration()
	if gen == cur.gen {
		return cur
	}
	h.symsMu.Lock()
	defer h.symsMu.Unlock()
	if cur = h.syms.Load(); cur.gen == gen {
		return cur
	}
	h.cache.reset(gen)
	next := &symbols{gen: gen, table: labels.NewSymbolTable()}
	h.syms.Store(next)
	h.logger.Debug("remote write: the head rebuilt its symbol table; series cache emptied", "generation", gen)
	return next
}

// SetTenantLimits holds each tenant to its ingest rate; call it before the
// handler serves.
func (h *Handler) SetTenantLimits(e *limits.Enforcer) { h.tenants = e }

// errInflight refuses a body while others take the in-flight bound; it is
// retryable, as the remote-write spec asks of an overloaded receiver.
var errInflight = &limits.Error{Limit: "max_inflight_bytes", Status: http.StatusTooManyRequests, RetryAfter: time.Second,
	Message: "the server is receiving as many remote-write bytes as it may hold at once: retry after 1s"}

// admit takes decoded bytes of the in-flight bound. A body larger than the
// whole bound takes all of it, so it passes when it is alone.
func (h *Handler) admit(decoded int) (func(), error) {
	bound := h.limits.MaxInflightBytes
	if bound <= 0 {
		return func() {}, nil
	}
	n := min(int64(decoded), bound)
	if h.inflight.Add(n) > bound {
		h.inflight.Add(-n)
		return nil, errInflight
	}
	return func() { h.inflight.Add(-n) }, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	if !p.Can(model.ScopeIngest) || p.Global() {
		response.Error(w, r, response.Forbidden("remote write needs a tenant's token with the ingest scope"))
		return
	}
	if enc := r.Header.Get("Content-Encoding"); enc != "" && enc != "snappy" {
		response.Error(w, r, invalid.New("Content-Encoding", "must be snappy, not %q", enc))
		return
	}
	h.ingest(w, r, p.Tenant, r.Body)
}

// Ingest appends a remote-write body (snappy-compressed, what an agent
// sends) for tenant, from inside the server: pollers that collect for many
// tenants (the Zabbix poller) take the agent's path without a token. It
// holds the body to the same limits, and tells the same observer, as a
// request over HTTP; the error is what the request would have been
// answered (nil for 204).
func (h *Handler) Ingest(ctx context.Context, tenant string, body []byte) error {
	rec := &statusRecorder{header: http.Header{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/api/v1/write", bytes.NewReader(body))
	if err != nil {
		return err
	}
	h.ingest(rec, req, tenant, req.Body)
	if rec.status != http.StatusNoContent {
		return fmt.Errorf("remote write: %d %s", rec.status, bytes.TrimSpace(rec.body.Bytes()))
	}
	return nil
}

// statusRecorder keeps what ingest answered an in-process caller.
type statusRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (s *statusRecorder) Header() http.Header { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.body.Write(b)
}
func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}

// work is one request being ingested: the decoded request and what the
// series cache holds for each of its series. Pooled, with its capacity.
type work struct {
	req     Request
	lookups []lookup       // one per series of req
	order   []int32        // scratch for seriesCache.getAll
	confirm confirmScratch // scratch for matchesRaw
}

// ingest reads, checks and appends one body for tenant, answering on w.
func (h *Handler) ingest(w http.ResponseWriter, r *http.Request, tenant string, body io.Reader) {
	wk := h.reqs.Get().(*work)
	defer h.reqs.Put(wk)
	req := &wk.req
	release, err := readRequest(body, h.limits.MaxBodyBytes, req, h.admit, true)
	if errors.Is(err, errInflight) {
		h.metrics.rejected.WithLabelValues("inflight_bytes").Inc()
		response.Error(w, r, err)
		return
	}
	if err != nil {
		h.metrics.rejected.WithLabelValues("decode").Inc()
		response.Error(w, r, err)
		return
	}
	defer release()
	syms := h.symbols() // before the lookups: a new generation empties the cache
	if err := h.validate(tenant, wk); err != nil {
		h.metrics.rejected.WithLabelValues("invalid").Inc()
		response.Error(w, r, err)
		return
	}
	if h.tenants != nil {
		if err := h.tenants.AllowSamples(tenant, req.samples()); err != nil {
			h.metrics.rejected.WithLabelValues(limits.NameIngestRate).Inc()
			response.Error(w, r, err)
			return
		}
	}
	h.keepMetadata(tenant, req)
	n, err := h.append(r.Context(), tenant, wk, syms)
	h.metrics.samples.WithLabelValues(tenant).Add(float64(n))
	var (
		rej  *rejectedSamples
		over *limits.Error
	)
	switch {
	case errors.As(err, &over):
		// Not retryable (400): the same series would be refused again. What
		// else the request held is committed.
		h.metrics.rejected.WithLabelValues(limits.NameMaxSeries).Inc()
		response.Error(w, r, err)
	case errors.As(err, &rej):
		// The rest is committed; say what was refused, as Prometheus does.
		response.Error(w, r, invalid.New("timeseries", "%s", rej.Error()))
	case err != nil:
		h.logger.Error("remote write: cannot append", "tenant", tenant, "err", err)
		response.Error(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// validate checks every series before anything is appended, so a bad request
// writes nothing. It looks every series up in the cache first: a series
// found there, and confirmed, has exactly the labels of one stored before,
// which passed these same checks; only its samples are left to check.
func (h *Handler) validate(tenant string, wk *work) error {
	req := &wk.req
	if len(req.Series) > h.limits.MaxSeries {
		return invalid.New("timeseries", "%d series in one request, more than the limit of %d", len(req.Series), h.limits.MaxSeries)
	}
	h.lookup(tenant, wk)
	for i := range req.Series {
		s := &req.Series[i]
		var err error
		switch {
		case !wk.lookups[i].hit:
			if err = s.decodeLabels(); err == nil {
				err = h.validateSeries(s)
			}
		case len(s.Samples) == 0 && len(s.Histograms) == 0:
			err = noSamples()
		}
		if err != nil {
			return invalid.Prefix(fmt.Sprintf("timeseries[%d]", i), err)
		}
	}
	return nil
}

// lookup fills wk.lookups with what the cache holds for each series of
// wk.req, each entry found confirmed (hit) or not.
func (h *Handler) lookup(tenant string, wk *work) {
	series := wk.req.Series
	wk.lookups = append(wk.lookups[:0], make([]lookup, len(series))...)
	tk := tenantKey(tenant)
	for i := range series {
		wk.lookups[i].key = rawKey(tk, series[i].Raw)
	}
	h.cache.getAll(wk.lookups, &wk.order)
	for i := range wk.lookups {
		l := &wk.lookups[i]
		l.hit = l.found && matchesRaw(l.e.lset, tenant, series[i].Raw, &wk.confirm)
	}
}

func noSamples() error { return invalid.New("samples", "the series carries no samples") }

func (h *Handler) validateSeries(s *Series) error {
	if len(s.Labels)+1 > h.limits.MaxLabels {
		return invalid.New("labels", "%d labels, more than the limit of %d", len(s.Labels), h.limits.MaxLabels-1)
	}
	hasName := false
	for j, l := range s.Labels {
		// The field name is built only on the error path: this loop runs for
		// every label of every request.
		switch {
		case len(l.Name) > h.limits.MaxLabelNameBytes:
			return invalid.New(labelField(j), "name longer than %d bytes", h.limits.MaxLabelNameBytes)
		case len(l.Value) > h.limits.MaxLabelValueBytes:
			return invalid.New(labelField(j), "value of %q longer than %d bytes", l.Name, h.limits.MaxLabelValueBytes)
		case !validLabelName(l.Name):
			return invalid.New(labelField(j), "%q is not a valid label name", l.Name)
		case len(l.Value) == 0:
			return invalid.New(labelField(j), "label %q has an empty value", l.Name)
		}
		if !hasName && string(l.Name) == labels.MetricName {
			hasName = true
		}
	}
	if !hasName {
		return invalid.New("labels", "no %s label: every series needs a metric name", labels.MetricName)
	}
	if len(s.Samples) == 0 && len(s.Histograms) == 0 {
		return noSamples()
	}
	return nil
}

// metricTypes names prompb's MetricMetadata_MetricType values as the
// Prometheus API does.
var metricTypes = []string{"unknown", "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset"}

// keepMetadata hands the request's metadata to the metadata store, under
// the caller's tenant.
func (h *Handler) keepMetadata(tenant string, req *Request) {
	if h.meta == nil {
		return
	}
	for _, md := range req.Metadata {
		if len(md.Family) > h.limits.MaxLabelValueBytes || len(md.Help) > h.limits.MaxLabelValueBytes || len(md.Unit) > h.limits.MaxLabelNameBytes {
			continue // as long as a label value at most: metadata is not a place to store documents
		}
		typ := "unknown"
		if md.Type < uint64(len(metricTypes)) {
			typ = metricTypes[md.Type]
		}
		h.meta.SetMetadata(tenant, string(md.Family), metricstore.MetricMetadata{Type: typ, Help: string(md.Help), Unit: string(md.Unit)})
	}
}

func labelField(j int) string { return fmt.Sprintf("labels[%d]", j) }

func validLabelName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
