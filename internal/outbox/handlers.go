package outbox

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/storage"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Auditor records a change in the audit log; *storage.Store is one.
type Auditor interface {
	Audit(ctx context.Context, e storage.AuditEntry, detail any) error
}

// Handlers serves the notification (delivery) API.
type Handlers struct {
	outbox *Outbox
	audit  Auditor
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers over o; tenant authorises the {tenant}
// of the path (api.(*API).PathTenant).
func NewHandlers(o *Outbox, audit Auditor, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{outbox: o, audit: audit, tenant: tenant, logger: logger}
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
	h.serve(w, r, model.ScopeRead, func(tenant string) (int, any, error) {
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
	h.serve(w, r, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := pathID(r)
		if err != nil {
			return 0, nil, err
		}
		d, err := h.outbox.Delivery(r.Context(), tenant, id)
		return http.StatusOK, d, err
	})
}

func (h *Handlers) retry(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := pathID(r)
		if err != nil {
			return 0, nil, err
		}
		d, err := h.outbox.Retry(r.Context(), tenant, id)
		if err != nil {
			return 0, nil, err
		}
		if h.audit != nil {
			actor := "unknown"
			if p := auth.FromContext(r.Context()); p != nil {
				actor = p.Name
			}
			if err := h.audit.Audit(r.Context(), storage.AuditEntry{TenantID: tenant, Actor: actor, Action: "retry",
				ObjectType: "notification", ObjectID: strconv.FormatInt(id, 10)}, map[string]string{"key": d.Key, "target": d.Target}); err != nil {
				h.logger.Error("audit failed", "action", "retry", "object", "notification", "err", err)
			}
		}
		return http.StatusOK, d, nil
	})
}

func (h *Handlers) serve(w http.ResponseWriter, r *http.Request, scope model.Scope, f func(tenant string) (int, any, error)) {
	tenant, err := h.tenant(r, scope)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	status, v, err := f(tenant)
	if err != nil {
		var se *response.StatusError
		if _, ok := invalid.As(err); !ok && !errors.Is(err, storage.ErrNotFound) && !errors.As(err, &se) {
			h.logger.Error("notification API", "path", r.URL.Path, "err", err)
		}
		response.Error(w, r, err)
		return
	}
	response.JSON(w, status, v)
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, response.NotFound("no such notification")
	}
	return id, nil
}
