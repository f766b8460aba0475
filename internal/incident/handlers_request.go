package incident

import (
	"context"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

// requestRoutes serve inquiries, catalog requests and the catalog.
func (h *Handlers) requestRoutes() []route.Route {
	rq, ci := prefix+"/requests", prefix+"/catalog-items"
	return []route.Route{
		{Method: "GET", Path: rq, Handler: h.listRequests},
		{Method: "POST", Path: rq, Handler: h.openRequest},
		{Method: "GET", Path: rq + "/{id}", Handler: h.get(requestKinds)},
		{Method: "PATCH", Path: rq + "/{id}", Handler: h.update(requestKinds)},
		{Method: "POST", Path: rq + "/{id}/state", Handler: h.transition(requestKinds)},
		{Method: "POST", Path: rq + "/{id}/acknowledge", Handler: h.acknowledge(requestKinds)},
		{Method: "POST", Path: rq + "/{id}/approve", Handler: h.decide(true)},
		{Method: "POST", Path: rq + "/{id}/reject", Handler: h.decide(false)},
		{Method: "POST", Path: rq + "/{id}/work-notes", Handler: h.workNote(requestKinds)},
		{Method: "POST", Path: rq + "/{id}/comments", Handler: h.comment(requestKinds)},
		{Method: "GET", Path: rq + "/{id}/timeline", Handler: h.timeline(requestKinds)},
		{Method: "GET", Path: ci, Handler: h.listCatalog},
		{Method: "POST", Path: ci, Handler: h.createCatalogItem},
		{Method: "GET", Path: ci + "/{id}", Handler: h.getCatalogItem},
		{Method: "PUT", Path: ci + "/{id}", Handler: h.updateCatalogItem},
		{Method: "DELETE", Path: ci + "/{id}", Handler: h.deleteCatalogItem},
	}
}

func (h *Handlers) listRequests(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, _ string) (int, any, error) {
		q := r.URL.Query()
		f := Filter{Kinds: requestKinds, State: State(q.Get("state")), Open: q.Get("open") == "true"}
		switch k := Kind(q.Get("kind")); k {
		case "":
		case KindInquiry, KindRequest:
			f.Kinds = []Kind{k}
		default:
			return 0, nil, invalid.New("kind", "must be inquiry or request, not %q", k)
		}
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

// openRequest opens an inquiry or catalog request: MSP staff, or the
// customer's requester, who leaves the assignment to the MSP.
func (h *Handlers) openRequest(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, actor string) (int, any, error) {
		if err := mayAsk(r, tenant); err != nil {
			return 0, nil, err
		}
		var in RequestInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		if !auth.FromContext(r.Context()).Staff() {
			if err := in.Fields.customerFields(); err != nil {
				return 0, nil, err
			}
		}
		inc, err := h.store.OpenRequest(response.Audited(r, tenant, "create", "", "", in), tenant, actor, in)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, inc, nil
	})
}

type decision struct {
	Note string `json:"note"`
}

// decide approves or rejects: the customer's requester, or MSP staff; the
// approver is the caller, recorded on the request.
func (h *Handlers) decide(approve bool) http.HandlerFunc {
	action := "approve"
	if !approve {
		action = "reject"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		var d decision
		h.ask(w, r, requestKinds, action, &d, func(ctx context.Context, tenant, actor string, id int64) (*Incident, error) {
			return h.store.Decide(ctx, tenant, id, actor, approve, d.Note)
		})
	}
}

type catalogInput struct {
	Name             string      `json:"name"`
	Description      string      `json:"description"`
	ServiceID        int64       `json:"service_id"`
	Fields           []FieldSpec `json:"fields"`
	ApprovalRequired bool        `json:"approval_required"`
}

func (in catalogInput) item(tenant string, id int64) *CatalogItem {
	return &CatalogItem{ID: id, TenantID: tenant, Name: in.Name, Description: in.Description, ServiceID: in.ServiceID,
		Fields: in.Fields, ApprovalRequired: in.ApprovalRequired}
}

func (h *Handlers) listCatalog(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, _ string) (int, any, error) {
		list, err := h.store.CatalogItems(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) createCatalogItem(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, _ string) (int, any, error) {
		var in catalogInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		c := in.item(tenant, 0)
		if err := h.store.CreateCatalogItem(response.Audited(r, tenant, "create", "catalog_item", "", in), c); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, c, nil
	})
}

func (h *Handlers) getCatalogItem(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, _ string) (int, any, error) {
		id, err := request.PathID(r, "incident")
		if err != nil {
			return 0, nil, err
		}
		c, err := h.store.CatalogItem(r.Context(), tenant, id)
		return http.StatusOK, c, err
	})
}

func (h *Handlers) updateCatalogItem(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, _ string) (int, any, error) {
		id, err := request.PathID(r, "incident")
		if err != nil {
			return 0, nil, err
		}
		if _, err := h.store.CatalogItem(r.Context(), tenant, id); err != nil {
			return 0, nil, err
		}
		var in catalogInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		c := in.item(tenant, id)
		if err := h.store.UpdateCatalogItem(response.Audited(r, tenant, "update", "catalog_item", "", in), c); err != nil {
			return 0, nil, err
		}
		c, err = h.store.CatalogItem(r.Context(), tenant, id)
		return http.StatusOK, c, err
	})
}

func (h *Handlers) deleteCatalogItem(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, _ string) (int, any, error) {
		id, err := request.PathID(r, "incident")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.DeleteCatalogItem(response.Audited(r, tenant, "delete", "catalog_item", "", nil), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}
