package monitoring

import (
	_ "embed"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/collector"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

// Authorizer is route.Authorizer.
type Authorizer = route.Authorizer

//go:embed openapi_paths.json
var openAPIPaths []byte

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

// Handlers serves the monitoring API.
type Handlers struct {
	store  *Store
	tenant Authorizer // for /tenants/{tenant}/... paths
	agent  Authorizer // for the agent, whose tenant is its token's
	now    func() time.Time
	logger *slog.Logger
	// collectors are the collectors' hosts whose health is set up
	// (collectorConnected), by tenant, name and host.
	collectors sync.Map
}

// NewHandlers returns the handlers over store. tenant authorises paths with
// {tenant}; agent authorises the agent's configuration pull, CallerTenant when nil.
func NewHandlers(store *Store, tenant, agent Authorizer, logger *slog.Logger) *Handlers {
	if agent == nil {
		agent = CallerTenant
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, tenant: tenant, agent: agent, now: time.Now, logger: logger}
}

const prefix = "/api/v1/tenants/{tenant}/monitoring"

// Routes is the route table of the monitoring API; openapi_paths.json lists
// exactly these, and a test holds the two together.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix + "/items", Handler: h.listItems},
		{Method: "POST", Path: prefix + "/items", Handler: h.createItem},
		{Method: "GET", Path: prefix + "/items/{id}", Handler: h.getItem},
		{Method: "PUT", Path: prefix + "/items/{id}", Handler: h.updateItem},
		{Method: "DELETE", Path: prefix + "/items/{id}", Handler: h.deleteItem},
		{Method: "GET", Path: prefix + "/items.csv", Handler: h.itemListCSV},
		{Method: "GET", Path: prefix + "/items.html", Handler: h.itemListHTML},

		{Method: "GET", Path: prefix + "/templates", Handler: h.listTemplates},
		{Method: "POST", Path: prefix + "/templates", Handler: h.createTemplate},
		{Method: "GET", Path: prefix + "/templates/{id}", Handler: h.getTemplate},
		{Method: "PUT", Path: prefix + "/templates/{id}", Handler: h.updateTemplate},
		{Method: "DELETE", Path: prefix + "/templates/{id}", Handler: h.deleteTemplate},
		{Method: "POST", Path: prefix + "/templates/{id}/copy", Handler: h.copyTemplate},

		{Method: "GET", Path: prefix + "/assignments", Handler: h.listAssignments},
		{Method: "POST", Path: prefix + "/assignments", Handler: h.createAssignment},
		{Method: "GET", Path: prefix + "/assignments/{id}", Handler: h.getAssignment},
		{Method: "DELETE", Path: prefix + "/assignments/{id}", Handler: h.deleteAssignment},

		{Method: "GET", Path: prefix + "/overrides", Handler: h.listOverrides},
		{Method: "POST", Path: prefix + "/overrides", Handler: h.createOverride},
		{Method: "GET", Path: prefix + "/overrides/{id}", Handler: h.getOverride},
		{Method: "PUT", Path: prefix + "/overrides/{id}", Handler: h.updateOverride},
		{Method: "DELETE", Path: prefix + "/overrides/{id}", Handler: h.deleteOverride},

		{Method: "GET", Path: prefix + "/effective-items", Handler: h.effectiveItems},
		{Method: "GET", Path: "/api/v1/agent/config", Handler: h.agentConfig},
		{Method: "GET", Path: collector.TargetsPath, Handler: h.collectorTargets},
	}
}

// CallerTenant is the Authorizer of the agent's pull: the tenant of the
// caller's token. MSP-wide callers name the tenant with ?tenant=.
func CallerTenant(r *http.Request, scope model.Scope) (string, error) {
	p := auth.FromContext(r.Context())
	if p == nil {
		return "", auth.ErrUnauthenticated
	}
	if !p.Can(scope) {
		return "", response.Forbidden("this needs the " + string(scope) + " scope")
	}
	if p.Global() {
		if t := r.URL.Query().Get("tenant"); t != "" {
			return t, nil
		}
		return "", invalid.New("tenant", "is required for a caller of every tenant")
	}
	return p.Tenant, nil
}

// work does the work of one request for tenant and returns the status and
// body of the answer.
type work func(tenant string) (int, any, error)

// read serves a request that needs the read scope on the path's tenant.
func (h *Handlers) read(w http.ResponseWriter, r *http.Request, f work) {
	response.Serve(w, r, h.tenant, model.ScopeRead, f)
}

// write serves a request that needs the write scope on the path's tenant.
func (h *Handlers) write(w http.ResponseWriter, r *http.Request, f work) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, f)
}

// queryID reads an optional positive ID from the query string; 0 when absent.
func queryID(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalid.New(name, "must be a positive integer, not %q", s)
	}
	return id, nil
}
