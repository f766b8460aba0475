package api

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

// serviceInput is what a client may set on a service.
type serviceInput struct {
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Level       model.ServiceLevel `json:"service_level"`
}

func (a *API) listServices(w http.ResponseWriter, r *http.Request) {
	tenant, err := a.PathTenant(r, model.ScopeRead)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	list, err := a.store.Services(r.Context(), tenant)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, list)
}

func (a *API) getService(w http.ResponseWriter, r *http.Request) {
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
	svc, err := a.store.Service(r.Context(), tenant, id)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, svc)
}

func (a *API) createService(w http.ResponseWriter, r *http.Request) {
	tenant, err := a.PathTenant(r, model.ScopeWrite)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	var in serviceInput
	if err := request.DecodeJSON(w, r, &in); err != nil {
		response.Error(w, r, err)
		return
	}
	svc := &model.Service{TenantID: tenant, Name: in.Name, Description: in.Description, Level: in.Level}
	if err := svc.Validate(); err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.store.CreateService(response.Audited(r, tenant, "create", "service", "", in), svc); err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusCreated, svc)
}

func (a *API) updateService(w http.ResponseWriter, r *http.Request) {
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
	var in serviceInput
	if err := request.DecodeJSON(w, r, &in); err != nil {
		response.Error(w, r, err)
		return
	}
	svc := &model.Service{ID: id, TenantID: tenant, Name: in.Name, Description: in.Description, Level: in.Level}
	if err := svc.Validate(); err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.store.UpdateService(response.Audited(r, tenant, "update", "service", "", in), svc); err != nil {
		response.Error(w, r, err)
		return
	}
	svc, err = a.store.Service(r.Context(), tenant, id)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, svc)
}

func (a *API) deleteService(w http.ResponseWriter, r *http.Request) {
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
	if err := a.store.DeleteService(response.Audited(r, tenant, "delete", "service", "", nil), tenant, id); err != nil {
		response.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func invalidID(got, want string) error {
	return invalid.New("id", "is %q but the path names %q; an ID cannot be changed", got, want)
}
