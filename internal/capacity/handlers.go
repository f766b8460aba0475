package capacity

import (
	_ "embed"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the capacity API.
type Handlers struct {
	store  *Store
	tenant route.Authorizer
	logger *slog.Logger
	now    func() time.Time
	yearly YearlyPlans // nil: accepting a yearly plan is off
}

// NewHandlers returns the handlers; tenant authorises {tenant} paths.
func NewHandlers(store *Store, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, tenant: tenant, logger: logger, now: time.Now}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/capacity"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	g := prefix + "/groups/{id}"
	return []route.Route{
		{Method: "GET", Path: prefix + "/groups", Handler: h.listGroups},
		{Method: "POST", Path: prefix + "/groups", Handler: h.createGroup},
		{Method: "GET", Path: g, Handler: h.getGroup},
		{Method: "PUT", Path: g, Handler: h.updateGroup},
		{Method: "DELETE", Path: g, Handler: h.deleteGroup},
		{Method: "GET", Path: g + "/status", Handler: h.status},
		{Method: "POST", Path: g + "/confirm", Handler: h.confirm},
		{Method: "POST", Path: g + "/hold", Handler: h.hold},
		{Method: "DELETE", Path: g + "/hold", Handler: h.release},
		{Method: "GET", Path: g + "/steps", Handler: h.steps},
		{Method: "GET", Path: g + "/dry-run", Handler: h.dryRun},
		{Method: "GET", Path: g + "/calendar", Handler: h.calendar},
		{Method: "GET", Path: g + "/plan-actual", Handler: h.planActual},
		{Method: "GET", Path: g + "/plan/versions", Handler: h.listVersions},
		{Method: "POST", Path: g + "/plan/versions", Handler: h.createVersion},
		{Method: "GET", Path: g + "/plan/versions/{version}", Handler: h.getVersion},
		{Method: "PUT", Path: g + "/plan/versions/{version}", Handler: h.updateVersion},
		{Method: "POST", Path: g + "/plan/versions/{version}/propose", Handler: h.propose},
		{Method: "POST", Path: g + "/plan/versions/{version}/approve", Handler: h.approve},
		{Method: "POST", Path: g + "/plan/versions/{version}/activate", Handler: h.activate},
		{Method: "GET", Path: g + "/plan/diff", Handler: h.diff},
		{Method: "GET", Path: prefix + "/results", Handler: h.results},
		{Method: "POST", Path: "/api/v1/tenants/{tenant}/yearly-plan/accept", Handler: h.acceptYearly},
	}
}

// groupInput is the body of a group's create or update; Secret is
// write-only (omitted: kept; "": removed).
type groupInput struct {
	Name         string          `json:"name"`
	ServiceID    int64           `json:"service_id"`
	Kind         string          `json:"kind"`
	Config       json.RawMessage `json:"config"`
	AccountID    int64           `json:"account_id"`
	Secret       *string         `json:"secret"`
	Min          int             `json:"min"`
	Max          int             `json:"max"`
	InstanceSize string          `json:"instance_size"`
	HourlyPrice  *float64        `json:"hourly_price"`
	LoadQuery    string          `json:"load_query"`
	LoadUnit     string          `json:"load_unit"`
	LoadUnder    *float64        `json:"load_under"`
	LoadOver     *float64        `json:"load_over"`
	LoadPerInst  *float64        `json:"load_per_instance"`
	HostSelector string          `json:"host_selector"`
	VerifyWithin model.Duration  `json:"verify_within"`
}

func (in groupInput) onto(g *Group) []byte {
	g.Name, g.ServiceID, g.Kind, g.Config, g.AccountID = in.Name, in.ServiceID, in.Kind, in.Config, in.AccountID
	g.Min, g.Max, g.InstanceSize, g.HourlyPrice = in.Min, in.Max, in.InstanceSize, in.HourlyPrice
	g.LoadQuery, g.HostSelector, g.VerifyWithin = in.LoadQuery, in.HostSelector, in.VerifyWithin
	g.LoadUnit, g.LoadUnder, g.LoadOver, g.LoadPerInstance = in.LoadUnit, in.LoadUnder, in.LoadOver, in.LoadPerInst
	if in.Secret == nil {
		return nil
	}
	return []byte(*in.Secret)
}

// audit is the input as recorded: never the secret.
func (in groupInput) audit() groupInput {
	if in.Secret != nil {
		s := "(set)"
		in.Secret = &s
	}
	return in
}

// commandNeedsAdmin: a command group runs a program on the server, which
// only the MSP admin may choose.
func commandNeedsAdmin(r *http.Request, kind string) error {
	if kind != "command" {
		return nil
	}
	if p := auth.FromContext(r.Context()); !p.Global() || !p.Can(model.ScopeAdmin) {
		return response.Forbidden("a command group runs a program on the server: only the MSP admin may create or change one")
	}
	return nil
}

func (h *Handlers) listGroups(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.Groups(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) createGroup(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in groupInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		if err := commandNeedsAdmin(r, in.Kind); err != nil {
			return 0, nil, err
		}
		g := &Group{TenantID: tenant}
		secret := in.onto(g)
		if err := h.store.CreateGroup(response.Audited(r, tenant, "create", "capacity_group", "", in.audit()), g, secret); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, g, nil
	})
}

// group reads the path's group of tenant.
func (h *Handlers) group(r *http.Request, tenant string) (*Group, error) {
	id, err := request.PathID(r, "capacity group")
	if err != nil {
		return nil, err
	}
	return h.store.Group(r.Context(), tenant, id)
}

