// Package promapi serves the Prometheus HTTP query API (query, query_range,
// series, labels, label values) over unyo's metric store, scoped to the
// caller's tenant, so that Grafana and promtool work against unyo unchanged.
package promapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/annotations"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
)

// TenantHeader lets an MSP-wide caller pick one tenant's view.
const TenantHeader = "X-Unyo-Tenant"

// Store is where the API reads: the embedded TSDB (*metricstore.Store) or
// a remote store (*remotestore.Store behind the server's metrics backend).
type Store interface {
	// ForTenant is a queryable that sees only tenant's series.
	ForTenant(tenant string) storage.Queryable
	// Queryable reads across tenants, for MSP staff.
	Queryable() storage.Queryable
	// Metadata is what senders said of tenant's metric families.
	Metadata(tenant, metric string, limit, perMetric int) map[string][]metricstore.MetricMetadata
}

// API answers Prometheus HTTP API requests.
type API struct {
	engine    *promql.Engine
	parser    parser.Parser
	store     Store
	logger    *slog.Logger
	version   string
	maxPoints int
	rules     RuleSource // nil: no rules, no alerts
	lookback  time.Duration

	// limits, when set, holds each tenant's queries to its limits; engines
	// are the engines of the tenants' max_query_samples, one per value.
	limits  *limits.Enforcer
	mu      sync.Mutex
	engines map[int]*promql.Engine
	// running, in tests, is called with the query's context once it holds
	// its tenant's query slot, just before the engine runs it.
	running func(ctx context.Context)
}

// Options configure the query engine.
type Options struct {
	Timeout       time.Duration // per query
	MaxSamples    int           // samples loaded into memory by one query
	LookbackDelta time.Duration
	Version       string
	// Limits holds each tenant's queries to its max_concurrent_queries,
	// max_query_samples and max_query_time; nil leaves only the above.
	Limits *limits.Enforcer
}

// New returns the API over store. The engine's zero-valued limits would fail
// every query silently, so Options are filled with defaults.
func New(store Store, opts Options, logger *slog.Logger, reg prometheus.Registerer) *API {
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.MaxSamples == 0 {
		opts.MaxSamples = 50_000_000
	}
	if opts.LookbackDelta == 0 {
		opts.LookbackDelta = 5 * time.Minute
	}
	p := parser.NewParser(parser.Options{})
	engine := promql.NewEngine(promql.EngineOpts{
		Logger:               logger.With("component", "promql"),
		Reg:                  reg,
		MaxSamples:           opts.MaxSamples,
		Timeout:              opts.Timeout,
		LookbackDelta:        opts.LookbackDelta,
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
		Parser:               p,
	})
	return &API{engine: engine, parser: p, store: store, logger: logger, version: opts.Version, maxPoints: 11000,
		lookback: opts.LookbackDelta, limits: opts.Limits, engines: map[int]*promql.Engine{}}
}

// engineFor returns the engine of a tenant's max_query_samples (0 is
// unlimited). The engine's own timeout is only a backstop: a tenant's
// max_query_time is the query's context deadline.
func (a *API) engineFor(maxSamples int) *promql.Engine {
	if maxSamples <= 0 {
		maxSamples = math.MaxInt
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if ng, ok := a.engines[maxSamples]; ok {
		return ng
	}
	ng := promql.NewEngine(promql.EngineOpts{
		Logger:               a.logger.With("component", "promql"),
		MaxSamples:           maxSamples,
		Timeout:              24 * time.Hour,
		LookbackDelta:        a.lookback,
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
		Parser:               a.parser,
	})
	a.engines[maxSamples] = ng
	return ng
}

// Engine returns the PromQL engine, shared with rule evaluation and reports.
func (a *API) Engine() *promql.Engine { return a.engine }

// queryable returns the caller's view of the metric store: one tenant's
// series, or, for MSP-wide callers without a tenant header, every tenant's.
func (a *API) queryable(r *http.Request) (storage.Queryable, error) {
	q, _, err := a.tenantQueryable(r)
	return q, err
}

// tenantQueryable is queryable, with the tenant whose view it is ("" for
// an MSP-wide caller's view of every tenant).
func (a *API) tenantQueryable(r *http.Request) (storage.Queryable, string, error) {
	p := auth.FromContext(r.Context())
	if !p.Can(model.ScopeRead) {
		return nil, "", errForbidden
	}
	if !p.Global() {
		return a.store.ForTenant(p.Tenant), p.Tenant, nil
	}
	if t := r.Header.Get(TenantHeader); t != "" {
		return a.store.ForTenant(t), t, nil
	}
	return a.store.Queryable(), "", nil
}

// tenant returns the tenant the caller reads: its own, or the one an
// MSP-wide caller names in the tenant header; all is true for an MSP-wide
// caller without one, who reads every tenant.
func (a *API) tenant(r *http.Request) (tenant string, all bool, err error) {
	p := auth.FromContext(r.Context())
	if !p.Can(model.ScopeRead) {
		return "", false, errForbidden
	}
	if !p.Global() {
		return p.Tenant, false, nil
	}
	if t := r.Header.Get(TenantHeader); t != "" {
		return t, false, nil
	}
	return "", true, nil
}

var errForbidden = errors.New("the token lacks the read scope")

type response struct {
	Status    string   `json:"status"`
	Limit     string   `json:"limit,omitempty"` // the limit a refused query was over
	Data      any      `json:"data,omitempty"`
	ErrorType string   `json:"errorType,omitempty"`
	Error     string   `json:"error,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
	Infos     []string `json:"infos,omitempty"`
}

func (a *API) respond(w http.ResponseWriter, data any, annos annotations.Annotations) {
	warnings, infos := annos.AsStrings("", 10, 10)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if err := json.NewEncoder(w).Encode(response{Status: "success", Data: data, Warnings: warnings, Infos: infos}); err != nil {
		a.logger.Debug("promapi: cannot write response", "err", err)
	}
}

// apiError is a failure in Prometheus's terms: an errorType and a status.
type apiError struct {
	typ    string
	status int
	err    error
	limit  string // the tenant limit it was over, if any
}

func badData(err error) *apiError {
	return &apiError{typ: "bad_data", status: http.StatusBadRequest, err: err}
}

func (a *API) fail(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	var le *limits.Error
	if errors.As(e.err, &le) && le.RetryAfterHeader() != "" {
		w.Header().Set("Retry-After", le.RetryAfterHeader())
	}
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(response{Status: "error", ErrorType: e.typ, Error: e.err.Error(), Limit: e.limit})
}

// engineError maps an error from the engine to Prometheus's error types.
func engineError(err error) *apiError {
	var (
		eqc promql.ErrQueryCanceled
		eqt promql.ErrQueryTimeout
		es  promql.ErrStorage
	)
	switch {
	case errors.As(err, &eqc), errors.Is(err, context.Canceled):
		return &apiError{typ: "canceled", status: http.StatusServiceUnavailable, err: err}
	case errors.As(err, &eqt), errors.Is(err, context.DeadlineExceeded):
		return &apiError{typ: "timeout", status: http.StatusServiceUnavailable, err: err}
	case errors.As(err, &es):
		return &apiError{typ: "internal", status: http.StatusInternalServerError, err: err}
	}
	return &apiError{typ: "execution", status: http.StatusUnprocessableEntity, err: err}
}
