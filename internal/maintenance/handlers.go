package maintenance

import (
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the maintenance window API.
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

const prefix = "/api/v1/tenants/{tenant}/maintenance-windows"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "POST", Path: prefix, Handler: h.create},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.get},
		{Method: "PUT", Path: prefix + "/{id}", Handler: h.update},
		{Method: "DELETE", Path: prefix + "/{id}", Handler: h.delete},
		{Method: "GET", Path: prefix + "/{id}/occurrences", Handler: h.occurrences},
	}
}

// input is what a client may send: the tenant, the ID and the times come from the server.
type input struct {
	Name       string            `json:"name"`
	ServiceID  *int64            `json:"service_id"`
	ResourceID *int64            `json:"resource_id"`
	Labels     map[string]string `json:"labels"`
	Window
}

func (in input) stored(tenant string) *Stored {
	return &Stored{Tenant: tenant, Name: in.Name, ServiceID: in.ServiceID, ResourceID: in.ResourceID, Labels: in.Labels, Window: in.Window}
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.List(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "maintenance window")
		if err != nil {
			return 0, nil, err
		}
		win, err := h.store.Get(r.Context(), tenant, id)
		return http.StatusOK, win, err
	})
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		win := in.stored(tenant)
		if err := h.store.Create(response.Audited(r, tenant, "create", "maintenance_window", "", nil), win); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, win, nil
	})
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "maintenance window")
		if err != nil {
			return 0, nil, err
		}
		old, err := h.store.Get(r.Context(), tenant, id)
		if err != nil {
			return 0, nil, err
		}
		var in input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		win := in.stored(tenant)
		win.ID, win.CreatedAt = id, old.CreatedAt
		if err := h.store.Update(response.Audited(r, tenant, "update", "maintenance_window", "", map[string]any{"before": old, "after": win}), win); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, win, nil
	})
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "maintenance window")
		if err != nil {
			return 0, nil, err
		}
		old, err := h.store.Get(r.Context(), tenant, id)
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.Delete(response.Audited(r, tenant, "delete", "maintenance_window", "", old), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}

// occurrences lists the window's occurrences in [from, to), at most 31 days
// apart, so an operator can check a recurrence before relying on it.
func (h *Handlers) occurrences(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "maintenance window")
		if err != nil {
			return 0, nil, err
		}
		from, to, err := timeRange(r)
		if err != nil {
			return 0, nil, err
		}
		win, err := h.store.Get(r.Context(), tenant, id)
		if err != nil {
			return 0, nil, err
		}
		list := win.Occurrences(from, to)
		if list == nil {
			list = []Interval{}
		}
		return http.StatusOK, list, nil
	})
}

func timeRange(r *http.Request) (from, to time.Time, err error) {
	q := r.URL.Query()
	if from, err = time.Parse(time.RFC3339, q.Get("from")); err != nil {
		return from, to, invalid.New("from", "must be an RFC 3339 time, not %q", q.Get("from"))
	}
	if to, err = time.Parse(time.RFC3339, q.Get("to")); err != nil {
		return from, to, invalid.New("to", "must be an RFC 3339 time, not %q", q.Get("to"))
	}
	if !to.After(from) || to.Sub(from) > 31*24*time.Hour {
		return from, to, invalid.New("to", "must be after from and at most 31 days later")
	}
	return from, to, nil
}
