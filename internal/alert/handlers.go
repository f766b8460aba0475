package alert

import (
	_ "embed"
	"errors"
	"io"
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

// Handlers serves the alert API and the intake of external alerts.
type Handlers struct {
	engine *Engine
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers over engine. tenant authorises paths
// with {tenant} (api.(*API).PathTenant). Acknowledgements, silences and
// severity maps are audited in their own transaction.
func NewHandlers(engine *Engine, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{engine: engine, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/alerts"

// Routes is the route table of the alert API; openapi_paths.json lists
// exactly these, and a test holds the two together.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.get},
		{Method: "POST", Path: prefix + "/{id}/acknowledge", Handler: h.acknowledge},
		{Method: "POST", Path: prefix + "/{id}/silence", Handler: h.silence},
		{Method: "GET", Path: severityPath, Handler: h.getSeverityMap},
		{Method: "PUT", Path: severityPath, Handler: h.putSeverityMap},
		{Method: "GET", Path: silencePath, Handler: h.listSilences},
		{Method: "POST", Path: silencePath, Handler: h.createSilence},
		{Method: "POST", Path: silencePath + "/{id}/expire", Handler: h.expireSilence},
		{Method: "POST", Path: "/api/v1/intake/alertmanager", Handler: h.intake(DecodeAlertmanager)},
		{Method: "POST", Path: "/api/v1/intake/azure-monitor", Handler: h.intake(DecodeAzureMonitor)},
		{Method: "POST", Path: "/api/v1/intake/events", Handler: h.intake(DecodeEvents)},
		{Method: "POST", Path: "/api/v1/intake/zabbix", Handler: h.intake(DecodeZabbix)},
	}
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	tenant, err := h.tenant(r, model.ScopeRead)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	f, err := parseFilter(r)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	list, err := h.engine.store.List(r.Context(), tenant, f)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, list)
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	tenant, err := h.tenant(r, model.ScopeRead)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	id, err := request.PathID(r, "alert")
	if err != nil {
		response.Error(w, r, err)
		return
	}
	a, err := h.engine.store.Alert(r.Context(), tenant, id)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, a)
}

func (h *Handlers) acknowledge(w http.ResponseWriter, r *http.Request) {
	tenant, id, ok := h.writeTarget(w, r)
	if !ok {
		return
	}
	a, err := h.engine.Acknowledge(response.Audited(r, tenant, "acknowledge", "alert", "", nil), tenant, id, response.Actor(r))
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, a)
}

func (h *Handlers) silence(w http.ResponseWriter, r *http.Request) {
	tenant, id, ok := h.writeTarget(w, r)
	if !ok {
		return
	}
	var in struct {
		Until string `json:"until"`
	}
	body, err := readBody(w, r)
	if err == nil {
		err = decodeJSON(body, &in)
	}
	if err != nil {
		response.Error(w, r, err)
		return
	}
	until, err := time.Parse(time.RFC3339, in.Until)
	if err != nil {
		response.Error(w, r, invalid.New("until", "must be an RFC 3339 time such as 2025-04-01T09:00:00+09:00, not %q", in.Until))
		return
	}
	a, err := h.engine.Silence(response.Audited(r, tenant, "silence", "alert", "", map[string]string{"until": in.Until}), tenant, id, until, response.Actor(r))
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, a)
}

func (h *Handlers) writeTarget(w http.ResponseWriter, r *http.Request) (string, int64, bool) {
	tenant, err := h.tenant(r, model.ScopeWrite)
	if err == nil {
		var id int64
		if id, err = request.PathID(r, "alert"); err == nil {
			return tenant, id, true
		}
	}
	response.Error(w, r, err)
	return "", 0, false
}

// intake serves one intake endpoint: the tenant is the caller's token's,
// which must hold the ingest scope.
func (h *Handlers) intake(decode func([]byte) ([]Signal, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		if !p.Can(model.ScopeIngest) || p.Global() {
			response.Error(w, r, response.Forbidden("the intake needs a tenant's token with the ingest scope"))
			return
		}
		body, err := readBody(w, r)
		if err != nil {
			response.Error(w, r, err)
			return
		}
		signals, err := decode(body)
		if err != nil {
			response.Error(w, r, err)
			return
		}
		res, err := h.engine.Intake(r.Context(), p.Tenant, signals)
		if err != nil {
			response.Error(w, r, err)
			return
		}
		response.JSON(w, http.StatusOK, res)
	}
}

const maxBody = 1 << 20

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, invalid.New("body", "is larger than %d bytes", maxBody)
	}
	return b, err
}

// parseFilter reads ?state=firing,pending&severity=critical&resource=ID&from=&to=&limit=.
func parseFilter(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	var f Filter
	for _, s := range splitList(q.Get("state")) {
		st := State(s)
		if st != StatePending && st != StateFiring && st != StateResolved {
			return f, invalid.New("state", "must be pending, firing or resolved, not %q", s)
		}
		f.States = append(f.States, st)
	}
	for _, s := range splitList(q.Get("severity")) {
		sv := Severity(s)
		if sv.rank() == 0 {
			return f, invalid.New("severity", "must be critical, warning or info, not %q", s)
		}
		f.Severities = append(f.Severities, sv)
	}
	var err error
	if s := q.Get("resource"); s != "" {
		if f.ResourceID, err = strconv.ParseInt(s, 10, 64); err != nil || f.ResourceID <= 0 {
			return f, invalid.New("resource", "must be a resource ID, not %q", s)
		}
	}
	for _, t := range []struct {
		name string
		to   *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := q.Get(t.name); s != "" {
			if *t.to, err = time.Parse(time.RFC3339, s); err != nil {
				return f, invalid.New(t.name, "must be an RFC 3339 time, not %q", s)
			}
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, invalid.New("to", "must be after from")
	}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit <= 0 || f.Limit > 5000 {
			return f, invalid.New("limit", "must be between 1 and 5000, not %q", s)
		}
	}
	return f, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
