package incident

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the incident API.
type Handlers struct {
	store  *Desk
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers over store; tenant authorises {tenant} paths.
func NewHandlers(store *Desk, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}"

// The kinds each collection serves: /incidents the incidents, /requests the
// inquiries and catalog requests. An ID of the other collection is not found.
var (
	incidentKinds = []Kind{KindIncident}
	requestKinds  = []Kind{KindInquiry, KindRequest}
)

// checkKind answers not found for a ticket of tenant outside kinds.
func (h *Handlers) checkKind(r *http.Request, tenant string, id int64, kinds []Kind) error {
	inc, err := get(r.Context(), database.Writer(h.store.db), tenant, id)
	if err != nil {
		return err
	}
	for _, k := range kinds {
		if inc.Kind == k {
			return nil
		}
	}
	return response.NotFound("no such " + string(kinds[0]))
}

// Routes is the route table of the incident API; openapi_paths.json lists
// exactly these, and a test holds the two together.
func (h *Handlers) Routes() []route.Route {
	return append([]route.Route{
		{Method: "GET", Path: prefix + "/incidents", Handler: h.list},
		{Method: "POST", Path: prefix + "/incidents", Handler: h.open},
		{Method: "GET", Path: prefix + "/incidents/{id}", Handler: h.get(incidentKinds)},
		{Method: "PATCH", Path: prefix + "/incidents/{id}", Handler: h.update(incidentKinds)},
		{Method: "POST", Path: prefix + "/incidents/{id}/state", Handler: h.transition(incidentKinds)},
		{Method: "POST", Path: prefix + "/incidents/{id}/acknowledge", Handler: h.acknowledge(incidentKinds)},
		{Method: "POST", Path: prefix + "/incidents/{id}/cause", Handler: h.cause},
		{Method: "POST", Path: prefix + "/incidents/{id}/work-notes", Handler: h.workNote(incidentKinds)},
		{Method: "POST", Path: prefix + "/incidents/{id}/comments", Handler: h.comment(incidentKinds)},
		{Method: "GET", Path: prefix + "/incidents/{id}/timeline", Handler: h.timeline(incidentKinds)},
		{Method: "GET", Path: prefix + "/incident-metrics", Handler: h.metrics},
	}, append(h.requestRoutes(), h.vendorCaseRoutes()...)...)
}

// seesInternal reports whether the caller may read work notes: MSP staff and
// tokens that may write. A customer's user (viewer or requester) never does.
func seesInternal(r *http.Request) bool { return auth.FromContext(r.Context()).Staff() }

// mayAsk authorises what a customer's requester may do as well as MSP staff
// (open an inquiry or request, comment, decide an approval): the caller must
// be staff or a requester of tenant; a viewer or a read token gets 403.
func mayAsk(r *http.Request, tenant string) error {
	p := auth.FromContext(r.Context())
	if p.Staff() || p.Requests(tenant) {
		return nil
	}
	return response.Forbidden("only MSP staff or the customer's requester may do this")
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, _ string) (int, any, error) {
		q := r.URL.Query()
		f := Filter{State: State(q.Get("state")), Open: q.Get("open") == "true"}
		if f.State != "" && !f.State.valid() {
			return 0, nil, invalid.New("state", "must be one of new, in_progress, on_hold, resolved, closed, canceled")
		}
		var err error
		if f.From, err = queryTime(r, "from"); err != nil {
			return 0, nil, err
		}
		if f.To, err = queryTime(r, "to"); err != nil {
			return 0, nil, err
		}
		list, err := h.store.Incidents(r.Context(), tenant, f)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) open(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		var f Fields
		if err := request.DecodeJSON(w, r, &f); err != nil {
			return 0, nil, err
		}
		inc, err := h.store.Open(response.Audited(r, tenant, "create", "", "", f), tenant, actor, f)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, inc, nil
	})
}

func (h *Handlers) get(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, _ string) (int, any, error) {
			id, err := request.PathID(r, "incident")
			if err != nil {
				return 0, nil, err
			}
			if err := h.checkKind(r, tenant, id, kinds); err != nil {
				return 0, nil, err
			}
			inc, err := h.store.Incident(r.Context(), tenant, id)
			return http.StatusOK, inc, err
		})
	}
}

// editFunc applies one change to an incident.
type editFunc func(ctx context.Context, tenant, actor string, id int64) (*Incident, error)

