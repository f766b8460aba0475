package escalation

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

// Handlers serves the escalation policy API.
type Handlers struct {
	store  *Store
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers over store; tenant authorises the
// {tenant} of the path (api.(*API).PathTenant).
func NewHandlers(store *Store, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/escalation-policies"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "POST", Path: prefix, Handler: h.create},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.get},
		{Method: "PUT", Path: prefix + "/{id}", Handler: h.update},
		{Method: "DELETE", Path: prefix + "/{id}", Handler: h.delete},
	}
}

// input is what a client may send for a policy.
type input struct {
	Name    string `json:"name"`
	Default bool   `json:"default"`
	When    string `json:"when"`
	Steps   []Step `json:"steps"`
	Repeat  int    `json:"repeat"`
}

func (in input) policy(tenant string, id int64) *Policy {
	return &Policy{ID: id, Tenant: tenant, Name: in.Name, Default: in.Default, When: in.When, Steps: in.Steps, Repeat: in.Repeat}
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.List(r.Context(), tenant, false)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "escalation policy")
		if err != nil {
			return 0, nil, err
		}
		p, err := h.store.Get(r.Context(), tenant, id)
		return http.StatusOK, p, err
	})
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		p := in.policy(tenant, 0)
		if err := h.store.Create(response.Audited(r, tenant, "create", "escalation_policy", "", nil), p); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, p, nil
	})
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "escalation policy")
		if err != nil {
			return 0, nil, err
		}
		var in input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		p := in.policy(tenant, id)
		if err := h.store.Update(response.Audited(r, tenant, "update", "escalation_policy", "", nil), p); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, p, nil
	})
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "escalation policy")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.Delete(response.Audited(r, tenant, "delete", "escalation_policy", "", nil), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}
