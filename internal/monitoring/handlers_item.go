package monitoring

import (
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

func (h *Handlers) listItems(w http.ResponseWriter, r *http.Request) {
	h.read(w, r, func(tenant string) (int, any, error) {
		var f ItemFilter
		var err error
		if f.TemplateID, err = queryID(r, "template_id"); err != nil {
			return 0, nil, err
		}
		if f.ResourceID, err = queryID(r, "resource_id"); err != nil {
			return 0, nil, err
		}
		list, err := h.store.Items(r.Context(), tenant, f)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) getItem(w http.ResponseWriter, r *http.Request) {
	h.read(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		it, err := h.store.Item(r.Context(), tenant, id)
		return http.StatusOK, it, err
	})
}

// itemInput reads an item from the body; what the server sets is cleared.
func itemInput(w http.ResponseWriter, r *http.Request, tenant string, id int64) (*Item, error) {
	var it Item
	if err := request.DecodeJSON(w, r, &it); err != nil {
		return nil, err
	}
	it.ID, it.TenantID, it.CreatedAt, it.UpdatedAt = id, tenant, time.Time{}, time.Time{}
	return &it, nil
}

func (h *Handlers) createItem(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		it, err := itemInput(w, r, tenant, 0)
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.CreateItem(response.Audited(r, tenant, "create", "monitoring_item", "", it), it); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, it, nil
	})
}

func (h *Handlers) updateItem(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		it, err := itemInput(w, r, tenant, id)
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.UpdateItem(response.Audited(r, tenant, "update", "monitoring_item", "", it), it); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, it, nil
	})
}

func (h *Handlers) deleteItem(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.DeleteItem(response.Audited(r, tenant, "delete", "monitoring_item", "", nil), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}
