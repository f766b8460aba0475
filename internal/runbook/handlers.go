package runbook

import (
	_ "embed"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves runbooks and checklists.
type Handlers struct {
	store *Store

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

const (
	tenantPrefix = "/api/v1/tenants/{tenant}"
	globalPrefix = "/api/v1/runbooks"
)

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	rb, cl := tenantPrefix+"/runbooks", tenantPrefix+"/checklists"
	return []route.Route{
		{Method: "GET", Path: rb, Handler: h.tenantScoped(h.listRunbooks())},
		{Method: "POST", Path: rb, Handler: h.tenantScoped(h.createRunbook())},
		{Method: "GET", Path: rb + "/{id}", Handler: h.tenantScoped(h.getRunbook())},
		{Method: "PUT", Path: rb + "/{id}", Handler: h.tenantScoped(h.updateRunbook())},
		{Method: "DELETE", Path: rb + "/{id}", Handler: h.tenantScoped(h.deleteRunbook())},
		{Method: "GET", Path: globalPrefix, Handler: h.globalScoped(h.listRunbooks())},
		{Method: "POST", Path: globalPrefix, Handler: h.globalScoped(h.createRunbook())},
		{Method: "GET", Path: globalPrefix + "/{id}", Handler: h.globalScoped(h.getRunbook())},
		{Method: "PUT", Path: globalPrefix + "/{id}", Handler: h.globalScoped(h.updateRunbook())},
		{Method: "DELETE", Path: globalPrefix + "/{id}", Handler: h.globalScoped(h.deleteRunbook())},
		{Method: "GET", Path: cl, Handler: h.tenantScoped(h.listChecklists())},
		{Method: "POST", Path: cl, Handler: h.tenantScoped(h.createChecklist())},
		{Method: "GET", Path: cl + "/{id}", Handler: h.tenantScoped(h.getChecklist())},
		{Method: "PUT", Path: cl + "/{id}", Handler: h.tenantScoped(h.updateChecklist())},
		{Method: "DELETE", Path: cl + "/{id}", Handler: h.tenantScoped(h.deleteChecklist())},
		{Method: "GET", Path: cl + "/{id}/days/{date}", Handler: h.tenantScoped(h.day())},
		{Method: "POST", Path: cl + "/{id}/days/{date}/items/{item}", Handler: h.tenantScoped(h.complete())},
	}
}

// op is one request's work for owner ("" = global) as actor; scope says
// what it needs and is asked for before anything is read.
type op struct {
	scope model.Scope
	run   func(r *http.Request, w http.ResponseWriter, owner, actor string) (int, any, error)
}

func (h *Handlers) tenantScoped(o op) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { h.serve(w, r, h.tenant, o) }
}

// globalScoped serves the global runbooks, which only MSP-wide callers reach.
func (h *Handlers) globalScoped(o op) http.HandlerFunc {
	authz := func(r *http.Request, scope model.Scope) (string, error) {
		p := auth.FromContext(r.Context())
		if p == nil {
			return "", auth.ErrUnauthenticated
		}
		if !p.Global() {
			return "", response.Forbidden("global runbooks are kept by MSP staff; read them through your tenant's runbooks")
		}
		if !p.Can(scope) {
			return "", response.Forbidden("this needs the " + string(scope) + " scope")
		}
		return "", nil
	}
	return func(w http.ResponseWriter, r *http.Request) { h.serve(w, r, authz, o) }
}

func (h *Handlers) serve(w http.ResponseWriter, r *http.Request, authz route.Authorizer, o op) {
	response.ServeAs(w, r, authz, o.scope, func(owner, actor string) (int, any, error) { return o.run(r, w, owner, actor) })
}

type runbookInput struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

func (h *Handlers) listRunbooks() op {
	return op{model.ScopeRead, func(r *http.Request, _ http.ResponseWriter, owner, _ string) (int, any, error) {
		list, err := h.store.List(r.Context(), owner)
		return http.StatusOK, list, err
	}}
}

func (h *Handlers) createRunbook() op {
	return op{model.ScopeWrite, func(r *http.Request, w http.ResponseWriter, owner, actor string) (int, any, error) {
		var in runbookInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		rb := &Runbook{TenantID: owner, Title: in.Title, Body: in.Body, CreatedBy: actor}
		if err := h.store.Create(response.Audited(r, owner, "create", "runbook", "", map[string]string{"title": rb.Title}), rb); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, rb, nil
	}}
}

func (h *Handlers) getRunbook() op {
	return op{model.ScopeRead, func(r *http.Request, _ http.ResponseWriter, owner, _ string) (int, any, error) {
		id, err := pathInt(r, "id")
		if err != nil {
			return 0, nil, err
		}
		rb, err := h.store.Get(r.Context(), owner, id)
		return http.StatusOK, rb, err
	}}
}

