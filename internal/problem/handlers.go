package problem

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

// Handlers serves the problem API.
type Handlers struct {
	store  *Store
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers; tenant authorises {tenant} paths.
func NewHandlers(store *Store, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/problems"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "POST", Path: prefix, Handler: h.create},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.get},
		{Method: "PUT", Path: prefix + "/{id}", Handler: h.record().Write},
		{Method: "POST", Path: prefix + "/{id}/state", Handler: h.move},
		{Method: "POST", Path: prefix + "/{id}/incidents", Handler: h.link},
		{Method: "GET", Path: prefix + "/proposals", Handler: h.proposals},
		{Method: "POST", Path: prefix + "/proposals/{key}/accept", Handler: h.accept},
		{Method: "POST", Path: prefix + "/proposals/{key}/dismiss", Handler: h.dismiss},
		{Method: "GET", Path: prefix + "/settings", Handler: h.settings},
		{Method: "PUT", Path: prefix + "/settings", Handler: h.setSettings},
	}
}

// Input is the body of a problem's create, update or proposal's accept.
type Input struct {
	Title          string  `json:"title"`
	Description    string  `json:"description"`
	Priority       int     `json:"priority"`
	Owner          string  `json:"owner"`
	Category       string  `json:"category"`
	RootCause      string  `json:"root_cause"`
	Workaround     string  `json:"workaround"`
	KnownError     bool    `json:"known_error"`
	KnownErrorText string  `json:"known_error_text"`
	Match          Match   `json:"match"`
	IncidentIDs    []int64 `json:"incident_ids"` // create only
}

// Onto sets p's editable fields from in.
func (in Input) Onto(p *Problem) {
	p.Title, p.Description, p.Priority, p.Owner, p.Category = in.Title, in.Description, in.Priority, in.Owner, in.Category
	p.RootCause, p.Workaround, p.KnownError, p.KnownErrorText, p.Match = in.RootCause, in.Workaround, in.KnownError, in.KnownErrorText, in.Match
}

// detail is a problem with its state changes.
type detail struct {
	*Problem
	Events []Event `json:"events"`
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.Problems(r.Context(), tenant, r.URL.Query().Get("open") == "true")
		return http.StatusOK, list, err
	})
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		var in Input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		p := &Problem{TenantID: tenant, CreatedBy: actor}
		in.Onto(p)
		if err := h.store.Create(response.Audited(r, tenant, "create", "problem", "", in), p, in.IncidentIDs); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, p, nil
	})
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "problem")
		if err != nil {
			return 0, nil, err
		}
		p, err := h.store.Problem(r.Context(), tenant, id)
		if err != nil {
			return 0, nil, err
		}
		ev, err := h.store.Events(r.Context(), tenant, id)
		return http.StatusOK, detail{p, ev}, err
	})
}

func (h *Handlers) move(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		id, err := request.PathID(r, "problem")
		if err != nil {
			return 0, nil, err
		}
		var in struct {
			State State `json:"state"`
		}
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		p, err := h.store.Move(response.Audited(r, tenant, "state", "problem", "", in), tenant, id, in.State, actor)
		return http.StatusOK, p, err
	})
}

func (h *Handlers) link(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "problem")
		if err != nil {
			return 0, nil, err
		}
		var in struct {
			IncidentIDs []int64 `json:"incident_ids"`
		}
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		p, err := h.store.Link(response.Audited(r, tenant, "link", "problem", "", in), tenant, id, in.IncidentIDs)
		return http.StatusOK, p, err
	})
}

func (h *Handlers) proposals(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.Proposals(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) accept(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		key := r.PathValue("key")
		var in Input
		if r.ContentLength != 0 {
			if err := request.DecodeJSON(w, r, &in); err != nil {
				return 0, nil, err
			}
		}
		p := &Problem{CreatedBy: actor}
		in.Onto(p)
		if err := h.store.Accept(response.Audited(r, tenant, "accept", "problem", "", map[string]string{"proposal": key}), tenant, key, p); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, p, nil
	})
}

func (h *Handlers) dismiss(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		key := r.PathValue("key")
		if err := h.store.Dismiss(response.Audited(r, tenant, "dismiss", "problem_proposal", key, nil), tenant, key); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}

func (h *Handlers) settings(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		st, err := h.store.Settings(r.Context(), tenant)
		return http.StatusOK, st, err
	})
}

func (h *Handlers) setSettings(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in Settings
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		if err := h.store.SetSettings(response.Audited(r, tenant, "update", "problem_settings", tenant, in), tenant, in); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, in, nil
	})
}

// record is the glue of changing one problem's fields.
func (h *Handlers) record() request.Record[Problem, Input] {
	return request.Record[Problem, Input]{
		Authz: h.tenant, Noun: "problem", Object: "problem",
		Get: h.store.Problem, Apply: Input.Onto, Update: h.store.Update,
	}
}
