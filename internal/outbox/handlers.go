package outbox

import (
	_ "embed"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the notification (delivery) API.
type Handlers struct {
	outbox *Outbox
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers over o; tenant authorises the {tenant}
// of the path (api.(*API).PathTenant).
func NewHandlers(o *Outbox, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{outbox: o, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/notifications"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.get},
		{Method: "POST", Path: prefix + "/{id}/retry", Handler: h.retry},
	}
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		f := Filter{State: r.URL.Query().Get("state"), Ref: r.URL.Query().Get("ref")}
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 1000 {
				return 0, nil, invalid.New("limit", "must be an integer from 1 to 1000, not %q", s)
			}
			f.Limit = n
		}
		list, err := h.outbox.Deliveries(r.Context(), tenant, f)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "notification")
		if err != nil {
			return 0, nil, err
		}
		d, err := h.outbox.Delivery(r.Context(), tenant, id)
		return http.StatusOK, d, err
	})
}

func (h *Handlers) retry(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "notification")
		if err != nil {
			return 0, nil, err
		}
		d, err := h.outbox.Retry(response.Audited(r, tenant, "retry", "notification", "", nil), tenant, id)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, d, nil
	})
}
