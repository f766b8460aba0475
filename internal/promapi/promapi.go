// Package promapi serves the Prometheus HTTP query API (query, query_range,
// series, labels, label values) over unyo's metric store, scoped to the
// caller's tenant, so that Grafana and promtool work against unyo unchanged.
package promapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/annotations"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
)

// TenantHeader lets an MSP-wide caller pick one tenant's view.
const TenantHeader = "X-Unyo-Tenant"

// API answers Prometheus HTTP API requests.
type API struct {
	engine    *promql.Engine
	parser    parser.Parser
	store     *metricstore.Store
	logger    *slog.Logger
	version   string
	maxPoints int
	rules     RuleSource // nil: no rules, no alerts
}

// Options configure the query engine.
type Options struct {
	Timeout       time.Duration // per query
	MaxSamples    int           // samples loaded into memory by one query
	LookbackDelta time.Duration
	Version       string
}

// New returns the API over store. The engine's zero-valued limits would fail
// every query silently, so Options are filled with defaults.
func New(store *metricstore.Store, opts Options, logger *slog.Logger, reg prometheus.Registerer) *API {
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
	return &API{engine: engine, parser: p, store: store, logger: logger, version: opts.Version, maxPoints: 11000}
}

// Engine returns the PromQL engine, shared with rule evaluation and reports.
func (a *API) Engine() *promql.Engine { return a.engine }

// queryable returns the caller's view of the metric store: one tenant's
// series, or, for MSP-wide callers without a tenant header, every tenant's.
func (a *API) queryable(r *http.Request) (storage.Queryable, error) {
	p := auth.FromContext(r.Context())
	if !p.Can(model.ScopeRead) {
		return nil, errForbidden
	}
	if !p.Global() {
		return a.store.ForTenant(p.Tenant), nil
	}
	if t := r.Header.Get(TenantHeader); t != "" {
		return a.store.ForTenant(t), nil
	}
	return a.store.Queryable(), nil
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
}

func badData(err error) *apiError { return &apiError{"bad_data", http.StatusBadRequest, err} }

func (a *API) fail(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(response{Status: "error", ErrorType: e.typ, Error: e.err.Error()})
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
		return &apiError{"canceled", http.StatusServiceUnavailable, err}
	case errors.As(err, &eqt), errors.Is(err, context.DeadlineExceeded):
		return &apiError{"timeout", http.StatusServiceUnavailable, err}
	case errors.As(err, &es):
		return &apiError{"internal", http.StatusInternalServerError, err}
	}
	return &apiError{"execution", http.StatusUnprocessableEntity, err}
}
