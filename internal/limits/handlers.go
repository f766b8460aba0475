package limits

import (
	_ "embed"
	"log/slog"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serve a tenant's limits to the MSP admin. A tenant's own
// tokens, even with the admin scope, neither read nor change them: the
// limits protect the other tenants from this one.
type Handlers struct {
	limits *Enforcer
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers; tenant authorises {tenant} paths.
func NewHandlers(limits *Enforcer, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	return &Handlers{limits: limits, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const path = "/api/v1/tenants/{tenant}/limits"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: path, Handler: h.get},
		{Method: "PUT", Path: path, Handler: h.put},
	}
}

// View is the answer of both routes.
type View struct {
	Tenant       string   `json:"tenant"`
	Overrides    Override `json:"overrides"`
	Defaults     Limits   `json:"defaults"`
	Effective    Limits   `json:"effective"`
	ActiveSeries int64    `json:"active_series"`
}

func (h *Handlers) view(tenant string) View {
	return View{Tenant: tenant, Overrides: h.limits.Override(tenant), Defaults: h.limits.Defaults(),
		Effective: h.limits.For(tenant), ActiveSeries: h.limits.ActiveSeries(tenant)}
}

// mspAdmin authorises the path's tenant for the admin scope, then asks that
// the caller work across all tenants.
func (h *Handlers) mspAdmin(r *http.Request, scope model.Scope) (string, error) {
	tenant, err := h.tenant(r, scope)
	if err != nil {
		return "", err
	}
	if !auth.FromContext(r.Context()).Global() {
		return "", response.Forbidden("a tenant's limits are set by the MSP admin, not by the tenant's own tokens")
	}
	return tenant, nil
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.mspAdmin, model.ScopeAdmin, func(tenant string) (int, any, error) {
		return http.StatusOK, h.view(tenant), nil
	})
}

func (h *Handlers) put(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.mspAdmin, model.ScopeAdmin, func(tenant string) (int, any, error) {
		var in Override
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		if err := h.limits.SetOverride(response.Audited(r, tenant, "update", "limits", tenant, in), tenant, in); err != nil {
			return 0, nil, err
		}
		h.logger.Info("tenant limits changed", "tenant", tenant, "actor", response.Actor(r))
		return http.StatusOK, h.view(tenant), nil
	})
}