// edit serves an MSP staff change of one incident: decode into in, then apply.
func (h *Handlers) edit(w http.ResponseWriter, r *http.Request, kinds []Kind, action string, in any, apply editFunc) {
	h.serveEdit(w, r, kinds, action, in, model.ScopeWrite, nil, apply)
}

// ask serves a change a customer's requester may make too (see mayAsk).
func (h *Handlers) ask(w http.ResponseWriter, r *http.Request, kinds []Kind, action string, in any, apply editFunc) {
	h.serveEdit(w, r, kinds, action, in, model.ScopeRead, mayAsk, apply)
}

func (h *Handlers) serveEdit(w http.ResponseWriter, r *http.Request, kinds []Kind, action string, in any, scope model.Scope,
	allow func(*http.Request, string) error, apply editFunc) {
	response.ServeAs(w, r, h.tenant, scope, func(tenant, actor string) (int, any, error) {
		if allow != nil {
			if err := allow(r, tenant); err != nil {
				return 0, nil, err
			}
		}
		id, err := request.PathID(r, "incident")
		if err != nil {
			return 0, nil, err
		}
		if err := h.checkKind(r, tenant, id, kinds); err != nil {
			return 0, nil, err
		}
		if in != nil {
			if err := request.DecodeJSON(w, r, in); err != nil {
				return 0, nil, err
			}
		}
		inc, err := apply(response.Audited(r, tenant, action, "", "", in), tenant, actor, id)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, inc, nil
	})
}

func (h *Handlers) update(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var f Fields
		h.edit(w, r, kinds, "update", &f, func(ctx context.Context, tenant, actor string, id int64) (*Incident, error) {
			return h.store.Update(ctx, tenant, id, actor, f)
		})
	}
}

func (h *Handlers) transition(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var sc StateChange
		h.edit(w, r, kinds, "state", &sc, func(ctx context.Context, tenant, actor string, id int64) (*Incident, error) {
			return h.store.Transition(ctx, tenant, id, actor, sc)
		})
	}
}

func (h *Handlers) acknowledge(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.edit(w, r, kinds, "acknowledge", nil, func(ctx context.Context, tenant, actor string, id int64) (*Incident, error) {
			return h.store.Acknowledge(ctx, tenant, id, actor)
		})
	}
}

func (h *Handlers) cause(w http.ResponseWriter, r *http.Request) {
	var c Cause
	h.edit(w, r, incidentKinds, "cause", &c, func(ctx context.Context, tenant, actor string, id int64) (*Incident, error) {
		return h.store.RecordCause(ctx, tenant, id, actor, c)
	})
}

type noteBody struct {
	Text string `json:"text"`
}

func (h *Handlers) workNote(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var n noteBody
		h.edit(w, r, kinds, "work_note", &n, func(ctx context.Context, tenant, actor string, id int64) (*Incident, error) {
			return h.store.AddNote(ctx, tenant, id, actor, n.Text, true)
		})
	}
}

// comment adds a customer-visible comment: MSP staff and the customer's
// requester may.
func (h *Handlers) comment(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var n noteBody
		h.ask(w, r, kinds, "comment", &n, func(ctx context.Context, tenant, actor string, id int64) (*Incident, error) {
			return h.store.AddNote(ctx, tenant, id, actor, n.Text, false)
		})
	}
}

func (h *Handlers) timeline(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, _ string) (int, any, error) {
			id, err := request.PathID(r, "incident")
			if err != nil {
				return 0, nil, err
			}
			if err := h.checkKind(r, tenant, id, kinds); err != nil {
				return 0, nil, err
			}
			list, err := h.store.Timeline(r.Context(), tenant, id, seesInternal(r))
			return http.StatusOK, list, err
		})
	}
}

func (h *Handlers) metrics(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, _ string) (int, any, error) {
		from, err := queryTime(r, "from")
		if err != nil {
			return 0, nil, err
		}
		to, err := queryTime(r, "to")
		if err != nil {
			return 0, nil, err
		}
		if from.IsZero() {
			return 0, nil, invalid.New("from", "is required (RFC 3339)")
		}
		if to.IsZero() {
			return 0, nil, invalid.New("to", "is required (RFC 3339)")
		}
		m, err := h.store.Metrics(r.Context(), tenant, Kind(r.URL.Query().Get("kind")), from, to)
		return http.StatusOK, m, err
	})
}

func queryTime(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, invalid.New(name, "must be an RFC 3339 time such as 2026-01-01T00:00:00+09:00, not %q", s)
	}
	return t, nil
}

const maxBody = 1 << 20
