package cluster

import (
	_ "embed"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serve the cluster view to the MSP admin.
type Handlers struct{ m *Membership }

// NewHandlers returns the handlers of the cluster view over m.
func NewHandlers(m *Membership) *Handlers { return &Handlers{m: m} }

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{{Method: "GET", Path: "/api/v1/cluster", Handler: h.list}}
}

// View is the body of GET /api/v1/cluster.
type View struct {
	Self     string    `json:"self"`
	Replicas []Replica `json:"replicas"`
}

// list answers the replicas as this one sees them. Only the MSP admin may:
// addresses and versions of the servers are the MSP's, no tenant's.
func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	if !p.Global() || !p.Can(model.ScopeAdmin) {
		response.Error(w, r, response.Forbidden("the cluster view needs the admin scope across all tenants"))
		return
	}
	list, err := h.m.List(r.Context())
	if err != nil {
		response.Error(w, r, err)
		return
	}
	if list == nil {
		list = []Replica{}
	}
	response.JSON(w, http.StatusOK, View{Self: h.m.opts.ID, Replicas: list})
}
