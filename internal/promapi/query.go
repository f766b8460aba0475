package promapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
)

type queryData struct {
	ResultType parser.ValueType `json:"resultType"`
	Result     parser.Value     `json:"result"`
}

// Query serves /api/v1/query: an instant query.
func (a *API) Query(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, badData(err))
		return
	}
	q, err := a.queryable(r)
	if err != nil {
		a.fail(w, &apiError{"forbidden", http.StatusForbidden, err})
		return
	}
	ts, err := parseTimeParam(r, "time", time.Now())
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	ctx, cancel, err := withTimeout(r)
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	defer cancel()
	qry, err := a.engine.NewInstantQuery(ctx, q, nil, r.Form.Get("query"), ts)
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	a.run(ctx, w, qry)
}

// QueryRange serves /api/v1/query_range.
func (a *API) QueryRange(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, badData(err))
		return
	}
	q, err := a.queryable(r)
	if err != nil {
		a.fail(w, &apiError{"forbidden", http.StatusForbidden, err})
		return
	}
	start, end, step, err := a.rangeParams(r)
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	ctx, cancel, err := withTimeout(r)
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	defer cancel()
	qry, err := a.engine.NewRangeQuery(ctx, q, nil, r.Form.Get("query"), start, end, step)
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	a.run(ctx, w, qry)
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

func withTimeout(r *http.Request) (context.Context, context.CancelFunc, error) {
	ctx := r.Context()
	if to := r.Form.Get("timeout"); to != "" {
		d, err := parseDuration(to)
		if err != nil {
			return nil, nil, fmt.Errorf("invalid parameter \"timeout\": %w", err)
		}
		c, cancel := context.WithTimeout(ctx, d)
		return c, cancel, nil
	}
	c, cancel := context.WithCancel(ctx)
	return c, cancel, nil
}

func (a *API) run(ctx context.Context, w http.ResponseWriter, qry promql.Query) {
	defer qry.Close()
	res := qry.Exec(ctx)
	if res.Err != nil {
		a.fail(w, engineError(res.Err))
		return
	}
	a.respond(w, queryData{ResultType: res.Value.Type(), Result: emptyNotNull(res.Value)}, res.Warnings)
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
