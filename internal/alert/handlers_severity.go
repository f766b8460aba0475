package alert

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

// severityPath is the tenant's severity map (SeverityMap).
const severityPath = "/api/v1/tenants/{tenant}/alert-severities"

func (h *Handlers) getSeverityMap(w http.ResponseWriter, r *http.Request) {
	tenant, err := h.tenant(r, model.ScopeRead)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	m, err := h.engine.store.SeverityMap(r.Context(), tenant)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, m)
}

func (h *Handlers) putSeverityMap(w http.ResponseWriter, r *http.Request) {
	tenant, err := h.tenant(r, model.ScopeWrite)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	m := DefaultSeverityMap()
	if err := request.DecodeJSON(w, r, &m); err != nil {
		response.Error(w, r, err)
		return
	}
	if m.Severities == nil {
		m.Severities = map[string]Severity{}
	}
	if err := h.engine.store.SetSeverityMap(response.Audited(r, tenant, "update", "alert-severities", tenant, nil), tenant, &m, h.engine.opts.Now()); err != nil {
		response.Error(w, r, err)
		return
	}

	response.JSON(w, http.StatusOK, m)
}
