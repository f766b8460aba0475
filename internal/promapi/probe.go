package promapi

import (
	"net/http"
)

// The endpoints below answer what Grafana's Prometheus data source probes,
// in Prometheus's format, so that its Explore, metric browser and alerting
// views work against unyo without errors.

// QueryExemplars serves /api/v1/query_exemplars. unyo keeps no exemplars
// (remote write's are dropped), so a valid query finds none: [].
func (a *API) QueryExemplars(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, badData(err))
		return
	}
	if _, _, err := a.tenant(r); err != nil {
		a.fail(w, &apiError{typ: "forbidden", status: http.StatusForbidden, err: err})
		return
	}
	if _, err := parseTimeParam(r, "start", minTime); err != nil {
		a.fail(w, badData(err))
		return
	}
	if _, err := parseTimeParam(r, "end", maxTime); err != nil {
		a.fail(w, badData(err))
		return
	}
	if _, err := a.parser.ParseExpr(r.Form.Get("query")); err != nil {
		a.fail(w, badData(err))
		return
	}
	a.respond(w, []struct{}{}, nil)
}

// FormatQuery serves /api/v1/format_query: the query, pretty-printed.
func (a *API) FormatQuery(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, badData(err))
		return
	}
	if _, _, err := a.tenant(r); err != nil {
		a.fail(w, &apiError{typ: "forbidden", status: http.StatusForbidden, err: err})
		return
	}
	expr, err := a.parser.ParseExpr(r.Form.Get("query"))
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	a.respond(w, expr.Pretty(0), nil)
}
