package incident

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

// inquiryKinds are the records under /requests that take vendor cases: a
// catalog request is routine work, not something to forward to a vendor.
var inquiryKinds = []Kind{KindInquiry}

// vendorCaseRoutes serve the vendor cases of incidents and inquiries, and
// the tenant's list of them.
func (h *Handlers) vendorCaseRoutes() []route.Route {
	var out []route.Route
	for _, c := range []struct {
		base  string
		kinds []Kind
	}{{prefix + "/incidents/{id}/vendor-cases", incidentKinds}, {prefix + "/requests/{id}/vendor-cases", inquiryKinds}} {
		out = append(out,
			route.Route{Method: "GET", Path: c.base, Handler: h.listCases(c.kinds)},
			route.Route{Method: "POST", Path: c.base, Handler: h.openCase(c.kinds)},
			route.Route{Method: "GET", Path: c.base + "/{case}", Handler: h.getCase(c.kinds)},
			route.Route{Method: "PATCH", Path: c.base + "/{case}", Handler: h.updateCase(c.kinds)},
			route.Route{Method: "DELETE", Path: c.base + "/{case}", Handler: h.deleteCase(c.kinds)},
		)
	}
	return append(out, route.Route{Method: "GET", Path: prefix + "/vendor-cases", Handler: h.tenantCases})
}

// caseID reads the path's {case}.
func caseID(r *http.Request) (int64, error) {
	s := r.PathValue("case")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strings.HasPrefix(s, "+") {
		return 0, response.NotFound("no such vendor case")
	}
	return id, nil
}

// forReader hides the internal notes from a caller who may not read work notes.
func forReader(r *http.Request, list ...*VendorCase) {
	if seesInternal(r) {
		return
	}
	for _, c := range list {
		c.Notes = ""
	}
}

// ticket reads the path's {id} as a ticket of kinds in tenant.
func (h *Handlers) ticket(r *http.Request, tenant string, kinds []Kind) (int64, error) {
	id, err := request.PathID(r, string(kinds[0]))
	if err != nil {
		return 0, err
	}
	return id, h.checkKind(r, tenant, id, kinds)
}

func (h *Handlers) listCases(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, _ string) (int, any, error) {
			id, err := h.ticket(r, tenant, kinds)
			if err != nil {
				return 0, nil, err
			}
			list, err := h.store.VendorCases(r.Context(), tenant, id)
			forReader(r, list...)
			return http.StatusOK, list, err
		})
	}
}

func (h *Handlers) openCase(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
			id, err := h.ticket(r, tenant, kinds)
			if err != nil {
				return 0, nil, err
			}
			var in CaseInput
			if err := request.DecodeJSON(w, r, &in); err != nil {
				return 0, nil, err
			}
			ctx := response.Audited(r, tenant, "create", "vendor_case", "", nil)
			c, err := h.store.OpenVendorCase(ctx, tenant, id, actor, in)
			if err != nil {
				return 0, nil, err
			}
			return http.StatusCreated, c, nil
		})
	}
}

func (h *Handlers) getCase(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, _ string) (int, any, error) {
			id, err := h.ticket(r, tenant, kinds)
			if err != nil {
				return 0, nil, err
			}
			cid, err := caseID(r)
			if err != nil {
				return 0, nil, err
			}
			c, err := h.store.VendorCase(r.Context(), tenant, id, cid)
			if err != nil {
				return 0, nil, err
			}
			forReader(r, c)
			return http.StatusOK, c, nil
		})
	}
}

func (h *Handlers) updateCase(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
			id, err := h.ticket(r, tenant, kinds)
			if err != nil {
				return 0, nil, err
			}
			cid, err := caseID(r)
			if err != nil {
				return 0, nil, err
			}
			var e CaseEdit
			if err := request.DecodeJSON(w, r, &e); err != nil {
				return 0, nil, err
			}
			ctx := response.Audited(r, tenant, "update", "vendor_case", "", nil)
			c, err := h.store.UpdateVendorCase(ctx, tenant, id, cid, actor, e)
			return http.StatusOK, c, err
		})
	}
}

func (h *Handlers) deleteCase(kinds []Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
			id, err := h.ticket(r, tenant, kinds)
			if err != nil {
				return 0, nil, err
			}
			cid, err := caseID(r)
			if err != nil {
				return 0, nil, err
			}
			ctx := response.Audited(r, tenant, "delete", "vendor_case", "", nil)
			return http.StatusNoContent, nil, h.store.DeleteVendorCase(ctx, tenant, id, cid, actor)
		})
	}
}

func (h *Handlers) tenantCases(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeRead, func(tenant, _ string) (int, any, error) {
		list, err := h.store.TenantVendorCases(r.Context(), tenant, CaseFilter{All: r.URL.Query().Get("all") == "true"})
		forReader(r, list...)
		return http.StatusOK, list, err
	})
}
