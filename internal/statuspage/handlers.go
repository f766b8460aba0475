package statuspage

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

// Handlers serves the status page API: the settings and notices MSP staff
// write, and the public JSON.
type Handlers struct {
	svc    *Service
	public *Public
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers over svc; public serves the public JSON
// under its limit; tenant authorises {tenant} paths.
func NewHandlers(svc *Service, public *Public, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{svc: svc, public: public, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	rs := []route.Route{
		{Method: "GET", Path: prefix + "/status-page", Handler: h.getPage},
		{Method: "PUT", Path: prefix + "/status-page", Handler: h.savePage},
		{Method: "GET", Path: prefix + "/status-notices", Handler: h.listNotices},
		{Method: "POST", Path: prefix + "/incidents/{id}/status-notice", Handler: h.publish},
		{Method: "GET", Path: "/api/v1/public/status/{slug}", Public: true, Handler: h.publicJSON},
	}
	return rs
}

func (h *Handlers) publicJSON(w http.ResponseWriter, r *http.Request) { h.public.json(w, r) }

func (h *Handlers) getPage(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		p, err := h.svc.store.Page(r.Context(), tenant)
		return http.StatusOK, p, err
	})
}

// staffOnly refuses a customer's user: the page and its notices speak for
// the MSP.
func staffOnly(r *http.Request) error {
	if !auth.FromContext(r.Context()).Staff() {
		return response.Forbidden("only MSP staff may change the status page")
	}
	return nil
}

func (h *Handlers) savePage(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		if err := staffOnly(r); err != nil {
			return 0, nil, err
		}
		var in struct {
			Enabled bool   `json:"enabled"`
			Slug    string `json:"slug"`
			Title   string `json:"title"`
		}
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		p, err := h.svc.SavePage(response.Audited(r, tenant, "update", "status_page", tenant, in), tenant, Page{Enabled: in.Enabled, Slug: in.Slug, Title: in.Title})
		return http.StatusOK, p, err
	})
}

func (h *Handlers) listNotices(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.svc.store.Notices(r.Context(), tenant, r.URL.Query().Get("open") == "true")
		if list == nil {
			list = []*Notice{}
		}
		return http.StatusOK, list, err
	})
}

func (h *Handlers) publish(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		if err := staffOnly(r); err != nil {
			return 0, nil, err
		}
		id, err := request.PathID(r, "incident")
		if err != nil {
			return 0, nil, err
		}
		var in Publication
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		// The text goes to the page, not into the audit log.
		n, err := h.svc.Publish(response.Audited(r, tenant, "publish", "status_notice", "", map[string]any{"incident_id": id}), tenant, id, actor, in)
		return http.StatusOK, n, err
	})
}
