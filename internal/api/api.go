// Package api is unyo's JSON REST API under /api/v1: one route table for the
// whole surface, including the Prometheus-compatible query and remote-write
// endpoints served by their own packages.
package api

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/promapi"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/storage"
)

//go:embed openapi.json
var openAPI []byte

// API serves /api/v1.
type API struct {
	store   *storage.Store
	authn   *auth.Authenticator
	prom    *promapi.API
	write   http.Handler
	logger  *slog.Logger
	modules []route.Module
	doc     []byte // openapi.json with every module's fragment merged in

	onTenantDelete []func(ctx context.Context, tenant string) error
}

// New returns the API. write is the remote-write receiver.
func New(store *storage.Store, authn *auth.Authenticator, prom *promapi.API, write http.Handler, logger *slog.Logger) *API {
	return &API{store: store, authn: authn, prom: prom, write: write, logger: logger, doc: openAPI}
}

// Mount adds the routes of domain packages (monitoring, alerts, incidents...)
// to the API and their fragments to its OpenAPI document. Call it before Register.
func (a *API) Mount(modules ...route.Module) error {
	a.modules = append(a.modules, modules...)
	doc, err := mergeOpenAPI(openAPI, a.modules)
	if err != nil {
		return err
	}
	a.doc = doc
	return nil
}

// Route is one endpoint of the API.
type Route = route.Route

// Routes is the route table of /api/v1, the mounted modules' included. The
// OpenAPI document must list exactly these; a test holds the two together.
func (a *API) Routes() []Route {
	routes := a.ownRoutes()
	for _, m := range a.modules {
		routes = append(routes, m.Routes()...)
	}
	return routes
}

func (a *API) ownRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/openapi.json", Public: true, Handler: a.openAPI},
		{Method: "GET", Path: "/api/v1/whoami", Handler: a.whoami},

		{Method: "GET", Path: "/api/v1/tenants", Handler: a.listTenants},
		{Method: "POST", Path: "/api/v1/tenants", Handler: a.createTenant},
		{Method: "GET", Path: "/api/v1/tenants/{tenant}", Handler: a.getTenant},
		{Method: "PUT", Path: "/api/v1/tenants/{tenant}", Handler: a.updateTenant},
		{Method: "DELETE", Path: "/api/v1/tenants/{tenant}", Handler: a.deleteTenant},
		{Method: "GET", Path: "/api/v1/tenants/{tenant}/audit", Handler: a.listAudit},
		{Method: "GET", Path: "/api/v1/tenants/{tenant}/networks", Handler: a.getNetworks},
		{Method: "PUT", Path: "/api/v1/tenants/{tenant}/networks", Handler: a.setNetworks},

		{Method: "GET", Path: "/api/v1/tenants/{tenant}/services", Handler: a.listServices},
		{Method: "POST", Path: "/api/v1/tenants/{tenant}/services", Handler: a.createService},
		{Method: "GET", Path: "/api/v1/tenants/{tenant}/services/{id}", Handler: a.getService},
		{Method: "PUT", Path: "/api/v1/tenants/{tenant}/services/{id}", Handler: a.updateService},
		{Method: "DELETE", Path: "/api/v1/tenants/{tenant}/services/{id}", Handler: a.deleteService},

		{Method: "GET", Path: "/api/v1/tenants/{tenant}/resources", Handler: a.listResources},
		{Method: "POST", Path: "/api/v1/tenants/{tenant}/resources", Handler: a.createResource},
		{Method: "GET", Path: "/api/v1/tenants/{tenant}/resources/{id}", Handler: a.getResource},
		{Method: "PUT", Path: "/api/v1/tenants/{tenant}/resources/{id}", Handler: a.updateResource},
		{Method: "DELETE", Path: "/api/v1/tenants/{tenant}/resources/{id}", Handler: a.deleteResource},

		{Method: "GET", Path: "/api/v1/users", Handler: a.listUsers},
		{Method: "POST", Path: "/api/v1/users", Handler: a.createUser},
		{Method: "GET", Path: "/api/v1/users/{id}", Handler: a.getUser},
		{Method: "PUT", Path: "/api/v1/users/{id}", Handler: a.updateUser},
		{Method: "DELETE", Path: "/api/v1/users/{id}", Handler: a.deleteUser},

		{Method: "GET", Path: "/api/v1/tokens", Handler: a.listTokens},
		{Method: "POST", Path: "/api/v1/tokens", Handler: a.createToken},
		{Method: "GET", Path: "/api/v1/tokens/{id}", Handler: a.getToken},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", Handler: a.revokeToken},

		{Method: "POST", Path: "/api/v1/write", Handler: a.write.ServeHTTP},
		{Method: "POST", Path: "/api/v1/events", Handler: a.addLogEvents},
		{Method: "GET", Path: "/api/v1/tenants/{tenant}/events", Handler: a.listLogEvents},

		{Method: "GET", Path: "/api/v1/query", Handler: a.prom.Query},
		{Method: "POST", Path: "/api/v1/query", Handler: a.prom.Query},
		{Method: "GET", Path: "/api/v1/query_range", Handler: a.prom.QueryRange},
		{Method: "POST", Path: "/api/v1/query_range", Handler: a.prom.QueryRange},
		{Method: "GET", Path: "/api/v1/series", Handler: a.prom.Series},
		{Method: "POST", Path: "/api/v1/series", Handler: a.prom.Series},
		{Method: "GET", Path: "/api/v1/labels", Handler: a.prom.LabelNames},
		{Method: "POST", Path: "/api/v1/labels", Handler: a.prom.LabelNames},
		{Method: "GET", Path: "/api/v1/label/{name}/values", Handler: a.prom.LabelValues},
		{Method: "GET", Path: "/api/v1/status/buildinfo", Handler: a.prom.BuildInfo},
		{Method: "GET", Path: "/api/v1/metadata", Handler: a.prom.Metadata},
		{Method: "GET", Path: "/api/v1/status/config", Handler: a.prom.Config},
		{Method: "GET", Path: "/api/v1/query_exemplars", Handler: a.prom.QueryExemplars},
		{Method: "POST", Path: "/api/v1/query_exemplars", Handler: a.prom.QueryExemplars},
		{Method: "GET", Path: "/api/v1/format_query", Handler: a.prom.FormatQuery},
		{Method: "POST", Path: "/api/v1/format_query", Handler: a.prom.FormatQuery},
		{Method: "GET", Path: "/api/v1/rules", Handler: a.prom.Rules},
		{Method: "GET", Path: "/api/v1/alerts", Handler: a.prom.Alerts},
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
	w.Write(a.doc)
}

func (a *API) whoami(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	response.JSON(w, http.StatusOK, map[string]any{
		"name": p.Name, "tenant": p.Tenant, "role": p.Role, "scopes": p.Scopes(),
	})
}
