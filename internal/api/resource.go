package api

import (
	"net/http"
	"strconv"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

// resourceInput is what a client may set on a resource.
type resourceInput struct {
	Name      string            `json:"name"`
	Kind      string            `json:"kind"`
	ServiceID *int64            `json:"service_id"`
	Labels    map[string]string `json:"labels"`
}

func (in resourceInput) resource(tenant string, id int64) *model.Resource {
	return &model.Resource{ID: id, TenantID: tenant, Name: in.Name, Kind: in.Kind, ServiceID: in.ServiceID, Labels: in.Labels}
}

func (a *API) listResources(w http.ResponseWriter, r *http.Request) {
	tenant, err := a.PathTenant(r, model.ScopeRead)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	var f storage.ResourceFilter
	if s := r.URL.Query().Get("service_id"); s != "" {
		if f.ServiceID, err = strconv.ParseInt(s, 10, 64); err != nil {
			response.Error(w, r, invalid.New("service_id", "must be a number"))
			return
		}
	}
	f.Kind = r.URL.Query().Get("kind")
	list, err := a.store.Resources(r.Context(), tenant, f)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, list)
}

func (a *API) getResource(w http.ResponseWriter, r *http.Request) {
	tenant, err := a.PathTenant(r, model.ScopeRead)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	id, err := request.PathID(r, "id")
	if err != nil {
		response.Error(w, r, err)
		return
	}
	res, err := a.store.Resource(r.Context(), tenant, id)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, res)
}

func (a *API) createResource(w http.ResponseWriter, r *http.Request) {
	tenant, err := a.PathTenant(r, model.ScopeWrite)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	var in resourceInput
	if err := request.DecodeJSON(w, r, &in); err != nil {
		response.Error(w, r, err)
		return
	}
	res := in.resource(tenant, 0)
	if err := res.Validate(); err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.store.CreateResource(response.Audited(r, tenant, "create", "resource", "", in), res); err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusCreated, res)
}

func (a *API) updateResource(w http.ResponseWriter, r *http.Request) {
	tenant, err := a.PathTenant(r, model.ScopeWrite)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	id, err := request.PathID(r, "id")
	if err != nil {
		response.Error(w, r, err)
		return
	}
	var in resourceInput
	if err := request.DecodeJSON(w, r, &in); err != nil {
		response.Error(w, r, err)
		return
	}
	res := in.resource(tenant, id)
	if err := res.Validate(); err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.store.UpdateResource(response.Audited(r, tenant, "update", "resource", "", in), res); err != nil {
		response.Error(w, r, err)
		return
	}
	res, err = a.store.Resource(r.Context(), tenant, id)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, res)
}

func (a *API) deleteResource(w http.ResponseWriter, r *http.Request) {
	tenant, err := a.PathTenant(r, model.ScopeWrite)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	id, err := request.PathID(r, "id")
	if err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.store.DeleteResource(response.Audited(r, tenant, "delete", "resource", "", nil), tenant, id); err != nil {
		response.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
