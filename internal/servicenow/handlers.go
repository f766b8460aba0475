package servicenow

import (
	_ "embed"
	"log/slog"
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves a tenant's ServiceNow configuration and outbox.
type Handlers struct {
	configs *Configs
	sync    *Sync

	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers; tenant authorises {tenant} paths.
func NewHandlers(configs *Configs, sync *Sync, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{configs: configs, sync: sync, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/servicenow"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.get},
		{Method: "PUT", Path: prefix, Handler: h.put},
		{Method: "DELETE", Path: prefix, Handler: h.delete},
		{Method: "GET", Path: prefix + "/outbox", Handler: h.outbox},
	}
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeAdmin, func(tenant string) (int, any, error) {
		cfg, err := h.configs.Get(r.Context(), tenant)
		return http.StatusOK, cfg, err
	})
}

func (h *Handlers) put(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeAdmin, func(tenant string) (int, any, error) {
		var in ConfigInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		cfg, err := h.configs.Put(response.Audited(r, tenant, "update", "servicenow_config", tenant, nil), tenant, in)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, cfg, nil
	})
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeAdmin, func(tenant string) (int, any, error) {
		if err := h.configs.Delete(response.Audited(r, tenant, "delete", "servicenow_config", tenant, nil), tenant); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}

func (h *Handlers) outbox(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeAdmin, func(tenant string) (int, any, error) {
		list, err := h.sync.Outbox(r.Context(), tenant, 200)
		return http.StatusOK, list, err
	})
}
