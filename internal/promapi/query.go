package promapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/limits"
)

type queryData struct {
	ResultType parser.ValueType `json:"resultType"`
	Result     parser.Value     `json:"result"`
}

// newQueryFunc builds the query on the engine that holds the tenant's limits.
type newQueryFunc func(ctx context.Context, ng *promql.Engine, q storage.Queryable) (promql.Query, error)

// Query serves /api/v1/query: an instant query.
func (a *API) Query(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, badData(err))
		return
	}
	ts, err := parseTimeParam(r, "time", time.Now())
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	a.exec(w, r, func(ctx context.Context, ng *promql.Engine, q storage.Queryable) (promql.Query, error) {
		return ng.NewInstantQuery(ctx, q, nil, r.Form.Get("query"), ts)
	})
}

// QueryRange serves /api/v1/query_range.
func (a *API) QueryRange(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, badData(err))
		return
	}
	start, end, step, err := a.rangeParams(r)
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	a.exec(w, r, func(ctx context.Context, ng *promql.Engine, q storage.Queryable) (promql.Query, error) {
		return ng.NewRangeQuery(ctx, q, nil, r.Form.Get("query"), start, end, step)
	})
}

// exec runs a query for the caller: in its tenant's view, within the
// tenant's limits (a query slot, max_query_samples, max_query_time).
func (a *API) exec(w http.ResponseWriter, r *http.Request, newQuery newQueryFunc) {
	q, tenant, err := a.tenantQueryable(r)
	if err != nil {
		a.fail(w, &apiError{typ: "forbidden", status: http.StatusForbidden, err: err})
		return
	}
	ng, lim := a.engine, limits.Limits{}
	if tenant != "" && a.limits != nil {
		lim = a.limits.For(tenant)
		done, err := a.limits.StartQuery(tenant)
		if err != nil {
			a.fail(w, &apiError{typ: "too_many_requests", status: http.StatusTooManyRequests, err: err, limit: limits.NameMaxConcurrentQueries})
			return
		}
		defer done()
		ng = a.engineFor(lim.MaxQuerySamples)
	}
	ctx, cancel, byLimit, err := queryContext(r, lim.MaxQueryTime.Std())
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	defer cancel()
	// The server's write timeout must not cut a query its limit allows.
	if tenant != "" && a.limits != nil {
		deadline := time.Time{}
		if d := lim.MaxQueryTime.Std(); d > 0 {
			deadline = time.Now().Add(d + 30*time.Second)
		}
		http.NewResponseController(w).SetWriteDeadline(deadline)
	}
	qry, err := newQuery(ctx, ng, q)
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	defer qry.Close()
	if a.running != nil {
		a.running(ctx)
	}
	res := qry.Exec(ctx)
	if res.Err != nil {
		a.fail(w, a.limitError(engineError(res.Err), tenant, lim, byLimit))
		return
	}
	a.respond(w, queryData{ResultType: res.Value.Type(), Result: emptyNotNull(res.Value)}, res.Warnings)
}

// limitError names the tenant limit that stopped a query, and counts it.
func (a *API) limitError(e *apiError, tenant string, lim limits.Limits, byLimit bool) *apiError {
	var (
		eqt promql.ErrQueryTimeout
		ets promql.ErrTooManySamples
	)
	switch {
	case tenant == "" || a.limits == nil:
	case errors.As(e.err, &ets) && lim.MaxQuerySamples > 0:
		e.limit = limits.NameMaxQuerySamples
		e.err = fmt.Errorf("%w: over the limit %s of %d samples", e.err, limits.NameMaxQuerySamples, lim.MaxQuerySamples)
	case byLimit && (errors.As(e.err, &eqt) || errors.Is(e.err, context.DeadlineExceeded)):
		e.limit = limits.NameMaxQueryTime
		e.err = fmt.Errorf("%w: over the limit %s of %s", e.err, limits.NameMaxQueryTime, lim.MaxQueryTime.Std())
	}
	if e.limit != "" {
		a.limits.Refused(tenant, e.limit)
	}
	return e
}

func (a *API) rangeParams(r *http.Request) (start, end time.Time, step time.Duration, err error) {
	for _, p := range []string{"start", "end", "step"} {
		if r.Form.Get(p) == "" {
			return start, end, 0, fmt.Errorf("invalid parameter %q: is required", p)
		}
	}
	if start, err = parseTimeParam(r, "start", time.Time{}); err != nil {
		return
	}
	if end, err = parseTimeParam(r, "end", time.Time{}); err != nil {
		return
	}
	if end.Before(start) {
		return start, end, 0, errors.New("invalid parameter \"end\": end timestamp must not be before start time")
	}
	if step, err = parseDuration(r.Form.Get("step")); err != nil {
		return start, end, 0, fmt.Errorf("invalid parameter \"step\": %w", err)
	}
	if step <= 0 {
		return start, end, 0, errors.New("zero or negative query resolution step widths are not accepted. Try a positive integer")
	}
	// As Prometheus does: refuse a range that would return too many points.
	if end.Sub(start)/step > time.Duration(a.maxPoints) {
		return start, end, 0, errors.New("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
	}
	return start, end, step, nil
}

// queryContext bounds the query by the request's timeout parameter and by
// limit (0: none), whichever is shorter; byLimit tells that it was limit.
func queryContext(r *http.Request, limit time.Duration) (ctx context.Context, cancel context.CancelFunc, byLimit bool, err error) {
	d := time.Duration(0)
	if to := r.Form.Get("timeout"); to != "" {
		if d, err = parseDuration(to); err != nil {
			return nil, nil, false, fmt.Errorf("invalid parameter \"timeout\": %w", err)
		}
	}
	if limit > 0 && (d <= 0 || limit <= d) {
		d, byLimit = limit, true
	}
	if d > 0 {
		ctx, cancel = context.WithTimeout(r.Context(), d)
		return ctx, cancel, byLimit, nil
	}
	ctx, cancel = context.WithCancel(r.Context())
	return ctx, cancel, false, nil
}

// emptyNotNull returns an empty matrix or vector where the engine left a nil
// one: Prometheus answers an empty result as [], and its own Go client and
// promtool refuse null.
func emptyNotNull(v parser.Value) parser.Value {
	switch v := v.(type) {
	case promql.Matrix:
		if v == nil {
			return promql.Matrix{}
		}
	case promql.Vector:
		if v == nil {
			return promql.Vector{}
		}
	}
	return v
}
