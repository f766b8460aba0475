package monitoring

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

// errItemsOnUpdate keeps a template update from silently dropping items:
// they change one by one so that their overrides stay.
var errItemsOnUpdate = invalid.New("items", "cannot be replaced here: change items through .../monitoring/items")

// templateInput is what a client may set on a template; items only on creation.
type templateInput struct {
	Name        string  `json:"name"`
	Title       Text    `json:"title"`
	Description string  `json:"description"`
	Items       []*Item `json:"items"`
}

func (in templateInput) template(tenant string, id int64) *Template {
	for _, it := range in.Items {
		it.ID, it.TemplateID, it.ResourceID = 0, id, 0
	}
	return &Template{ID: id, TenantID: tenant, Name: in.Name, Title: in.Title, Description: in.Description, Items: in.Items}
}

func (h *Handlers) listTemplates(w http.ResponseWriter, r *http.Request) {
	h.read(w, r, func(tenant string) (int, any, error) {
		list, err := h.store.Templates(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) getTemplate(w http.ResponseWriter, r *http.Request) {
	h.read(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		t, err := h.store.Template(r.Context(), tenant, id)
		return http.StatusOK, t, err
	})
}

func (h *Handlers) createTemplate(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		var in templateInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		t := in.template(tenant, 0)
		if err := h.store.CreateTemplate(response.Audited(r, tenant, "create", "monitoring_template", "", in), t); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, t, nil
	})
}

func (h *Handlers) updateTemplate(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		var in templateInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		if in.Items != nil {
			return 0, nil, errItemsOnUpdate
		}
		if err := h.store.UpdateTemplate(response.Audited(r, tenant, "update", "monitoring_template", "", in), in.template(tenant, id)); err != nil {
			return 0, nil, err
		}
		t, err := h.store.Template(r.Context(), tenant, id)
		return http.StatusOK, t, err
	})
}

func (h *Handlers) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.DeleteTemplate(response.Audited(r, tenant, "delete", "monitoring_template", "", nil), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}

func (h *Handlers) copyTemplate(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		var in struct {
			Name string `json:"name"`
		}
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		t, err := h.store.CopyTemplate(response.Audited(r, tenant, "copy", "monitoring_template", "", map[string]any{"from": id, "name": in.Name}), tenant, id, in.Name)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, t, nil
	})
}
