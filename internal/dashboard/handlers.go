package dashboard

import (
	_ "embed"
	"errors"
	"io"
	"net/http"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the dashboards' API.
type Handlers struct {
	store  *Store
	tenant route.Authorizer
}

// NewHandlers returns the handlers; tenant authorises {tenant} paths.
func NewHandlers(store *Store, tenant route.Authorizer) *Handlers {
	return &Handlers{store: store, tenant: tenant}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/dashboards"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "POST", Path: prefix, Handler: h.create},
		{Method: "POST", Path: prefix + "/import", Handler: h.importGrafana},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.get},
		{Method: "PUT", Path: prefix + "/{id}", Handler: h.update},
		{Method: "DELETE", Path: prefix + "/{id}", Handler: h.delete},
	}
}

// Input is the body of a create or update.
type Input struct {
	Title       string     `json:"title"`
	Description string     `json:"description"`
	TimeRange   string     `json:"time_range"`
	Refresh     string     `json:"refresh"`
	Variables   []Variable `json:"variables"`
	Panels      []Panel    `json:"panels"`
}

// Onto copies in onto d.
func (in Input) Onto(d *Dashboard) {
	d.Title, d.Description, d.TimeRange, d.Refresh = in.Title, in.Description, in.TimeRange, in.Refresh
	d.Variables, d.Panels = in.Variables, in.Panels
}

// Imported is the answer to an import: the dashboard made, and what of
// the Grafana dashboard it does not carry.
type Imported struct {
	Dashboard *Dashboard `json:"dashboard"`
	Skipped   []Skipped  `json:"skipped"`
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.List(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in Input
		if err := request.DecodeJSONLimit(w, r, &in, MaxImportBytes); err != nil {
			return 0, nil, err
		}
		d := &Dashboard{Tenant: tenant, CreatedBy: response.Actor(r)}
		in.Onto(d)
		if err := h.store.Create(response.Audited(r, tenant, "create", "dashboard", "", in), d); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, d, nil
	})
}

// importGrafana takes a Grafana dashboard's JSON as the body.
func (h *Handlers) importGrafana(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxImportBytes))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return 0, nil, err
		} else if err != nil {
			return 0, nil, invalid.New("body", "could not be read: %v", err)
		}
		d, err := FromGrafana(body)
		if err != nil {
			return 0, nil, err
		}
		d.Tenant, d.CreatedBy = tenant, response.Actor(r)
		detail := map[string]any{"title": d.Title, "panels": len(d.Panels), "skipped": len(d.Skipped)}
		if err := h.store.Create(response.Audited(r, tenant, "import", "dashboard", "", detail), d); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, Imported{Dashboard: d, Skipped: d.Skipped}, nil
	})
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "dashboard")
		if err != nil {
			return 0, nil, err
		}
		d, err := h.store.Get(r.Context(), tenant, id)
		return http.StatusOK, d, err
	})
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "dashboard")
		if err != nil {
			return 0, nil, err
		}
		d, err := h.store.Get(r.Context(), tenant, id)
		if err != nil {
			return 0, nil, err
		}
		var in Input
		if err := request.DecodeJSONLimit(w, r, &in, MaxImportBytes); err != nil {
			return 0, nil, err
		}
		in.Onto(d)
		if err := h.store.Update(response.Audited(r, tenant, "update", "dashboard", "", in), d); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, d, nil
	})
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "dashboard")
		if err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, h.store.Delete(response.Audited(r, tenant, "delete", "dashboard", "", nil), tenant, id)
	})
}
