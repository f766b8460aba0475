package discovery

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/storage"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// RunTimeout bounds a discovery someone asked for through the API.
const RunTimeout = 2 * time.Minute

// Handlers serves the discovery API.
type Handlers struct {
	d      *Discoverer
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers over d; tenant authorises {tenant}.
func NewHandlers(d *Discoverer, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{d: d, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/discovery"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix + "/types", Handler: h.types},
		{Method: "GET", Path: prefix + "/rules", Handler: h.getRules},
		{Method: "PUT", Path: prefix + "/rules", Handler: h.putRules},
		{Method: "GET", Path: prefix + "/runs", Handler: h.runs},
		{Method: "POST", Path: prefix + "/accounts/{id}/run", Handler: h.run},
		{Method: "GET", Path: prefix + "/resources", Handler: h.resources},
	}
}

// TypeView is a catalogued type as the API lists it.
type TypeView struct {
	Provider cloudtype.Provider `json:"provider"`
	Name     string             `json:"name"`
	Short    string             `json:"short"`
	Kind     string             `json:"kind"`
	Template string             `json:"template,omitempty"`
}

// Catalogue is the catalogue as the API and the console list it.
func Catalogue() []TypeView {
	out := make([]TypeView, 0, len(cloudtype.Types))
	for _, t := range cloudtype.Types {
		out = append(out, TypeView{Provider: t.Provider, Name: t.Name, Short: t.Short, Kind: t.Kind, Template: t.Template})
	}
	return out
}

func (h *Handlers) types(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(string) (int, any, error) {
		return http.StatusOK, Catalogue(), nil
	})
}

func (h *Handlers) getRules(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		rules, err := h.d.deps.Store.Rules(r.Context(), tenant)
		return http.StatusOK, rules, err
	})
}

func (h *Handlers) putRules(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in Rules
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		rules, err := h.d.deps.Store.SetRules(response.Audited(r, tenant, "update", "discovery_rules", tenant, nil), tenant, in)
		return http.StatusOK, rules, err
	})
}

func (h *Handlers) runs(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.d.deps.Store.Runs(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

// run discovers the account now: 200 with the run, OK or not (a cloud's
// refusal is the run's message, not an API error).
func (h *Handlers) run(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "cloud account")
		if err != nil {
			return 0, nil, err
		}
		ctx, cancel := context.WithTimeout(response.Audited(r, tenant, "discover", "cloud_account", strconv.FormatInt(id, 10), nil), RunTimeout)
		defer cancel()
		run, err := h.d.Discover(ctx, tenant, id)
		if errors.Is(err, cloudaccount.ErrNotFound) {
			return 0, nil, storage.ErrNotFound
		}
		return http.StatusOK, run, err
	})
}

// Discovered is a resource discovery registered, as the API lists it.
type Discovered struct {
	*model.Resource
	CloudID   string `json:"cloud_id"`
	Type      string `json:"cloud_type"`
	AccountID int64  `json:"account_id"`
	Gone      bool   `json:"gone"`
	GoneSince string `json:"gone_since,omitempty"` // RFC 3339
}

// Resources lists tenant's discovered resources, of account when not 0.
func (d *Discoverer) Resources(ctx context.Context, tenant string, account int64) ([]Discovered, error) {
	list, err := d.deps.Resources.Resources(ctx, tenant, storage.ResourceFilter{})
	if err != nil {
		return nil, err
	}
	out := []Discovered{}
	for _, res := range list {
		acct, err := strconv.ParseInt(res.Labels[cloudtype.LabelAccount], 10, 64)
		if err != nil || account != 0 && acct != account || res.Labels[cloudtype.LabelID] == "" {
			continue
		}
		since, gone := res.Labels[cloudtype.LabelGone]
		out = append(out, Discovered{Resource: res, CloudID: res.Labels[cloudtype.LabelID], Type: res.Labels[cloudtype.LabelType],
			AccountID: acct, Gone: gone, GoneSince: since})
	}
	return out, nil
}

func (h *Handlers) resources(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		var account int64
		if v := r.URL.Query().Get("account"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return 0, nil, invalidAccount(v)
			}
			account = n
		}
		list, err := h.d.Resources(r.Context(), tenant, account)
		return http.StatusOK, list, err
	})
}