func (h *Handlers) updateRunbook() op {
	return op{model.ScopeWrite, func(r *http.Request, w http.ResponseWriter, owner, actor string) (int, any, error) {
		id, err := pathInt(r, "id")
		if err != nil {
			return 0, nil, err
		}
		var in runbookInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		if err := h.store.Update(response.Audited(r, owner, "update", "runbook", "", map[string]string{"title": in.Title}), &Runbook{ID: id, TenantID: owner, Title: in.Title, Body: in.Body}); err != nil {
			return 0, nil, err
		}
		rb, err := h.store.Get(r.Context(), owner, id)
		return http.StatusOK, rb, err
	}}
}

func (h *Handlers) deleteRunbook() op {
	return op{model.ScopeWrite, func(r *http.Request, _ http.ResponseWriter, owner, actor string) (int, any, error) {
		id, err := pathInt(r, "id")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.Delete(response.Audited(r, owner, "delete", "runbook", "", nil), owner, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	}}
}

type checklistInput struct {
	Name  string   `json:"name"`
	Items []string `json:"items"`
}

func (h *Handlers) listChecklists() op {
	return op{model.ScopeRead, func(r *http.Request, _ http.ResponseWriter, owner, _ string) (int, any, error) {
		list, err := h.store.Checklists(r.Context(), owner)
		return http.StatusOK, list, err
	}}
}

func (h *Handlers) createChecklist() op {
	return op{model.ScopeWrite, func(r *http.Request, w http.ResponseWriter, owner, actor string) (int, any, error) {
		var in checklistInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		c := &Checklist{TenantID: owner, Name: in.Name, Items: in.Items}
		if err := h.store.CreateChecklist(response.Audited(r, owner, "create", "checklist", "", in), c); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, c, nil
	}}
}

func (h *Handlers) getChecklist() op {
	return op{model.ScopeRead, func(r *http.Request, _ http.ResponseWriter, owner, _ string) (int, any, error) {
		id, err := pathInt(r, "id")
		if err != nil {
			return 0, nil, err
		}
		c, err := h.store.Checklist(r.Context(), owner, id)
		return http.StatusOK, c, err
	}}
}

func (h *Handlers) updateChecklist() op {
	return op{model.ScopeWrite, func(r *http.Request, w http.ResponseWriter, owner, actor string) (int, any, error) {
		id, err := pathInt(r, "id")
		if err != nil {
			return 0, nil, err
		}
		var in checklistInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		c := &Checklist{ID: id, TenantID: owner, Name: in.Name, Items: in.Items}
		if err := h.store.UpdateChecklist(response.Audited(r, owner, "update", "checklist", "", in), c); err != nil {
			return 0, nil, err
		}
		c, err = h.store.Checklist(r.Context(), owner, id)
		return http.StatusOK, c, err
	}}
}

func (h *Handlers) deleteChecklist() op {
	return op{model.ScopeWrite, func(r *http.Request, _ http.ResponseWriter, owner, actor string) (int, any, error) {
		id, err := pathInt(r, "id")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.DeleteChecklist(response.Audited(r, owner, "delete", "checklist", "", nil), owner, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	}}
}

func (h *Handlers) day() op {
	return op{model.ScopeRead, func(r *http.Request, _ http.ResponseWriter, owner, _ string) (int, any, error) {
		id, err := pathInt(r, "id")
		if err != nil {
			return 0, nil, err
		}
		date, err := ParseDay(r.PathValue("date"))
		if err != nil {
			return 0, nil, err
		}
		d, err := h.store.Day(r.Context(), owner, id, date)
		return http.StatusOK, d, err
	}}
}

func (h *Handlers) complete() op {
	return op{model.ScopeWrite, func(r *http.Request, w http.ResponseWriter, owner, actor string) (int, any, error) {
		id, err := pathInt(r, "id")
		if err != nil {
			return 0, nil, err
		}
		date, err := ParseDay(r.PathValue("date"))
		if err != nil {
			return 0, nil, err
		}
		item, err := strconv.Atoi(r.PathValue("item"))
		if err != nil {
			return 0, nil, invalid.New("item", "must be the item's number")
		}
		if _, err := h.store.Checklist(r.Context(), owner, id); err != nil {
			return 0, nil, err // another tenant's checklist is missing, whatever the body
		}
		var in struct {
			Note string `json:"note"`
		}
		if r.ContentLength != 0 {
			if err := request.DecodeJSON(w, r, &in); err != nil {
				return 0, nil, err
			}
		}
		d, err := h.store.Complete(response.Audited(r, owner, "complete", "checklist", "", map[string]any{"date": date, "item": item}), owner, id, date, item, actor, in.Note)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, d, nil
	}}
}

func pathInt(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, response.NotFound("no such " + name)
	}
	return id, nil
}
