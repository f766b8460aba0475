package promapi

import (
	"net/http"
	"runtime"
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

// Metadata serves /api/v1/metadata. unyo keeps no metric metadata yet, so the
// answer is an empty map, which clients treat as "nothing known".
func (a *API) Metadata(w http.ResponseWriter, r *http.Request) {
	a.respond(w, map[string]any{}, nil)
}
