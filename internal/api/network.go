package api

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

// networksBody is a tenant's networks: the CIDR prefixes where the server's
// pollers (Zabbix agents, SNMP devices, checks run from the server) may
// reach the internal addresses of the tenant's targets, within the
// server-wide --zabbix-allow, --snmp-allow and --outbound-allow.
type networksBody struct {
	Networks []string `json:"networks"`
}

func (a *API) getNetworks(w http.ResponseWriter, r *http.Request) {
	id, err := a.PathTenant(r, model.ScopeRead)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	list, err := a.store.TenantNetworks(r.Context(), id)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, networksBody{Networks: list})
}

// setNetworks replaces a tenant's networks. Only an MSP admin may: a
// tenant that could widen its own networks could name another tenant's
// addresses again.
func (a *API) setNetworks(w http.ResponseWriter, r *http.Request) {
	id, err := a.PathTenant(r, model.ScopeAdmin)
	if err == nil {
		err = require(r, model.ScopeAdmin, true)
	}
	if err != nil {
		response.Error(w, r, err)
		return
	}
	var in networksBody
	if err := request.DecodeJSON(w, r, &in); err != nil {
		response.Error(w, r, err)
		return
	}
	list, err := outbound.CheckNetworks(in.Networks)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.store.SetTenantNetworks(response.Audited(r, id, "update", "tenant_networks", id, networksBody{Networks: list}), id, list); err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, networksBody{Networks: list})
}
