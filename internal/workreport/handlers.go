package workreport

import (
	_ "embed"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the work report API.
type Handlers struct {
	store *Store

	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers; tenant authorises {tenant} paths.
func NewHandlers(store *Store, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/work-reports"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "POST", Path: prefix, Handler: h.create},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.record().Read},
		{Method: "PUT", Path: prefix + "/{id}", Handler: h.record().Write},
		{Method: "DELETE", Path: prefix + "/{id}", Handler: h.record().Remove},
	}
}

// input is the body of a create or update.
type input struct {
	Subject    string    `json:"subject"`
	Detail     string    `json:"detail"`
	Worker     string    `json:"worker"`
	Result     Result    `json:"result"`
	StartedAt  time.Time `json:"started_at"`
	EndedAt    time.Time `json:"ended_at"`
	IncidentID int64     `json:"incident_id"`
	PlanRef    string    `json:"plan_ref"`
}

func (in input) onto(r *Report) {
	r.Subject, r.Detail, r.Worker, r.Result = in.Subject, in.Detail, in.Worker, in.Result
	r.StartedAt, r.EndedAt, r.IncidentID, r.PlanRef = in.StartedAt, in.EndedAt, in.IncidentID, in.PlanRef
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		var f Filter
		var err error
		if f.From, err = queryTime(r, "from"); err != nil {
			return 0, nil, err
		}
		if f.To, err = queryTime(r, "to"); err != nil {
			return 0, nil, err
		}
		if s := r.URL.Query().Get("incident_id"); s != "" {
			if f.IncidentID, err = strconv.ParseInt(s, 10, 64); err != nil || f.IncidentID <= 0 {
				return 0, nil, invalid.New("incident_id", "must be a positive integer")
			}
		}
		list, err := h.store.List(r.Context(), tenant, f)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		rep := &Report{TenantID: tenant, CreatedBy: response.Actor(r)}
		in.onto(rep)
		if err := h.store.Create(response.Audited(r, tenant, "create", "work_report", "", in), rep); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, rep, nil
	})
}

func queryTime(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, invalid.New(name, "must be an RFC 3339 time, not %q", s)
	}
	return t, nil
}

// record is the glue of reading, changing and deleting one work report.
func (h *Handlers) record() request.Record[Report, input] {
	return request.Record[Report, input]{
		Authz: h.tenant, Noun: "work report", Object: "work_report",
		Get: h.store.Get, Apply: input.onto, Update: h.store.Update, Delete: h.store.Delete,
	}
}
