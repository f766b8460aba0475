package blueprint

import (
	_ "embed"
	"encoding/json"
	"errors"
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

// Handlers serves plan, apply, export and drift of designs, and the
// files' JSON Schema.
type Handlers struct {
	svc    *Planner
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers; tenant authorises {tenant} paths: a
// tenant's token reaches only its tenant, an MSP-wide one any.
func NewHandlers(svc *Planner, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{svc: svc, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

// maxDesign bounds a design's body: 100 customers' worth of hosts fit.
const maxDesign = 32 << 20

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	p := "/api/v1/tenants/{tenant}/design"
	return []route.Route{
		{Method: "GET", Path: "/api/v1/design/schema.json", Public: true, Handler: schemaHandler(FileSchema())},
		{Method: "GET", Path: "/api/v1/design/template-schema.json", Public: true, Handler: schemaHandler(TemplateSchema())},
		{Method: "POST", Path: p + "/plan", Handler: h.plan},
		{Method: "POST", Path: p + "/apply", Handler: h.apply},
		{Method: "GET", Path: p + "/export", Handler: h.export},
		{Method: "GET", Path: p + "/drift", Handler: h.drift},
	}
}

func schemaHandler(s *Schema) http.HandlerFunc {
	body, _ := json.MarshalIndent(s, "", "  ")
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/schema+json")
		w.Write(body)
	}
}

func (h *Handlers) plan(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.designer, model.ScopeWrite, func(tenant string) (int, any, error) {
		var req Request
		if err := request.DecodeJSONLimit(w, r, &req, maxDesign); err != nil {
			return 0, nil, err
		}
		plan, err := h.svc.Plan(r.Context(), tenant, &req)
		return http.StatusOK, plan, err
	})
}

func (h *Handlers) apply(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.designer, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		var req Request
		if err := request.DecodeJSONLimit(w, r, &req, maxDesign); err != nil {
			return 0, nil, err
		}
		res, err := h.svc.Apply(r.Context(), tenant, actor, &req)
		if err == nil && res.Applied {
			h.logger.Info("design applied", "tenant", tenant, "actor", actor, "commit", req.Commit, "changes", len(res.Plan.Changes))
		}
		return http.StatusOK, res, err
	})
}

func (h *Handlers) export(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		d, err := h.svc.Export(r.Context(), tenant)
		return http.StatusOK, d, err
	})
}

func (h *Handlers) drift(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		refs, err := h.svc.Drifted(r.Context(), tenant)
		return http.StatusOK, refs, err
	})
}

// designer authorises plan and apply as h.tenant does, except that a
// tenant not created yet reaches the planner, which creates it from the
// design's tenant_settings for an MSP-wide caller only (403 for a tenant's
// own token, 404 without settings). Another tenant's caller still finds
// no tenant at all.
func (h *Handlers) designer(r *http.Request, scope model.Scope) (string, error) {
	tenant, err := h.tenant(r, scope)
	var se *response.StatusError
	if err == nil || !errors.As(err, &se) || se.Status != http.StatusNotFound {
		return tenant, err
	}
	p := auth.FromContext(r.Context())
	if id := r.PathValue("tenant"); p.CanAccessTenant(id) && p.Can(scope) {
		return id, nil
	}
	return "", err
}
