package monitoring

import (
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

func (h *Handlers) listOverrides(w http.ResponseWriter, r *http.Request) {
	h.read(w, r, func(tenant string) (int, any, error) {
		var f OverrideFilter
		var err error
		if f.ItemID, err = queryID(r, "item_id"); err != nil {
			return 0, nil, err
		}
		if f.ResourceID, err = queryID(r, "resource_id"); err != nil {
			return 0, nil, err
		}
		list, err := h.store.Overrides(r.Context(), tenant, f)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) getOverride(w http.ResponseWriter, r *http.Request) {
	h.read(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		o, err := h.store.Override(r.Context(), tenant, id)
		return http.StatusOK, o, err
	})
}

// overrideInput reads an override from the body; what the server sets is cleared.
func overrideInput(w http.ResponseWriter, r *http.Request, tenant string, id int64) (*Override, error) {
	var o Override
	if err := request.DecodeJSON(w, r, &o); err != nil {
		return nil, err
	}
	o.ID, o.TenantID, o.CreatedAt, o.UpdatedAt = id, tenant, time.Time{}, time.Time{}
	return &o, nil
}

func (h *Handlers) createOverride(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		o, err := overrideInput(w, r, tenant, 0)
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.CreateOverride(response.Audited(r, tenant, "create", "monitoring_override", "", o), o); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, o, nil
	})
}

func (h *Handlers) updateOverride(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		o, err := overrideInput(w, r, tenant, id)
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.UpdateOverride(response.Audited(r, tenant, "update", "monitoring_override", "", o), o); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, o, nil
	})
}

func (h *Handlers) deleteOverride(w http.ResponseWriter, r *http.Request) {
	h.write(w, r, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.DeleteOverride(response.Audited(r, tenant, "delete", "monitoring_override", "", nil), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}