func (h *Handlers) getGroup(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		g, err := h.group(r, tenant)
		return http.StatusOK, g, err
	})
}

func (h *Handlers) updateGroup(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		g, err := h.group(r, tenant)
		if err != nil {
			return 0, nil, err
		}
		var in groupInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		if err := commandNeedsAdmin(r, g.Kind); err != nil {
			return 0, nil, err
		}
		if err := commandNeedsAdmin(r, in.Kind); err != nil {
			return 0, nil, err
		}
		old := g.Name
		secret := in.onto(g)
		if err := h.store.UpdateGroup(response.Audited(r, tenant, "update", "capacity_group", itoa(g.ID), in.audit()), g, old, secret); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, g, nil
	})
}

func (h *Handlers) deleteGroup(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		g, err := h.group(r, tenant)
		if err != nil {
			return 0, nil, err
		}
		if err := commandNeedsAdmin(r, g.Kind); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, h.store.DeleteGroup(response.Audited(r, tenant, "delete", "capacity_group", itoa(g.ID), nil), tenant, g.ID)
	})
}

// Status is what the group's platform runs now, against the plan.
type Status struct {
	Desired int       `json:"desired"`
	Running int       `json:"running"`
	Size    string    `json:"size"`
	Error   string    `json:"error,omitempty"`
	Plan    *Point    `json:"plan,omitempty"` // the active plan's count now
	Hold    *Hold     `json:"hold,omitempty"`
	Version int       `json:"active_version,omitempty"`
	At      time.Time `json:"at"`
}

func (h *Handlers) status(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		g, err := h.group(r, tenant)
		if err != nil {
			return 0, nil, err
		}
		st, err := h.store.Status(r.Context(), g, h.now())
		return http.StatusOK, st, err
	})
}

func (h *Handlers) confirm(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "capacity group")
		if err != nil {
			return 0, nil, err
		}
		var in struct {
			Count *int `json:"count"`
		}
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		if in.Count == nil {
			return 0, nil, invalid.New("count", "is required: the count running now")
		}
		return http.StatusNoContent, nil, h.store.Confirm(response.Audited(r, tenant, "confirm", "capacity_group", itoa(id), in), tenant, id, *in.Count)
	})
}

func (h *Handlers) hold(w http.ResponseWriter, r *http.Request) {
	response.ServeAs(w, r, h.tenant, model.ScopeWrite, func(tenant, actor string) (int, any, error) {
		id, err := request.PathID(r, "capacity group")
		if err != nil {
			return 0, nil, err
		}
		var in struct {
			Count  int       `json:"count"`
			Until  time.Time `json:"until"`
			Reason string    `json:"reason"`
		}
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		hold, err := h.store.CreateHold(response.Audited(r, tenant, "hold", "capacity_group", itoa(id), in), tenant, id, in.Count, in.Until, in.Reason, actor)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, hold, nil
	})
}

func (h *Handlers) release(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "capacity group")
		if err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, h.store.ReleaseHold(response.Audited(r, tenant, "release_hold", "capacity_group", itoa(id), nil), tenant, id)
	})
}

// period reads ?from and ?to (RFC 3339), by default the def before now.
func (h *Handlers) period(r *http.Request, def time.Duration) (time.Time, time.Time, error) {
	to, from := h.now(), time.Time{}
	q := r.URL.Query()
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if s := q.Get(f.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return from, to, invalid.New(f.name, "must be an RFC 3339 time, not %q", s)
			}
			*f.dst = t
		}
	}
	if from.IsZero() {
		from = to.Add(-def)
	}
	if !to.After(from) || to.Sub(from) > maxPeriod {
		return from, to, invalid.New("to", "must be after from, at most 400 days later")
	}
	return from, to, nil
}

func (h *Handlers) steps(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		g, err := h.group(r, tenant)
		if err != nil {
			return 0, nil, err
		}
		from, to, err := h.period(r, 30*24*time.Hour)
		if err != nil {
			return 0, nil, err
		}
		list, err := h.store.Steps(r.Context(), tenant, g.ID, from, to.Add(time.Millisecond))
		return http.StatusOK, list, err
	})
}

// queryInt reads ?name as an integer from lo to hi, def when absent.
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, invalid.New(name, "must be a number from %d to %d", lo, hi)
	}
	return n, nil
}

func (h *Handlers) dryRun(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "capacity group")
		if err != nil {
			return 0, nil, err
		}
		v, err := queryInt(r, "version", 0, 0, 1<<30)
		if err != nil {
			return 0, nil, err
		}
		days, err := queryInt(r, "days", 7, 1, 31)
		if err != nil {
			return 0, nil, err
		}
		out, err := h.store.DryRun(r.Context(), tenant, id, v, h.now(), days)
		return http.StatusOK, out, err
	})
}

func (h *Handlers) planActual(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		g, err := h.group(r, tenant)
		if err != nil {
			return 0, nil, err
		}
		id := g.ID
		from, to, err := h.period(r, 30*24*time.Hour)
		if err != nil {
			return 0, nil, err
		}
		out, err := h.store.PlanActual(r.Context(), tenant, id, from, to)
		return http.StatusOK, out, err
	})
}

func (h *Handlers) results(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		from, to, err := h.period(r, 30*24*time.Hour)
		if err != nil {
			return 0, nil, err
		}
		out, err := h.store.Results(r.Context(), tenant, from, to, to.Add(to.Sub(from)))
		return http.StatusOK, out, err
	})
}

// trim shortens free text for an audit detail.
func trim(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 500 {
		return s[:500]
	}
	return s
}
