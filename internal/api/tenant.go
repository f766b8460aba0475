package api

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

func (a *API) listTenants(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	if err := require(r, model.ScopeRead, false); err != nil {
		response.Error(w, r, err)
		return
	}
	list, err := a.store.Tenants(r.Context(), p.Tenant)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, list)
}

func (a *API) getTenant(w http.ResponseWriter, r *http.Request) {
	id, err := a.PathTenant(r, model.ScopeRead)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	t, err := a.store.Tenant(r.Context(), id)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, t)
}

// tenantInput is what a client may set on a tenant.
type tenantInput struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Language string `json:"language"`
	TimeZone string `json:"time_zone"`
}

func (a *API) createTenant(w http.ResponseWriter, r *http.Request) {
	if err := require(r, model.ScopeWrite, true); err != nil {
		response.Error(w, r, err)
		return
	}
	var in tenantInput
	if err := request.DecodeJSON(w, r, &in); err != nil {
		response.Error(w, r, err)
		return
	}
	t := &model.Tenant{ID: in.ID, Name: in.Name, Language: in.Language, TimeZone: in.TimeZone}
	t.Normalize()
	if err := t.Validate(); err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.store.CreateTenant(response.Audited(r, t.ID, "create", "tenant", "", in), t); err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusCreated, t)
}

func (a *API) updateTenant(w http.ResponseWriter, r *http.Request) {
	id, err := a.PathTenant(r, model.ScopeWrite)
	if err == nil {
		err = require(r, model.ScopeWrite, true)
	}
	if err != nil {
		response.Error(w, r, err)
		return
	}
	var in tenantInput
	if err := request.DecodeJSON(w, r, &in); err != nil {
		response.Error(w, r, err)
		return
	}
	if in.ID != "" && in.ID != id {
		response.Error(w, r, invalidID(in.ID, id))
		return
	}
	t := &model.Tenant{ID: id, Name: in.Name, Language: in.Language, TimeZone: in.TimeZone}
	t.Normalize()
	if err := t.Validate(); err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.store.UpdateTenant(response.Audited(r, id, "update", "tenant", "", in), t); err != nil {
		response.Error(w, r, err)
		return
	}
	t, err = a.store.Tenant(r.Context(), id)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, t)
}

func (a *API) deleteTenant(w http.ResponseWriter, r *http.Request) {
	id, err := a.PathTenant(r, model.ScopeAdmin)
	if err == nil {
		err = require(r, model.ScopeAdmin, true)
	}
	if err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.DeleteTenant(response.Audited(r, "", "delete", "tenant", "", nil), id); err != nil {
		response.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listAudit serves the tenant's audit log to MSP staff only: its details hold
// what the customer must not see (internal work notes, who changed what), so
// a caller bound to the tenant (a viewer, the customer's tokens) gets 403.
func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	id, err := a.PathTenant(r, model.ScopeRead)
	if err == nil && !auth.FromContext(r.Context()).Global() {
		err = response.Forbidden("the audit log is for MSP staff: it needs a caller of every tenant")
	}
	if err != nil {
		response.Error(w, r, err)
		return
	}
	list, err := a.store.AuditLog(r.Context(), id, 500)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, list)
}
