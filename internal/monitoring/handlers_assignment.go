package monitoring

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

// assignmentInput is what a client may set on an assignment.
type assignmentInput struct {
	TemplateID int64  `json:"template_id"`
	Selector   string `json:"selector"`
	ResourceID int64  `json:"resource_id"`
}

func (h *Handlers) listAssignments(w http.ResponseWriter, r *http.Request) {
	h.read(w, r, func(tenant string) (int, any, error) {
		list, err := h.store.Assignments(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) getAssignment(w http.ResponseWriter, r *http.Request) {
	h.read(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		a, err := h.store.Assignment(r.Context(), tenant, id)
		return http.StatusOK, a, err
	})
}

func (h *Handlers) createAssignment(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		var in assignmentInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		a := &Assignment{TenantID: tenant, TemplateID: in.TemplateID, Selector: in.Selector, ResourceID: in.ResourceID}
		if err := h.store.CreateAssignment(response.Audited(r, tenant, "create", "monitoring_assignment", "", in), a); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, a, nil
	})
}

func (h *Handlers) deleteAssignment(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.DeleteAssignment(response.Audited(r, tenant, "delete", "monitoring_assignment", "", nil), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}
