// Package api is unyo's JSON REST API under /api/v1: one route table for the
// whole surface, including the Prometheus-compatible query and remote-write
// endpoints served by their own packages.
package api

import (
	_ "embed"
	"log/slog"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/promapi"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

//go:embed openapi.json
var openAPI []byte

// API serves /api/v1.
type API struct {
	store  *storage.Store
	authn  *auth.Authenticator
	prom   *promapi.API
	write  http.Handler
	logger *slog.Logger
}

// New returns the API. write is the remote-write receiver.
func New(store *storage.Store, authn *auth.Authenticator, prom *promapi.API, write http.Handler, logger *slog.Logger) *API {
	return &API{store: store, authn: authn, prom: prom, write: write, logger: logger}
}

// Route is one endpoint of the API.
type Route struct {
	Method  string
	Path    string // Go 1.22 ServeMux pattern, e.g. /api/v1/tenants/{tenant}
	Public  bool   // served without credentials
	Handler http.HandlerFunc
}

// Routes is the route table of /api/v1. The OpenAPI document must list
// exactly these; a test holds the two together.
func (a *API) Routes() []Route {
	return []Route{
		{"GET", "/api/v1/openapi.json", true, a.openAPI},
		{"GET", "/api/v1/whoami", false, a.whoami},

		{"GET", "/api/v1/tenants", false, a.listTenants},
		{"POST", "/api/v1/tenants", false, a.createTenant},
		{"GET", "/api/v1/tenants/{tenant}", false, a.getTenant},
		{"PUT", "/api/v1/tenants/{tenant}", false, a.updateTenant},
		{"DELETE", "/api/v1/tenants/{tenant}", false, a.deleteTenant},
		{"GET", "/api/v1/tenants/{tenant}/audit", false, a.listAudit},

		{"GET", "/api/v1/tenants/{tenant}/services", false, a.listServices},
		{"POST", "/api/v1/tenants/{tenant}/services", false, a.createService},
		{"GET", "/api/v1/tenants/{tenant}/services/{id}", false, a.getService},
		{"PUT", "/api/v1/tenants/{tenant}/services/{id}", false, a.updateService},
		{"DELETE", "/api/v1/tenants/{tenant}/services/{id}", false, a.deleteService},

		{"GET", "/api/v1/tenants/{tenant}/resources", false, a.listResources},
		{"POST", "/api/v1/tenants/{tenant}/resources", false, a.createResource},
		{"GET", "/api/v1/tenants/{tenant}/resources/{id}", false, a.getResource},
		{"PUT", "/api/v1/tenants/{tenant}/resources/{id}", false, a.updateResource},
		{"DELETE", "/api/v1/tenants/{tenant}/resources/{id}", false, a.deleteResource},

		{"GET", "/api/v1/users", false, a.listUsers},
		{"POST", "/api/v1/users", false, a.createUser},
		{"GET", "/api/v1/users/{id}", false, a.getUser},
		{"PUT", "/api/v1/users/{id}", false, a.updateUser},
		{"DELETE", "/api/v1/users/{id}", false, a.deleteUser},

		{"GET", "/api/v1/tokens", false, a.listTokens},
		{"POST", "/api/v1/tokens", false, a.createToken},
		{"GET", "/api/v1/tokens/{id}", false, a.getToken},
		{"DELETE", "/api/v1/tokens/{id}", false, a.revokeToken},

		{"POST", "/api/v1/write", false, a.write.ServeHTTP},
		{"POST", "/api/v1/events", false, a.addLogEvents},
		{"GET", "/api/v1/tenants/{tenant}/events", false, a.listLogEvents},

		{"GET", "/api/v1/query", false, a.prom.Query},
		{"POST", "/api/v1/query", false, a.prom.Query},
		{"GET", "/api/v1/query_range", false, a.prom.QueryRange},
		{"POST", "/api/v1/query_range", false, a.prom.QueryRange},
		{"GET", "/api/v1/series", false, a.prom.Series},
		{"POST", "/api/v1/series", false, a.prom.Series},
		{"GET", "/api/v1/labels", false, a.prom.LabelNames},
		{"POST", "/api/v1/labels", false, a.prom.LabelNames},
		{"GET", "/api/v1/label/{name}/values", false, a.prom.LabelValues},
		{"GET", "/api/v1/status/buildinfo", false, a.prom.BuildInfo},
		{"GET", "/api/v1/metadata", false, a.prom.Metadata},
	}
}

// Register adds every route to mux, behind authentication unless public.
func (a *API) Register(mux *http.ServeMux) {
	for _, rt := range a.Routes() {
		h := http.Handler(rt.Handler)
		if !rt.Public {
			h = a.authenticate(h)
		}
		mux.Handle(rt.Method+" "+rt.Path, h)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		response.Error(w, r, response.NotFound("no such endpoint: "+r.Method+" "+r.URL.Path))
	})
}

func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.authn.Authenticate(r)
		if err != nil {
			response.Error(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}

func (a *API) whoami(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	response.JSON(w, http.StatusOK, map[string]any{
		"name": p.Name, "tenant": p.Tenant, "role": p.Role, "scopes": p.Scopes(),
	})
}
