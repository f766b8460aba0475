package promapi

import (
	"errors"
	"net/http"
	"runtime"
	"strconv"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// BuildInfo serves /api/v1/status/buildinfo, which Grafana reads to learn the flavour.
func (a *API) BuildInfo(w http.ResponseWriter, r *http.Request) {
	a.respond(w, map[string]string{
		"version":   "2.53.0", // the Prometheus API level unyo speaks
		"revision":  a.version,
		"branch":    "unyo",
		"goVersion": runtime.Version(),
	}, nil)
}

// Config serves /api/v1/status/config, which Grafana's data source reads.
// unyo scrapes nothing itself, so the configuration is empty; it must say
// nothing of the server or of other tenants.
func (a *API) Config(w http.ResponseWriter, r *http.Request) {
	if _, _, err := a.tenant(r); err != nil {
		a.fail(w, &apiError{typ: "forbidden", status: http.StatusForbidden, err: err})
		return
	}
	a.respond(w, map[string]string{"yaml": "# unyo receives metrics by remote write and scrapes nothing itself.\nglobal: {}\n"}, nil)
}

// Metadata serves /api/v1/metadata: what the caller's tenant's senders said
// of their metric families in remote write, as Prometheus answers it
// (metric, limit, limit_per_metric; {} when nothing is known).
func (a *API) Metadata(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, badData(err))
		return
	}
	tenant, all, err := a.tenant(r)
	if err != nil {
		a.fail(w, &apiError{typ: "forbidden", status: http.StatusForbidden, err: err})
		return
	}
	limit, err := intParam(r, "limit")
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	perMetric, err := intParam(r, "limit_per_metric")
	if err != nil {
		a.fail(w, badData(err))
		return
	}
	if all {
		tenant = metricstore.AllTenants
	}
	a.respond(w, a.store.Metadata(tenant, r.Form.Get("metric"), limit, perMetric), nil)
}

// intParam reads an optional whole-number parameter; -1, as Prometheus's
// default, is no limit.
func intParam(r *http.Request, name string) (int, error) {
	s := r.Form.Get(name)
	if s == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errors.New("invalid " + name + ": " + s)
	}
	return n, nil
}
